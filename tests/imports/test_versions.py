"""The newest version of an event wins, whatever the order its files are imported in: ACLED's timestamp and UCDP's
GED release (from the file's name, a column or the import form) are kept with each imported event; an older row is
left alone and reported, an equal one unchanged, a newer one applied. Files without versions behave as before."""

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from conflict_tracker.choices import ImportKind
from events.choices import EventType, SubEventType
from imports.choices import ImportStatus
from imports.models import ImportedEvent
from imports.services import import_job_create, import_job_run
from imports.tasks import run_import_job
from imports.versions import older, ucdp_version_in_name
from tests.helpers.imports import FILES

pytestmark = pytest.mark.django_db

ACLED_HEADER = (
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,assoc_actor_1,inter1,"
    "actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,admin1,admin2,admin3,location,"
    "latitude,longitude,geo_precision,source,source_scale,notes,fatalities,tags,timestamp\n"
)


def acled_row(event_id="MLI9101", *, fatalities=3, event_type="Battles", sub_event_type="Armed clash", ts=""):
    return (
        f"{event_id},2024-02-01,2024,1,Political violence,{event_type},{sub_event_type},"
        "Military Forces of Mali (2021-),,State forces,Katiba Serma,,Rebel group,State forces-Rebel group,,466,"
        f"Western Africa,Mali,Gao,Ansongo,,Tessit,15.2,0.9,1,Radio Sahel,Local partner,A clash near Tessit.,"
        f"{fatalities},,{ts}\n"
    )


@pytest.fixture
def importer(editor, tmp_path):
    """Import a fixture file or a text, under a file name of our choosing, as the editor; the finished job."""

    def run(kind, *, name, text=None, source=None, dataset_version="", dry_run=False):
        path = tmp_path / name
        path.write_bytes(text.encode() if text is not None else (FILES / source).read_bytes())
        job = import_job_create(by=editor, kind=kind, file_name=name, dataset_version=dataset_version, dry_run=dry_run)
        with path.open("rb") as stream:
            job = import_job_run(job=job, stream=stream)
        assert job.status == ImportStatus.SUCCEEDED, job.failure
        assert job.error_count == 0, job.errors
        return job

    return run


def final_data(kind) -> dict:
    """What the imported events are now, by event id: the incident's fields and figures, its participants and killed
    records by actor name, and the version kept."""
    state = {}
    for imported in ImportedEvent.objects.filter(kind=kind).select_related("incident"):
        incident = imported.incident
        state[imported.external_id] = {
            "version": imported.source_version,
            "fields": (
                incident.title,
                incident.start_date,
                incident.end_date,
                incident.event_type,
                incident.sub_event_type,
                incident.notes,
                (incident.fatalities_low, incident.fatalities_best, incident.fatalities_high),
            ),
            "participants": sorted(
                (p.actor.name, p.role, p.side) for p in incident.participants.select_related("actor")
            ),
            "records": sorted(
                (
                    r.victim_status,
                    r.count_low,
                    r.count_best,
                    r.count_high,
                    sorted(p.actor.name for p in r.perpetrators.all()),
                )
                for r in incident.casualty_records.all()
            ),
        }
    return state


def in_order(run, kind, files) -> tuple[list, dict]:
    """The jobs of importing `files` in turn, and the data they leave, all rolled back afterwards."""
    with transaction.atomic():
        jobs = [run(kind, **file) for file in files]
        state = final_data(kind)
        transaction.set_rollback(True)
    return jobs, state


def test_acled_newer_then_older_and_older_then_newer_leave_the_same_data(importer, known_actors):
    older_file = {"name": "mali-2024-03.csv", "source": "acled_current.csv"}  # timestamps 1710000000 ...
    newer_file = {"name": "mali-2024-05.csv", "source": "acled_current_revised.csv"}  # 1715000000 ...: 14 -> 24 killed

    (first, newer_then_older), state_a = in_order(importer, ImportKind.ACLED, [newer_file, older_file])
    (_older, newer_after), state_b = in_order(importer, ImportKind.ACLED, [older_file, newer_file])

    assert state_a == state_b
    assert state_a["MLI9001"]["fields"][-1] == (24, 24, 24)
    assert state_a["MLI9001"]["version"] == "1715000000"
    assert (first.created, newer_then_older.created) == (3, 1)  # MLI9003 is only in the older file
    # MLI9001 and MLI9002 are older in the second file: left alone, counted, and MLI9001 (which differs) noted.
    assert (newer_then_older.updated, newer_then_older.unchanged, newer_then_older.older) == (0, 0, 2)
    assert any(
        "MLI9001 is older in this file (timestamp 1710000000, 2024-03-09 16:00 UTC) than the version imported before "
        "(timestamp 1715000000, 2024-05-06 12:53 UTC)" in note
        for note in newer_then_older.notes
    )
    assert not any("MLI9002" in note for note in newer_then_older.notes)  # the same event, only older
    assert (newer_after.updated, newer_after.older) == (1, 0)


