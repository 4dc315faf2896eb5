import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from actors.choices import RelationKind
from actors.models import ActorRelation
from conflict_tracker.pagination import IncidentCursorPagination
from events.choices import Attribution, EventType, IncidentStatus, ParticipantRole, Side, SubEventType
from events.models import (
    IncidentParticipant,
)
from tests.factories import ActorAliasFactory, ActorFactory
from tests.helpers.incidents import VICTIM, full_incident, incident

PUBLIC = ["anonymous", "researcher"]
STAFF = ["analyst", "editor", "admin_user"]


@pytest.fixture
def incidents(db):
    return {
        "published": full_incident(title="Attack on Ogossagou"),
        "submitted": full_incident(IncidentStatus.SUBMITTED, title="Raid on Boulkessi"),
        "draft": full_incident(IncidentStatus.DRAFT, title="Ambush near Tessit"),
    }


def codes(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["code"] for row in response.json()["results"]}


@pytest.mark.parametrize("role", PUBLIC)
def test_the_public_sees_only_published_incidents(client_as, incidents, role):
    client = client_as(role)

    assert codes(client.get("/api/v1/incidents/")) == {incidents["published"].code}
    for state in ("draft", "submitted"):
        response = client.get(f"/api/v1/incidents/{incidents[state].code}/")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("role", STAFF)
def test_staff_see_every_state(client_as, incidents, role):
    client = client_as(role)

    assert codes(client.get("/api/v1/incidents/")) == {record.code for record in incidents.values()}
    for record in incidents.values():
        assert client.get(f"/api/v1/incidents/{record.code}/").json()["status"] == record.status


@pytest.mark.parametrize("role", PUBLIC)
def test_victim_identities_never_reach_the_public(client_as, incidents, role):
    client = client_as(role)
    code = incidents["published"].code

    for response in (
        client.get("/api/v1/incidents/"),
        client.get(f"/api/v1/incidents/{code}/"),
        client.get("/api/v1/incidents/", {"search": VICTIM}),
        client.get("/api/v1/incidents/", {"search": "Kassambara"}),
    ):
        assert response.status_code == 200
        assert VICTIM not in response.content.decode()
        assert "Kassambara" not in response.content.decode()
        assert "named_victims" not in response.content.decode()
    assert client.get("/api/v1/incidents/", {"search": "Kassambara"}).json()["results"] == []
    records = client.get(f"/api/v1/incidents/{code}/").json()["casualty_records"]
    assert records and all("named_victims" not in record and "note" not in record for record in records)


@pytest.mark.parametrize("role", STAFF)
def test_staff_see_named_victims(client_as, incidents, role):
    client = client_as(role)

    detail = client.get(f"/api/v1/incidents/{incidents['draft'].code}/").json()
    listed = client.get("/api/v1/incidents/").json()["results"]

    assert detail["casualty_records"][0]["named_victims"][0]["name"] == VICTIM
    assert all(row["casualty_records"][0]["named_victims"][0]["name"] == VICTIM for row in listed)


def test_an_incident_shows_its_parts(incidents):
    record = incidents["published"]
    participant = record.participants.get()
    claim = record.claims.get()

    body = APIClient().get(f"/api/v1/incidents/{record.code}/").json()

    assert body["title"] == "Attack on Ogossagou"
    assert body["status"] == "published"
    assert body["version"] == record.version
    assert body["participants"] == [
        {
            "id": participant.pk,
            "actor": participant.actor_id,
            "actor_name": participant.actor.name,
            "role": "perpetrator",
            "side": "A",
            "attribution": "alleged",
        }
    ]
    [killed] = body["casualty_records"]
    assert (killed["harm"], killed["count_low"], killed["count_best"], killed["count_high"]) == ("killed", 3, 5, 8)
    assert killed["children"] == 1
    assert killed["perpetrators"] == [participant.actor_id]
    assert killed["claims"] == [claim.pk]
    [homes] = body["property_harms"]
    assert (homes["kind"], homes["harm"], homes["count_best"], homes["claims"]) == ("homes", "burned", 12, [claim.pk])
    assert body["claims"] == [{"id": claim.pk, "document": claim.document_id, "review_status": claim.review_status}]


