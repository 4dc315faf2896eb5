import csv
import datetime
import io
import json
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from actors.choices import ActorKind
from events.choices import DatePrecision, EventType, IncidentStatus, ParticipantRole, Side, SubEventType
from events.models import IncidentParticipant
from tests.events.api.test_incidents import VICTIM, client_as, full_incident, incident
from tests.factories import ActorFactory

FORMATS = ["csv", "acled", "geojson"]


def body(response) -> str:
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content).decode()


def parse(export_format: str, text: str) -> list[dict]:
    """Rows as dicts with code, start date and best fatalities under common names, whatever the format."""
    if export_format == "geojson":
        return [
            {
                "code": feature["properties"]["code"],
                "start_date": feature["properties"]["start_date"],
                "fatalities": str(feature["properties"]["fatalities_best"]),
            }
            for feature in json.loads(text)["features"]
        ]
    rows = list(csv.DictReader(io.StringIO(text)))
    if export_format == "acled":
        return [
            {"code": row["event_id_cnty"], "start_date": row["event_date"], "fatalities": row["fatalities"]}
            for row in rows
        ]
    return [
        {"code": row["code"], "start_date": row["start_date"], "fatalities": row["fatalities_best"]} for row in rows
    ]


def json_rows(client, params: dict) -> list[dict]:
    response = client.get("/api/v1/incidents/", {**params, "page_size": 500})
    assert response.status_code == 200, response.content
    return [
        {"code": row["code"], "start_date": row["start_date"], "fatalities": str(row["fatalities_best"])}
        for row in response.json()["results"]
    ]


def export(client, export_format: str, **params):
    return client.get("/api/v1/incidents/", {"format": export_format, **params})


@pytest.fixture
def dataset(db):
    return {
        "bamako": full_incident(
            title="Attack in Bamako",
            start_date=datetime.date(2024, 3, 5),
            latitude=Decimal("12.65"),
            longitude=Decimal("-8.0"),
            admin1="Bamako",
        ),
        "gao": full_incident(
            title="Attack in Gao",
            start_date=datetime.date(2024, 7, 1),
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


@pytest.mark.parametrize("export_format", FORMATS)
@pytest.mark.parametrize(
    "params", [{}, {"country": "MLI"}, {"date_after": "2024-01-01", "date_before": "2024-12-31"}, {"admin1": "Gao"}]
)
def test_each_format_parses_back_and_matches_the_json_list(dataset, export_format, params):
    client = APIClient()

    rows = parse(export_format, body(export(client, export_format, **params)))
    expected = json_rows(client, params)
    if export_format == "geojson":  # incidents without coordinates are left out, and counted
        expected = [row for row in expected if row["code"] != dataset["nowhere"].code]

    assert rows == expected
    assert rows  # every filter above keeps some incidents


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
def test_no_draft_and_no_victim_reaches_the_public(request, dataset, export_format, role):
    text = body(export(client_as(request, role), export_format))

    assert dataset["draft"].code not in text
    assert "Tessit" not in text
    assert VICTIM not in text
    assert "Kassambara" not in text
    assert dataset["bamako"].code in text


@pytest.mark.parametrize("export_format", FORMATS)
def test_staff_export_every_state_but_no_victim_names(request, dataset, export_format):
    text = body(export(client_as(request, "editor"), export_format))

    assert dataset["draft"].code in text
    assert VICTIM not in text


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
    assert (row["iso"], row["country"], row["region"]) == ("466", "Mali", "")
    assert (row["admin1"], row["admin2"], row["location"]) == ("Mopti", "Bandiagara", "Ogossagou")
    assert (row["latitude"], row["longitude"], row["geo_precision"]) == ("14.49000", "-4.19000", "2")
    assert row["fatalities"] == "12"
    record.refresh_from_db()
    assert row["timestamp"] == str(int(record.updated_at.timestamp()))


def test_the_csv_export_names_perpetrators_and_targets(db):
    record = incident()
    first, second, target = ActorFactory(name="JNIM"), ActorFactory(name="Katiba Macina"), ActorFactory(name="Dozos")
    for actor, role in ((first, "perpetrator"), (target, "target"), (second, "perpetrator")):
        IncidentParticipant.objects.create(incident=record, actor=actor, role=role)

    [row] = csv.DictReader(io.StringIO(body(export(APIClient(), "csv"))))

    assert (row["perpetrators"], row["targets"]) == ("JNIM; Katiba Macina", "Dozos")


def test_the_geojson_export_counts_what_it_skips(dataset):
    collection = json.loads(body(export(APIClient(), "geojson")))

    assert collection["type"] == "FeatureCollection"
    assert collection["skipped_without_coordinates"] == 1
    feature = next(f for f in collection["features"] if f["properties"]["code"] == dataset["gao"].code)
    assert feature["geometry"] == {"type": "Point", "coordinates": [-0.04, 16.27]}
    assert feature["properties"]["url"] == f"http://testserver/api/v1/incidents/{dataset['gao'].code}/"
    assert set(feature["properties"]) >= {"title", "start_date", "end_date", "event_type", "fatalities_best"}


@pytest.mark.parametrize("export_format", FORMATS)
def test_an_export_runs_a_fixed_number_of_queries(request, db, django_assert_max_num_queries, export_format):
    client = client_as(request, "researcher")
    body(export(client, export_format))  # a first request fills caches the later ones read
    counts = []
    for size, added in ((3, 3), (30, 27)):
        for _ in range(added):
            full_incident(latitude=Decimal("16.27"), longitude=Decimal("-0.04"))
        with django_assert_max_num_queries(6) as captured:
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


def test_an_export_reads_in_chunks_with_one_participant_query_each(db, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr("events.exports.CHUNK_SIZE", 2)
    for _ in range(5):
        full_incident()
    client = APIClient()

    with django_assert_num_queries(1 + 3):  # the incidents, then the participants of each chunk of 2
        rows = parse("csv", body(export(client, "csv")))

    assert [row["code"] for row in rows] == [row["code"] for row in json_rows(client, {})]


def test_a_search_orders_the_export_as_the_json_list(dataset):
    client = APIClient()

    rows = parse("acled", body(export(client, "acled", search="attack")))

    assert rows == json_rows(client, {"search": "attack"})
    assert rows
