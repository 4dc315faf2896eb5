"""The incident list's lean read path (events/api/listing.py) against the serializers it stands in for."""

import datetime
import json
from collections import OrderedDict
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ErrorDetail
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from conflict_tracker.choices import Harm, VictimStatus
from conflict_tracker.pagination import IncidentCursorPagination
from conflict_tracker.renderers import ORJSONRenderer
from events.choices import (
    AgeBand,
    Attribution,
    DatePrecision,
    GeoPrecision,
    IncidentStatus,
    ParticipantRole,
    Sex,
    Side,
    ViolenceType,
)
from events.models import (
    CasualtyClaim,
    CasualtyPerpetrator,
    CasualtyRecord,
    Incident,
    NamedVictim,
    PropertyHarm,
    PropertyHarmClaim,
)
from sources.choices import ClaimMeasure, ReviewStatus
from tests.factories import ClaimFactory, ParticipantFactory, ReviewedClaimFactory, SourceFactory
from tests.helpers.api import listed
from tests.helpers.exports import cite
from tests.helpers.incidents import VICTIM, full_incident, incident

PUBLIC = ["anonymous", "researcher"]
STAFF = ["analyst", "editor"]


def casualties(record, perpetrators=(), claims=(), victims=(), **fields):
    row = CasualtyRecord.objects.create(incident=record, **fields)
    for participant in perpetrators:
        CasualtyPerpetrator.objects.create(incident=record, casualty_record=row, participant=participant)
    for claim in claims:
        CasualtyClaim.objects.create(casualty_record=row, claim=claim)
    for victim in victims:
        NamedVictim.objects.create(casualty_record=row, **victim)
    return row


@pytest.fixture
def varied(db):
    """Incidents in every state, with parts of every kind, and claims the public may or may not see."""
    draft = full_incident(IncidentStatus.DRAFT, title="Draft near Tessit")
    hidden_claim = draft.claims.get()  # a draft's claim: staff see it, the public does not
    aggregate = ReviewedClaimFactory(incident=None, measure=ClaimMeasure.EVENTS, quote="More than 900 killed in 2024.")

    rich = incident(
        title="Attaque à Ogossagou",
        notes="Témoins: «ils sont venus à l'aube»\u2028puis ont brûlé le marché.",
        start_date=datetime.date(2024, 3, 23),
        end_date=datetime.date(2024, 3, 24),
        date_precision=DatePrecision.WEEK,
        admin1="Mopti",
        admin2="Bankass",
        admin3="Ogossagou",
        location_name="Ogossagou-Peul",
        latitude=Decimal("14.49"),
        longitude=Decimal("-4.19000"),
        geo_precision=GeoPrecision.EXACT,
        violence_type=ViolenceType.ONE_SIDED,
        civilian_targeting=True,
        fatalities_low=150,
        fatalities_best=160,
        fatalities_high=175,
    )
    first = ParticipantFactory(incident=rich, attribution=Attribution.CONFIRMED)
    second = ParticipantFactory(incident=rich, side="", attribution=Attribution.DISPUTED)
    ParticipantFactory(incident=rich, role=ParticipantRole.TARGET, side=Side.B)
    ParticipantFactory(incident=rich, role=ParticipantRole.OTHER, side="")
    accepted = ReviewedClaimFactory(incident=rich)
    pending = ClaimFactory(incident=rich)
    ReviewedClaimFactory(incident=rich, review_status=ReviewStatus.REJECTED)
    casualties(
        rich,
        perpetrators=[second, first],
        claims=[pending, accepted, hidden_claim, aggregate],
        victims=[
            {"name": VICTIM, "sex": Sex.MALE, "age": 34, "community": "Peul", "fate": "Shot at home."},
            {"name": "Aminata Barry", "sex": Sex.FEMALE, "age_band": AgeBand.CHILD},
        ],
        harm=Harm.KILLED,
        victim_status=VictimStatus.CIVILIAN,
        count_low=150,
        count_best=160,
        count_high=175,
        children=40,
        women=30,
        note="Names from the village chief.",
    )
    casualties(rich, harm=Harm.INJURED, victim_status=VictimStatus.UNKNOWN, count_low=0, count_best=2, count_high=9)
    casualties(
        rich,
        perpetrators=[first],
        harm=Harm.ABDUCTED,
        victim_status=VictimStatus.CIVILIAN,
        count_low=1,
        count_best=1,
        count_high=1,
        elderly=1,
    )
    homes = PropertyHarm.objects.create(
        incident=rich, kind="homes", harm="burned", count_low=100, count_best=120, count_high=150, note="Satellite."
    )
    for claim in (accepted, hidden_claim):
        PropertyHarmClaim.objects.create(property_harm=homes, claim=claim)
    PropertyHarm.objects.create(incident=rich, kind="homes", harm="looted", count_low=0, count_best=3, count_high=5)

    retracted = incident(
        IncidentStatus.RETRACTED,
        title="Duplicate of Ogossagou",
        published_at=timezone.now() - datetime.timedelta(days=3),
        retracted_at=timezone.now(),
        retraction_reason="A duplicate.",
    )
    return {
        "rich": rich,
        "bare": incident(title="Report of shots near Boni", start_date=datetime.date(2023, 5, 1)),
        "full": full_incident(title="Attack on Dioura", start_date=datetime.date(2025, 1, 2)),
        "submitted": full_incident(IncidentStatus.SUBMITTED, title="Raid on Boulkessi"),
        "draft": draft,
        "retracted": retracted,
        "hidden_claim": hidden_claim,
        "aggregate": aggregate,
        "pending": pending,
    }