@pytest.fixture
def places(db):
    """Three published incidents that differ in every filtered field, and a draft only staff can see."""
    gao = incident(
        title="Ambush near Ansongo market",
        notes="Gunmen on motorbikes fired on traders.",
        start_date=datetime.date(2025, 2, 10),
        country="MLI",
        admin1="Gao",
        admin2="Ansongo",
        event_type=EventType.VIOLENCE_AGAINST_CIVILIANS,
        sub_event_type=SubEventType.ATTACK,
        civilian_targeting=True,
        fatalities_low=4,
        fatalities_best=5,
        fatalities_high=6,
    )
    mopti = incident(
        title="Clash at Bankass",
        notes="Fighting between the army and a militia; a market was burned.",
        start_date=datetime.date(2024, 6, 1),
        end_date=datetime.date(2024, 6, 3),
        country="MLI",
        admin1="Mopti",
        admin2="Bankass",
        event_type=EventType.BATTLES,
        sub_event_type=SubEventType.ARMED_CLASH,
        fatalities_low=20,
        fatalities_best=20,
        fatalities_high=25,
    )
    sahel = incident(
        title="Drone strike near Djibo",
        start_date=datetime.date(2023, 1, 1),
        country="BFA",
        admin1="Sahel",
        admin2="Soum",
        event_type=EventType.EXPLOSIONS_REMOTE_VIOLENCE,
        sub_event_type=SubEventType.AIR_DRONE_STRIKE,
    )
    draft = incident(IncidentStatus.DRAFT, title="Draft near Ansongo", admin1="Gao", admin2="Ansongo")
    return {"gao": gao, "mopti": mopti, "sahel": sahel, "draft": draft}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"gao", "mopti", "sahel"}),
        ({"date_after": "2024-06-03"}, {"gao", "mopti"}),  # overlaps: mopti ends on that day
        ({"date_after": "2024-06-04"}, {"gao"}),
        ({"date_before": "2024-06-01"}, {"mopti", "sahel"}),  # overlaps: mopti starts on that day
        ({"date_after": "2024-01-01", "date_before": "2024-12-31"}, {"mopti"}),
        ({"country": "BFA"}, {"sahel"}),
        ({"country": "MLI", "admin1": "Mopti"}, {"mopti"}),
        ({"admin2": "Ansongo"}, {"gao"}),
        ({"event_type": "Battles"}, {"mopti"}),
        ({"sub_event_type": "Air/drone strike"}, {"sahel"}),
        ({"civilian_targeting": "true"}, {"gao"}),
        ({"civilian_targeting": "false"}, {"mopti", "sahel"}),
        ({"fatalities_min": 5}, {"gao", "mopti"}),
        ({"fatalities_max": 5}, {"gao", "sahel"}),
        ({"fatalities_min": 1, "fatalities_max": 10}, {"gao"}),
        ({"search": "motorbikes"}, {"gao"}),
        ({"search": "market"}, {"gao", "mopti"}),
        ({"search": "market -burned"}, {"gao"}),
        ({"search": '"drone strike"'}, {"sahel"}),
        ({"status": "published"}, {"gao", "mopti", "sahel"}),
        ({"status": "draft"}, set()),  # the public asking for drafts gets none, not an error
    ],
)
def test_filters_narrow_the_list(places, params, expected):
    response = APIClient().get("/api/v1/incidents/", params)

    assert codes(response) == {places[name].code for name in expected}


def test_a_week_across_new_year_is_found_from_either_year(db):
    vague = incident(start_date=datetime.date(2025, 1, 1), end_date=datetime.date(2025, 1, 1), date_precision="week")

    late_2024 = APIClient().get("/api/v1/incidents/", {"date_after": "2024-12-30", "date_before": "2024-12-31"})

    assert vague.code in codes(late_2024)  # the week of 1 January 2025 began on Monday 30 December 2024


