"""The incident list's SQL, as the API runs it, is served by an index on a few thousand rows, not a table scan.

One dataset per module: 6,000 incidents (a tenth of them drafts) where each filter's value is rare, so that an
index is the right plan and a sequential scan would be the planner failing to find one. Nothing forces the
planner (no enable_seqscan): it sees the table and its statistics as a real database would.
"""

import datetime
import json
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from actors.choices import RelationKind
from actors.models import ActorRelation
from conflict_tracker.pagination import IncidentCursorPagination
from events.choices import Attribution, EventType, IncidentStatus, ParticipantRole, Side, SubEventType
from events.models import Incident, IncidentParticipant
from tests.factories import ActorFactory, UserFactory
from tests.helpers.planner import assert_uses_an_index, explain, list_query, nodes, rows_read

INCIDENTS = 6_000
PAGE_SIZE = 50
FIRST_DAY = datetime.date(2010, 1, 1)
REGIONS = ["Gao", "Mopti", "Tombouctou", "Ségou", "Ménaka"]
COMMON_TYPES = [
    (EventType.BATTLES, SubEventType.ARMED_CLASH),
    (EventType.VIOLENCE_AGAINST_CIVILIANS, SubEventType.ATTACK),
    (EventType.EXPLOSIONS_REMOTE_VIOLENCE, SubEventType.REMOTE_EXPLOSIVE),
]
# Every nth incident carries the filter's rare value: about 40 to 60 of the 6,000.
RARE_EVERY = {
    "country": 100,
    "admin1": 150,
    "event_type": 120,
    "civilian_targeting": 90,
    "fatalities": 110,
    "updated": 100,
    "search": 200,
    "actor": 200,
    "successor": 200,
}
RARE_WORD = "Ogossagou"
RECENTLY = timezone.make_aware(datetime.datetime(2030, 1, 1))


def rare(kind: str, number: int) -> bool:
    # Offsets keep the rare sets apart, so that a match on one filter is not a match on another.
    return number % RARE_EVERY[kind] == list(RARE_EVERY).index(kind) + 3


def new_incident(number: int, author) -> Incident:
    status = IncidentStatus.DRAFT if number % 10 == 0 else IncidentStatus.PUBLISHED
    start = FIRST_DAY + datetime.timedelta(days=number * 7 % 5_400)
    event_type, sub_event_type = (
        (EventType.RIOTS, SubEventType.MOB_VIOLENCE) if rare("event_type", number) else COMMON_TYPES[number % 3]
    )
    # Two in five incidents count no dead: a long run of ties on fatalities_best, as in ACLED's own data.
    low = 0 if number % 5 < 2 else number % 7 + 1
    low, best, high = (150, 200, 260) if rare("fatalities", number) else (low, low, low + 3)
    return Incident(
        code=f"{'BFA' if rare('country', number) else 'MLI'}-2000-{number:05d}",
        title=f"{RARE_WORD} market attacked" if rare("search", number) else f"Attack on village {number}",
        status=status,
        published_at=timezone.now() if status == IncidentStatus.PUBLISHED else None,
        start_date=start,
        end_date=start + datetime.timedelta(days=number % 3),
        country="BFA" if rare("country", number) else "MLI",
        admin1="Kidal" if rare("admin1", number) else REGIONS[number % len(REGIONS)],
        admin2="Tessalit" if rare("admin1", number) else f"Cercle {number % 40}",
        # Spread over Mali's box, 11-24 N and 11 W-3 E.
        latitude=Decimal(11) + Decimal(number * 37 % 1_300) / 100,
        longitude=Decimal(-11) + Decimal(number * 53 % 1_400) / 100,
        event_type=event_type,
        sub_event_type=sub_event_type,
        civilian_targeting=rare("civilian_targeting", number),
        fatalities_low=low,
        fatalities_best=best,
        fatalities_high=high,
        created_by=author,
    )


