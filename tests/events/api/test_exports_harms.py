"""The plain CSV and the GeoJSON carry every harm an incident records, not only its deaths: each harm's low, best and
high (all victims, civilians, combatants) and its property harm (events/exports/harms.py); the ACLED export names
the non-fatal ones in its `tags`."""

import csv
import io
import json

import pytest
from rest_framework.test import APIClient

from conflict_tracker.choices import Harm, PropertyHarmKind, PropertyKind, VictimStatus
from events.exports.harms import HARM_COLUMNS
from events.models import CasualtyRecord, PropertyHarm
from tests.helpers.exports import body, export
from tests.helpers.incidents import incident

CIVILIAN, COMBATANT, UNKNOWN = VictimStatus.CIVILIAN, VictimStatus.COMBATANT, VictimStatus.UNKNOWN


@pytest.fixture
def harmed(db):
    """An incident with deaths, injuries and disappearances of every status, and homes and vehicles destroyed; and
    one with no harm at all."""
    record = incident(title="Harmed")
    for harm, status, low, best, high in [
        (Harm.KILLED, CIVILIAN, 2, 3, 5),
        (Harm.KILLED, COMBATANT, 4, 4, 4),
        (Harm.INJURED, UNKNOWN, 2, 2, 2),
        (Harm.INJURED, CIVILIAN, 1, 6, 7),
        (Harm.DISAPPEARED, CIVILIAN, 4, 4, 4),
        (Harm.DISAPPEARED, CIVILIAN, 1, 1, 3),
    ]:
        CasualtyRecord.objects.create(
            incident=record, harm=harm, victim_status=status, count_low=low, count_best=best, count_high=high
        )
    for kind, harm, low, best, high in [
        (PropertyKind.VEHICLES, PropertyHarmKind.DESTROYED, 3, 3, 3),
        (PropertyKind.HOMES, PropertyHarmKind.BURNED, 100, 100, 150),
    ]:
        PropertyHarm.objects.create(
            incident=record, kind=kind, harm=harm, count_low=low, count_best=best, count_high=high
        )
    incident(title="Unharmed")


EXPECTED = {
    "killed_civilians_low": 2,
    "killed_civilians_best": 3,
    "killed_civilians_high": 5,
    "killed_combatants_low": 4,
    "killed_combatants_best": 4,
    "killed_combatants_high": 4,
    "injured_low": 3,
    "injured_best": 8,
    "injured_high": 9,
    "injured_civilians_low": 1,
    "injured_civilians_best": 6,
    "injured_civilians_high": 7,
    "disappeared_low": 5,
    "disappeared_best": 5,
    "disappeared_high": 7,
    "disappeared_civilians_low": 5,
    "disappeared_civilians_best": 5,
    "disappeared_civilians_high": 7,
}
PROPERTY = "homes burned: 100 (100-150); vehicles destroyed: 3"


def test_every_harm_has_its_columns_and_the_killed_of_all_statuses_are_the_fatalities():
    assert len(HARM_COLUMNS) == len(set(HARM_COLUMNS)) == 2 * 3 + 3 * 3 * (len(Harm.values) - 1) + 1
    assert "killed_low" not in HARM_COLUMNS
    assert {"sexual_violence_combatants_high", "tortured_best", "property_harm"} <= set(HARM_COLUMNS)


def test_the_csv_export_carries_every_harm(harmed):
    rows = {row["title"]: row for row in csv.DictReader(io.StringIO(body(export(APIClient(), "csv"))))}

    harmed_row, unharmed = rows["Harmed"], rows["Unharmed"]
    assert list(harmed_row)[list(harmed_row).index("fatalities_high") + 1 :][: len(HARM_COLUMNS)] == HARM_COLUMNS
    assert {column: int(harmed_row[column]) for column in HARM_COLUMNS[:-1]} == {
        column: EXPECTED.get(column, 0) for column in HARM_COLUMNS[:-1]
    }
    assert harmed_row["property_harm"] == PROPERTY
    assert {unharmed[column] for column in HARM_COLUMNS[:-1]} == {"0"}
    assert unharmed["property_harm"] == ""


def test_the_geojson_export_carries_every_harm(harmed):
    features = json.loads(body(export(APIClient(), "geojson")))["features"]
    properties = {feature["properties"]["title"]: feature["properties"] for feature in features}

    harmed_properties, unharmed = properties["Harmed"], properties["Unharmed"]
    assert {column: harmed_properties[column] for column in HARM_COLUMNS[:-1]} == {
        column: EXPECTED.get(column, 0) for column in HARM_COLUMNS[:-1]
    }
    assert harmed_properties["property_harm"] == PROPERTY
    assert {unharmed[column] for column in HARM_COLUMNS[:-1]} == {0}
    assert unharmed["property_harm"] is None


def test_the_acled_export_names_non_fatal_harm_in_its_tags(db):
    """ACLED has no harm columns but `fatalities`: the rest is named in `tags`, as ACLED's tags name details."""
    record = incident(title="Disappearances", fatalities_low=2, fatalities_best=2, fatalities_high=2)
    for harm, low, best, high, note in [
        (Harm.KILLED, 2, 2, 2, ""),
        (Harm.DISAPPEARED, 4, 4, 4, "Amadou Diallo, taken from his home"),
        (Harm.SEXUAL_VIOLENCE, 1, 2, 3, ""),
    ]:
        CasualtyRecord.objects.create(
            incident=record,
            harm=harm,
            victim_status=CIVILIAN,
            count_low=low,
            count_best=best,
            count_high=high,
            note=note,
        )
    burned_only = incident(title="Burned only")
    for burned in (record, burned_only):
        PropertyHarm.objects.create(
            incident=burned,
            kind=PropertyKind.HOMES,
            harm=PropertyHarmKind.BURNED,
            count_low=100,
            count_best=100,
            count_high=100,
        )
    unharmed = incident(title="Unharmed", fatalities_low=1, fatalities_best=1, fatalities_high=1)
    CasualtyRecord.objects.create(
        incident=unharmed, harm=Harm.KILLED, victim_status=CIVILIAN, count_low=1, count_best=1, count_high=1
    )

    exported = body(export(APIClient(), "acled"))
    rows = {row["event_id_cnty"]: row for row in csv.DictReader(io.StringIO(exported))}

    assert (rows[record.code]["fatalities"], rows[record.code]["tags"]) == (
        "2",
        "disappeared: 4; sexual violence: 2 (1-3); homes burned: 100",
    )
    assert rows[burned_only.code]["tags"] == "homes burned: 100"
    assert (rows[unharmed.code]["fatalities"], rows[unharmed.code]["tags"]) == ("1", "")
    assert "Diallo" not in exported


def test_the_acled_tags_sum_each_harm_over_its_victims(harmed):
    [row] = [row for row in csv.DictReader(io.StringIO(body(export(APIClient(), "acled")))) if row["tags"]]

    assert row["tags"] == f"injured: 8 (3-9); disappeared: 5 (5-7); {PROPERTY}"
