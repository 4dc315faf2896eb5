import csv
import datetime
import io
import json
from decimal import Decimal

import pycountry
import pytest
from django.db import ProgrammingError
from rest_framework.test import APIClient

from actors.choices import ActorKind
from events.choices import (
    DatePrecision,
    EventType,
    IncidentStatus,
    ParticipantRole,
    Side,
    SubEventType,
    ViolenceType,
)
from events.exports import ACLED_REGIONS
from events.exports.sql import PLANNER_SETTINGS
from events.models import CasualtyRecord, IncidentParticipant
from sources.choices import ReviewStatus, SourceKind
from tests.factories import (
    ActorFactory,
    ParticipantFactory,
    SourceFactory,
)
from tests.helpers.exports import CASUALTY_NOTE, body, cite, export
from tests.helpers.incidents import VICTIM, full_incident, incident

FORMATS = ["csv", "acled", "geojson", "ucdp", "acled-hxl", "ucdp-hxl"]


def _decimal(text) -> Decimal | None:
    return None if text in ("", None) else Decimal(str(text))


def _actors(*names: str) -> list[str]:
    return sorted(name for joined in names for name in joined.split("; ") if name)


def parse(export_format: str, text: str) -> list[dict]:
    """Each row's code, start date, best fatalities, actors and coordinates under common names, whatever the
    format; parsed with the standard library alone."""
    if export_format == "geojson":
        return [
            {
                "code": feature["properties"]["code"],
                "start_date": feature["properties"]["start_date"],
                "fatalities": feature["properties"]["fatalities_best"],
                "actors": sorted(
                    feature["properties"]["perpetrators"]
                    + feature["properties"]["targets"]
                    + feature["properties"]["other_actors"]
                ),
                "latitude": _decimal(feature["geometry"]["coordinates"][1]) if feature["geometry"] else None,
                "longitude": _decimal(feature["geometry"]["coordinates"][0]) if feature["geometry"] else None,
            }
            for feature in json.loads(text)["features"]
        ]
    rows = list(csv.DictReader(io.StringIO(text)))
    if export_format.endswith("-hxl"):
        hashtags, *rows = rows
        assert all(tag.startswith("#") for tag in hashtags.values() if tag)
        export_format = export_format.removesuffix("-hxl")
    if export_format == "ucdp":
        return [
            {
                "code": row["id"],
                "start_date": row["date_start"],
                "fatalities": int(row["best"]),
                "actors": sorted(name for side in (row["side_a"], row["side_b"]) for name in side.split(", ") if name),
                "latitude": _decimal(row["latitude"]),
                "longitude": _decimal(row["longitude"]),
            }
            for row in rows
        ]
    if export_format == "acled":
        return [
            {
                "code": row["event_id_cnty"],
                "start_date": row["event_date"],
                "fatalities": int(row["fatalities"]),
                "actors": _actors(row["actor1"], row["assoc_actor_1"], row["actor2"], row["assoc_actor_2"]),
                "latitude": _decimal(row["latitude"]),
                "longitude": _decimal(row["longitude"]),
            }
            for row in rows
        ]
    return [
        {
            "code": row["code"],
            "start_date": row["start_date"],
            "fatalities": int(row["fatalities_best"]),
            "actors": _actors(row["perpetrators"], row["targets"], row["other_actors"]),
            "latitude": _decimal(row["latitude"]),
            "longitude": _decimal(row["longitude"]),
        }
        for row in rows
    ]


def json_list(client, params: dict) -> list[dict]:
    response = client.get("/api/v1/incidents/", {**params, "page_size": 500})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def json_rows(client, params: dict) -> list[dict]:
    return [
        {
            "code": row["code"],
            "start_date": row["start_date"],
            "fatalities": row["fatalities_best"],
            "actors": sorted(part["actor_name"] for part in row["participants"]),
            "latitude": _decimal(row["latitude"]),
            "longitude": _decimal(row["longitude"]),
        }
        for row in json_list(client, params)
    ]


