"""The tally tasks through a real Celery worker on the real Redis and PostgreSQL; each task run twice and side by side.

The worker is a `celery worker` process of its own, pointed at the test database, consuming a queue of its own in
a Redis database of its own, so that no other worker takes these tasks and this one takes no other's.
"""

import datetime
import json
import os
import signal
import subprocess
import sys
import threading
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
from django.db.models import F

from conflict_tracker.celery import app
from events.services import (
    CasualtyData,
    IncidentParts,
    ParticipantData,
    incident_create,
    incident_publish,
    incident_submit,
)
from sources.services import claim_review
from tallies.models import TallyCell, TallyChange
from tallies.services import _LOCK_KEY, tallies_rebuild
from tallies.tasks import rebuild_tallies, refresh_tallies, sweep_tally_changes
from tests.factories import ActorFactory, ClaimFactory

# The Redis database the test broker uses; the one of the settings (0 by default) stays for everyone else.
BROKER_DB = 11
# Seconds after which the test workers redeliver a task whose worker died (production waits an hour).
VISIBILITY_TIMEOUT = 1
TIMEOUT = 60.0
CELL_COLUMNS = (
    "subject_id",
    "measure",
    "attribution",
    "period_type",
    "period_start",
    "country",
    "admin1",
    "harm",
    "victim_status",
    "incidents",
    "records",
    "low",
    "best",
    "high",
    "week_precision",
    "month_precision",
    "year_precision",
)

transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)


# -- helpers ----------------------------------------------------------------------------------------------------------


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


def cells() -> set[tuple]:
    """Every cell's key and figures (not when it was computed)."""
    return set(TallyCell.objects.values_list(*CELL_COLUMNS))


def pending_changes() -> list[int]:
    return list(TallyChange.objects.filter(applied_at__isnull=True).values_list("pk", flat=True))


def publish(analyst, editor, *, perpetrators, start, best) -> TallyChange:
    """An incident published through the services, as editors do; returns the change it records."""
    participants = [
        ParticipantData(actor=actor, role="perpetrator", side="A", attribution="confirmed") for actor in perpetrators
    ]
    record = CasualtyData(
        harm="killed",
        victim_status="civilian",
        count_low=best,
        count_best=best,
        count_high=best + 4,
        perpetrators=list(perpetrators),
    )
    fields = {
        "title": "Market attacked",
        "start_date": start,
        "end_date": start,
        "country": "MLI",
        "admin1": "Mopti",
        "event_type": "Violence against civilians",
        "sub_event_type": "Attack",
    }
    incident = incident_create(
        by=analyst, fields=fields, parts=IncidentParts(participants=participants, casualty_records=[record])
    )
    ClaimFactory(incident=incident)
    incident = incident_submit(incident=incident, by=analyst)
    claim_review(claim=incident.claims.get(), by=editor, status="accepted")
    incident_publish(incident=incident, by=editor)
    return TallyChange.objects.filter(incident=incident).latest("pk")


def all_time_cell(actor) -> TallyCell:
    """The actor's own all-time total of everything it perpetrated, confirmed attributions only."""
    return TallyCell.objects.get(
        subject__kind="actor",
        subject__actor=actor,
        measure="perpetrated",
        attribution="confirmed",
        period_type="all",
        country=None,
        harm=None,
        victim_status=None,
    )


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


def _reset_publisher() -> None:
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
    _reset_publisher()
    try:
        yield test_broker
    finally:
        test_broker.clean()
        app.conf.update(saved)
        _reset_publisher()


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


# -- a real worker ----------------------------------------------------------------------------------------------------


@transactional
def test_a_worker_applies_the_change_a_publication_enqueues(broker, start_worker, analyst, editor):
    fama, wagner = ActorFactory(name="FAMa"), ActorFactory(name="Wagner Group")
    worker = start_worker()

    change = publish(analyst, editor, perpetrators=[fama, wagner], start=datetime.date(2024, 3, 5), best=12)

    wait_until(
        lambda: TallyChange.objects.filter(pk=change.pk, applied_at__isnull=False).exists(),
        "the worker applies the change",
        worker.log,
    )
    for actor in (fama, wagner):
        cell = all_time_cell(actor)
        assert (cell.incidents, cell.low, cell.best, cell.high) == (1, 12, 12, 16)
        assert cell.reflects_change == change.pk
    by_worker = cells()
    tallies_rebuild()
    assert cells() == by_worker


