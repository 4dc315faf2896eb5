"""The production server: gunicorn as the image runs it (gunicorn.conf.py, production settings), on this suite's
test database and Redis, on a free port.

GUNICORN_TIMEOUT is 2 s here. An export is held inside the app for longer than that (the test holds a lock its query
waits on), and still arrives whole: with threaded workers the timeout is the worker's heartbeat, not a limit on a
request (with the sync worker compose ran before, the worker is killed and the file cut). Its logs are JSON lines,
each record of a request carrying the request id the response names.
"""

import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from events.choices import IncidentStatus
from tests.factories import IncidentFactory

REPO_DIR = Path(__file__).resolve().parent.parent
WORKER_TIMEOUT = 2
START_TIMEOUT = 60.0


@dataclass
class Server:
    port: int
    log: Path

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[http.client.HTTPResponse, bytes]:
        """GET through the HTTPS proxy production sits behind (it sets X-Forwarded-Proto)."""
        client = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            client.request("GET", path, headers={"X-Forwarded-Proto": "https", **(headers or {})})
            response = client.getresponse()
            # Raises IncompleteRead if the stream is cut before its last chunk.
            return response, response.read()
        finally:
            client.close()

    def records(self) -> list[dict]:
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _test_database_url() -> str:
    """The URL the suite's settings were given, pointing at the test database this session created."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{connection.settings_dict['NAME']}"))


@pytest.fixture(scope="module")
def server(django_db_setup, tmp_path_factory) -> Iterator[Server]:
    var_dir = tmp_path_factory.mktemp("gunicorn")
    port = _free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CONFLICT_TRACKER_VAR_DIR": str(var_dir),
        "STATIC_ROOT": str(var_dir),
        "API_THROTTLE_ANON": "10000/minute",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "2",
        "GUNICORN_TIMEOUT": str(WORKER_TIMEOUT),
    }
    log = var_dir / "gunicorn.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn"], cwd=REPO_DIR, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while "Booting worker" not in log.read_text():
            assert process.poll() is None, f"gunicorn exited:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"gunicorn did not start:\n{log.read_text()}"
            time.sleep(0.2)
        yield Server(port, log)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _published(count: int) -> list[str]:
    return [IncidentFactory(status=IncidentStatus.PUBLISHED, published_at=timezone.now()).code for _ in range(count)]


def _wait_for_lock_waiter() -> None:
    """Until a backend other than ours waits on a lock: the export's query, stuck behind the test's lock."""
    deadline = time.monotonic() + START_TIMEOUT
    with connection.cursor() as cursor:
        while True:
            # pg_locks, not pg_stat_activity, which a transaction reads once and then keeps.
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                return
            assert time.monotonic() < deadline, "the export never reached the locked table"
            time.sleep(0.1)


# Committed rows, which the server sees; serialized_rollback: the flush after each test empties the tables, the roles of
# the data migrations included, and this puts them back.
transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@transactional
def test_an_export_held_past_the_worker_timeout_arrives_whole(server):
    codes = _published(3)
    with ThreadPoolExecutor(max_workers=1) as pool:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("LOCK TABLE events_incident IN ACCESS EXCLUSIVE MODE")
            download = pool.submit(server.get, "/api/v1/incidents/?format=csv")
            _wait_for_lock_waiter()
            # Twice the timeout: the sync worker would have been killed by now.
            time.sleep(2 * WORKER_TIMEOUT)
        response, body = download.result(timeout=60)

    assert response.status == 200
    header, *rows = body.decode().splitlines()
    assert header.startswith("code,")
    assert sorted(row.split(",")[0] for row in rows) == sorted(codes)
    assert "WORKER TIMEOUT" not in server.log.read_text()


@transactional
def test_logs_are_json_lines_carrying_the_request_id(server):
    given = str(uuid.uuid4())
    response, _ = server.get("/api/v1/incidents/?format=csv", headers={"X-Request-ID": given})
    missing, _ = server.get("/no-such-page/")

    assert response.getheader("X-Request-ID") == given
    records = server.records()  # each line parses as one JSON object
    assert all({"time", "level", "logger", "message"} <= record.keys() for record in records)
    [line] = [record for record in records if record["request_id"] == given]
    assert line["logger"] == "conflict_tracker.request"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/api/v1/incidents/", 200)
    assert isinstance(line["duration_ms"], int)

    of_the_404 = [record for record in records if record["request_id"] == missing.getheader("X-Request-ID")]
    assert sorted((record["logger"], record["level"]) for record in of_the_404) == [
        ("conflict_tracker.request", "INFO"),
        ("django.request", "WARNING"),
    ]
    assert not any("exc_info" in record for record in of_the_404)