@pytest.mark.parametrize(
    ("precision", "window", "found"),
    [
        ("day", ("2024-05-01", "2024-05-03"), False),
        ("week", ("2024-05-13", "2024-05-13"), True),  # the Monday of the week of 15 May
        ("week", ("2024-05-20", "2024-05-31"), False),
        ("month", ("2024-05-01", "2024-05-03"), True),
        ("month", ("2024-06-01", "2024-06-30"), False),
        ("year", ("2024-01-01", "2024-01-31"), True),
        ("year", ("2024-12-31", "2025-01-31"), True),
        ("year", ("2025-01-01", "2025-01-31"), False),
    ],
)
def test_date_windows_respect_the_date_precision(db, precision, window, found):
    """ACLED and UCDP write an imprecise date as one day of its period: 15 May 2024 known to the month is any
    day of May."""
    vague = incident(
        start_date=datetime.date(2024, 5, 15), end_date=datetime.date(2024, 5, 15), date_precision=precision
    )

    response = APIClient().get("/api/v1/incidents/", {"date_after": window[0], "date_before": window[1]})

    assert (vague.code in codes(response)) is found


def test_search_ranks_the_best_match_first(places):
    incident(title="Market, market and market again", notes="Market day.")

    results = APIClient().get("/api/v1/incidents/", {"search": "market"}).json()["results"]

    assert results[0]["title"] == "Market, market and market again"
    assert len(results) == 3


def test_updated_since_lists_incidents_changed_since(places):
    type(places["gao"]).objects.exclude(pk=places["gao"].pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=10)
    )
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()

    assert codes(APIClient().get("/api/v1/incidents/", {"updated_since": since})) == {places["gao"].code}


def test_actor_lists_incidents_the_actor_takes_part_in(places):
    actor = ActorFactory()
    for name, role in (("gao", ParticipantRole.PERPETRATOR), ("mopti", ParticipantRole.TARGET)):
        IncidentParticipant.objects.create(incident=places[name], actor=actor, role=role)
    IncidentParticipant.objects.create(incident=places["sahel"], actor=ActorFactory(), role=ParticipantRole.TARGET)

    response = APIClient().get("/api/v1/incidents/", {"actor": actor.pk})

    assert codes(response) == {places["gao"].code, places["mopti"].code}


@pytest.mark.parametrize("role", STAFF)
def test_staff_filter_by_status(client_as, places, role):
    client = client_as(role)

    assert codes(client.get("/api/v1/incidents/", {"status": "draft"})) == {places["draft"].code}
    assert codes(client.get("/api/v1/incidents/", {"admin2": "Ansongo"})) == {
        places["gao"].code,
        places["draft"].code,
    }


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("date_after", "2024-13-01"),
        ("date_before", "yesterday"),
        ("country", "XXX"),
        ("event_type", "Skirmish"),
        ("sub_event_type", "Armed clashes"),
        ("civilian_targeting", "perhaps"),
        ("fatalities_min", "many"),
        ("fatalities_max", "-1"),
        ("updated_since", "2025-02-30T00:00:00Z"),
        ("status", "pending"),
        ("actor", "999999"),
        ("actor", "wagner"),
        ("actor", "99999999999999999999999"),
        ("include_related", "maybe"),
        ("role", "victim"),
        ("attribution", "rumoured"),
        ("fatalities_measure", "median"),
        ("bbox", "1,2,3"),
        ("bbox", "1,2,3,4,5"),
        ("bbox", "a,b,c,d"),
        ("bbox", "-181,10,4,20"),
        ("bbox", "-5,-91,4,20"),
        ("bbox", "4,10,-5,20"),  # min_lon > max_lon
        ("bbox", "-5,20,4,10"),  # min_lat > max_lat
        ("bbox", "nan,10,4,20"),
        ("near", "16.27"),
        ("near", "91,0"),
        ("ordering", "title"),
        ("ordering", "-id"),
        ("page_size", "0"),
        ("page_size", "lots"),
        ("cursor", "not-a-cursor"),
        ("with_total", "perhaps"),
    ],
)
def test_bad_parameters_answer_400_naming_them(db, param, value):
    response = APIClient().get("/api/v1/incidents/", {param: value})

    assert response.status_code == 400
    error = response.json()["error"]
    assert list(error["fields"]) == [param]
    assert error["message"].startswith(f"{param}: ")


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"near": "16.27,-0.04", "radius_km": "-1"}, "radius_km"),
        ({"near": "16.27,-0.04", "radius_km": "far"}, "radius_km"),
        ({"near": "16.27,-0.04", "radius_km": "100000"}, "radius_km"),
        ({"near": "x,y", "radius_km": "10"}, "near"),
        ({"fatalities_min": "10", "fatalities_max": "5"}, "fatalities_max"),
        ({"date_after": "2025-03-01", "date_before": "2025-02-01"}, "date_before"),
        ({"near": "16.27,-0.04"}, "radius_km"),
        ({"radius_km": "50"}, "near"),
        ({"include_related": "true"}, "actor"),
    ],
)
def test_bad_combinations_answer_400_naming_the_parameter(db, params, param):
    response = APIClient().get("/api/v1/incidents/", params)

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [param]