@pytest.fixture
def dataset(db):
    records = {
        "bamako": full_incident(
            title="Attack in Bamako",
            start_date=datetime.date(2024, 3, 5),
            latitude=Decimal("12.65"),
            longitude=Decimal("-8.0"),
            admin1="Bamako",
            notes="Gunmen fired on a market.",
            violence_type=ViolenceType.ONE_SIDED,
        ),
        "gao": full_incident(
            title="Attack in Gao",
            start_date=datetime.date(2024, 7, 1),
            end_date=datetime.date(2024, 7, 3),
            latitude=Decimal("16.27"),
            longitude=Decimal("-0.04"),
        ),
        "niger": full_incident(
            title="Attack in Tillaberi",
            country="NER",
            start_date=datetime.date(2025, 1, 20),
            latitude=Decimal("14.2"),
            longitude=Decimal("1.45"),
        ),
        "nowhere": full_incident(title="Attack somewhere", start_date=datetime.date(2023, 11, 2)),
        "draft": full_incident(
            IncidentStatus.DRAFT, title="Ambush near Tessit", latitude=Decimal("15.9"), longitude=Decimal("0.6")
        ),
    }
    # Targets and other actors besides each incident's perpetrator, so the actor columns have something to match.
    villagers = ActorFactory(name="Civilians (Mali)", kind=ActorKind.CIVILIANS)
    ParticipantFactory(incident=records["bamako"], actor=villagers, role=ParticipantRole.TARGET, side=Side.B)
    ParticipantFactory(incident=records["gao"], actor=villagers, role=ParticipantRole.TARGET, side="")
    ParticipantFactory(incident=records["gao"], role=ParticipantRole.OTHER, side="")
    CasualtyRecord.objects.filter(incident__in=records.values()).update(note=CASUALTY_NOTE)
    cite(records["draft"], SourceFactory(name="Tessit Witness Network", kind=SourceKind.WITNESS))
    return records


@pytest.mark.parametrize("export_format", FORMATS)
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"country": "MLI"},
        {"date_after": "2024-01-01", "date_before": "2024-12-31"},
        {"admin1": "Gao"},
        {"ordering": "fatalities_best"},
        {"search": "attack"},
    ],
)
def test_each_format_parses_back_and_matches_the_json_list(dataset, export_format, params):
    client = APIClient()

    rows = parse(export_format, body(export(client, export_format, **params)))
    expected = json_rows(client, params)

    assert rows == expected
    assert rows  # every filter above keeps some incidents


@pytest.mark.parametrize("role", ["anonymous", "editor"])
def test_the_csv_export_carries_the_json_lists_fields(client_as, dataset, role):
    client = client_as(role)

    rows = list(csv.DictReader(io.StringIO(body(export(client, "csv")))))
    listed = json_list(client, {})

    assert [row["code"] for row in rows] == [row["code"] for row in listed]
    for row, item in zip(rows, listed, strict=True):
        for name in (
            "title",
            "notes",
            "status",
            "start_date",
            "end_date",
            "date_precision",
            "country",
            "admin1",
            "admin2",
            "admin3",
            "location_name",
            "latitude",
            "longitude",
            "geo_precision",
            "event_type",
            "sub_event_type",
            "violence_type",
            "civilian_targeting",
            "fatalities_low",
            "fatalities_best",
            "fatalities_high",
            "published_at",
            "updated_at",
        ):
            value = item[name]
            assert row[name] == ("" if value is None else str(value).lower() if isinstance(value, bool) else str(value))
        assert row["perpetrators"].split("; ") == [
            part["actor_name"] for part in item["participants"] if part["role"] == "perpetrator"
        ]


def test_the_geojson_export_carries_the_json_lists_fields(dataset):
    client = APIClient()

    features = json.loads(body(export(client, "geojson")))["features"]
    listed = {row["code"]: row for row in json_list(client, {})}

    assert features
    for feature in features:
        item = listed[feature["id"]]
        properties = feature["properties"]
        shared = set(properties) & set(item)
        assert shared >= {"title", "notes", "country", "admin1", "violence_type", "civilian_targeting", "updated_at"}
        assert {name: properties[name] for name in shared} == {name: item[name] for name in shared}
        if item["latitude"] is None:
            assert feature["geometry"] is None
        else:
            assert feature["geometry"]["coordinates"] == [float(item["longitude"]), float(item["latitude"])]
        assert properties["targets"] == [p["actor_name"] for p in item["participants"] if p["role"] == "target"]