@pytest.fixture(scope="module")
def dataset(django_db_setup, django_db_blocker):
    """Loaded once for the module, in a transaction rolled back at its end; each test runs in a savepoint."""
    with django_db_blocker.unblock(), transaction.atomic():
        author = UserFactory(username="bulk-analyst", role="analyst")
        incidents = Incident.objects.bulk_create(new_incident(number, author) for number in range(INCIDENTS))
        actors = ActorFactory.create_batch(15)
        rare_actor, successor = ActorFactory(name="Rare brigade"), ActorFactory(name="Rare brigade's successor")
        ActorRelation.objects.create(subject=rare_actor, kind=RelationKind.SUCCEEDED_BY, object=successor)
        participants = []
        for number, record in enumerate(incidents):
            actor = rare_actor if rare("actor", number) else successor if rare("successor", number) else None
            participants.append(
                IncidentParticipant(
                    incident=record,
                    actor=actor or actors[number % len(actors)],
                    role=ParticipantRole.PERPETRATOR,
                    side=Side.A,
                    attribution=Attribution.CONFIRMED if actor else Attribution.ALLEGED,
                )
            )
            # Each side named, as in ACLED's dyadic events: with one participant per incident the table was small
            # enough for a scan of it to be as cheap as its index, and the plan flipped with the table's free space.
            participants.append(
                IncidentParticipant(
                    incident=record,
                    actor=actors[(number + 7) % len(actors)],
                    role=ParticipantRole.TARGET,
                    side=Side.B,
                    attribution=Attribution.ALLEGED,
                )
            )
        IncidentParticipant.objects.bulk_create(participants)
        # auto_now stamped every row with the same instant: spread them, a rare few changed recently. Rows are
        # picked by their number, not their id, which depends on what ran before (drafts are numbers 0, 10, 20 ...).
        recent = [record.pk for number, record in enumerate(incidents) if rare("updated", number)]
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE events_incident SET updated_at = "
                "CASE WHEN id = ANY(%s) THEN %s ELSE timestamptz '2020-01-01' + id * interval '1 minute' END",
                [recent, RECENTLY],
            )
            # What autovacuum does to a live table: move the bulk load out of the full-text index's pending list,
            # which the planner would otherwise (rightly) price as a scan of every row just added.
            cursor.execute("SELECT gin_clean_pending_list('incident_search'::regclass)")
            cursor.execute("ANALYZE events_incident")
            cursor.execute("ANALYZE events_incidentparticipant")
        yield
        transaction.set_rollback(True)


@pytest.fixture
def researcher_api(dataset, db):
    client = APIClient()
    client.force_authenticate(UserFactory(username="researcher", role="researcher", is_staff=False))
    return client


