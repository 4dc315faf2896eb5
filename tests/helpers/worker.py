"""A real Celery worker for the tests: a `celery worker` process of its own, pointed at the test database, consuming
a queue of its own in a Redis database of its own, so that no other worker takes these tasks and this one takes no
other's. Its fixtures (`broker`, `start_worker`, `test_database`) reach every test through tests/conftest.py."""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
import pytest
import redis
from django.conf import settings
from django.db import connection

from conflict_tracker.celery import app

# The Redis database the test broker uses; the one of the settings (0 by default) stays for everyone else.
BROKER_DB = 11
# Seconds after which the test workers redeliver a task whose worker died (production waits an hour).
VISIBILITY_TIMEOUT = 1
TIMEOUT = 60.0


def wait_until(check: Callable[[], object], what: str, logs: Callable[[], str] = lambda: "", timeout: float = TIMEOUT):
    """Poll `check` until it returns something true, and return that; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting until {what}\n{logs()}")
        time.sleep(0.1)


@dataclass
class Database:
    """The test database, as another process or connection reaches it."""

    params: dict
    url: str

    def connect(self, **kwargs) -> psycopg.Connection:
        return psycopg.connect(**self.params, **kwargs)


@pytest.fixture
def test_database() -> Database:
    db = connection.settings_dict
    params = {
        "dbname": db["NAME"],
        "user": db["USER"],
        "password": db["PASSWORD"],
        "host": db["HOST"],
        "port": db["PORT"],
    }
    params = {name: value for name, value in params.items() if value not in (None, "")}
    credentials = quote(db["USER"] or "", safe="") + (":" + quote(db["PASSWORD"], safe="") if db["PASSWORD"] else "")
    location = f"{db['HOST']}:{db['PORT']}" if db["PORT"] else db["HOST"]
    url = f"postgres://{credentials}@{location}/{quote(db['NAME'], safe='')}"
    return Database(params=params, url=url)


@dataclass
class Broker:
    url: str
    queue: str

    def redis(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    def unacked(self) -> dict[str, float]:
        """The messages of this queue taken by a worker and not acknowledged: delivery tag -> delivery time."""
        taken = {}
        with self.redis() as client:
            for tag, payload in client.hgetall("unacked").items():
                _message, _exchange, routing_key = json.loads(payload)
                if routing_key == self.queue:
                    taken[tag.decode()] = client.zscore("unacked_index", tag)
        return taken

    def purge(self) -> int:
        """Drop the queue's waiting messages; returns how many there were."""
        with app.connection_for_write() as conn:
            return conn.default_channel.queue_purge(self.queue)

    def clean(self) -> None:
        """Remove what this queue and its workers left in Redis: every key and binding named after the queue."""
        with self.redis() as client:
            for tag in self.unacked():
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)
            for key in client.scan_iter(match=f"*{self.queue}*"):
                client.delete(key)
            for key in client.scan_iter(match="_kombu.binding.*"):
                ours = [member for member in client.smembers(key) if self.queue.encode() in member]
                if ours:
                    client.srem(key, *ours)


def reset_publisher() -> None:
    """Forget the connection pools, so that the next task is published with the current broker URL."""
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker() -> Broker:
    """Tasks enqueued by this process go to a queue of this test's own, in the test Redis database."""
    parts = urlsplit(settings.CELERY_BROKER_URL)
    url = urlunsplit(parts._replace(path=f"/{BROKER_DB}"))
    test_broker = Broker(url=url, queue=f"tallies-test-{uuid.uuid4().hex}")
    saved = {name: app.conf[name] for name in ("broker_url", "task_default_queue")}
    app.conf.update(broker_url=url, task_default_queue=test_broker.queue)
    reset_publisher()
    try:
        yield test_broker
    finally:
        test_broker.clean()
        app.conf.update(saved)
        reset_publisher()


@dataclass
class Worker:
    """A `celery worker` process, with its own process group so that it can be killed with its pool processes."""

    name: str
    log_path: Path
    process: subprocess.Popen = field(init=False)

    def log(self) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return f"--- log of worker {self.name} ---\n{text}"

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once: nothing of theirs runs to the end."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=TIMEOUT)


@pytest.fixture
def start_worker(broker, test_database, tmp_path):
    """Start a worker on the test queue and database; every one is killed at the end, its log printed."""
    workers: list[Worker] = []

    def start() -> Worker:
        worker = Worker(name=f"{broker.queue}-{len(workers) + 1}", log_path=tmp_path / f"worker-{len(workers) + 1}.log")
        env = {
            **os.environ,
            "DATABASE_URL": test_database.url,
            "REDIS_URL": broker.url,
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "PYTHONUNBUFFERED": "1",
        }
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "conflict_tracker",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            f"--queues={broker.queue}",
            f"--hostname={worker.name}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
        ]
        with open(worker.log_path, "wb") as log:
            worker.process = subprocess.Popen(
                command,
                cwd=settings.BASE_DIR,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        workers.append(worker)

        def ready():
            if worker.process.poll() is not None:
                pytest.fail(f"the worker exited with {worker.process.returncode}\n{worker.log()}")
            return " ready." in worker.log()

        wait_until(ready, "the worker is ready", worker.log)
        return worker

    try:
        yield start
    finally:
        for worker in workers:
            worker.kill()
            print(worker.log())


def logs_of(*workers: Worker) -> Callable[[], str]:
    return lambda: "\n".join(worker.log() for worker in workers)