def test_filters_apply_to_exports(dataset):
    client = APIClient()

    mali = {row["code"] for row in parse("csv", body(export(client, "csv", country="MLI")))}
    year = {
        row["code"]
        for row in parse("acled", body(export(client, "acled", date_after="2024-01-01", date_before="2024-12-31")))
    }

    assert mali == {dataset[name].code for name in ("bamako", "gao", "nowhere")}
    assert year == {dataset[name].code for name in ("bamako", "gao")}


@pytest.mark.parametrize("export_format", FORMATS)
@pytest.mark.parametrize("role", ["anonymous", "researcher"])
def test_no_draft_and_no_victim_reaches_the_public(client_as, dataset, export_format, role):
    text = body(export(client_as(role), export_format))

    assert dataset["draft"].code not in text
    assert "Tessit" not in text  # neither the draft's place nor the source only the draft cites
    assert VICTIM not in text
    assert "Kassambara" not in text
    assert CASUALTY_NOTE not in text
    assert dataset["bamako"].code in text


@pytest.mark.parametrize("export_format", FORMATS)
def test_staff_export_every_state_but_no_victim_names_nor_casualty_notes(client_as, dataset, export_format):
    text = body(export(client_as("editor"), export_format))

    assert dataset["draft"].code in text
    assert VICTIM not in text
    assert CASUALTY_NOTE not in text


@pytest.mark.parametrize("export_format", FORMATS)
def test_exports_are_attachments_streamed(dataset, export_format):
    response = export(APIClient(), export_format)

    assert response.streaming
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["Content-Type"].startswith({"geojson": "application/geo+json"}.get(export_format, "text/csv"))
    body(response)


def test_exports_are_not_paginated(db):
    for _ in range(5):
        incident()

    rows = parse("csv", body(APIClient().get("/api/v1/incidents/", {"format": "csv", "page_size": 2})))

    assert len(rows) == 5


def test_the_acled_export_follows_acled_conventions(db):
    record = incident(
        start_date=datetime.date(2024, 2, 3),
        date_precision=DatePrecision.MONTH,
        latitude=Decimal("14.49"),
        longitude=Decimal("-4.19"),
        admin1="Mopti",
        admin2="Bandiagara",
        location_name="Ogossagou",
        event_type=EventType.VIOLENCE_AGAINST_CIVILIANS,
        sub_event_type=SubEventType.ATTACK,
        civilian_targeting=True,
        fatalities_low=10,
        fatalities_best=12,
        fatalities_high=15,
    )
    soldiers = ActorFactory(name="Military Forces of Mali (2021-)", kind=ActorKind.STATE_FORCES)
    wagner = ActorFactory(name="Wagner Group", kind=ActorKind.EXTERNAL_OTHER)
    villagers = ActorFactory(name="Civilians (Mali)", kind=ActorKind.CIVILIANS)
    for actor, role, side in (
        (villagers, ParticipantRole.TARGET, ""),
        (wagner, ParticipantRole.PERPETRATOR, Side.A),
        (soldiers, ParticipantRole.PERPETRATOR, ""),
    ):
        IncidentParticipant.objects.create(incident=record, actor=actor, role=role, side=side)
    cite(record, SourceFactory(name="Human Rights Watch", acronym="HRW", kind=SourceKind.HUMAN_RIGHTS_NGO))
    cite(record, SourceFactory(name="L'Essor", country="MLI"))

    [row] = csv.DictReader(io.StringIO(body(export(APIClient(), "acled"))))

    assert row["event_id_cnty"] == record.code
    assert (row["event_date"], row["year"], row["time_precision"]) == ("2024-02-03", "2024", "3")
    assert row["disorder_type"] == "Political violence"
    assert (row["event_type"], row["sub_event_type"]) == ("Violence against civilians", "Attack")
    assert (row["actor1"], row["assoc_actor_1"], row["inter1"]) == (
        "Wagner Group",
        "Military Forces of Mali (2021-)",
        "8",
    )
    assert (row["actor2"], row["assoc_actor_2"], row["inter2"]) == ("Civilians (Mali)", "", "7")
    assert row["interaction"] == "78"
    assert row["civilian_targeting"] == "Civilian targeting"
    assert (row["iso"], row["country"], row["region"]) == ("466", "Mali", "Western Africa")
    assert (row["admin1"], row["admin2"], row["location"]) == ("Mopti", "Bandiagara", "Ogossagou")
    assert (row["latitude"], row["longitude"], row["geo_precision"]) == ("14.49000", "-4.19000", "2")
    assert (row["source"], row["source_scale"]) == ("HRW; L'Essor", "National-International")
    assert row["fatalities"] == "12"
    assert row["tags"] == ""
    record.refresh_from_db()
    assert row["timestamp"] == str(int(record.updated_at.timestamp()))