def test_an_equal_version_is_unchanged_and_a_newer_one_with_the_same_content_only_moves_the_version(importer, db):
    importer(ImportKind.ACLED, name="a.csv", text=ACLED_HEADER + acled_row(ts="1700000000"))

    same = importer(ImportKind.ACLED, name="b.csv", text=ACLED_HEADER + acled_row(ts="1700000000"))
    republished = importer(ImportKind.ACLED, name="c.csv", text=ACLED_HEADER + acled_row(ts="1700500000"))
    # Between the two: older than the version now kept, so never applied, though it differs.
    between = importer(ImportKind.ACLED, name="d.csv", text=ACLED_HEADER + acled_row(fatalities=9, ts="1700200000"))

    assert (same.unchanged, same.updated, same.older) == (1, 0, 0)
    assert (republished.unchanged, republished.updated) == (1, 0)
    assert (between.older, between.updated) == (1, 0)
    imported = ImportedEvent.objects.select_related("incident").get(external_id="MLI9101")
    assert imported.source_version == "1700500000"
    assert imported.incident.fatalities_best == 3


def test_acled_files_without_timestamps_keep_the_last_one_imported(importer, db):
    header = ACLED_HEADER.replace(",timestamp\n", "\n")
    newer = importer(ImportKind.ACLED, name="a.csv", text=header + acled_row(fatalities=5).removesuffix(",\n") + "\n")
    again = importer(ImportKind.ACLED, name="b.csv", text=header + acled_row(fatalities=2).removesuffix(",\n") + "\n")

    assert any("no timestamp column" in note for note in newer.notes)
    assert (again.updated, again.older) == (1, 0)
    imported = ImportedEvent.objects.select_related("incident").get(external_id="MLI9101")
    assert (imported.source_version, imported.incident.fatalities_best) == ("", 2)


def test_a_file_without_sub_event_types_never_erases_one(importer, db):
    importer(ImportKind.ACLED, name="a.csv", text=ACLED_HEADER + acled_row(ts="1700000000"))
    # ACLED's pre-2019 taxonomy: no sub_event_type column; a newer version of the event, with more killed.
    old_taxonomy = ACLED_HEADER.replace(",sub_event_type", "")
    row = acled_row(fatalities=6, ts="1700900000").replace("Battles,Armed clash,", "Battles,", 1)

    job = importer(ImportKind.ACLED, name="b.csv", text=old_taxonomy + row)
    again = importer(ImportKind.ACLED, name="c.csv", text=old_taxonomy + row)

    assert job.updated == 1
    incident = ImportedEvent.objects.select_related("incident").get(external_id="MLI9101").incident
    assert (incident.event_type, incident.sub_event_type, incident.fatalities_best) == (
        EventType.BATTLES,
        SubEventType.ARMED_CLASH,
        6,
    )
    assert incident.title == "Armed clash: Tessit, Gao"
    assert (again.unchanged, again.updated) == (1, 0)


def test_a_new_event_type_without_a_sub_type_is_taken_as_the_file_gives_it(importer, db):
    importer(ImportKind.ACLED, name="a.csv", text=ACLED_HEADER + acled_row(ts="1700000000"))
    old_taxonomy = ACLED_HEADER.replace(",sub_event_type", "")
    row = acled_row(ts="1700900000").replace("Battles,Armed clash,", "Remote violence,", 1)

    importer(ImportKind.ACLED, name="b.csv", text=old_taxonomy + row)

    incident = ImportedEvent.objects.select_related("incident").get(external_id="MLI9101").incident
    # Another type: the old sub-type would not fit it, and the file says no other.
    assert (incident.event_type, incident.sub_event_type) == (EventType.EXPLOSIONS_REMOTE_VIOLENCE, "")


UCDP_23 = {"name": "ged231.csv", "source": "ucdp_current.csv"}
UCDP_24 = {"name": "GEDEvent_v24_1.csv", "source": "ucdp_current_revised.csv"}


def test_ucdp_newer_then_older_and_older_then_newer_leave_the_same_data(importer, db):
    (first, newer_then_older), state_a = in_order(importer, ImportKind.UCDP, [UCDP_24, UCDP_23])
    (_older, newer_after), state_b = in_order(importer, ImportKind.UCDP, [UCDP_23, UCDP_24])

    assert state_a == state_b
    assert state_a["900001"]["version"] == "24.1"
    assert state_a["900001"]["fields"][-1] == (6, 8, 9)  # GED 24.1's revision, not 23.1's 4, 6, 9
    assert state_a["900003"]["version"] == "23.1"  # only in 23.1
    assert "Version: GED 24.1, from the file's name." in first.notes
    assert (newer_then_older.created, newer_then_older.older, newer_then_older.updated) == (1, 2, 0)
    assert any(
        "900001 is older in this file (GED 23.1) than the version imported before (GED 24.1)" in note
        for note in newer_then_older.notes
    )
    assert (newer_after.updated, newer_after.older) == (1, 0)


