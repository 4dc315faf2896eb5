"""Outages degrade, never fail: with Redis stopped the API still reads and writes, and the tallies count each change
(they need no worker), and after PostgreSQL restarts no request fails.

Redis is a server of the test's own (private_redis), stopped and started again; PostgreSQL is the suite's own,
restarted through conflict_tracker.localservices when that is what runs it (as under `make test` and in CI).
"""

import datetime
import logging

import pytest
from django.db import connection
from rest_framework.test import APIClient

from conflict_tracker import localservices
from tallies.services import tallies_rebuild
from tests.factories import ActorFactory
from tests.helpers.incidents import incident_fields
from tests.helpers.tallies import all_time_cell, facts, publish

INCIDENTS = "/api/v1/incidents/"
THROTTLE_WARNING = "Request not throttled, Redis is unavailable"

transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def edit_casualties(client, code: str, best: int):
    """An editor's PATCH (through the editor's client) of the incident's casualty record, with a new best count."""
    incident = client.get(f"{INCIDENTS}{code}/").json()
    record = {**incident["casualty_records"][0], "count_best": best}
    return client.patch(
        f"{INCIDENTS}{code}/", {"version": incident["version"], "casualty_records": [record]}, format="json"
    )


@transactional
def test_with_redis_stopped_reads_and_writes_answer_and_the_tallies_count_the_change(
    private_redis, caplog, analyst, editor, client_as
):
    fama = ActorFactory(name="FAMa")
    incident = publish(analyst, editor, perpetrators=[fama], start=datetime.date(2024, 3, 5), best=12)
    private_redis.stop()

    with caplog.at_level(logging.WARNING):
        listed = APIClient().get(INCIDENTS)
        created = client_as(analyst).post(INCIDENTS, incident_fields(), format="json")
        edited = edit_casualties(client_as(editor), incident.code, best=14)

    assert (listed.status_code, created.status_code, edited.status_code) == (200, 201, 200)
    assert THROTTLE_WARNING in caplog.text
    assert all_time_cell(fama)["best"] == 14, "counted as it committed, without the broker"

    private_redis.start()
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert APIClient().get(INCIDENTS).status_code == 200
        assert edit_casualties(client_as(editor), incident.code, best=15).status_code == 200
    assert THROTTLE_WARNING not in caplog.text
    assert all_time_cell(fama)["best"] == 15
    counted = facts()
    tallies_rebuild()
    assert facts() == counted


def suite_postgres() -> localservices.Config | None:
    """The local services' settings, if the suite's database is the PostgreSQL they run; else None."""
    cfg = localservices.Config.from_env()
    database = connection.settings_dict
    if (database["HOST"], str(database["PORT"])) != ("127.0.0.1", str(cfg.pg_port)):
        return None
    return cfg if localservices.postgres_pid(cfg) is not None else None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_after_postgresql_restarts_no_request_fails(app_server, test_database, private_redis):
    cfg = suite_postgres()
    if cfg is None:
        pytest.skip(
            "the suite's PostgreSQL is an external server (DATABASE_URL), which a test must not restart; "
            "run with DATABASE_URL unset, as `make test` and CI do, to restart the local one"
        )
    server = app_server(DATABASE_URL=test_database.url, REDIS_URL=private_redis.url)
    assert server.get(INCIDENTS)[0] == 200  # the server keeps this connection (CONN_MAX_AGE)

    localservices.stop_postgres(cfg)
    localservices.start_postgres(cfg)
    connection.close()  # this process's connection went with the server too

    statuses = [server.get(INCIDENTS)[0] for _ in range(3)]
    assert statuses == [200, 200, 200], server.log()
