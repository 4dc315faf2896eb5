"""The UCDP GED-style export and the HXL-tagged exports: GED's columns and codes computed from participants and
casualty records, HDX's hashtags, and the same visibility as the list for every role."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from actors.choices import ActorKind
from conflict_tracker.choices import ImportKind
from events.choices import DatePrecision, EventType, GeoPrecision, SubEventType, ViolenceType
from events.exports import ACLED_COLUMNS, UCDP_COLUMNS
from events.models import CasualtyPerpetrator, CasualtyRecord, IncidentParticipant
from imports.models import ImportedEvent
from sources.choices import ReviewStatus
from tests.factories import ActorFactory, ClaimFactory, DocumentFactory, ReviewedClaimFactory, SourceFactory
from tests.helpers.exports import CASUALTY_NOTE, body, cite, export
from tests.helpers.incidents import VICTIM, full_incident, incident

ROLES = ["anonymous", "researcher", "analyst", "editor", "admin_user"]
STAFF = {"analyst", "editor", "admin_user"}
UCDP_FORMATS = ["ucdp", "ucdp-hxl", "acled-hxl"]

# Each tagged column of the GED files on the Humanitarian Data Exchange and its hashtag, as in their second row.
GED_HXL = {
    "year": "#date+year",
    "side_a": "#group+name+first",
    "side_b": "#group+name+second",
    "source_article": "#meta+source",
    "source_headline": "#description",
    "where_coordinates": "#loc+name",
    "adm_1": "#adm1+name",
    "adm_2": "#adm2+name",
    "latitude": "#geo+lat",
    "longitude": "#geo+lon",
    "country": "#country+name",
    "iso3": "#country+code",
    "region": "#region+name",
    "date_start": "#date+start",
    "date_end": "#date+end",
    "best": "#affected+killed",
}


def rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def take_part(record, actor, role, side):
    return IncidentParticipant.objects.create(incident=record, actor=actor, role=role, side=side)


def killed(record, victim_status, best, by=()):
    casualties = CasualtyRecord.objects.create(
        incident=record, harm="killed", victim_status=victim_status, count_low=best, count_best=best, count_high=best
    )
    for participant in by:
        CasualtyPerpetrator.objects.create(incident=record, casualty_record=casualties, participant=participant)
    return casualties


@pytest.fixture
def battle(db):
    """A battle in Iraq over three days with two governments on side A, deaths on both sides, of civilians and of
    unknown status, and three sources (one rejected)."""
    record = incident(
        country="IRQ",
        admin1="Al Anbar province",
        admin2="Al Fallujah district",
        location_name="Al Fallujah town",
        latitude=Decimal("33.35581"),
        longitude=Decimal("43.78612"),
        geo_precision=GeoPrecision.EXACT,
        start_date=datetime.date(2014, 1, 24),
        end_date=datetime.date(2014, 1, 26),
        event_type=EventType.BATTLES,
        sub_event_type=SubEventType.ARMED_CLASH,
        violence_type=ViolenceType.STATE_BASED,
        fatalities_low=20,
        fatalities_best=26,
        fatalities_high=40,
    )
    iraq = take_part(record, ActorFactory(name="Government of Iraq", kind=ActorKind.STATE_FORCES), "perpetrator", "A")
    usa = take_part(record, ActorFactory(name="Government of United States"), "perpetrator", "")
    islamic_state = take_part(record, ActorFactory(name="IS", kind=ActorKind.REBEL_GROUP), "perpetrator", "B")
    take_part(record, ActorFactory(name="Civilians (Iraq)", kind=ActorKind.CIVILIANS), "target", "B")
    killed(record, "combatant", 8, by=[iraq, usa])  # IS fighters killed by side A: deaths_b
    killed(record, "combatant", 3, by=[islamic_state])  # soldiers killed by IS: deaths_a
    killed(record, "combatant", 2, by=[iraq, islamic_state])  # by both sides: unknown whose
    killed(record, "combatant", 1)  # by nobody named: unknown whose
    killed(record, "civilian", 7, by=[islamic_state])
    killed(record, "unknown", 5)
    afp = SourceFactory(name="Agence France Presse")
    ReviewedClaimFactory(
        incident=record,
        document=DocumentFactory(source=afp, title='Iraq violence kills 14, "worst" in weeks', published_on=None),
    )
    ReviewedClaimFactory(
        incident=record,
        document=DocumentFactory(
            source=SourceFactory(name="Reuters News"),
            title="Clashes in Fallujah",
            published_on=datetime.date(2014, 1, 25),
        ),
    )
    cite(record, SourceFactory(name="Rumour Mill"), ReviewStatus.REJECTED)
    return record


def test_the_ucdp_export_follows_geds_columns_and_conventions(battle):
    [row] = rows(body(export(APIClient(), "ucdp")))

    assert list(row) == UCDP_COLUMNS
    assert (row["id"], row["year"], row["type_of_violence"]) == (battle.code, "2014", "1")
    assert (row["side_a"], row["side_b"]) == ("Government of Iraq, Government of United States", "IS, Civilians (Iraq)")
    assert row["dyad_name"] == "Government of Iraq, Government of United States - IS, Civilians (Iraq)"
    assert (row["deaths_a"], row["deaths_b"], row["deaths_civilians"], row["deaths_unknown"]) == ("3", "8", "7", "8")
    assert (row["best"], row["low"], row["high"]) == ("26", "20", "40")
    assert sum(int(row[name]) for name in ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown")) == 26
    assert (row["date_start"], row["date_end"], row["date_prec"]) == ("2014-01-24", "2014-01-26", "2")
    assert (row["where_prec"], row["where_coordinates"]) == ("1", "Al Fallujah town")
    assert (row["adm_1"], row["adm_2"]) == ("Al Anbar province", "Al Fallujah district")
    assert (row["latitude"], row["longitude"]) == ("33.35581", "43.78612")
    assert row["geom_wkt"] == "POINT (43.78612 33.35581)"
    assert row["priogrid_gid"] == "177568"  # UCDP's own cell for this point (event 114064 of its Iraq file)
    assert (row["country"], row["iso3"], row["region"]) == ("Iraq", "IRQ", "Middle East")
    # The documents of the claims not rejected, dated ones first, in GED's quoting.
    assert row["number_of_sources"] == "2"
    assert row["source_article"] == (
        '"Reuters News,2014-01-25,Clashes in Fallujah";'
        "\"Agence France Presse,,Iraq violence kills 14, 'worst' in weeks\""
    )
    assert row["source_office"] == "Reuters News;Agence France Presse"
    assert row["source_date"] == "2014-01-25;"
    assert row["source_headline"] == 'Clashes in Fallujah;Iraq violence kills 14, "worst" in weeks'
    assert "Rumour Mill" not in row["source_office"]


def test_one_sided_violence_without_a_side_b_is_against_civilians(db):
    record = incident(
        violence_type=ViolenceType.ONE_SIDED, admin1="Mopti", admin2="", latitude=None, geo_precision=GeoPrecision.NEAR
    )
    perpetrator = take_part(record, ActorFactory(name="JNIM"), "perpetrator", "A")
    killed(record, "civilian", 4, by=[perpetrator])

    [row] = rows(body(export(APIClient(), "ucdp")))

    assert (row["side_a"], row["side_b"], row["dyad_name"]) == ("JNIM", "Civilians", "JNIM - Civilians")
    assert (row["deaths_civilians"], row["deaths_a"], row["deaths_b"], row["deaths_unknown"]) == ("4", "0", "0", "0")
    # No coordinates, a region named: GED's precision of the first-order unit, no point and no grid cell.
    assert (row["where_prec"], row["where_coordinates"], row["geom_wkt"], row["priogrid_gid"]) == ("4", "Mopti", "", "")
    assert (row["region"], row["type_of_violence"]) == ("Africa", "3")


def test_no_recorded_type_of_violence_is_left_blank(db):
    incident(violence_type=None)

    [row] = rows(body(export(APIClient(), "ucdp")))

    assert row["type_of_violence"] == ""


@pytest.mark.parametrize(
    ("start", "end", "precision", "period", "code"),
    [
        ("2024-03-05", "2024-03-05", DatePrecision.DAY, ("2024-03-05", "2024-03-05"), 1),
        ("2024-03-05", "2024-03-10", DatePrecision.DAY, ("2024-03-05", "2024-03-10"), 2),
        ("2024-03-06", "2024-03-06", DatePrecision.WEEK, ("2024-03-04", "2024-03-10"), 3),
        ("2024-02-10", "2024-02-10", DatePrecision.MONTH, ("2024-02-01", "2024-02-29"), 4),
        ("2024-03-01", "2024-04-20", DatePrecision.DAY, ("2024-03-01", "2024-04-20"), 5),
        ("2023-06-01", "2023-06-01", DatePrecision.YEAR, ("2023-01-01", "2023-12-31"), 5),
    ],
)
def test_dates_are_the_period_the_precision_gives(db, start, end, precision, period, code):
    incident(
        start_date=datetime.date.fromisoformat(start),
        end_date=datetime.date.fromisoformat(end),
        date_precision=precision,
    )

    [row] = rows(body(export(APIClient(), "ucdp")))

    assert (row["date_start"], row["date_end"]) == period
    assert row["date_prec"] == str(code)
    assert row["year"] == period[0][:4]


@pytest.mark.parametrize(
    ("latitude", "longitude", "cell"),
    [("-90", "-180", 1), ("-89.9", "-179.6", 1), ("-89.4", "-179.4", 722), ("89.99", "179.99", 259200)],
)
def test_priogrid_cells(db, latitude, longitude, cell):
    incident(latitude=Decimal(latitude), longitude=Decimal(longitude), geo_precision=GeoPrecision.EXACT)

    [row] = rows(body(export(APIClient(), "ucdp")))

    assert row["priogrid_gid"] == str(cell)


def test_an_incident_imported_from_ucdp_keeps_its_ged_id(db):
    record = incident()
    claim = ClaimFactory(incident=record)
    ImportedEvent.objects.create(
        kind=ImportKind.UCDP,
        external_id="114064",
        incident=record,
        document=claim.document,
        claim=claim,
        digest="0" * 64,
        incident_version=record.version,
    )
    other = incident()

    ids = {row["id"] for row in rows(body(export(APIClient(), "ucdp")))}
    acled_ids = {row["event_id_cnty"] for row in rows(body(export(APIClient(), "acled")))}

    assert ids == {"114064", other.code}
    assert acled_ids == {record.code, other.code}  # a GED id is no ACLED event id


def test_the_ucdp_hxl_row_is_geds_on_hdx(battle):
    header, hashtags, *data = csv.reader(io.StringIO(body(export(APIClient(), "ucdp-hxl"))))

    assert header == UCDP_COLUMNS
    assert {name: tag for name, tag in zip(header, hashtags, strict=True) if tag} == GED_HXL
    assert [dict(zip(header, row, strict=True)) for row in data] == rows(body(export(APIClient(), "ucdp")))


def test_the_acled_hxl_row_is_acleds_on_hdx(battle):
    header, hashtags, *data = csv.reader(io.StringIO(body(export(APIClient(), "acled-hxl"))))
    tags = dict(zip(header, hashtags, strict=True))

    assert header == ACLED_COLUMNS
    assert (tags["event_id_cnty"], tags["event_date"], tags["event_type"]) == (
        "#event+code",
        "#date+occurred",
        "#event+type",
    )
    assert (tags["actor1"], tags["actor2"], tags["admin1"], tags["location"]) == (
        "#group+name+first",
        "#group+name+second",
        "#adm1+name",
        "#loc+name",
    )
    assert (tags["latitude"], tags["longitude"], tags["fatalities"], tags["source"], tags["notes"]) == (
        "#geo+lat",
        "#geo+lon",
        "#affected+killed",
        "#meta+source",
        "#description",
    )
    assert tags["time_precision"] == tags["disorder_type"] == tags["tags"] == ""  # HDX tags them not
    [row] = data
    assert row[0] == battle.code


@pytest.fixture
def states(db):
    published = full_incident(title="Attack on Ogossagou", violence_type=ViolenceType.ONE_SIDED)
    draft = full_incident("draft", title="Ambush near Tessit")
    CasualtyRecord.objects.update(note=CASUALTY_NOTE)
    cite(draft, SourceFactory(name="Tessit Witness Network"))
    return {"published": published, "draft": draft}


@pytest.mark.parametrize("export_format", UCDP_FORMATS)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_what_the_list_shows_and_no_victim(client_as, states, role, export_format):
    client = client_as(role)

    text = body(export(client, export_format))

    listed = client.get("/api/v1/incidents/").json()["results"]
    assert {states["published"].code, *([states["draft"].code] if role in STAFF else [])} == {
        row["code"] for row in listed
    }
    for record in states.values():
        assert (record.code in text) == (record.code in {row["code"] for row in listed})
    assert ("Tessit" in text) == (role in STAFF)
    assert VICTIM not in text
    assert "Kassambara" not in text
    assert CASUALTY_NOTE not in text


def test_the_list_page_links_every_export(db, client):
    response = client.get("/incidents/", {"country": "MLI"})

    assert response.status_code == 200
    html = response.content.decode()
    for export_format in ("csv", "acled", "geojson", "ucdp", "acled-hxl", "ucdp-hxl"):
        assert f"country=MLI&amp;format={export_format}" in html