def killed_record(row: dict) -> dict:
    return next(record for record in row["casualty_records"] if record["harm"] == Harm.KILLED)


@pytest.mark.parametrize("role", [*PUBLIC, *STAFF])
@pytest.mark.parametrize("ordering", [None, "fatalities_best"])
def test_the_list_renders_each_incident_as_the_serializer_does(client_as, varied, role, ordering):
    client = client_as(role)

    rows = listed(client, **({"ordering": ordering} if ordering else {}))

    visible = {"rich", "bare", "full"} | ({"submitted", "draft", "retracted"} if role in STAFF else set())
    assert {row["code"] for row in rows} == {varied[name].code for name in visible}
    for row in rows:
        detail = client.get(f"/api/v1/incidents/{row['code']}/")
        assert detail.status_code == 200
        assert row == detail.json()
        # The same keys in the same order, at every depth.
        assert json.dumps(row) == json.dumps(detail.json())


@pytest.mark.parametrize("role", PUBLIC)
def test_the_public_list_shows_no_victims_and_no_claims_of_unpublished_incidents(client_as, varied, role):
    rows = {row["code"]: row for row in listed(client_as(role))}

    killed = killed_record(rows[varied["rich"].code])
    # In the order they were cited, without the draft's claim nor the one no editor reviewed yet; the accepted
    # aggregate claim is public.
    cited = CasualtyClaim.objects.filter(casualty_record_id=killed["id"]).order_by("id").values_list("claim", flat=True)
    hidden = {varied["hidden_claim"].pk, varied["pending"].pk}
    assert killed["claims"] == [claim for claim in cited if claim not in hidden]
    assert varied["aggregate"].pk in killed["claims"] and len(killed["claims"]) == 2
    assert varied["pending"].pk not in {claim["id"] for claim in rows[varied["rich"].code]["claims"]}
    assert varied["hidden_claim"].pk not in rows[varied["rich"].code]["property_harms"][0]["claims"]
    records = [record for row in rows.values() for record in row["casualty_records"]]
    assert records and all("note" not in record and "named_victims" not in record for record in records)
    text = json.dumps(list(rows.values()))
    assert VICTIM not in text and "Aminata" not in text and "village chief" not in text


@pytest.mark.parametrize("role", STAFF)
def test_staff_see_victims_and_every_claim_in_the_list(client_as, varied, role):
    rows = {row["code"]: row for row in listed(client_as(role))}

    killed = killed_record(rows[varied["rich"].code])
    assert [victim["name"] for victim in killed["named_victims"]] == sorted(["Aminata Barry", VICTIM])
    assert varied["hidden_claim"].pk in killed["claims"]
    assert killed["note"] == "Names from the village chief."
    assert rows[varied["draft"].code]["published_at"] is None