@pytest.fixture
def sourced(db):
    """An incident in Mali cited by outlets of every scale, and one whose only claim was rejected."""
    record = incident(title="Attack on Moura")
    sources = {
        "aljazeera": SourceFactory(name="Al Jazeera", country="QAT"),
        "afp": SourceFactory(name="Agence France-Presse", acronym="AFP"),
        "essor": SourceFactory(name="L'Essor", country="MLI"),
        "senegal": SourceFactory(name="Le Soleil", country="SEN"),
        "witness": SourceFactory(name="Eyewitness in Moura", kind=SourceKind.WITNESS, country="MLI"),
        "telegram": SourceFactory(name="Grey Zone", kind=SourceKind.BELLIGERENT_CHANNEL, country="RUS"),
        "minusma": SourceFactory(name="MINUSMA", kind=SourceKind.UN, country="MLI"),
        "rejected": SourceFactory(name="Rumour Mill", country="MLI"),
    }
    for name in ("aljazeera", "essor", "senegal", "witness", "telegram"):
        cite(record, sources[name])
    cite(record, sources["afp"], ReviewStatus.PENDING)
    cite(record, sources["minusma"], ReviewStatus.DISPUTED)
    cite(record, sources["essor"])  # a second claim of the same source: listed once
    cite(record, sources["rejected"], ReviewStatus.REJECTED)
    rejected_only = incident(title="Attack on Boni")
    cite(rejected_only, sources["rejected"], ReviewStatus.REJECTED)
    return {"record": record, "rejected_only": rejected_only}


def test_the_acled_source_lists_every_source_not_rejected_once_by_acronym_or_name(client_as, sourced):
    rows = {row["event_id_cnty"]: row for row in csv.DictReader(io.StringIO(body(export(APIClient(), "acled"))))}
    staff = csv.DictReader(io.StringIO(body(export(client_as("editor"), "acled"))))

    row = rows[sourced["record"].code]
    # AFP's claim is still in review: staff see it cited, the public not yet.
    assert row["source"] == "Al Jazeera; Eyewitness in Moura; Grey Zone; L'Essor; Le Soleil; MINUSMA"
    assert next(r for r in staff if r["event_id_cnty"] == sourced["record"].code)["source"] == (
        "AFP; Al Jazeera; Eyewitness in Moura; Grey Zone; L'Essor; Le Soleil; MINUSMA"
    )
    assert row["source_scale"] == "Local-New media-National-Regional-International"
    assert row["region"] == "Western Africa"
    assert (rows[sourced["rejected_only"].code]["source"], rows[sourced["rejected_only"].code]["source_scale"]) == (
        "",
        "",
    )


def test_the_csv_and_geojson_exports_name_the_sources(sourced):
    client = APIClient()
    sourced["record"].__class__.objects.update(latitude=Decimal("14.2"), longitude=Decimal("-5.1"))

    csv_row = next(
        row for row in csv.DictReader(io.StringIO(body(export(client, "csv")))) if row["code"] == sourced["record"].code
    )
    feature = next(
        feature
        for feature in json.loads(body(export(client, "geojson")))["features"]
        if feature["id"] == sourced["record"].code
    )

    names = [  # not Agence France-Presse, whose claim is still in review
        "Al Jazeera",
        "Eyewitness in Moura",
        "Grey Zone",
        "L'Essor",
        "Le Soleil",
        "MINUSMA",
    ]
    assert csv_row["sources"] == "; ".join(names)
    assert feature["properties"]["sources"] == names