def activity(observer: psycopg.Connection) -> str:
    """The other sessions of the test database and what they wait for, to show when a wait times out."""
    sessions = observer.execute(
        "SELECT pid, state, wait_event_type, wait_event, pg_blocking_pids(pid), left(query, 100)"
        " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    ).fetchall()
    return "--- database sessions ---\n" + "\n".join(map(str, sessions))


def _blocked_writer(observer: psycopg.Connection, blocker: psycopg.Connection, table: str) -> int | None:
    """The session waiting for `blocker` after it began writing to `table`.

    Asked on a connection in autocommit: within a transaction, PostgreSQL shows the activity of other sessions
    as it was at the transaction's first look."""
    row = observer.execute(
        "SELECT a.pid FROM pg_stat_activity a WHERE %s = ANY(pg_blocking_pids(a.pid)) AND EXISTS ("
        " SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.relation = %s::regclass"
        " AND l.mode = 'RowExclusiveLock' AND l.granted)",
        [blocker.info.backend_pid, table],
    ).fetchone()
    return row[0] if row else None


def _holds_write_lock(observer: psycopg.Connection, pid: int, table: str) -> bool:
    return bool(
        observer.execute(
            "SELECT 1 FROM pg_locks WHERE pid = %s AND relation = %s::regclass AND mode = 'RowExclusiveLock'"
            " AND granted",
            [pid, table],
        ).fetchone()
    )


@transactional
def test_a_rebuild_whose_worker_is_killed_midway_is_redone_by_the_next_worker(
    broker, start_worker, test_database, analyst, editor
):
    fama, wagner = ActorFactory(name="FAMa"), ActorFactory(name="Wagner Group")
    publish(analyst, editor, perpetrators=[fama], start=datetime.date(2024, 3, 5), best=12)
    tallies_rebuild()
    before = cells()
    # A later publication whose refresh has not run yet: the rebuild must pick it up.
    change = publish(analyst, editor, perpetrators=[wagner], start=datetime.date(2024, 8, 1), best=7)
    assert broker.purge() == 2  # the refreshes the two publications enqueued
    assert pending_changes() == [change.pk]

    with test_database.connect(autocommit=True) as observer, test_database.connect() as blocker:
        # Holding the pending change's row makes the rebuild wait at its very end, when it has replaced every
        # cell (uncommitted) and marks the changes applied.
        blocker.execute("SELECT 1 FROM tallies_tallychange WHERE id = %s FOR UPDATE", [change.pk])
        rebuild_tallies.delay()
        first = start_worker()
        backend = wait_until(
            lambda: _blocked_writer(observer, blocker, "tallies_tallychange"),
            "the rebuild waits to mark the change applied",
            lambda: first.log() + activity(observer),
        )
        assert _holds_write_lock(observer, backend, "tallies_tallycell"), "the rebuild has not written the cells yet"

        first.kill()
        blocker.rollback()
        # Its transaction goes with its session, which ends once it finds its client gone.
        wait_until(
            lambda: not observer.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [backend]).fetchone(),
            "the killed worker's database session ends",
            lambda: activity(observer),
        )

    assert cells() == before
    assert pending_changes() == [change.pk]
    taken = broker.unacked()
    assert len(taken) == 1, "the task of the killed worker is neither acknowledged nor lost"
    (delivered_at,) = taken.values()
    # The next worker takes back, when it starts, what was delivered longer than the visibility timeout ago.
    wait_until(lambda: time.time() > delivered_at + VISIBILITY_TIMEOUT + 0.5, "the visibility timeout passes")
    second = start_worker()

    wait_until(lambda: not pending_changes(), "the second worker redoes the rebuild", logs_of(first, second))
    wait_until(lambda: not broker.unacked(), "the second worker acknowledges the task", second.log)
    by_worker = cells()
    assert by_worker != before
    assert all_time_cell(wagner).best == 7
    tallies_rebuild()
    assert cells() == by_worker


# -- run twice, run side by side --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_task_run_twice_leaves_the_same_cells(analyst, editor):
    fama, wagner = ActorFactory(name="FAMa"), ActorFactory(name="Wagner Group")
    publish(analyst, editor, perpetrators=[fama, wagner], start=datetime.date(2024, 3, 5), best=12)

    rebuilt = rebuild_tallies()
    once = cells()
    assert rebuilt == len(once)
    assert rebuild_tallies() == rebuilt
    assert cells() == once

    publish(analyst, editor, perpetrators=[wagner], start=datetime.date(2024, 8, 1), best=7)
    assert refresh_tallies() == 1
    refreshed = cells()
    assert refreshed != once
    assert refresh_tallies() == 0
    assert cells() == refreshed
    assert rebuild_tallies() == len(refreshed)
    assert cells() == refreshed


