"""At 200,000 incidents, each filter and ordering of the incident list documented in the README ("Indexes") is read
through the index meant for it, for the public and for staff.

The rows are written by one INSERT ... SELECT over generate_series (seconds, where the ORM would take minutes), with
the shares of a real table: four countries in five incidents in Mali and Burkina Faso, two in five with no dead, a
few drafts, and for each filter one value that is rare. The planner is left alone (no enable_seqscan): it sees the
table and its statistics as a production database would, and what EXPLAIN shows is what the list would run.
"""

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from actors.choices import RelationKind
from actors.models import ActorRelation
from events.choices import IncidentStatus
from tests.factories import ActorFactory, UserFactory
from tests.helpers.planner import assert_uses_an_index, explain, list_query, nodes

pytestmark = pytest.mark.slow

INCIDENTS = 200_000
COMMON_ACTORS = 10


def _draw(prime: int) -> str:
    """A number from 0 to 999 that looks random across incidents, the same in every run."""
    return f"(g.i::bigint * {prime} %% 1000)"


# Every constraint of the table holds (code format, type / sub-type pairs, low <= best <= high, a published date on
# published rows); the triggers (history, renderings) are skipped: the plans read neither.
INCIDENTS_SQL = f"""
INSERT INTO events_incident (
    code, title, notes, status, version, start_date, end_date, date_precision, country, admin1, admin2, admin3,
    location_name, latitude, longitude, geo_precision, event_type, sub_event_type, violence_type, civilian_targeting,
    fatalities_low, fatalities_best, fatalities_high, return_comment, retraction_reason, created_by_id, created_at,
    updated_at, submitted_at, published_at, retracted_at)
SELECT d.country || '-' || to_char(d.start_date, 'YYYY') || '-' || lpad(g.i::text, 6, '0'),
       CASE WHEN {_draw(1901)} < 3 THEN 'Ogossagou market attacked' ELSE 'Attack on village ' || g.i END,
       '', d.status, 1, d.start_date,
       d.start_date + CASE WHEN {_draw(613)} < 100 THEN 2 ELSE 0 END,
       CASE WHEN {_draw(877)} < 30 THEN 'month' ELSE 'day' END,
       d.country,
       CASE WHEN {_draw(1201)} < 3 THEN 'Kidal'
            ELSE (ARRAY['Gao', 'Mopti', 'Tombouctou', 'Segou', 'Menaka', 'Sahel', 'Tillaberi', 'Borno'])[
                {_draw(1201)} %% 8 + 1] END,
       CASE WHEN {_draw(1301)} < 3 THEN 'Tessalit' ELSE 'Cercle ' || {_draw(1301)} %% 60 END,
       '', '',
       11 + (g.i * 37 %% 1300) / 100.0, -11 + (g.i * 53 %% 1400) / 100.0, 1,
       t.pair[1], t.pair[2], NULL, {_draw(1601)} < 10,
       f.best, f.best, f.best + 2,
       '', '', %(author)s, d.changed, d.changed,
       CASE WHEN d.status = 'submitted' THEN d.changed END,
       CASE WHEN d.status = 'published' THEN d.changed END,
       NULL
FROM generate_series(1, %(incidents)s) AS g(i)
CROSS JOIN LATERAL (
    SELECT CASE WHEN {_draw(7919)} < 30 THEN 'draft' WHEN {_draw(7919)} < 40 THEN 'submitted' ELSE 'published' END
               AS status,
           date '2015-01-01' + (g.i::bigint * 104729 %% 3834)::int AS start_date,
           CASE WHEN {_draw(1009)} < 400 THEN 'MLI' WHEN {_draw(1009)} < 800 THEN 'BFA'
                WHEN {_draw(1009)} < 900 THEN 'NER' WHEN {_draw(1009)} < 997 THEN 'NGA' ELSE 'MRT' END AS country,
           CASE WHEN {_draw(1801)} < 3 THEN timestamptz '2030-01-01'
                ELSE timestamptz '2020-01-01' + g.i * interval '1 minute' END AS changed
) d
CROSS JOIN LATERAL (
    SELECT CASE WHEN {_draw(1409)} < 300 THEN ARRAY['Battles', 'Armed clash']
                WHEN {_draw(1409)} < 600 THEN ARRAY['Violence against civilians', 'Attack']
                WHEN {_draw(1409)} < 800 THEN ARRAY['Explosions/Remote violence', 'Remote explosive/landmine/IED']
                WHEN {_draw(1409)} < 994 THEN ARRAY['Protests', 'Peaceful protest']
                ELSE ARRAY['Riots', 'Mob violence'] END AS pair
) t
CROSS JOIN LATERAL (
    SELECT CASE WHEN {_draw(1511)} < 400 THEN 0 WHEN {_draw(1511)} < 997 THEN {_draw(1511)} %% 20
                ELSE 200 + {_draw(1511)} %% 50 END AS best
) f
"""
# One participant per incident: one of a few common actors, or, for a rare few, the rare actor or its successor.
PARTICIPANTS_SQL = f"""
INSERT INTO events_incidentparticipant (incident_id, actor_id, role, side, attribution)
SELECT g.i, CASE WHEN {_draw(2003)} < 1 THEN %(rare)s WHEN {_draw(2003)} < 2 THEN %(successor)s
                 ELSE (%(common)s::bigint[])[g.i %% {COMMON_ACTORS} + 1] END,
       'perpetrator', 'A', CASE WHEN {_draw(2003)} < 2 THEN 'confirmed' ELSE 'alleged' END
FROM (SELECT id AS i FROM events_incident) g
"""


