"""The exports PostgreSQL writes (events/exports/sql.py) are byte for byte what Python's csv and json modules write of
the same values: a text that needs quoting, a blank cell, a line break inside a cell, accents and control characters,
whole and tiny coordinates. tests/test_golden.py checks the demo's exports against the files Python wrote."""

import csv
import datetime
import io
import json
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from conflict_tracker.choices import Harm, VictimStatus
from conflict_tracker.redaction import WITHHELD
from events.choices import ParticipantRole, Side
from events.columns import iso_datetime
from events.models import CasualtyRecord, IncidentParticipant, NamedVictim
from tests.factories import ActorFactory, DocumentFactory, ReviewedClaimFactory, SourceFactory
from tests.helpers.exports import body, cite, export
from tests.helpers.incidents import incident

AWKWARD = [
    'He said "leave", then, at dawn,\nthey left',
    "Ségou, \u00e0 l'aube\r\nsecond line",
    "tab\tand \\ backslash \\N \\.",
    "\x01\x1f control \u2028 \u00a0 \U0001f600",
    "=cmd",
    "",
]


@pytest.fixture
def awkward(db):
    records = [
        incident(title=AWKWARD[0], notes=AWKWARD[1], admin1=AWKWARD[2], admin2="", location_name=AWKWARD[3]),
        incident(title="\\.", notes="", admin1=AWKWARD[4], latitude=Decimal("12.00000"), longitude=Decimal("-0.00001")),
        incident(title='"', latitude=Decimal("0"), longitude=Decimal("-179.99999")),
    ]
    for record, name in zip(records, AWKWARD, strict=False):
        actor = ActorFactory(name=f"{name[:40]} group")
        IncidentParticipant.objects.create(incident=record, actor=actor, role=ParticipantRole.PERPETRATOR, side=Side.A)
        cite(record, SourceFactory(name=f"{name[:40]} news", acronym=""))
    return records


@pytest.mark.parametrize("export_format", ["csv", "acled", "acled-hxl"])
def test_a_csv_export_is_what_pythons_csv_writes_of_its_cells(awkward, export_format):
    text = body(export(APIClient(), export_format))

    rows = list(csv.reader(io.StringIO(text, newline="")))
    rewritten = io.StringIO(newline="")
    csv.writer(rewritten).writerows(rows)

    assert len(rows) == len(awkward) + (2 if export_format.endswith("-hxl") else 1)
    assert text == rewritten.getvalue()
    assert AWKWARD[1] in [cell for row in rows for cell in row]  # the notes, with their CRLF


def test_the_geojson_export_is_what_pythons_json_writes_of_its_features(awkward):
    text = body(export(APIClient(), "geojson"))

    collection = json.loads(text)
    features = collection["features"]

    assert text == json.dumps(collection, ensure_ascii=False)
    assert len(features) == len(awkward)
    coordinates = [feature["geometry"]["coordinates"] for feature in features if feature["geometry"]]
    assert sorted(map(tuple, coordinates)) == [(-179.99999, 0.0), (-1e-05, 12.0)]
    assert '"coordinates": [-1e-05, 12.0]' in text


@pytest.mark.parametrize("export_format", ["csv", "acled", "ucdp", "geojson"])
def test_a_filter_holding_quotes_and_percent_signs_is_written_into_the_copy_as_a_literal(db, export_format):
    wanted = incident(title="Attaque à 100% d'Ogossagou", admin1="Mopti")
    incident(title="Another attack", admin1="Mopti")

    text = body(export(APIClient(), export_format, search="100% d'Ogossagou", admin1="Mopti"))

    assert wanted.code in text
    assert "Another attack" not in text


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "America/St_Johns"])
def test_times_are_written_in_the_current_time_zone_as_the_json_list_writes_them(db, zone):
    record = incident(published_at=timezone.now().replace(microsecond=0))
    with timezone.override(zone):
        [row] = csv.DictReader(io.StringIO(body(export(APIClient(), "csv"))))
        [feature] = json.loads(body(export(APIClient(), "geojson")))["features"]
        record.refresh_from_db()

        assert row["published_at"] == iso_datetime(record.published_at)
        assert row["updated_at"] == feature["properties"]["updated_at"] == iso_datetime(record.updated_at)


@pytest.mark.parametrize("export_format", ["ucdp", "ucdp-hxl"])
@pytest.mark.parametrize("role", ["anonymous", "editor"])
def test_the_ucdp_export_is_what_pythons_csv_writes_of_its_cells(awkward, export_format, role, client_as):
    """Its sources, GED's "Office,date,headline" quoted, from documents whose titles hold every awkward text, one of
    them naming a victim: withheld for the public, as written for staff."""
    record = awkward[0]
    killed = CasualtyRecord.objects.create(
        incident=record, harm=Harm.KILLED, victim_status=VictimStatus.CIVILIAN, count_low=1, count_best=1, count_high=1
    )
    NamedVictim.objects.create(casualty_record=killed, name="Aïssata Fictive")
    titles = [*AWKWARD, "Aissata FICTIVE, témoin"]
    office = SourceFactory(name='Radio "Kledu", Bamako', acronym="")
    for day, title in enumerate(titles, start=1):
        document = DocumentFactory(source=office, title=title, published_on=datetime.date(2024, 5, day))
        ReviewedClaimFactory(incident=record, document=document)

    text = body(export(client_as(role), export_format))

    rows = list(csv.reader(io.StringIO(text, newline="")))
    rewritten = io.StringIO(newline="")
    csv.writer(rewritten).writerows(rows)
    assert text == rewritten.getvalue()
    header, *data = rows
    [row] = [dict(zip(header, cells, strict=True)) for cells in data if cells[0] == record.code]
    named = "Aissata FICTIVE, témoin" if role == "editor" else f"{WITHHELD}, témoin"
    assert ";".join([*AWKWARD, named]) in row["source_headline"]
    written = [*AWKWARD, named]
    articles = [f"{office.name},2024-05-0{day},{title}".replace('"', "'") for day, title in enumerate(written, 1)]
    assert ";".join(f'"{article}"' for article in articles) in row["source_article"]
    assert row["number_of_sources"] == str(len(titles) + 1)
