"""No CSV export holds a cell a spreadsheet would run as a formula (OWASP "CSV Injection"): text starting with `=`,
`+`, `-`, `@`, a tab or a carriage return is written after an apostrophe; numbers, negative ones included, as they
are. The way back is tests/imports/test_roundtrip.py."""

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from events.choices import EventType, IncidentStatus, ParticipantRole, Side, SubEventType
from tests.factories import (
    ActorFactory,
    DocumentFactory,
    IncidentFactory,
    ParticipantFactory,
    ReviewedClaimFactory,
    SourceFactory,
)
from tests.helpers.exports import body, export

CSV_FORMATS = ["csv", "acled", "ucdp", "acled-hxl", "ucdp-hxl"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


@pytest.fixture
def hostile(db):
    incident = IncidentFactory(
        status=IncidentStatus.PUBLISHED,
        published_at=datetime.datetime.now(datetime.UTC),
        title='=HYPERLINK("https://attacker.example","Details")',
        notes="+cmd|' /C calc'!A0",
        admin1="-2+3",
        admin2="@SUM(1+1)",
        admin3="\t=1+1",
        location_name="\r=1+1",
        latitude=Decimal("-14.350000"),
        longitude=Decimal("-3.610000"),
        event_type=EventType.VIOLENCE_AGAINST_CIVILIANS,
        sub_event_type=SubEventType.ATTACK,
    )
    for name, role, side in (("=Perpetrators", ParticipantRole.PERPETRATOR, Side.A), ("@Targets", "target", Side.B)):
        ParticipantFactory(incident=incident, actor=ActorFactory(name=name), role=role, side=side)
    document = DocumentFactory(source=SourceFactory(name="-Radio"), title="=Headline", published_on=None)
    ReviewedClaimFactory(incident=incident, document=document)
    return incident


@pytest.mark.parametrize("export_format", CSV_FORMATS)
def test_no_cell_of_a_csv_export_starts_as_a_formula(hostile, export_format):
    rows = list(csv.reader(io.StringIO(body(export(APIClient(), export_format)), newline="")))

    cells = [cell for row in rows for cell in row]
    running = [cell for cell in cells if cell.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(cell)]
    assert not running
    quoted = {cell for cell in cells if cell.startswith("'")}
    assert quoted, "the hostile incident's text is in the file"
    assert all(cell[1:].startswith(FORMULA_STARTS) for cell in quoted)
    # Coordinates stay numbers.
    assert any(cell.startswith("-3.61") for cell in cells)


def test_the_plain_csv_quotes_every_text_that_would_run(hostile):
    [row] = csv.DictReader(io.StringIO(body(export(APIClient(), "csv")), newline=""))

    assert (row["title"], row["notes"], row["admin1"], row["admin2"]) == (
        "'" + hostile.title,
        "'" + hostile.notes,
        "'-2+3",
        "'@SUM(1+1)",
    )
    assert (row["admin3"], row["location_name"]) == ("'\t=1+1", "'\r=1+1")
    assert (row["perpetrators"], row["targets"], row["sources"]) == ("'=Perpetrators", "'@Targets", "'-Radio")
    assert (row["latitude"], row["longitude"]) == ("-14.35000", "-3.61000")