# The public: the page with its stored renderings; staff: the page, then every incident's parts built as JSON in one
# query (events/api/listing.py), and their groups (the role check). with_total adds the count.
MAX_QUERIES = {"anonymous": 2, "analyst": 4}


@pytest.mark.parametrize("role", MAX_QUERIES)
def test_the_list_runs_a_fixed_number_of_queries(db, client_as, django_assert_max_num_queries, role):
    client = client_as(role)
    for size, added in ((2, 2), (12, 10)):
        for _ in range(added):
            full_incident()
        with django_assert_max_num_queries(MAX_QUERIES[role]):
            response = client.get("/api/v1/incidents/", {"with_total": "true"})
        assert len(response.json()["results"]) == size
        assert response.json()["total"] == size


def test_the_list_without_total_runs_no_count(db):
    for _ in range(3):
        full_incident()
    client = APIClient()

    with CaptureQueriesContext(connection) as plain:
        body = client.get("/api/v1/incidents/", {"page_size": 2}).json()
    with CaptureQueriesContext(connection) as counted:
        counted_body = client.get("/api/v1/incidents/", {"page_size": 2, "with_total": "true"}).json()

    assert not any("COUNT(" in query["sql"].upper() for query in plain.captured_queries)
    assert "total" not in body and body["next"]
    assert sum("COUNT(" in query["sql"].upper() for query in counted.captured_queries) == 1
    assert counted_body["total"] == 3
    assert len(plain.captured_queries) == len(counted.captured_queries) - 1


def test_a_deep_page_runs_the_same_queries_as_the_first(db):
    for _ in range(6):
        full_incident()
    client = APIClient()
    with CaptureQueriesContext(connection) as first_page:
        first = client.get("/api/v1/incidents/", {"page_size": 2}).json()
    with CaptureQueriesContext(connection) as second_page:
        client.get(first["next"])
    page_sql = second_page.captured_queries[0]["sql"].upper()

    assert len(second_page.captured_queries) == len(first_page.captured_queries)
    assert "OFFSET" not in page_sql and "LIMIT 3" in page_sql


# -- actor, lineage, role and attribution ---------------------------------------------------------------------------


def take_part(record, actor, role=ParticipantRole.PERPETRATOR, attribution=Attribution.ALLEGED, side=Side.A):
    return IncidentParticipant.objects.create(
        incident=record, actor=actor, role=role, attribution=attribution, side=side
    )


