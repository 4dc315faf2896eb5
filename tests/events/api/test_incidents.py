import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from events.choices import EventType, IncidentStatus, ParticipantRole, Side, SubEventType
from events.models import (
    CasualtyClaim,
    CasualtyPerpetrator,
    CasualtyRecord,
    IncidentParticipant,
    NamedVictim,
    PropertyHarm,
    PropertyHarmClaim,
)
from tests.factories import ActorFactory, ClaimFactory, IncidentFactory

ROLES = ["anonymous", "researcher", "analyst", "editor", "admin_user"]
PUBLIC = ["anonymous", "researcher"]
STAFF = ["analyst", "editor", "admin_user"]
# Read-only endpoint: the public may not write (401 without credentials, 403 with), staff find no such method.
WRITE_STATUS = {"anonymous": 401, "researcher": 403, "analyst": 405, "editor": 405, "admin_user": 405}
VICTIM = "Hamadoun Kassambara"


def client_as(request, role: str) -> APIClient:
    client = APIClient()
    if role != "anonymous":
        client.force_authenticate(request.getfixturevalue(role))
    return client


def incident(status=IncidentStatus.PUBLISHED, **fields):
    if status == IncidentStatus.PUBLISHED:
        fields.setdefault("published_at", timezone.now())
    return IncidentFactory(status=status, **fields)


def full_incident(status=IncidentStatus.PUBLISHED, **fields):
    """An incident with every part: a perpetrator, a killed record naming a victim, burned homes, a claim."""
    record = incident(status, **fields)
    perpetrator = IncidentParticipant.objects.create(
        incident=record, actor=ActorFactory(), role=ParticipantRole.PERPETRATOR, side=Side.A
    )
    claim = ClaimFactory(incident=record)
    killed = CasualtyRecord.objects.create(
        incident=record, harm="killed", victim_status="civilian", count_low=3, count_best=5, count_high=8, children=1
    )
    CasualtyPerpetrator.objects.create(incident=record, casualty_record=killed, participant=perpetrator)
    CasualtyClaim.objects.create(casualty_record=killed, claim=claim)
    NamedVictim.objects.create(casualty_record=killed, name=VICTIM, age=34, community="Dogon")
    homes = PropertyHarm.objects.create(
        incident=record, kind="homes", harm="burned", count_low=10, count_best=12, count_high=15
    )
    PropertyHarmClaim.objects.create(property_harm=homes, claim=claim)
    return record


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


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_and_nobody_writes(request, incidents, role):
    client = client_as(request, role)
    detail_url = f"/api/v1/incidents/{incidents['published'].code}/"

    assert client.get("/api/v1/incidents/").status_code == 200
    assert client.get(detail_url).status_code == 200
    assert client.post("/api/v1/incidents/", {}, format="json").status_code == WRITE_STATUS[role]
    assert client.put(detail_url, {}, format="json").status_code == WRITE_STATUS[role]
    assert client.patch(detail_url, {}, format="json").status_code == WRITE_STATUS[role]
    assert client.delete(detail_url).status_code == WRITE_STATUS[role]


@pytest.mark.parametrize("role", PUBLIC)
def test_the_public_sees_only_published_incidents(request, incidents, role):
    client = client_as(request, role)

    assert codes(client.get("/api/v1/incidents/")) == {incidents["published"].code}
    for state in ("draft", "submitted"):
        response = client.get(f"/api/v1/incidents/{incidents[state].code}/")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("role", STAFF)
def test_staff_see_every_state(request, incidents, role):
    client = client_as(request, role)

    assert codes(client.get("/api/v1/incidents/")) == {record.code for record in incidents.values()}
    for record in incidents.values():
        assert client.get(f"/api/v1/incidents/{record.code}/").json()["status"] == record.status


@pytest.mark.parametrize("role", PUBLIC)
def test_victim_identities_never_reach_the_public(request, incidents, role):
    client = client_as(request, role)
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
def test_staff_see_named_victims(request, incidents, role):
    client = client_as(request, role)

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
def test_staff_filter_by_status(request, places, role):
    client = client_as(request, role)

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
    ],
)
def test_bad_parameters_answer_400_naming_them(db, param, value):
    response = APIClient().get("/api/v1/incidents/", {param: value})

    assert response.status_code == 400
    error = response.json()["error"]
    assert list(error["fields"]) == [param]
    assert error["message"].startswith(f"{param}: ")


# Count, page, then one query per prefetched part: participants with their actors, casualty records, their
# perpetrator links, their claim links, property harms, their claim links, claims. Staff add their groups (the
# role check) and the named victims.
MAX_QUERIES = {"anonymous": 9, "analyst": 11}


@pytest.mark.parametrize("role", MAX_QUERIES)
def test_the_list_runs_a_fixed_number_of_queries(db, request, django_assert_max_num_queries, role):
    client = client_as(request, role)
    for size, added in ((2, 2), (12, 10)):
        for _ in range(added):
            full_incident()
        with django_assert_max_num_queries(MAX_QUERIES[role]):
            response = client.get("/api/v1/incidents/")
        assert response.json()["count"] == size
