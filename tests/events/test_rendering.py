"""Stored renderings of published incidents (events/rendering.py): after any write, by any path, each published
incident's stored rendering is what the list would build for a reader who is not staff, and nothing else has one."""

import re
import threading

import pytest
from django.db import connection, connections, transaction

from actors.models import Actor
from events import rendering
from events.choices import IncidentStatus
from events.models import CasualtyRecord, Incident, IncidentRendering, PropertyHarm
from events.services import claim_review, incident_retract, incident_update
from sources.choices import ReviewStatus
from sources.models import Claim
from tests.helpers.incidents import VICTIM, full_incident
from tests.helpers.rendering import assert_renderings_current, built, stored


@pytest.fixture
def published(db):
    return full_incident(title="Attack on Ogossagou")


def test_only_published_incidents_have_a_rendering_and_it_is_the_list_s(published):
    draft = full_incident(IncidentStatus.DRAFT)
    submitted = full_incident(IncidentStatus.SUBMITTED)

    assert set(stored()) == {published.pk}
    assert_renderings_current()
    assert {draft.pk, submitted.pk}.isdisjoint(stored())


def test_a_rendering_never_holds_a_victim_s_identity_or_a_record_s_note(published):
    CasualtyRecord.objects.filter(incident=published).update(note="Seen by the nurse of the village.")

    body = IncidentRendering.objects.get(incident=published).body

    assert VICTIM not in body and "nurse" not in body and "Dogon" not in body
    assert_renderings_current()


def test_an_edit_through_the_services_is_rendered_in_its_transaction(published, editor):
    with transaction.atomic():
        incident_update(
            incident=published, by=editor, expected_version=published.version, fields={"title": "Attack on Sobane"}
        )
        assert stored()[published.pk]["title"] == "Attack on Sobane"
    assert_renderings_current()


def test_writes_outside_the_services_are_rendered_too(published):
    CasualtyRecord.objects.filter(incident=published).update(count_best=6)
    PropertyHarm.objects.filter(incident=published).delete()
    Incident.objects.filter(pk=published.pk).update(fatalities_high=9)

    row = stored()[published.pk]
    assert row["casualty_records"][0]["count_best"] == 6 and row["property_harms"] == [] and row["fatalities_high"] == 9
    assert_renderings_current()


def test_a_claim_s_review_and_an_actor_s_new_name_are_rendered(published, editor):
    claim = published.claims.get()
    actor = published.participants.get().actor

    claim_review(claim=claim, by=editor, status=ReviewStatus.DISPUTED, note="The village chief says 3.")
    Actor.objects.filter(pk=actor.pk).update(name="Katiba Macina")

    row = stored()[published.pk]
    assert row["claims"][0]["review_status"] == ReviewStatus.DISPUTED
    assert row["participants"][0]["actor_name"] == "Katiba Macina"
    assert_renderings_current()


def test_a_retracted_incident_loses_its_rendering_and_the_list_its_row(published, editor, client_as):
    client = client_as("anonymous")
    incident_retract(incident=published, by=editor, reason="A duplicate of MLI-2024-0007.")

    assert published.pk not in stored()
    assert client.get("/api/v1/incidents/").json()["results"] == []


def test_a_claim_set_back_to_pending_leaves_the_records_that_rest_on_it_without_it(published):
    """A claim no longer moves to another incident (a trigger refuses it); what the public sees of a claim now
    follows its review, so SQL setting it back to pending must take it out of the rendering, as out of the list."""
    Claim.objects.filter(incident=published).update(
        review_status=ReviewStatus.PENDING, reviewed_by=None, reviewed_at=None
    )

    row = stored()[published.pk]
    assert row["casualty_records"][0]["claims"] == [] and row["claims"] == []
    assert_renderings_current()


def test_the_public_list_and_detail_serve_the_stored_rendering(published, client_as):
    client = client_as("anonymous")
    IncidentRendering.objects.filter(incident=published).update(body='{"code": "stored"}')

    assert client.get("/api/v1/incidents/").json()["results"] == [{"code": "stored"}]
    # The detail too (it rendered with the serializers before).
    assert client.get(f"/api/v1/incidents/{published.code}/").json() == {"code": "stored"}