@pytest.fixture
def lineage(db):
    """The Wagner Group, succeeded by the Africa Corps; FAMa and a battalion of it; an incident for each."""
    actors = {
        "wagner": ActorFactory(name="Wagner Group", acronym="Wagner"),
        "africa_corps": ActorFactory(name="Africa Corps"),
        "fama": ActorFactory(name="Military Forces of Mali", acronym="FAMa", kind="state_forces"),
        "battalion": ActorFactory(name="FAMa 5th Battalion", kind="state_forces"),
        "jnim": ActorFactory(name="JNIM"),
    }
    ActorAliasFactory(actor=actors["wagner"], name="PMC Wagner")
    ActorAliasFactory(actor=actors["fama"], name="FAMa")
    ActorRelation.objects.create(
        subject=actors["wagner"], kind=RelationKind.SUCCEEDED_BY, object=actors["africa_corps"]
    )
    ActorRelation.objects.create(subject=actors["battalion"], kind=RelationKind.PART_OF, object=actors["fama"])
    records = {name: incident(title=f"Incident of {name}") for name in actors}
    take_part(records["wagner"], actors["wagner"], attribution=Attribution.CONFIRMED)
    take_part(records["wagner"], actors["jnim"], role=ParticipantRole.TARGET, side=Side.B)
    take_part(records["africa_corps"], actors["africa_corps"])
    take_part(records["fama"], actors["fama"], role=ParticipantRole.TARGET, attribution=Attribution.CONFIRMED)
    take_part(records["battalion"], actors["battalion"])
    take_part(records["jnim"], actors["jnim"], attribution=Attribution.DISPUTED)
    take_part(records["jnim"], actors["fama"], role=ParticipantRole.TARGET, side=Side.B)
    return {"actors": actors, "records": records}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"actor": "Wagner Group"}, {"wagner"}),
        ({"actor": "wagner group"}, {"wagner"}),  # case ignored
        ({"actor": "PMC Wagner"}, {"wagner"}),  # an alias
        ({"actor": "Wagner Group", "include_related": "true"}, {"wagner", "africa_corps"}),
        ({"actor": "Africa Corps", "include_related": "true"}, {"wagner", "africa_corps"}),  # predecessors too
        ({"actor": "Wagner Group", "include_related": "false"}, {"wagner"}),
        ({"actor": "FAMa"}, {"fama", "jnim"}),
        ({"actor": "FAMa", "include_related": "true"}, {"fama", "jnim", "battalion"}),  # its unit
        ({"actor": "FAMa 5th Battalion", "include_related": "true"}, {"battalion"}),  # not the whole army
        ({"actor": "FAMa", "role": "target"}, {"fama", "jnim"}),
        ({"actor": "FAMa", "role": "perpetrator"}, set()),
        ({"actor": "FAMa", "include_related": "true", "role": "perpetrator"}, {"battalion"}),
        ({"actor": "JNIM", "role": "perpetrator"}, {"jnim"}),  # not the Wagner incident, where JNIM is the target
        # The same participant row: Wagner's incident has a confirmed participant, but JNIM's part there is alleged.
        ({"actor": "JNIM", "attribution": "confirmed"}, set()),
        ({"actor": "JNIM", "attribution": "disputed"}, {"jnim"}),
        ({"actor": "Wagner Group", "include_related": "true", "attribution": "confirmed"}, {"wagner"}),
        ({"actor": "Wagner Group", "include_related": "true", "attribution": "alleged"}, {"africa_corps"}),
        ({"role": "target"}, {"wagner", "fama", "jnim"}),  # without actor: any participant
        ({"attribution": "disputed"}, {"jnim"}),
        ({"role": "target", "attribution": "confirmed"}, {"fama"}),
    ],
)
def test_actor_filters(lineage, params, expected):
    response = APIClient().get("/api/v1/incidents/", params)

    assert codes(response) == {lineage["records"][name].code for name in expected}


def test_actor_by_id_with_its_lineage(lineage):
    wagner = lineage["actors"]["wagner"]

    response = APIClient().get("/api/v1/incidents/", {"actor": wagner.pk, "include_related": "true"})

    assert codes(response) == {lineage["records"]["wagner"].code, lineage["records"]["africa_corps"].code}


def test_an_incident_with_several_matching_participants_is_listed_once(lineage):
    record = lineage["records"]["fama"]
    take_part(record, lineage["actors"]["battalion"], role=ParticipantRole.TARGET, side=Side.B)
    take_part(record, lineage["actors"]["fama"], role=ParticipantRole.OTHER, side=Side.B)

    results = APIClient().get("/api/v1/incidents/", {"actor": "FAMa", "include_related": "true"}).json()["results"]

    assert [row["code"] for row in results].count(record.code) == 1
    assert len(results) == 3