@pytest.mark.parametrize(
    ("kind", "country", "incident_country", "scale"),
    [
        (SourceKind.WITNESS, "MLI", "MLI", "Local"),
        (SourceKind.WITNESS, "", "MLI", "Local"),
        (SourceKind.BELLIGERENT_CHANNEL, "MLI", "MLI", "New media"),
        (SourceKind.NEWS_MEDIA, "MLI", "MLI", "National"),
        (SourceKind.GOVERNMENT_MILITARY, "MLI", "MLI", "National"),
        (SourceKind.NEWS_MEDIA, "SEN", "MLI", "Regional"),
        (SourceKind.NEWS_MEDIA, "NER", "BFA", "Regional"),
        (SourceKind.NEWS_MEDIA, "QAT", "MLI", "International"),
        (SourceKind.NEWS_MEDIA, "FRA", "MLI", "International"),
        (SourceKind.HUMAN_RIGHTS_NGO, "", "MLI", "International"),
        (SourceKind.UN, "", "MLI", "International"),
        (SourceKind.RESEARCH_BODY, "FRA", "DEU", "International"),  # no region known: never Regional
        (SourceKind.NEWS_MEDIA, "FRA", "FRA", "National"),
    ],
)
def test_source_scale(db, kind, country, incident_country, scale):
    cite(incident(country=incident_country), SourceFactory(kind=kind, country=country))

    [row] = csv.DictReader(io.StringIO(body(export(APIClient(), "acled"))))

    assert row["source_scale"] == scale


def test_combined_source_scales_run_from_the_narrowest_to_the_widest(db):
    cited, uncited = incident(), incident()
    for country in ("", "MLI", "FRA"):
        cite(cited, SourceFactory(kind=SourceKind.NEWS_MEDIA, country=country))

    rows = {row["event_id_cnty"]: row for row in csv.DictReader(io.StringIO(body(export(APIClient(), "acled"))))}

    assert rows[cited.code]["source_scale"] == "National-International"
    assert rows[uncited.code]["source_scale"] == ""


@pytest.mark.parametrize(
    ("country", "region"),
    [
        ("MLI", "Western Africa"),
        ("BFA", "Western Africa"),
        ("NER", "Western Africa"),
        ("CAF", "Middle Africa"),
        ("SOM", "Eastern Africa"),
        ("MOZ", "Southern Africa"),
        ("LBY", "Northern Africa"),
        ("SYR", "Middle East"),
    ],
)
def test_acled_regions(country, region):
    assert ACLED_REGIONS[country] == region


def test_the_acled_regions_are_keyed_by_real_country_codes():
    assert all(pycountry.countries.get(alpha_3=code) for code in ACLED_REGIONS)
    assert len(ACLED_REGIONS) >= 54 + 15  # the African countries and those of the Middle East


def test_a_country_outside_acled_regions_has_a_blank_region(db):
    incident(country="FRA", admin1="Occitanie")

    [row] = csv.DictReader(io.StringIO(body(export(APIClient(), "acled"))))

    assert (row["country"], row["region"]) == ("France", "")


def test_the_csv_export_names_perpetrators_and_targets(db):
    record = incident()
    first, second, target = ActorFactory(name="JNIM"), ActorFactory(name="Katiba Macina"), ActorFactory(name="Dozos")
    for actor, role in ((first, "perpetrator"), (target, "target"), (second, "perpetrator")):
        IncidentParticipant.objects.create(incident=record, actor=actor, role=role)

    [row] = csv.DictReader(io.StringIO(body(export(APIClient(), "csv"))))

    assert (row["perpetrators"], row["targets"]) == ("JNIM; Katiba Macina", "Dozos")