def test_an_incident_without_a_rendering_is_built_rather_than_left_out(published, client_as):
    IncidentRendering.objects.all().delete()

    assert client_as("anonymous").get("/api/v1/incidents/").json()["results"] == list(built([published.pk]).values())


def test_deferred_renderings_are_written_once_at_the_end_of_the_block(published):
    with transaction.atomic():
        with rendering.renderings_deferred():
            Incident.objects.filter(pk=published.pk).update(title="Attack on Sobane")
            CasualtyRecord.objects.filter(incident=published).update(count_best=7)
            assert stored()[published.pk]["title"] == "Attack on Ogossagou"
        assert stored()[published.pk]["title"] == "Attack on Sobane"
        Incident.objects.filter(pk=published.pk).update(title="Attack on Sangha")  # no longer deferred
        assert stored()[published.pk]["title"] == "Attack on Sangha"
    assert_renderings_current()


def test_the_migrations_installed_the_functions_of_the_column_tables(db):
    """The functions the triggers call are installed by migrations: a change to the rendering (a column of
    events/columns.py, a lookup) fails here until a migration installs it."""
    with connection.cursor() as cursor:
        for sql in rendering.functions_sql():
            name = re.search(r"FUNCTION (\w+)\(", sql)[1]
            header, body, _end = sql.split("$fn$")
            settings = [f"{name}={value}" for name, value in rendering.PLANNER_SETTINGS.items()]
            cursor.execute("SELECT prosrc, proconfig FROM pg_proc WHERE proname = %s", [name])
            assert cursor.fetchall() == [(body, settings if "SET " in header else None)], (
                f"{name} is not the one events/rendering.py's functions_sql() gives: add a migration that installs it"
            )


# serialized_rollback: the flush after the test empties the tables, the roles of the data migrations included.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_review_made_during_an_edit_is_rendered_after_it(editor):
    """Two transactions: an edit of the incident holds it; a claim's review waits for the edit's end, then renders
    with both changes rather than writing over the edit's rendering with one made before it."""
    published = full_incident(title="Attack on Ogossagou")
    claim = published.claims.get()
    edit_holds = threading.Event()
    edit_may_commit = threading.Event()

    def edit():
        try:
            with transaction.atomic():
                incident_update(
                    incident=published, by=editor, expected_version=published.version, fields={"title": "Sobane"}
                )
                edit_holds.set()
                edit_may_commit.wait(10)
        finally:
            connections.close_all()

    editing = threading.Thread(target=edit)
    editing.start()
    assert edit_holds.wait(10)
    reviewing = threading.Thread(
        target=lambda: (claim_review(claim=claim, by=editor, status=ReviewStatus.ACCEPTED), connections.close_all())
    )
    reviewing.start()
    reviewing.join(0.5)
    assert reviewing.is_alive()  # waiting for the edit
    edit_may_commit.set()
    editing.join(10)
    reviewing.join(10)

    row = stored()[published.pk]
    assert row["title"] == "Sobane" and row["claims"][0]["review_status"] == ReviewStatus.ACCEPTED
    assert_renderings_current()


def _scans(plan: dict):
    """Every node of an EXPLAIN (FORMAT JSON) plan, subplans included."""
    yield plan
    for child in plan.get("Plans", []):
        yield from _scans(child)


def test_the_triggers_read_by_index_even_with_the_statistics_of_empty_tables(db):
    """Statistics taken while the tables were empty must not make a trigger scan a whole table (once per changed
    row, in a join): each lookup of a real table is an index scan. The triggers hand the keys of the changed rows,
    read from their transition tables, to the lookups, explained here with arrays of keys."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        for name, value in rendering.PLANNER_SETTINGS.items():
            cursor.execute(f"SET LOCAL {name} = {value}")
        for function, (arguments, sql) in rendering.LOOKUPS.items():
            for argument in arguments:
                sql = re.sub(rf"\b{argument}\b", "'{1,2}'::bigint[]", sql)
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
            plan = cursor.fetchone()[0][0]["Plan"]
            for node in _scans(plan):
                if node.get("Relation Name") is not None:
                    # A lookup by key: an index condition (or a bitmap built from one), never a whole scan.
                    scan = {key: value for key, value in node.items() if key != "Plans"}
                    assert "Index Cond" in scan or "Recheck Cond" in scan, (function, scan)