# -- fatalities measure, bounding box, radius ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"fatalities_min": 5, "fatalities_measure": "low"}, {"mopti"}),  # gao: low 4
        ({"fatalities_min": 5, "fatalities_measure": "best"}, {"gao", "mopti"}),
        ({"fatalities_min": 6, "fatalities_measure": "high"}, {"gao", "mopti"}),
        ({"fatalities_min": 6}, {"mopti"}),  # best by default
        ({"fatalities_max": 20, "fatalities_measure": "high"}, {"gao", "sahel"}),  # mopti: high 25
        ({"fatalities_max": 20}, {"gao", "mopti", "sahel"}),
    ],
)
def test_fatalities_measure_chooses_the_estimate(places, params, expected):
    assert codes(APIClient().get("/api/v1/incidents/", params)) == {places[name].code for name in expected}


@pytest.fixture
def located(db):
    def at(lat, lon, title):
        return incident(title=title, latitude=Decimal(lat), longitude=Decimal(lon))

    return {
        "gao": at("16.27", "-0.04", "Gao"),
        "ouagadougou": at("12.37", "-1.52", "Ouagadougou"),  # ~460 km from Gao
        "bamako": at("12.64", "-8.00", "Bamako"),  # ~940 km from Gao
        "corner": at("0.75", "0.75", "Corner"),  # ~118 km from 0,0: in the prefilter box of 111 km, not the circle
        "side": at("0.00", "0.99", "Side"),  # ~110 km from 0,0
        "nowhere": incident(title="Place unknown"),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"bbox": "-5,10,4.5,25"}, {"gao", "ouagadougou"}),
        ({"bbox": "-10,10,4.5,25"}, {"gao", "ouagadougou", "bamako"}),
        ({"bbox": "-0.04,16.27,-0.04,16.27"}, {"gao"}),  # edges included
        ({"bbox": "-180,-90,180,90"}, {"gao", "ouagadougou", "bamako", "corner", "side"}),
        ({"near": "16.27,-0.04", "radius_km": "50"}, {"gao"}),
        ({"near": "16.27,-0.04", "radius_km": "600"}, {"gao", "ouagadougou"}),
        ({"near": "16.27,-0.04", "radius_km": "1000"}, {"gao", "ouagadougou", "bamako"}),
        ({"near": "0,0", "radius_km": "111"}, {"side"}),  # great-circle distance, not the box
        ({"near": "0,0", "radius_km": "120"}, {"side", "corner"}),
        ({"near": "0,0", "radius_km": "0"}, set()),
        ({"near": "90,0", "radius_km": "100"}, set()),  # at the pole: no longitude box, no error
        ({"near": "0,179.9", "radius_km": "500"}, set()),  # across the antimeridian
        ({"near": "16.27,-0.04", "radius_km": "600", "bbox": "-1,15,1,17"}, {"gao"}),
    ],
)
def test_bounding_box_and_radius(located, params, expected):
    assert codes(APIClient().get("/api/v1/incidents/", params)) == {located[name].code for name in expected}


# -- cursor pagination ---------------------------------------------------------------------------------------------


def walk(client, params, limit=100):
    """Every page from the first, following `next`; the codes in the order received."""
    seen = []
    response = client.get("/api/v1/incidents/", params)
    for _ in range(limit):
        body = response.json()
        assert response.status_code == 200, body
        seen += [row["code"] for row in body["results"]]
        if not body["next"]:
            return seen
        response = client.get(body["next"])
    raise AssertionError("too many pages")