FILTERS = {
    "date range": (
        {"date_after": "2015-03-01", "date_before": "2015-04-30"},
        {"incident_start_id", "incident_period"},
    ),
    "country": ({"country": "BFA"}, {"incident_country_start"}),
    "admin1": ({"admin1": "Kidal"}, {"incident_admin1_start", "incident_admin1_fatalities"}),
    "admin2": ({"admin2": "Tessalit"}, {"incident_admin2_start"}),
    "event_type": ({"event_type": EventType.RIOTS}, {"incident_event_type_start", "incident_event_type_fatalities"}),
    "sub_event_type": ({"sub_event_type": SubEventType.MOB_VIOLENCE}, {"incident_sub_event_type_start"}),
    "civilian_targeting": ({"civilian_targeting": "true"}, {"incident_civilian_start"}),
    "fatalities_min": ({"fatalities_min": 100}, {"incident_fatalities_id"}),
    "fatalities_min on low": ({"fatalities_min": 100, "fatalities_measure": "low"}, {"incident_fatalities_low"}),
    "fatalities_min on high": ({"fatalities_min": 100, "fatalities_measure": "high"}, {"incident_fatalities_high"}),
    "bbox": ({"bbox": "-2.5,14,-2,14.5"}, {"incident_coordinates"}),
    "near": ({"near": "16.27,-0.04", "radius_km": 25}, {"incident_coordinates"}),
    "search": ({"search": RARE_WORD}, {"incident_search"}),
    "updated_since": (
        {"updated_since": "2029-12-31T00:00:00Z"},
        {"incident_updated_id"},
    ),
    "actor": ({"actor": "Rare brigade"}, {"participant_actor_incident"}),
    "actor with include_related": (
        {"actor": "Rare brigade", "include_related": "true"},
        {"participant_actor_incident"},
    ),
    "actor with role": (
        {"actor": "Rare brigade", "role": "perpetrator", "attribution": "confirmed"},
        {"participant_actor_incident"},
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("params, expected", FILTERS.values(), ids=FILTERS.keys())
def test_each_filter_is_served_by_an_index(researcher_api, params, expected):
    sql = list_query(researcher_api, "/api/v1/incidents/", params)

    assert_uses_an_index(explain(sql), expected)


# -- orderings and deep pages --------------------------------------------------------------------------------------

ORDERINGS = IncidentCursorPagination.orderings
ORDERING_INDEXES = {
    "start_date": "incident_start_id",
    "fatalities_best": "incident_fatalities_id",
    "updated_at": "incident_updated_id",
}


def deep_page_url(ordering: str) -> str:
    """The `next` link the API gives after the published row three quarters of the way down the list."""
    field = ordering.lstrip("-")
    tie = "-id" if ordering.startswith("-") else "id"
    published = Incident.objects.filter(status=IncidentStatus.PUBLISHED).order_by(ordering, tie)
    row = published[published.count() * 3 // 4]
    paginator = IncidentCursorPagination()
    paginator.base_url = f"http://testserver/api/v1/incidents/?ordering={ordering}&page_size={PAGE_SIZE}"
    paginator.ordering_name, paginator.field = ordering, field
    return paginator.encode_cursor(False, row)


@pytest.mark.django_db
@pytest.mark.parametrize("ordering", ORDERINGS)
def test_each_ordering_is_read_in_order_from_its_index(researcher_api, ordering):
    sql = list_query(researcher_api, "/api/v1/incidents/", {"ordering": ordering, "page_size": PAGE_SIZE})
    plan = explain(sql, analyze=True)

    assert_uses_an_index(plan, {ORDERING_INDEXES[ordering.lstrip("-")]})
    assert "Sort" not in {node["Node Type"] for node in nodes(plan)}, json.dumps(plan, indent=1)
    assert rows_read(plan) <= 2 * (PAGE_SIZE + 1), json.dumps(plan, indent=1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "ordering",
    ORDERINGS,
)
def test_a_deep_cursor_page_reads_no_more_rows_than_the_first(researcher_api, ordering):
    url = deep_page_url(ordering)
    response = researcher_api.get(url)
    assert response.status_code == 200 and len(response.json()["results"]) == PAGE_SIZE, response.content
    sql = list_query(researcher_api, url)
    plan = explain(sql, analyze=True)

    assert_uses_an_index(plan, {ORDERING_INDEXES[ordering.lstrip("-")]})
    assert "Sort" not in {node["Node Type"] for node in nodes(plan)}, json.dumps(plan, indent=1)
    # A few drafts, or rows tied with the cursor's value, may be read and skipped; not the thousands before it.
    assert rows_read(plan) <= 2 * (PAGE_SIZE + 1), json.dumps(plan, indent=1)


@pytest.mark.django_db
def test_a_narrow_date_window_reads_only_the_rows_near_it(researcher_api):
    sql = list_query(researcher_api, "/api/v1/incidents/", {"date_after": "2015-03-01", "date_before": "2015-03-20"})
    plan = explain(sql, analyze=True)

    assert_uses_an_index(plan, {"incident_period"})
    assert rows_read(plan) <= 2 * (PAGE_SIZE + 1), json.dumps(plan, indent=1)
