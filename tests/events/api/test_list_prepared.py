"""The incident list's parts query runs as a statement prepared once per database connection
(events/api/listing.py): the same rows as unprepared, one query per page, and a connection whose prepared
statements were lost or kept behind the app's back recovers at the next page."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from events.api import listing
from tests.helpers.api import listed
from tests.helpers.incidents import full_incident

PUBLIC = ["anonymous", "researcher"]
STAFF = ["analyst", "editor"]


def forget_prepared() -> None:
    """A connection as a fresh one is: nothing prepared on it, nothing remembered about it."""
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    listing._prepared.pop(connection.connection, None)
    listing._unsure.discard(connection.connection)


def prepared_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cursor.fetchall()}


def parts_queries(captured) -> list[str]:
    return [query["sql"] for query in captured.captured_queries if "incident_list_" in query["sql"]]


@pytest.mark.parametrize("role", [*PUBLIC, *STAFF])
def test_the_first_page_prepares_the_parts_query_and_the_next_ones_execute_it(client_as, db, role):
    for _ in range(3):
        full_incident()
    client = client_as(role)
    listed(client)  # the user's groups, read once
    forget_prepared()

    with CaptureQueriesContext(connection) as first:
        first_rows = listed(client)
    with CaptureQueriesContext(connection) as second:
        second_rows = listed(client)

    [preparing] = parts_queries(first)
    [executing] = parts_queries(second)
    # (pghistory's middleware may put its context variables first; they are no part of the statement.)
    assert "PREPARE incident_list_" in preparing and "; EXECUTE incident_list_" in preparing
    assert "EXECUTE incident_list_" in executing and "PREPARE" not in executing and "json_agg" not in executing
    assert len(first.captured_queries) == len(second.captured_queries)
    assert first_rows == second_rows and len(first_rows) == 3
    assert all(row["participants"] and row["casualty_records"] and row["claims"] for row in first_rows)
    assert ("named_victims" in first_rows[0]["casualty_records"][0]) == (role in STAFF)
    assert len({name for name in prepared_names() if name.startswith("incident_list_")}) == 1


def test_the_public_and_staff_have_statements_of_their_own(client_as, db):
    full_incident()
    forget_prepared()
    public, staff = client_as("researcher"), client_as("editor")

    public_rows, staff_rows = listed(public), listed(staff)

    assert len({name for name in prepared_names() if name.startswith("incident_list_")}) == 2
    assert "named_victims" not in public_rows[0]["casualty_records"][0]
    assert staff_rows[0]["casualty_records"][0]["named_victims"]
    assert listed(public) == public_rows and listed(staff) == staff_rows


def test_without_prepared_statements_the_query_runs_as_written(client_as, db, settings):
    full_incident()
    client = client_as("anonymous")
    prepared_rows = listed(client)
    settings.DATABASE_PREPARED_STATEMENTS = False

    with CaptureQueriesContext(connection) as captured:
        rows = listed(client)

    assert rows == prepared_rows
    assert not parts_queries(captured)
    assert any("json_agg" in query["sql"] for query in captured.captured_queries)


def test_a_connection_that_lost_its_statements_recovers(client_as, db):
    """As after a pooler handed over another session: the first page fails, the next prepares again."""
    full_incident()
    client = client_as("anonymous")
    rows = listed(client)
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")

    with pytest.raises(DatabaseError), transaction.atomic():
        listed(client)

    assert listed(client) == rows
    assert listed(client) == rows


def test_a_connection_that_kept_a_statement_the_app_forgot_recovers(client_as, db):
    full_incident()
    client = client_as("anonymous")
    rows = listed(client)
    listing._prepared.pop(connection.connection)

    with pytest.raises(DatabaseError), transaction.atomic():
        listed(client)  # PREPARE of a name that exists

    assert listed(client) == rows
    assert listed(client) == rows
