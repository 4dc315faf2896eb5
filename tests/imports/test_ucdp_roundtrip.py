"""The UCDP export round-trips: an imported UCDP file exported again gives back UCDP's own cells (its dates and
date_prec, not widened), and importing that export (the real importer and exporter, the real PostgreSQL) creates
and updates nothing."""

import csv
import datetime
import io

import pytest
from rest_framework.test import APIClient

from conflict_tracker.choices import ImportKind
from events.choices import DatePrecision
from events.exports import UCDP_COLUMNS
from events.models import NamedVictim
from events.selectors import incident_revisions
from events.services import incident_update
from imports.choices import ImportStatus
from imports.models import ImportedEvent
from imports.services import import_job_create, import_job_run
from tests.helpers.imports import FILES

pytestmark = pytest.mark.django_db


def export_ucdp(**params) -> str:
    response = APIClient().get("/api/v1/incidents/", {"format": "ucdp", **params})
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content).decode()


def rows_by_id(text: str) -> dict[str, dict]:
    return {row["id"]: row for row in csv.DictReader(io.StringIO(text)) if row["id"] and not row["id"].startswith("#")}


def import_ucdp(editor, name: str, content: bytes):
    job = import_job_create(by=editor, kind=ImportKind.UCDP, file_name=name)
    job = import_job_run(job=job, stream=io.BytesIO(content))
    assert job.status == ImportStatus.SUCCEEDED, job.failure
    assert job.error_count == 0, job.errors
    return job


def revisions() -> dict[str, list]:
    return {
        imported.external_id: [(r["action"], r["version"]) for r in incident_revisions(imported.incident)]
        for imported in ImportedEvent.objects.filter(kind=ImportKind.UCDP).select_related("incident")
    }


def test_the_ucdp_export_of_an_imported_file_gives_back_ucdps_own_cells(editor):
    original = (FILES / "ucdp_current.csv").read_bytes()
    import_ucdp(editor, "ged241.csv", original)

    exported = export_ucdp()

    given = rows_by_id(original.decode("utf-8-sig"))
    assert list(csv.reader(io.StringIO(exported)))[0] == UCDP_COLUMNS == list(given["900001"])
    assert rows_by_id(exported) == given
    # UCDP's own dates and precision: 900003 is known to the month (date_prec 4), not widened to it.
    assert (given["900003"]["date_start"], given["900003"]["date_prec"]) == ("2020-04-01 00:00:00.000", "4")


@pytest.mark.parametrize("name", ["ucdp_current.csv", "ucdp_current_revised.csv"])
def test_importing_the_ucdp_export_of_imported_events_changes_nothing(name, editor):
    first = import_ucdp(editor, "ged241.csv", (FILES / name).read_bytes())
    before = revisions()

    job = import_ucdp(editor, "ours.csv", export_ucdp().encode())

    assert (job.created, job.updated, job.unchanged, job.older, job.actors_created) == (0, 0, first.created, 0, 0)
    assert revisions() == before
    assert set(ImportedEvent.objects.values_list("source_version", flat=True)) == {"24.1"}  # the export's is none


def test_an_imported_event_edited_here_is_exported_as_ours_with_its_own_dates(editor):
    import_ucdp(editor, "ged241.csv", (FILES / "ucdp_current.csv").read_bytes())
    incident = ImportedEvent.objects.get(external_id="900003").incident
    assert (incident.start_date, incident.date_precision) == (datetime.date(2020, 4, 1), DatePrecision.MONTH)

    incident_update(
        incident=incident, by=editor, expected_version=incident.version, fields={"location_name": "Northtown market"}
    )

    row = rows_by_id(export_ucdp())["900003"]
    # Its own dates (UCDP's), not widened to the month; the date_prec of its precision; the place as edited here.
    assert (row["date_start"], row["date_end"], row["date_prec"]) == ("2020-04-01", "2020-04-30", "4")
    assert row["where_coordinates"] == "Northtown market"
    assert row["relid"] == ""  # UCDP's own codes go with the row as UCDP gave it


def test_a_victims_name_in_ucdps_texts_is_withheld_from_the_public_and_kept_for_staff(editor, client_as):
    original = (FILES / "ucdp_current.csv").read_bytes().replace(b"Clash in the north;", b"Amadou Kone shot;")
    import_ucdp(editor, "ged241.csv", original)
    record = ImportedEvent.objects.get(external_id="900001").incident.casualty_records.first()
    NamedVictim.objects.create(casualty_record=record, name="Amadou Kone")

    public = rows_by_id(export_ucdp())["900001"]
    response = client_as("editor").get("/api/v1/incidents/", {"format": "ucdp"})
    staff = rows_by_id(b"".join(response.streaming_content).decode())["900001"]

    assert public["source_headline"].startswith("[name withheld] shot;")
    assert "Amadou" not in "".join(public.values())
    assert staff["source_headline"].startswith("Amadou Kone shot;")
