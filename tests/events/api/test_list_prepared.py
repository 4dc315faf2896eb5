"""The incident list's page query runs as a statement psycopg prepares once per database connection
(events/api/listing.py): the same rows as unprepared, one query per page, and a connection whose prepared
statements were lost or taken behind the app's back recovers at the next page. Readers who are not staff read the
stored renderings with the page's ids, in the page's one query, and need no statement."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.helpers.api import listed
from tests.helpers.incidents import full_incident

PUBLIC = ["anonymous", "researcher"]
STAFF = ["analyst", "editor"]


def forget_prepared() -> None:
    """A connection as a fresh one is: nothing prepared on it (psycopg sees the DEALLOCATE ALL and forgets too)."""
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")


def behind_psycopg_s_back(sql: str) -> None:
    """A statement psycopg does not see, as when a pooler hands the connection another session."""
    connection.connection.pgconn.exec_(sql.encode())


def list_statements() -> dict[str, int]:
    """The list's statements prepared on this connection, with how many times each ran."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%json_build_object%"],
        )
        return dict(cursor.fetchall())


def page_queries(captured) -> list[str]:
    return [query["sql"] for query in captured.captured_queries if "json_build_object" in query["sql"]]


@pytest.mark.parametrize("role", PUBLIC)
def test_the_public_page_is_one_query_reading_the_stored_renderings(client_as, db, role):
    for _ in range(3):
        full_incident()
    client = client_as(role)
    listed(client)  # the user's groups, read once
    forget_prepared()

    with CaptureQueriesContext(connection) as captured:
        rows = listed(client)

    [page] = [query["sql"] for query in captured.captured_queries if "events_incident" in query["sql"]]
    assert "events_incidentrendering" in page and not page_queries(captured)
    assert not list_statements()
    assert len(rows) == 3 and all(row["participants"] and row["casualty_records"] for row in rows)
    assert "named_victims" not in rows[0]["casualty_records"][0]


@pytest.mark.parametrize("role", STAFF)
def test_the_first_page_prepares_the_page_query_and_the_next_ones_execute_it(client_as, db, role):
    for _ in range(3):
        full_incident()
    client = client_as(role)
    listed(client)  # the user's groups, read once
    forget_prepared()

    with CaptureQueriesContext(connection) as first:
        first_rows = listed(client)
    after_first = list_statements()
    with CaptureQueriesContext(connection) as second:
        second_rows = listed(client)

    [preparing] = page_queries(first)
    [executing] = page_queries(second)
    assert preparing == executing
    # One statement, prepared by the first page and run again by the second.
    assert list(after_first.values()) == [1]
    assert list(list_statements().values()) == [2]
    assert len(first.captured_queries) == len(second.captured_queries)
    assert first_rows == second_rows and len(first_rows) == 3
    assert all(row["participants"] and row["casualty_records"] and row["claims"] for row in first_rows)
    assert "named_victims" in first_rows[0]["casualty_records"][0]


def test_only_staff_have_a_statement_of_their_own(client_as, db):
    full_incident()
    forget_prepared()
    public, staff = client_as("researcher"), client_as("editor")

    public_rows, staff_rows = listed(public), listed(staff)

    assert len(list_statements()) == 1
    assert "named_victims" not in public_rows[0]["casualty_records"][0]
    assert staff_rows[0]["casualty_records"][0]["named_victims"]
    assert listed(public) == public_rows and listed(staff) == staff_rows


def test_without_prepared_statements_the_query_runs_as_written(client_as, db, settings):
    full_incident()
    client = client_as("editor")
    prepared_rows = listed(client)
    forget_prepared()
    settings.DATABASE_PREPARED_STATEMENTS = False

    with CaptureQueriesContext(connection) as captured:
        rows = listed(client)

    assert rows == prepared_rows
    assert not list_statements()
    assert any("json_agg" in query["sql"] for query in captured.captured_queries)


def test_a_connection_that_lost_its_statements_recovers(client_as, db):
    """As after a pooler handed over another session: the first page fails, the next prepares again."""
    full_incident()
    client = client_as("editor")
    rows = listed(client)
    behind_psycopg_s_back("DEALLOCATE ALL")

    with pytest.raises(DatabaseError), transaction.atomic():
        listed(client)

    assert listed(client) == rows
    assert listed(client) == rows


def test_a_connection_that_kept_a_statement_the_app_forgot_recovers(client_as, db):
    """As after a pooler handed over a session holding another client's statements, under the name psycopg is
    about to give its next one: that page fails, the next prepares again."""
    full_incident()
    client = client_as("editor")
    forget_prepared()
    # psycopg names its statements _pg3_0, _pg3_1 ... in the order it prepares them on a connection.
    behind_psycopg_s_back(f"PREPARE _pg3_{connection.connection._prepared._prepared_idx} AS SELECT 1")

    with pytest.raises(DatabaseError), transaction.atomic():
        listed(client)  # PREPARE of a name that exists

    rows = listed(client)
    assert rows and listed(client) == rows