@pytest.fixture(scope="module")
def dataset(django_db_setup, django_db_blocker):
    """Loaded once for the module, in a transaction rolled back at its end; each test runs in a savepoint."""
    with django_db_blocker.unblock(), transaction.atomic():
        author = UserFactory(username="bulk-analyst", role="analyst")
        common = [actor.pk for actor in ActorFactory.create_batch(COMMON_ACTORS)]
        rare, successor = ActorFactory(name="Rare brigade"), ActorFactory(name="Rare brigade's successor")
        ActorRelation.objects.create(subject=rare, kind=RelationKind.SUCCEEDED_BY, object=successor)
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(INCIDENTS_SQL, {"author": author.pk, "incidents": INCIDENTS})
            cursor.execute(PARTICIPANTS_SQL, {"rare": rare.pk, "successor": successor.pk, "common": common})
            cursor.execute("SET LOCAL session_replication_role = origin")
            # What autovacuum does to a live table: the full-text index's pending list merged, statistics taken.
            cursor.execute("SELECT gin_clean_pending_list('incident_search'::regclass)")
            cursor.execute("ANALYZE events_incident, events_incidentparticipant")
            cursor.execute("SELECT count(*), count(*) FILTER (WHERE status = %s) FROM events_incident", ["published"])
            assert cursor.fetchone() == (INCIDENTS, pytest.approx(INCIDENTS * 0.96, rel=0.01))
        yield
        transaction.set_rollback(True)


@pytest.fixture(params=["public", "staff"])
def client(request, dataset, db):
    client = APIClient()
    role = "researcher" if request.param == "public" else "editor"
    client.force_authenticate(UserFactory(username=f"{role}-reader", role=role))
    return client


