"""The tally tasks (rebuilding and verifying the casualty facts) through a real Celery worker on the real Redis and
PostgreSQL; each task run twice and side by side.

The worker and its broker: tests/helpers/worker.py.
"""

import datetime
import threading
import time

import psycopg
import pytest
from django.db import connection

from tallies.models import CasualtyFact, CasualtySum
from tallies.services import tallies_rebuild
from tallies.tasks import rebuild_tallies, verify_tallies
from tests.factories import ActorFactory
from tests.helpers.tallies import all_time_cell, facts, publish
from tests.helpers.worker import TIMEOUT, VISIBILITY_TIMEOUT, Database, logs_of, wait_until

FACTS, SUMS = CasualtyFact._meta.db_table, CasualtySum._meta.db_table
transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)


# -- a real worker ----------------------------------------------------------------------------------------------------


def damage(incident) -> None:
    """Lose an incident's facts and every sum behind the services' back, as a write round them (or a bad restore)
    would."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FACTS} WHERE incident_id = %s", [incident.pk])
        cursor.execute(f"DELETE FROM {SUMS}")


@transactional
def test_a_publication_is_counted_when_it_commits_and_a_worker_rebuilds_the_same(broker, start_worker, analyst, editor):
    fama, wagner = ActorFactory(name="FAMa"), ActorFactory(name="Wagner Group")

    incident = publish(analyst, editor, perpetrators=[fama, wagner], start=datetime.date(2024, 3, 5), best=12)

    for actor in (fama, wagner):
        cell = all_time_cell(actor)
        assert (cell["incidents"], cell["low"], cell["best"], cell["high"]) == (1, 12, 12, 16)
    counted = facts()
    damage(incident)
    assert all_time_cell(fama) is None

    worker = start_worker()
    rebuild_tallies.delay()
    wait_until(lambda: facts() == counted, "the worker rebuilds the facts", worker.log)
    assert all_time_cell(wagner)["best"] == 12


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


@transactional
def test_a_rebuild_whose_worker_is_killed_midway_is_redone_by_the_next_worker(
    broker, start_worker, test_database, analyst, editor
):
    fama, wagner = ActorFactory(name="FAMa"), ActorFactory(name="Wagner Group")
    publish(analyst, editor, perpetrators=[fama], start=datetime.date(2024, 3, 5), best=12)
    later = publish(analyst, editor, perpetrators=[wagner], start=datetime.date(2024, 8, 1), best=7)
    counted = facts()
    damage(later)  # the rebuild must bring these back
    before = facts()

    with test_database.connect(autocommit=True) as observer, test_database.connect() as blocker:
        # Holding the records' table makes the rebuild wait when it has deleted every fact (uncommitted) and
        # reads the records to write them again.
        blocker.execute("LOCK TABLE events_casualtyrecord IN ACCESS EXCLUSIVE MODE")
        rebuild_tallies.delay()
        first = start_worker()
        backend = wait_until(
            lambda: _blocked_writer(observer, blocker, FACTS),
            "the rebuild waits to read the records",
            lambda: first.log() + activity(observer),
        )

        first.kill()
        blocker.rollback()
        # Its transaction goes with its session, which ends once it finds its client gone.
        wait_until(
            lambda: not observer.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [backend]).fetchone(),
            "the killed worker's database session ends",
            lambda: activity(observer),
        )

    assert facts() == before
    taken = broker.unacked()
    assert len(taken) == 1, "the task of the killed worker is neither acknowledged nor lost"
    (delivered_at,) = taken.values()
    # The next worker takes back, when it starts, what was delivered longer than the visibility timeout ago.
    wait_until(lambda: time.time() > delivered_at + VISIBILITY_TIMEOUT + 0.5, "the visibility timeout passes")
    second = start_worker()

    wait_until(lambda: facts() == counted, "the second worker redoes the rebuild", logs_of(first, second))
    wait_until(lambda: not broker.unacked(), "the second worker acknowledges the task", second.log)
    assert all_time_cell(wagner)["best"] == 7


# -- run twice, run side by side --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_task_run_twice_leaves_the_same_facts(analyst, editor):
    fama, wagner = ActorFactory(name="FAMa"), ActorFactory(name="Wagner Group")
    publish(analyst, editor, perpetrators=[fama, wagner], start=datetime.date(2024, 3, 5), best=12)
    later = publish(analyst, editor, perpetrators=[wagner], start=datetime.date(2024, 8, 1), best=7)
    counted = facts()

    assert rebuild_tallies() == len(counted)
    assert rebuild_tallies() == len(counted)
    assert facts() == counted
    assert verify_tallies() == 0
    assert verify_tallies() == 0
    assert facts() == counted

    damage(later)
    assert verify_tallies() > 0, "the lost facts are found"
    assert facts() == counted, "and written again"
    assert verify_tallies() == 0


def _run_side_by_side(database: Database, tasks) -> tuple[list, list]:
    """Start the tasks in threads of their own while this test holds the facts' table against writers, release it
    once they all wait for it, and return what they returned and raised."""
    results, errors = [], []

    def run(task):
        try:
            results.append(task())
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    with database.connect() as blocker, database.connect(autocommit=True) as observer:
        blocker.execute(f"LOCK TABLE {FACTS} IN EXCLUSIVE MODE")
        threads = [threading.Thread(target=run, args=(task,)) for task in tasks]
        for thread in threads:
            thread.start()
        wait_until(
            lambda: (
                observer.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'relation'"
                    " AND relation = ANY(%s::regclass[]) AND NOT granted",
                    [[FACTS, SUMS]],
                ).fetchone()[0]
                == len(tasks)
            ),
            "every run waits for the tables",
        )
        blocker.commit()
        for thread in threads:
            thread.join(timeout=TIMEOUT)
    return results, errors


@transactional
def test_two_rebuilds_at_once_leave_the_facts_of_one(test_database, analyst, editor):
    fama, wagner = ActorFactory(name="FAMa"), ActorFactory(name="Wagner Group")
    publish(analyst, editor, perpetrators=[fama, wagner], start=datetime.date(2024, 3, 5), best=12)
    later = publish(analyst, editor, perpetrators=[wagner], start=datetime.date(2024, 8, 1), best=7)
    counted = facts()
    damage(later)

    results, errors = _run_side_by_side(test_database, [rebuild_tallies, rebuild_tallies])

    assert errors == []
    assert results == [len(counted)] * 2
    assert facts() == counted


@transactional
def test_an_edit_committed_while_a_rebuild_runs_is_counted(test_database, analyst, editor, client_as):
    wagner = ActorFactory(name="Wagner Group")
    incident = publish(analyst, editor, perpetrators=[wagner], start=datetime.date(2024, 3, 5), best=12)

    def edit():
        url = f"/api/v1/incidents/{incident.code}/"
        body = client_as(editor).get(url).json()
        record = {**body["casualty_records"][0], "count_best": 14}
        response = client_as(editor).patch(
            url, {"version": body["version"], "casualty_records": [record]}, format="json"
        )
        assert response.status_code == 200, response.content
        return response.status_code

    results, errors = _run_side_by_side(test_database, [rebuild_tallies, edit])

    assert errors == []
    assert all_time_cell(wagner)["best"] == 14
    counted = facts()
    tallies_rebuild()
    assert facts() == counted


@transactional
def test_two_verifications_at_once_leave_the_facts_right(test_database, analyst, editor):
    fama = ActorFactory(name="FAMa")
    incident = publish(analyst, editor, perpetrators=[fama], start=datetime.date(2024, 3, 5), best=12)
    counted = facts()
    damage(incident)

    results, errors = _run_side_by_side(test_database, [verify_tallies, verify_tallies])

    assert errors == []
    assert facts() == counted
    assert verify_tallies() == 0
