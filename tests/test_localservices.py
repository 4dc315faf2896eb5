"""`python -m conflict_tracker.localservices` starts PostgreSQL and Redis from nothing, is harmless when run twice,
and stops them again.

The pair under test lives in a temporary var dir on free ports, so the services this test session itself runs on
are not disturbed. No Django database is needed.
"""

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

REPO_DIR = Path(__file__).resolve().parent.parent


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _cli(env: dict[str, str], command: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-m", "conflict_tracker.localservices", command],
        cwd=REPO_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.splitlines()


def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=2, retry=Retry(NoBackoff(), 0))


def _server_identities(urls: dict[str, str]) -> tuple[object, int]:
    """When the PostgreSQL server started and which process the Redis server is: unchanged if not restarted."""
    with psycopg.connect(urls["DATABASE_URL"], connect_timeout=5) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
        started_at = conn.execute("SELECT pg_postmaster_start_time()").fetchone()[0]
    client = _redis(urls["REDIS_URL"])
    assert client.ping() is True
    return started_at, client.info("server")["process_id"]


@pytest.fixture
def local_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """An environment for a second pair of services, with DATABASE_URL / REDIS_URL removed; stopped afterwards."""
    pg_port, redis_port = _free_ports(2)
    env = {name: value for name, value in os.environ.items() if name not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        CONFLICT_TRACKER_VAR_DIR=str(tmp_path / "var"),
        EMBEDDED_PG_PORT=str(pg_port),
        EMBEDDED_REDIS_PORT=str(redis_port),
    )
    yield env
    _cli(env, "down")


def test_up_starts_both_from_nothing_twice_harmlessly_and_down_stops_them(local_env: dict[str, str]) -> None:
    pg_port, redis_port = local_env["EMBEDDED_PG_PORT"], local_env["EMBEDDED_REDIS_PORT"]

    assert _cli(local_env, "up") == ["postgres: started", "redis: started"]
    env_file = Path(local_env["CONFLICT_TRACKER_VAR_DIR"]) / "services.env"
    urls = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if not line.startswith("#"))
    assert urls == {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{pg_port}/conflict_tracker",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
    }
    servers = _server_identities(urls)

    assert _cli(local_env, "up") == ["postgres: already running", "redis: already running"]
    assert _server_identities(urls) == servers

    assert _cli(local_env, "down") == ["postgres: stopped", "redis: stopped"]
    assert _cli(local_env, "status") == ["postgres: stopped", "redis: stopped"]
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(urls["DATABASE_URL"], connect_timeout=2)
    with pytest.raises(redis.ConnectionError):
        _redis(urls["REDIS_URL"]).ping()
