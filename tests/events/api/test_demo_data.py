"""The incident filters on the Mali demo dataset, asked through the API as the public asks.

Expected answers come from the dataset's declaration in demo/ (the article's incidents, their actors,
relations, dates and figures), not from running the same filter through the ORM.
"""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from actors.choices import RelationKind
from actors.models import Actor
from conflict_tracker.choices import Harm
from demo.actors import AFRICA_CORPS, CMA, FAMA, FLA, RELATIONS, WAGNER
from demo.loader import INCIDENTS
from events.choices import Attribution, EventType, IncidentStatus, ParticipantRole, Side, SubEventType
from events.models import Incident, IncidentParticipant
from tests.factories import IncidentFactory

PUBLIC = ["anonymous", "researcher"]
PUBLISHED = [spec for spec in INCIDENTS if spec.status == IncidentStatus.PUBLISHED]
UNPUBLISHED = [spec for spec in INCIDENTS if spec.status != IncidentStatus.PUBLISHED]
NAMED_VICTIMS = [victim for spec in INCIDENTS for record in spec.casualties for victim in record.named_victims]


def titles(client: APIClient, params: dict) -> set[str]:
    response = client.get("/api/v1/incidents/", {"page_size": 500, **params})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["next"] is None
    return {row["title"] for row in body["results"]}


# -- what the declaration says each filter should find -------------------------------------------------------------


def lineage(name: str) -> set[str]:
    """The actor, its units (part_of, downwards) and its predecessors and successors (succeeded_by, both ways)."""
    found, grown = {name}, True
    while grown:
        grown = False
        for relation in RELATIONS:
            steps = []
            if relation.kind == RelationKind.PART_OF:
                steps = [(relation.object, relation.subject)]
            elif relation.kind == RelationKind.SUCCEEDED_BY:
                steps = [(relation.subject, relation.object), (relation.object, relation.subject)]
            for start, end in steps:
                if start in found and end not in found:
                    found.add(end)
                    grown = True
    return found


def with_participant(actors: set[str] | None = None, role: str = "", attribution: str = "") -> set[str]:
    """Published titles with one participant matching every condition given."""
    return {
        spec.title
        for spec in PUBLISHED
        for participant in spec.participants
        if (actors is None or participant.actor in actors)
        and (not role or participant.role == role)
        and (not attribution or participant.attribution == attribution)
    }


def where(test) -> set[str]:
    return {spec.title for spec in PUBLISHED if test(spec.fields)}


def killed(spec, measure: str) -> int:
    return sum(getattr(record, f"count_{measure}") for record in spec.casualties if record.harm == Harm.KILLED)


def with_fatalities(measure: str, at_least: int) -> set[str]:
    return {spec.title for spec in PUBLISHED if killed(spec, measure) >= at_least}


def overlapping(after: datetime.date, before: datetime.date) -> set[str]:
    return where(lambda fields: fields["end_date"] >= after and fields["start_date"] <= before)


TINZAOUATEN = "CMA fighters and armed groups ambush the army and Wagner at Tinzaouaten"
INTAHAKA = "Government forces retake the Intahaka gold mine"

FILTERS = {
    "country": ({"country": "MLI"}, {spec.title for spec in PUBLISHED}),
    "another country": ({"country": "BFA"}, set()),
    "admin1": ({"admin1": "Kidal"}, where(lambda fields: fields.get("admin1") == "Kidal")),
    "admin1 and admin2": (
        {"admin1": "Mopti", "admin2": "Douentza"},
        where(lambda fields: (fields.get("admin1"), fields.get("admin2")) == ("Mopti", "Douentza")),
    ),
    "event_type": ({"event_type": EventType.BATTLES}, where(lambda fields: fields["event_type"] == EventType.BATTLES)),
    "sub_event_type": (
        {"sub_event_type": SubEventType.AIR_DRONE_STRIKE},
        where(lambda fields: fields["sub_event_type"] == SubEventType.AIR_DRONE_STRIKE),
    ),
    "civilian_targeting": (
        {"civilian_targeting": "true"},
        where(lambda fields: fields.get("civilian_targeting", False)),
    ),
    "not civilian_targeting": (
        {"civilian_targeting": "false"},
        where(lambda fields: not fields.get("civilian_targeting", False)),
    ),
    **{
        f"fatalities_min on {measure}": (
            {"fatalities_min": 10, "fatalities_measure": measure},
            with_fatalities(measure, 10),
        )
        for measure in ("low", "best", "high")
    },
    "fatalities_max": (
        {"fatalities_min": 1, "fatalities_max": 10},
        {spec.title for spec in PUBLISHED if 1 <= killed(spec, "best") <= 10},
    ),
    "dates in 2024": (
        {"date_after": "2024-01-01", "date_before": "2024-12-31"},
        overlapping(datetime.date(2024, 1, 1), datetime.date(2024, 12, 31)),
    ),
    "dates before 2021": ({"date_before": "2020-12-31"}, overlapping(datetime.date.min, datetime.date(2020, 12, 31))),
    "dates from 2025": ({"date_after": "2025-01-01"}, overlapping(datetime.date(2025, 1, 1), datetime.date.max)),
    "search a title word": ({"search": "Intahaka"}, {INTAHAKA}),
    "search a place in title and notes": ({"search": "Tinzaouaten"}, {TINZAOUATEN}),
    "actor by name": ({"actor": WAGNER}, with_participant({WAGNER})),
    "actor by alias": ({"actor": "PMC Wagner"}, with_participant({WAGNER})),
    "actor by ACLED's dated label": ({"actor": "Military Forces of Mali (2021-)"}, with_participant({FAMA})),
    "actor by alias, case and accents ignored": ({"actor": "forces armees maliennes"}, with_participant({FAMA})),
    "actor by acronym": ({"actor": "FAMa"}, with_participant({FAMA})),
    "actor by acronym, case ignored": ({"actor": "cma"}, with_participant({CMA})),
    "actor without include_related": ({"actor": AFRICA_CORPS}, with_participant({AFRICA_CORPS})),
    "successor with include_related finds its predecessor": (
        {"actor": AFRICA_CORPS, "include_related": "true"},
        with_participant(lineage(AFRICA_CORPS)),
    ),
    "CMA with include_related": ({"actor": CMA, "include_related": "true"}, with_participant(lineage(CMA))),
    "FLA without include_related": ({"actor": FLA}, with_participant({FLA})),
    "role of the actor": (
        {"actor": WAGNER, "role": ParticipantRole.PERPETRATOR},
        with_participant({WAGNER}, role=ParticipantRole.PERPETRATOR),
    ),
    "role and attribution of the actor": (
        {"actor": FAMA, "role": ParticipantRole.PERPETRATOR, "attribution": Attribution.CONFIRMED},
        with_participant({FAMA}, ParticipantRole.PERPETRATOR, Attribution.CONFIRMED),
    ),
    "role and attribution of anyone": (
        {"role": ParticipantRole.TARGET, "attribution": Attribution.DISPUTED},
        with_participant(None, ParticipantRole.TARGET, Attribution.DISPUTED),
    ),
}


