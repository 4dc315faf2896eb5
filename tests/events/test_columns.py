"""The column tables (events/columns.py) against every rendering of an incident, in the style of NetBox's
test_missing_filters: every column is a serializer field, a key of the list's SQL JSON and of the stored rendering,
and a cell of each export that carries it, with the same value in each for a real incident."""

import csv
import io
import json

import orjson
import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from events.api import listing
from events.api.serializers import (
    CasualtyRecordSerializer,
    IncidentClaimSerializer,
    IncidentSerializer,
    NamedVictimSerializer,
    ParticipantSerializer,
    PropertyHarmSerializer,
    StaffCasualtyRecordSerializer,
    StaffIncidentSerializer,
)
from events.columns import (
    CASUALTY_RECORD,
    EXPORT_FORMATS,
    INCIDENT,
    INCIDENT_CLAIM,
    NAMED_VICTIM,
    PART_NAMES,
    PARTICIPANT,
    PROPERTY_HARM,
)
from events.models import INCIDENT_FACTS, CasualtyRecord, IncidentParticipant, IncidentRendering, NamedVictim
from events.models import PropertyHarm as PropertyHarmModel
from tests.helpers.incidents import full_incident, serialized

PUBLIC = ["anonymous", "researcher"]
STAFF = ["analyst", "editor"]

SERIALIZERS = [
    (IncidentSerializer, INCIDENT, False),
    (StaffIncidentSerializer, INCIDENT, True),
    (ParticipantSerializer, PARTICIPANT, False),
    (CasualtyRecordSerializer, CASUALTY_RECORD, False),
    (StaffCasualtyRecordSerializer, CASUALTY_RECORD, True),
    (NamedVictimSerializer, NAMED_VICTIM, False),
    (PropertyHarmSerializer, PROPERTY_HARM, False),
    (IncidentClaimSerializer, INCIDENT_CLAIM, False),
]


@pytest.mark.parametrize(("serializer", "part", "staff"), SERIALIZERS, ids=lambda value: getattr(value, "name", ""))
def test_every_serializer_field_is_a_column_of_its_table(serializer, part, staff):
    assert list(serializer().fields) == part.names(staff)


@pytest.mark.parametrize(
    ("model", "part"),
    [(IncidentParticipant, PARTICIPANT), (CasualtyRecord, CASUALTY_RECORD), (PropertyHarmModel, PROPERTY_HARM)]
    + [(NamedVictim, NAMED_VICTIM)],
)
def test_every_field_of_a_part_is_a_column(model, part):
    """A field added to a part shows up in the API, or is named here as kept out of it."""
    fields = {field.name for field in model._meta.concrete_fields} - {"incident", "casualty_record"}
    assert fields <= set(part.names(staff=True)), fields - set(part.names(staff=True))


def test_every_fact_is_a_column_and_a_cell_of_the_plain_csv():
    columns = {column.name: column for column in INCIDENT.columns}
    for fact in INCIDENT_FACTS:
        assert fact in columns and "csv" in columns[fact].exports, fact


def _json_rendered(ids: list[int], user, template: str) -> list[dict]:
    with connection.cursor() as cursor:
        params = [ids, "UTC"] if template is listing._PAGE_SQL else [ids]
        cursor.execute(listing.statement(template, user), params)
        return orjson.loads(cursor.fetchone()[0])


def _csv_rows(content: bytes, key: str) -> dict[str, dict]:
    return {row[key]: row for row in csv.DictReader(io.StringIO(content.decode()))}


def _exported(client, code: str) -> dict[str, dict]:
    """The incident's row (GeoJSON: its feature's properties) in each export format."""
    found = {}
    for export_format, key in (("csv", "code"), ("acled", "event_id_cnty"), ("ucdp", "id"), ("geojson", None)):
        response = client.get("/api/v1/incidents/", {"format": export_format})
        content = b"".join(response.streaming_content)
        if key is None:
            [feature] = [item for item in json.loads(content)["features"] if item["id"] == code]
            found[export_format] = feature["properties"]
        else:
            found[export_format] = _csv_rows(content, key)[code]
    return found


def _as_cell(value) -> str:
    """A JSON value as a CSV export writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@pytest.mark.parametrize("role", [*PUBLIC, *STAFF])
def test_every_column_has_the_same_value_in_every_rendering(request, client_as, db, role):
    incident = full_incident(title="Attack on Ogossagou", notes="=1+1 in the notes")
    staff = role in STAFF
    user = request.getfixturevalue(role) if role != "anonymous" else AnonymousUser()
    client = client_as(role)

    renderings = {
        "serializer": orjson.loads(serialized(incident, user)),
        "detail": client.get(f"/api/v1/incidents/{incident.code}/").json(),
        "page JSON": client.get("/api/v1/incidents/").json()["results"][0],
        "SQL": _json_rendered([incident.pk], user, listing._PAGE_SQL)[0],
    }
    if not staff:
        renderings["stored"] = orjson.loads(IncidentRendering.objects.get(incident=incident).body)
    reference = renderings["serializer"]

    assert list(reference) == INCIDENT.names(staff)
    for part in (PARTICIPANT, CASUALTY_RECORD, PROPERTY_HARM, INCIDENT_CLAIM):
        assert reference[part.name], part.name  # a real incident: every part has rows
        for row in reference[part.name]:
            assert list(row) == part.names(staff), part.name
    if staff:
        assert list(reference["casualty_records"][0]["named_victims"][0]) == NAMED_VICTIM.names()
    for name, rendering in renderings.items():
        for column in INCIDENT.columns:
            assert rendering[column.name] == reference[column.name], (name, column.name)

    exported = _exported(client, incident.code)
    assert set(exported) == set(EXPORT_FORMATS)
    for column in INCIDENT.columns:
        assert column.name not in PART_NAMES or not column.exports
        for export_format, export_name in column.exports.items():
            value = reference[column.name]
            expected = value if export_format == "geojson" else _as_cell(value)
            cell = exported[export_format][export_name or column.name]
            # The CSV exports write a cell that begins like a formula after an apostrophe.
            if isinstance(cell, str) and cell.startswith("'") and export_format != "geojson":
                cell = cell[1:]
            assert cell == expected, (export_format, column.name)