def test_the_geojson_export_holds_every_incident_unlocated_ones_without_geometry(dataset):
    collection = json.loads(body(export(APIClient(), "geojson")))
    listed = APIClient().get("/api/v1/incidents/").json()["results"]

    assert collection["type"] == "FeatureCollection"
    assert [f["id"] for f in collection["features"]] == [row["code"] for row in listed]
    unlocated = [f for f in collection["features"] if f["geometry"] is None]
    assert [f["id"] for f in unlocated] == [row["code"] for row in listed if row["latitude"] is None]
    assert len(unlocated) == 1
    feature = next(f for f in collection["features"] if f["properties"]["code"] == dataset["gao"].code)
    assert feature["geometry"] == {"type": "Point", "coordinates": [-0.04, 16.27]}
    assert feature["properties"]["url"] == f"http://testserver/api/v1/incidents/{dataset['gao'].code}/"
    assert set(feature["properties"]) >= {"title", "start_date", "end_date", "event_type", "fatalities_best"}


# The researcher's groups (the role check), then the export's COPY (after its planner settings); for UCDP the
# incidents, then per chunk the participants, the killed records and the documents.
EXPORT_QUERIES = {"ucdp": 5, "ucdp-hxl": 5}


@pytest.mark.parametrize("export_format", FORMATS)
def test_an_export_runs_a_fixed_number_of_queries(request, db, django_assert_max_num_queries, export_format, client_as):
    client = client_as("researcher")
    body(export(client, export_format))  # a first request fills caches the later ones read
    counts = []
    for size, added in ((3, 3), (30, 27)):
        for _ in range(added):
            record = full_incident(latitude=Decimal("16.27"), longitude=Decimal("-0.04"))
            cite(record, SourceFactory(country="MLI"))
        with django_assert_max_num_queries(EXPORT_QUERIES.get(export_format, 3)) as captured:
            text = body(export(client, export_format))
        counts.append(len(captured))
        assert len(parse(export_format, text)) == size
    assert counts[0] == counts[1]


@pytest.mark.parametrize("params", [{"format": "xml"}, {"format": "csv", "date_after": "2024-13-01"}])
def test_bad_requests_answer_in_the_json_error_shape(db, params):
    response = APIClient().get("/api/v1/incidents/", params)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["status"] == 400
    assert next(iter(error["fields"])) in params


def test_the_detail_refuses_export_formats(dataset):
    response = APIClient().get(f"/api/v1/incidents/{dataset['gao'].code}/", {"format": "csv"})

    assert response.status_code == 400
    assert "format" in response.json()["error"]["fields"]


def test_the_json_list_is_unchanged(dataset):
    response = APIClient().get("/api/v1/incidents/", {"format": "json"})

    assert response.status_code == 200
    assert "results" in response.json()


# The exports that write documents' texts read the victims' names first, once, to withhold them (redaction.py).
READS_NAMES = {"acled": 1, "ucdp": 1}


@pytest.mark.parametrize("export_format", ["csv", "acled", "ucdp", "geojson"])
def test_an_export_is_one_copy_streamed_in_chunks(db, monkeypatch, django_assert_num_queries, export_format):
    monkeypatch.setattr("events.exports.sql.CHUNK_BYTES", 100)
    for _ in range(5):
        full_incident()
    client = APIClient()
    names = READS_NAMES.get(export_format, 0)

    with django_assert_num_queries(names + 2) as captured:
        response = export(client, export_format)
        chunks = list(response.streaming_content)

    assert all(query["sql"].startswith('SELECT DISTINCT "events_namedvictim"."name"') for query in captured[:names])
    assert captured[names]["sql"] == PLANNER_SETTINGS
    assert captured[names + 1]["sql"].startswith("COPY (SELECT ")
    assert len(chunks) > 5
    rows = parse(export_format, b"".join(chunks).decode())
    assert [row["code"] for row in rows] == [row["code"] for row in json_rows(client, {})]


def test_a_failing_export_fails_before_its_response_starts(db, monkeypatch):
    """The COPY starts in the view: a query that fails is answered as an error (a 500), never a 200 cut short."""
    full_incident()
    monkeypatch.setattr("events.exports.plain.SOURCE_ORDER", "s.no_such_column")

    with pytest.raises(ProgrammingError, match="no_such_column"):
        APIClient().get("/api/v1/incidents/", {"format": "csv"})