def _run_side_by_side(database: Database, tasks) -> tuple[list, list]:
    """Start the tasks in threads of their own while this test holds the tallies lock, release it once they all
    wait for it, and return what they returned and raised."""
    results, errors = [], []

    def run(task):
        try:
            results.append(task())
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    with database.connect(autocommit=True) as blocker:
        blocker.execute("SELECT pg_advisory_lock(%s)", [_LOCK_KEY])
        threads = [threading.Thread(target=run, args=(task,)) for task in tasks]
        for thread in threads:
            thread.start()
        wait_until(
            lambda: (
                blocker.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s AND NOT granted"
                    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                    [_LOCK_KEY],
                ).fetchone()[0]
                == len(tasks)
            ),
            "every run waits for the lock",
        )
        blocker.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])
        for thread in threads:
            thread.join(timeout=TIMEOUT)
    return results, errors


@pytest.mark.parametrize("rebuilt_before", [False, True], ids=["first-rebuild", "later-rebuild"])
@transactional
def test_two_rebuilds_at_once_leave_the_cells_of_one(broker, test_database, analyst, editor, rebuilt_before):
    fama, wagner = ActorFactory(name="FAMa"), ActorFactory(name="Wagner Group")
    publish(analyst, editor, perpetrators=[fama, wagner], start=datetime.date(2024, 3, 5), best=12)
    if rebuilt_before:
        tallies_rebuild()
    publish(analyst, editor, perpetrators=[wagner], start=datetime.date(2024, 8, 1), best=7)

    results, errors = _run_side_by_side(test_database, [rebuild_tallies, rebuild_tallies])

    assert errors == []
    side_by_side = cells()
    assert results == [len(side_by_side)] * 2
    assert not pending_changes()
    tallies_rebuild()
    assert cells() == side_by_side


@transactional
def test_two_refreshes_at_once_apply_each_change_once(broker, test_database, analyst, editor):
    fama, wagner = ActorFactory(name="FAMa"), ActorFactory(name="Wagner Group")
    publish(analyst, editor, perpetrators=[fama, wagner], start=datetime.date(2024, 3, 5), best=12)
    tallies_rebuild()
    publish(analyst, editor, perpetrators=[wagner], start=datetime.date(2024, 8, 1), best=7)

    results, errors = _run_side_by_side(test_database, [refresh_tallies, refresh_tallies])

    assert errors == []
    assert sorted(results) == [0, 1]
    assert not pending_changes()
    side_by_side = cells()
    tallies_rebuild()
    assert cells() == side_by_side


def age_pending_changes(settings) -> None:
    """Make the pending changes older than the sweep waits for, as the minutes after a broker outage would."""
    TallyChange.objects.filter(applied_at__isnull=True).update(
        enqueued_at=F("enqueued_at") - datetime.timedelta(seconds=settings.TALLY_SWEEP_SECONDS + 1)
    )


@pytest.mark.django_db
def test_the_sweep_run_twice_applies_an_overdue_change_once(analyst, editor, settings):
    fama = ActorFactory(name="FAMa")
    publish(analyst, editor, perpetrators=[fama], start=datetime.date(2024, 3, 5), best=12)
    assert sweep_tally_changes() == 0, "a fresh change waits for the refresh its commit enqueued"

    age_pending_changes(settings)

    assert sweep_tally_changes() == 1
    swept = cells()
    assert all_time_cell(fama).best == 12
    assert sweep_tally_changes() == 0
    assert cells() == swept
    tallies_rebuild()
    assert cells() == swept


@transactional
def test_two_sweeps_at_once_apply_each_change_once(broker, test_database, analyst, editor, settings):
    fama, wagner = ActorFactory(name="FAMa"), ActorFactory(name="Wagner Group")
    publish(analyst, editor, perpetrators=[fama, wagner], start=datetime.date(2024, 3, 5), best=12)
    tallies_rebuild()
    publish(analyst, editor, perpetrators=[wagner], start=datetime.date(2024, 8, 1), best=7)
    age_pending_changes(settings)

    results, errors = _run_side_by_side(test_database, [sweep_tally_changes, sweep_tally_changes])

    assert errors == []
    assert sorted(results) == [0, 1]
    assert not pending_changes()
    side_by_side = cells()
    tallies_rebuild()
    assert cells() == side_by_side