def test_the_list_shapes_values_as_drf_does(varied, client_as):
    [row] = [row for row in listed(client_as("anonymous")) if row["code"] == varied["rich"].code]

    assert (row["latitude"], row["longitude"]) == ("14.49000", "-4.19000")
    assert (row["start_date"], row["end_date"]) == ("2024-03-23", "2024-03-24")
    assert row["geo_precision"] == 1 and row["violence_type"] == 3 and row["civilian_targeting"] is True
    assert row["published_at"].endswith("Z")
    assert row["notes"].startswith("Témoins")
    assert [part["side"] for part in row["participants"]] == ["", "", "A", "B"]
    assert [record["harm"] for record in row["casualty_records"]] == ["abducted", "injured", "killed"]
    assert killed_record(row)["perpetrators"] == [
        link.participant.actor_id
        for link in CasualtyPerpetrator.objects.filter(casualty_record__incident=varied["rich"]).order_by("id")
        if link.casualty_record.harm == Harm.KILLED
    ]


def test_the_list_escapes_line_separators_as_drf_does(varied, client_as):
    response = client_as("anonymous").get("/api/v1/incidents/")

    assert b"\\u2028" in response.content
    assert "\u2028".encode() not in response.content


# The public: the page with its stored renderings. Staff: the page, then every incident's parts as JSON in one query,
# and their groups (the role check).
LIST_QUERIES = {"anonymous": 1, "editor": 3}


@pytest.mark.parametrize("role", LIST_QUERIES)
def test_the_list_runs_a_fixed_number_of_queries(request, db, django_assert_max_num_queries, role, client_as):
    client = client_as(role)
    listed(client)  # a first request fills what the later ones read from the user (its groups)
    counts = []
    for size, added in ((3, 3), (40, 37)):
        for _ in range(added):
            record = full_incident()
            ParticipantFactory(incident=record, role=ParticipantRole.TARGET, side=Side.B)
        with django_assert_max_num_queries(LIST_QUERIES[role]) as captured:
            rows = listed(client)
        counts.append(len(captured))
        assert len(rows) == size
        assert all(row["casualty_records"] and row["property_harms"] and row["claims"] for row in rows)
    assert counts[0] == counts[1]


@pytest.mark.parametrize("role", [*PUBLIC, *STAFF])
def test_text_in_the_parts_comes_back_as_written(client_as, db, role):
    """The parts' JSON is written by PostgreSQL: quotes, backslashes, line breaks, control characters and
    non-Latin text must reach the client as the serializers send them."""
    tricky = 'Dit «brûlé» "totalement"\\ C:\\temp\n\ttab\x01\u2028end 🔥 مدرسة'
    record = full_incident(title="Escapes")
    part = record.participants.get()
    part.actor.name = f"Katiba {tricky}"
    part.actor.save()
    PropertyHarm.objects.filter(incident=record).update(note=tricky)
    CasualtyRecord.objects.filter(incident=record).update(note=tricky)
    NamedVictim.objects.filter(casualty_record__incident=record).update(community=tricky, fate=tricky)
    client = client_as(role)

    [row] = listed(client)

    assert row == client.get(f"/api/v1/incidents/{record.code}/").json()
    assert row["participants"][0]["actor_name"] == f"Katiba {tricky}"
    assert row["property_harms"][0]["note"] == tricky
    if role in STAFF:
        assert row["casualty_records"][0]["note"] == tricky
        assert row["casualty_records"][0]["named_victims"][0]["fate"] == tricky


def test_an_empty_page_runs_only_the_page_query(db, django_assert_num_queries, client_as):
    with django_assert_num_queries(1):
        assert listed(client_as("anonymous")) == []


# -- the paginator, with model rows and with values() rows ---------------------------------------------------------


def _request(url: str, params: dict | None = None) -> Request:
    return Request(APIRequestFactory().get(url, params or {}))


@pytest.mark.parametrize("ordering", ["-start_date", "fatalities_best", "updated_at"])
def test_the_paginator_pages_model_rows_and_values_rows_alike(db, ordering):
    for number in range(5):
        incident(start_date=datetime.date(2024, 1, 1 + number % 2))
    url, params = "/api/v1/incidents/", {"page_size": 2, "ordering": ordering}
    seen = {"models": [], "values": []}
    links = {"models": [], "values": []}
    for kind in seen:
        request = _request(url, params)
        while True:
            paginator = IncidentCursorPagination()
            fields = ("code",) if kind == "values" else None
            rows = paginator.paginate_queryset(Incident.objects.all(), request, fields=fields)
            seen[kind] += [row["code"] if kind == "values" else row.code for row in rows]
            links[kind].append(paginator.get_next_link())
            if not links[kind][-1]:
                break
            request = _request(links[kind][-1])

    assert seen["models"] == seen["values"]
    assert len(set(seen["values"])) == 5
    assert links["models"] == links["values"]