MALI_2024 = {"country": "MLI", "date_after": "2024-01-01", "date_before": "2024-12-31"}
# (parameters, the index meant for them, whether the page comes out of it in order). The README's table.
DOCUMENTED = {
    "newest first": ({}, {"incident_start_id"}, True),
    "oldest first": ({"ordering": "start_date"}, {"incident_start_id"}, True),
    "deadliest first": ({"ordering": "-fatalities_best"}, {"incident_fatalities_id"}, True),
    "least changed first": ({"ordering": "updated_at"}, {"incident_updated_id"}, True),
    "a common country in a year": (MALI_2024, {"incident_country_start"}, True),
    "a common country": ({"country": "MLI"}, {"incident_country_start"}, True),
    "a rare country": ({"country": "MRT"}, {"incident_country_start"}, True),
    "a region": ({"admin1": "Kidal"}, {"incident_admin1_start", "incident_admin1_fatalities"}, False),
    "a region, deadliest first": (
        {"admin1": "Gao", "ordering": "-fatalities_best"},
        {"incident_admin1_fatalities"},
        True,
    ),
    "a cercle": ({"admin2": "Tessalit"}, {"incident_admin2_start"}, False),
    "a common event type, at least 10 killed": (
        {"event_type": "Violence against civilians", "fatalities_min": 10},
        {"incident_event_type_start"},
        True,
    ),
    "a rare event type": (
        {"event_type": "Riots"},
        {"incident_event_type_start", "incident_event_type_fatalities"},
        False,
    ),
    "a rare event type, at least 10 killed": (
        {"event_type": "Riots", "fatalities_min": 10},
        {"incident_event_type_fatalities", "incident_event_type_start"},
        False,
    ),
    "a sub-event type": ({"sub_event_type": "Mob violence"}, {"incident_sub_event_type_start"}, False),
    "civilians targeted": ({"civilian_targeting": "true"}, {"incident_civilian_start"}, True),
    "a month": (
        {"date_after": "2020-03-01", "date_before": "2020-03-31"},
        {"incident_period", "incident_start_id"},
        False,
    ),
    "at least 200 killed": ({"fatalities_min": 200}, {"incident_fatalities_id", "incident_start_id"}, False),
    "at least 200 killed, low estimate": (
        {"fatalities_min": 200, "fatalities_measure": "low"},
        {"incident_fatalities_low"},
        False,
    ),
    "at most 1 killed, high estimate": (
        {"fatalities_max": 1, "fatalities_measure": "high", "country": "MRT"},
        {"incident_country_start", "incident_fatalities_high"},
        False,
    ),
    "changed since": ({"updated_since": "2029-12-31T00:00:00Z"}, {"incident_updated_id"}, False),
    "a rare actor": ({"actor": "Rare brigade"}, {"participant_actor_incident"}, False),
    "a rare actor with its successors": (
        {"actor": "Rare brigade", "include_related": "true"},
        {"participant_actor_incident"},
        False,
    ),
    "a rare actor as confirmed perpetrator": (
        {"actor": "Rare brigade", "role": "perpetrator", "attribution": "confirmed"},
        {"participant_actor_incident"},
        False,
    ),
    "a box": ({"bbox": "-2.5,14,-2.4,14.1"}, {"incident_coordinates"}, False),
    "a circle": ({"near": "16.27,-0.04", "radius_km": 5}, {"incident_coordinates"}, False),
    "words": ({"search": "Ogossagou"}, {"incident_search"}, False),
}


@pytest.mark.django_db
@pytest.mark.parametrize(("params", "expected", "in_order"), DOCUMENTED.values(), ids=DOCUMENTED.keys())
def test_each_documented_filter_reads_its_index(client, params, expected, in_order):
    plan = explain(list_query(client, "/api/v1/incidents/", params))

    assert_uses_an_index(plan, expected)
    if in_order:
        assert "Sort" not in {node["Node Type"] for node in nodes(plan)}, plan


@pytest.mark.django_db
@pytest.mark.parametrize("status", [IncidentStatus.DRAFT, IncidentStatus.SUBMITTED])
def test_staff_find_the_work_in_progress_by_its_state(dataset, db, client_as, status):
    plan = explain(list_query(client_as("editor"), "/api/v1/incidents/", {"status": status}))

    assert_uses_an_index(plan, {"incident_unpublished"})
    assert "Sort" not in {node["Node Type"] for node in nodes(plan)}, plan
