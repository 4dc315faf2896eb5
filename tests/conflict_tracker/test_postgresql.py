"""The database backend's health check (conflict_tracker.postgresql): no round trip for a connection that ran a query
a moment ago, and a connection the server closed (at a restart, say) is still replaced before a request uses it,
however recently it was used. And the sessions' settings (DATABASE_SESSION_OPTIONS)."""

import psycopg
import pytest
from django.db import connection

from conflict_tracker.postgresql.base import HEALTH_CHECK_IDLE_SECONDS


@pytest.fixture
def checks(monkeypatch):
    """The health checks the connection runs (each a `SELECT 1` round trip), counted."""
    calls = []
    is_usable = connection.is_usable

    def counted():
        calls.append(True)
        return is_usable()

    monkeypatch.setattr(connection, "is_usable", counted)
    return calls


def next_request(idle_seconds: float) -> None:
    """As a new request finds the connection: not checked yet, its last query `idle_seconds` ago."""
    connection.health_check_done = False
    connection.used_at -= idle_seconds


def answer() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 41 + 1")
        return cursor.fetchone()[0]


def test_a_connection_used_a_moment_ago_is_not_checked(db, checks):
    answer()
    next_request(idle_seconds=0)

    assert answer() == 42
    assert checks == []


def test_a_connection_idle_longer_is_checked_once(db, checks):
    answer()
    next_request(idle_seconds=HEALTH_CHECK_IDLE_SECONDS)

    assert answer() == 42
    assert answer() == 42
    assert checks == [True]


@pytest.mark.parametrize("idle_seconds", [0, HEALTH_CHECK_IDLE_SECONDS])
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_connection_the_server_closed_is_replaced_before_its_next_query(checks, idle_seconds):
    answer()
    pid = connection.connection.info.backend_pid
    with psycopg.connect(**_params(), autocommit=True) as other:
        # As a restart of the server ends it; returns once the connection is gone.
        assert other.execute("SELECT pg_terminate_backend(%s, 5000)", [pid]).fetchone()[0]
    next_request(idle_seconds=idle_seconds)

    assert answer() == 42
    assert checks == [True]
    assert connection.connection.info.backend_pid != pid


def _params() -> dict:
    """Where the connection goes, for a connection of the test's own."""
    params = connection.get_connection_params()
    return {name: params[name] for name in ("dbname", "user", "host", "port", "password") if name in params}


def test_sessions_run_without_jit_and_with_pgtriggers_ignore_list_defined(db):
    """A list page's plan was JIT-compiled for 40 ms to run in 2 ms; each trigger caught an error reading an
    undefined ignore list."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit'), current_setting('pgtrigger.ignore', true)")
        assert cursor.fetchone() == ("off", "{}")