# -- the renderer ------------------------------------------------------------------------------------------------


def render_both(data, media_type=None) -> tuple[bytes, bytes]:
    return ORJSONRenderer().render(data, media_type, {}), JSONRenderer().render(data, media_type, {})


def test_the_orjson_renderer_writes_what_drf_writes():
    data = OrderedDict(
        [
            ("text", "Ségou\u2028Mopti\u2029"),
            ("error", ErrorDetail("Give a whole number.", code="invalid")),
            ("lazy", gettext_lazy("Draft")),
            ("when", datetime.datetime(2025, 3, 1, 12, 30, 5, 123456, tzinfo=datetime.UTC)),
            ("day", datetime.date(2025, 3, 1)),
            ("amount", Decimal("1.5")),
            ("nested", [1, None, True, (2, 3), {"k": "v"}]),
            (7, "a key that is not a string"),
        ]
    )

    fast, reference = render_both(data)

    assert fast == reference
    assert json.loads(fast)["when"] == "2025-03-01T12:30:05.123456Z"


@pytest.mark.parametrize(
    ("data", "media_type"),
    [
        ({"big": 2**70}, None),  # beyond 64 bits: orjson refuses, DRF's own rendering takes over
        ({"a": [1, 2]}, "application/json; indent=2"),
    ],
)
def test_the_orjson_renderer_falls_back_to_drf(data, media_type):
    fast, reference = render_both(data, media_type)

    assert fast == reference


def test_the_orjson_renderer_renders_nothing_for_none():
    assert ORJSONRenderer().render(None) == b""


# -- the page rendered by PostgreSQL (incident_page_json) against the serializers ------------------------------------


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/Bogota", "Asia/Kathmandu"])
@pytest.mark.parametrize(
    "moment",
    [
        datetime.datetime(2024, 7, 1, 9, 30, tzinfo=datetime.UTC),  # summer time in Paris, no microseconds
        datetime.datetime(2024, 1, 15, 23, 59, 59, 120000, tzinfo=datetime.UTC),  # microseconds with a trailing 0
        datetime.datetime(1999, 12, 31, 23, 0, 0, 1, tzinfo=datetime.UTC),  # a new year in some zones
    ],
)
def test_times_are_written_as_drf_writes_them_in_the_current_time_zone(client_as, db, settings, zone, moment):
    settings.TIME_ZONE = zone
    record = full_incident()
    Incident.objects.filter(pk=record.pk).update(published_at=moment, updated_at=moment)
    client = client_as("analyst")
    draft = full_incident(IncidentStatus.DRAFT)  # no published_at: null

    rows = {row["code"]: row for row in listed(client)}

    for code in (record.code, draft.code):
        assert rows[code] == client.get(f"/api/v1/incidents/{code}/").json()
    assert rows[draft.code]["published_at"] is None
    assert rows[record.code]["published_at"] == rows[record.code]["updated_at"]


def test_an_indented_page_is_the_same_json(varied, client_as):
    client = client_as("anonymous")
    compact = client.get("/api/v1/incidents/")

    indented = client.get("/api/v1/incidents/", HTTP_ACCEPT="application/json; indent=2")

    assert b'\n  "results": [' in indented.content
    assert indented.json() == compact.json() and len(compact.json()["results"]) == 3


@pytest.mark.parametrize("role", [*PUBLIC, *STAFF])
def test_the_list_shows_what_visible_to_shows_as_the_licences_change(client_as, db, settings, role, request):
    """The list's visibility condition is compiled once per rule (listing.visible_incidents): the same incidents as
    Incident.objects.visible_to, for each reader, whichever sources the deployment may pass on, in one process."""
    acled = SourceFactory(acronym="ACLED", redistributable=False)
    own = SourceFactory(redistributable=True)
    acled_only, mixed = incident(), incident()
    cite(acled_only, acled)
    cite(mixed, acled)
    cite(mixed, own)
    incident(), incident(IncidentStatus.DRAFT)
    user = request.getfixturevalue(role) if role != "anonymous" else AnonymousUser()
    client = client_as(role)

    seen = {}
    for licensed in ([], ["ACLED"], []):
        settings.REDISTRIBUTION_LICENSED = licensed
        codes = {row["code"] for row in listed(client)}
        assert codes == set(Incident.objects.visible_to(user).values_list("code", flat=True))
        seen[tuple(licensed)] = acled_only.code in codes
    assert seen == {(): role in STAFF, ("ACLED",): True}
