"""The tally tasks through a real Celery worker on the real Redis and PostgreSQL; each task run twice and side by side.

The worker and its broker: tests/helpers/worker.py.
"""

import datetime
import threading
import time

import psycopg
import pytest
from django.db import connection

from tallies.models import TallyChange
from tallies.services import _LOCK_KEY, tallies_rebuild
from tallies.tasks import rebuild_tallies, refresh_tallies, sweep_tally_changes
from tests.factories import ActorFactory
from tests.helpers.tallies import age_pending_changes, all_time_cell, cells, pending_changes, publish
from tests.helpers.worker import TIMEOUT, VISIBILITY_TIMEOUT, Database, logs_of, wait_until

transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)


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