def test_the_ucdp_version_given_with_the_file_beats_its_name(importer, db):
    importer(ImportKind.UCDP, name="ukraine.csv", source="ucdp_current_revised.csv", dataset_version="24.1")

    job = importer(ImportKind.UCDP, name="ged251.csv", source="ucdp_current.csv", dataset_version="23.1")

    assert "Version: GED 23.1, as the import was told." in job.notes
    assert (job.older, job.updated) == (2, 0)
    assert ImportedEvent.objects.get(external_id="900001").source_version == "24.1"


def test_a_ucdp_version_column_gives_each_rows_version(importer, db):
    def with_versions(source: str, version: str) -> str:
        with (FILES / source).open(encoding="utf-8", newline="") as stream:
            rows = list(csv.reader(stream))
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([*rows[0], "version"])
        writer.writerow([*rows[1], ""])  # the HXL row
        writer.writerows([*row, version] for row in rows[2:])
        return out.getvalue()

    importer(ImportKind.UCDP, name="a.csv", text=with_versions("ucdp_current_revised.csv", "24.0.3"))
    job = importer(ImportKind.UCDP, name="b.csv", text=with_versions("ucdp_current.csv", "24.0.2"))

    assert "Version: each row's version column." in job.notes
    assert (job.older, job.updated, job.created) == (2, 0, 1)
    assert ImportedEvent.objects.get(external_id="900003").source_version == "24.0.2"


def test_ucdp_files_without_a_version_keep_the_last_one_imported(importer, db):
    importer(ImportKind.UCDP, name="revised.csv", source="ucdp_current_revised.csv")

    job = importer(ImportKind.UCDP, name="ukraine.csv", source="ucdp_current.csv")

    assert any(note.startswith("No version:") for note in job.notes)
    assert (job.updated, job.older) == (1, 0)
    assert ImportedEvent.objects.get(external_id="900001").source_version == ""


@pytest.mark.parametrize(
    ("name", "version"),
    [
        ("ged241.csv", "24.1"),
        ("ged231-csv.zip", "23.1"),
        ("GEDEvent_v24_1.csv", "24.1"),
        ("GEDEvent_v24_0_3.csv", "24.0.3"),
        ("ucdp_ged251.csv", "25.1"),
        ("ged_ukraine_2014_2021.csv", ""),
        ("ged2014.csv", ""),
        ("incidents-ucdp-20261207.csv", ""),
    ],
)
def test_the_ged_release_is_read_from_ucdps_file_names(name, version):
    assert ucdp_version_in_name(name) == version


def test_versions_compare_number_by_number():
    assert older("24.0.3", "24.1") and older("9", "10") and older("1710000000", "1715000000")
    assert not older("24.1", "24.1") and not older("24.1", "") and not older("", "24.1")


@pytest.mark.parametrize(
    ("kind", "version", "message"),
    [
        (ImportKind.ACLED, "24.1", "Only a UCDP file takes a dataset version"),
        (ImportKind.UCDP, "v24", "v24 is not a GED version"),
        (ImportKind.UCDP, "24.1.2.3", "24.1.2.3 is not a GED version"),
    ],
)
def test_a_wrong_dataset_version_is_refused_naming_it(kind, version, message, editor):
    with pytest.raises(ValidationError) as refused:
        import_job_create(by=editor, kind=kind, file_name="a.csv", dataset_version=version)

    assert message in refused.value.message_dict["dataset_version"][0]


def test_the_api_takes_the_version_and_shows_what_was_older(client_as, editor, monkeypatch):
    monkeypatch.setattr(run_import_job, "delay", lambda job_id: None)  # no worker: the job stays pending
    client = client_as(editor)
    content = (FILES / "ucdp_current.csv").read_bytes()

    refused = client.post(
        "/api/v1/imports/",
        {"file": SimpleUploadedFile("a.csv", content), "kind": "acled", "dataset_version": "24.1"},
        format="multipart",
    )
    accepted = client.post(
        "/api/v1/imports/",
        {"file": SimpleUploadedFile("a.csv", content), "kind": "ucdp", "dataset_version": "23.1"},
        format="multipart",
    )

    assert refused.status_code == 400
    assert "Only a UCDP file takes a dataset version" in str(refused.json())
    assert accepted.status_code == 202, accepted.content
    assert (accepted.json()["dataset_version"], accepted.json()["older"]) == ("23.1", 0)


def test_the_job_page_shows_the_events_older_than_ours(importer, client_as, editor, db):
    importer(ImportKind.UCDP, name="ged241.csv", source="ucdp_current_revised.csv")
    job = importer(ImportKind.UCDP, name="ged231.csv", source="ucdp_current.csv")

    page = client_as(editor, session=True).get(f"/imports/{job.pk}/")

    assert page.status_code == 200
    html = page.content.decode()
    assert 'Older than ours (not applied)</th><td class="number" id="count-older">2</td>' in html