@pytest.fixture
def many(db):
    """Eleven published incidents with many ties (dates, fatalities), a draft, and different update times."""
    records = []
    for number in range(11):
        record = incident(start_date=datetime.date(2024, 1, 1 + number % 3))
        type(record).objects.filter(pk=record.pk).update(
            fatalities_best=number % 2 * 10,
            fatalities_low=0,
            fatalities_high=20,
            updated_at=timezone.now() - datetime.timedelta(hours=number % 4),
        )
        records.append(record)
    incident(IncidentStatus.DRAFT, start_date=datetime.date(2024, 1, 2))
    return records


ORDERINGS = ["start_date", "-start_date", "fatalities_best", "-fatalities_best", "updated_at", "-updated_at"]


@pytest.mark.parametrize("ordering", [None, *ORDERINGS])
@pytest.mark.parametrize("page_size", [1, 3, 50])
def test_walking_the_pages_lists_every_incident_once_in_order(many, ordering, page_size):
    params = {"page_size": page_size} | ({"ordering": ordering} if ordering else {})

    seen = walk(APIClient(), params)

    field = (ordering or "-start_date").lstrip("-")
    descending = (ordering or "-start_date").startswith("-")
    expected = sorted(many, key=lambda record: (getattr(record.__class__.objects.get(pk=record.pk), field), record.pk))
    if descending:
        expected.reverse()
    assert seen == [record.code for record in expected]


def test_previous_walks_back_over_the_same_pages(many):
    client = APIClient()
    pages = [client.get("/api/v1/incidents/", {"page_size": 4}).json()]
    while pages[-1]["next"]:
        pages.append(client.get(pages[-1]["next"]).json())
    assert pages[0]["previous"] is None and len(pages) == 3

    back = client.get(pages[2]["previous"]).json()
    first = client.get(back["previous"]).json()

    assert back["results"] == pages[1]["results"]
    assert first["results"] == pages[0]["results"]
    assert first["previous"] is None


def test_rows_inserted_between_pages_cause_no_duplicates_nor_gaps(many):
    client = APIClient()
    present = {record.code for record in many}
    seen = []
    response = client.get("/api/v1/incidents/", {"page_size": 3})
    while True:
        body = response.json()
        seen += [row["code"] for row in body["results"]]
        # Ties on every side of the cursor: the same dates as the listed rows, before and after them.
        for day in (1, 2, 3):
            incident(start_date=datetime.date(2024, 1, day))
        if not body["next"]:
            break
        response = client.get(body["next"])

    assert len(seen) == len(set(seen))
    assert present <= set(seen)


def test_search_pages_follow_the_rank(db):
    for number in range(5):
        incident(title=" ".join(["market"] * (number + 1)), notes="market")
    incident(title="nothing to find")

    seen = walk(APIClient(), {"search": "market", "page_size": 2})

    assert len(seen) == len(set(seen)) == 5
    assert (
        APIClient().get("/api/v1/incidents/", {"search": "market"}).json()["results"][0]["title"].count("market") == 5
    )


def test_with_total_counts_the_filtered_rows(many):
    body = APIClient().get("/api/v1/incidents/", {"with_total": "true", "page_size": 2}).json()
    filtered = APIClient().get("/api/v1/incidents/", {"with_total": "true", "fatalities_min": 10}).json()
    staff = APIClient()

    assert body["total"] == 11 and len(body["results"]) == 2
    assert filtered["total"] == 5
    assert "total" not in staff.get("/api/v1/incidents/", {"with_total": "false"}).json()


def test_page_size_is_capped(many, monkeypatch):
    assert IncidentCursorPagination.max_page_size == 500
    monkeypatch.setattr(IncidentCursorPagination, "max_page_size", 4)

    body = APIClient().get("/api/v1/incidents/", {"page_size": 1000}).json()

    assert len(body["results"]) == 4 and body["next"]


def test_the_default_page_size_is_50(db):
    assert IncidentCursorPagination.page_size == 50


def test_a_cursor_from_another_ordering_is_a_400(many):
    client = APIClient()
    next_link = client.get("/api/v1/incidents/", {"page_size": 2}).json()["next"]
    cursor = next_link.split("cursor=")[1].split("&")[0]

    response = client.get("/api/v1/incidents/", {"cursor": cursor, "ordering": "fatalities_best"})

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["cursor"]