def test_the_declaration_gives_the_filters_something_to_tell_apart():
    """Each expected set is a proper, non-empty part of the published demo, except where none is the answer."""
    everything = {spec.title for spec in PUBLISHED}
    for name, (_, expected) in FILTERS.items():
        if name in ("another country", "actor without include_related", "FLA without include_related"):
            assert expected == set(), name
        elif name != "country":
            assert expected and expected < everything, name
    assert lineage(WAGNER) == lineage(AFRICA_CORPS) == {WAGNER, AFRICA_CORPS}


@pytest.mark.django_db
@pytest.mark.parametrize("role", PUBLIC)
@pytest.mark.parametrize("params, expected", FILTERS.values(), ids=FILTERS.keys())
def test_each_filter_finds_the_demo_incidents_it_should(demo, role, params, expected, client_as):
    assert titles(client_as(role), params) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("role", PUBLIC)
def test_the_public_sees_the_published_demo_incidents_and_no_draft(demo, role, client_as):
    client = client_as(role)

    assert titles(client, {}) == {spec.title for spec in PUBLISHED}
    for spec in UNPUBLISHED:
        assert titles(client, {"search": spec.title.split()[0]}).isdisjoint({spec.title})
        assert titles(client, {"status": spec.status}) == set()
        code = Incident.objects.get(title=spec.title).code
        assert client.get(f"/api/v1/incidents/{code}/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", PUBLIC)
def test_no_demo_victim_is_named_to_the_public(demo, role, client_as):
    client = client_as(role)
    listed = client.get("/api/v1/incidents/", {"page_size": 500}).content.decode()
    staff = client_as("analyst").get("/api/v1/incidents/", {"page_size": 500}).content.decode()

    assert NAMED_VICTIMS
    for victim in NAMED_VICTIMS:
        assert victim.name in staff  # so the check below looks where a name would be
        assert victim.name not in listed
        assert victim.fate not in listed


@pytest.fixture
def africa_corps_incident(demo):
    """An incident the demo does not have: Africa Corps, under that name, as the perpetrator, in 2025."""
    incident = IncidentFactory(
        title="Africa Corps patrol raids a market near Ménaka",
        status=IncidentStatus.PUBLISHED,
        published_at=timezone.now(),
        start_date=datetime.date(2025, 4, 2),
        admin1="Ménaka",
    )
    IncidentParticipant.objects.create(
        incident=incident,
        actor=Actor.objects.get(name=AFRICA_CORPS),
        role=ParticipantRole.PERPETRATOR,
        side=Side.A,
        attribution=Attribution.ALLEGED,
    )
    return incident.title


@pytest.mark.django_db
@pytest.mark.parametrize("role", PUBLIC)
def test_wagner_with_include_related_finds_africa_corps_incidents(africa_corps_incident, role, client_as):
    client = client_as(role)
    wagner = with_participant({WAGNER})

    assert titles(client, {"actor": WAGNER}) == wagner
    assert titles(client, {"actor": WAGNER, "include_related": "true"}) == wagner | {africa_corps_incident}
    assert titles(client, {"actor": "Wagner", "include_related": "true", "date_after": "2025-04-01"}) == {
        africa_corps_incident
    }
    assert titles(client, {"actor": AFRICA_CORPS}) == {africa_corps_incident}
