"""The shared UCDP GED extracts (real data, current and pre-2018 schemas) imported whole: the totals their README
gives, the rows it says violate low <= best <= high, per-side records summing to best, and a re-import that
changes nothing.

The files live beside the repository (../shared/data/ucdp, or UCDP_DATA_DIR); UCDP's licence lets them be
shared, but they are not committed here.
"""

import io
import os
from collections import defaultdict
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models import Max, Sum
from rest_framework.test import APIClient

from conflict_tracker.choices import ImportKind, VictimStatus
from events.choices import ParticipantRole, ViolenceType
from events.models import CasualtyRecord, Incident, IncidentParticipant
from imports.choices import ImportStatus
from imports.models import ImportedEvent
from imports.services import import_job_create, import_job_run
from imports.services.history import event_model
from sources.models import Claim

DATA = Path(os.environ.get("UCDP_DATA_DIR", settings.BASE_DIR.parent / "shared" / "data" / "ucdp"))

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not DATA.is_dir(), reason="the shared UCDP extracts are not there (set UCDP_DATA_DIR)"),
]


def run(editor, name):
    job = import_job_create(by=editor, kind=ImportKind.UCDP, file_name=name)
    with (DATA / name).open("rb") as stream:
        return import_job_run(job=job, stream=stream)


def raw_figures() -> dict[int, dict[str, int]]:
    """UCDP's figures as the file wrote them (kept with each imported event), by incident."""
    figures = {}
    for incident_id, data in ImportedEvent.objects.filter(kind=ImportKind.UCDP).values_list("incident_id", "data"):
        figures[incident_id] = {
            name: int(data[name])
            for name in ("low", "best", "high", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown")
        }
    return figures


def assert_totals(*, best: int, low: int, high: int, events: int, flagged: int) -> None:
    """The README's totals: best over the incidents (and their records), low and high as UCDP wrote them; our
    low and high differ from them exactly by the widening of the flagged rows."""
    figures = raw_figures()
    assert len(figures) == Incident.objects.count() == events
    totals = Incident.objects.aggregate(
        low=Sum("fatalities_low"), best=Sum("fatalities_best"), high=Sum("fatalities_high")
    )
    assert totals["best"] == best
    assert CasualtyRecord.objects.aggregate(best=Sum("count_best"))["best"] == best
    assert sum(f["low"] for f in figures.values()) == low
    assert sum(f["high"] for f in figures.values()) == high
    out_of_order = [f for f in figures.values() if not f["low"] <= f["best"] <= f["high"]]
    assert len(out_of_order) == flagged
    widened_low = sum(f["low"] - min(f["low"], f["best"], f["high"]) for f in out_of_order)
    widened_high = sum(max(f["low"], f["best"], f["high"]) - f["high"] for f in out_of_order)
    assert totals["low"] == low - widened_low
    assert totals["high"] == high + widened_high
    assert Claim.objects.filter(quote__contains="UCDP's figures are inconsistent").count() == flagged

    # Every event's records: UCDP's per-side deaths, summing to best, low and high those of the incident.
    by_incident = defaultdict(lambda: [0, 0, 0])
    for incident_id, count_low, count_best, count_high in CasualtyRecord.objects.values_list(
        "incident_id", "count_low", "count_best", "count_high"
    ):
        sums = by_incident[incident_id]
        sums[0] += count_low
        sums[1] += count_best
        sums[2] += count_high
    for incident_id, low_, best_, high_ in Incident.objects.values_list(
        "pk", "fatalities_low", "fatalities_best", "fatalities_high"
    ):
        f = figures[incident_id]
        parts = f["deaths_a"] + f["deaths_b"] + f["deaths_civilians"] + f["deaths_unknown"]
        assert by_incident[incident_id] == [low_, best_, high_]
        assert best_ == f["best"] == parts
        assert (low_, high_) == (min(f["low"], f["best"], f["high"]), max(f["low"], f["best"], f["high"]))


def assert_one_sided_civilians_are_attributed_to_side_a() -> None:
    figures = raw_figures()
    one_sided = set(Incident.objects.filter(violence_type=ViolenceType.ONE_SIDED).values_list("pk", flat=True))
    attributed = CasualtyRecord.objects.filter(
        incident__in=one_sided,
        victim_status=VictimStatus.CIVILIAN,
        perpetrator_links__participant__side="A",
        perpetrator_links__participant__role=ParticipantRole.PERPETRATOR,
    ).aggregate(best=Sum("count_best"))["best"]
    assert (attributed or 0) == sum(figures[pk]["deaths_civilians"] for pk in one_sided)
    others = CasualtyRecord.objects.filter(victim_status=VictimStatus.CIVILIAN).exclude(incident__in=one_sided)
    assert not others.filter(perpetrator_links__isnull=False).exists()  # civilians in fighting: unattributed
    assert others.aggregate(best=Sum("count_best"))["best"] == sum(
        f["deaths_civilians"] for pk, f in figures.items() if pk not in one_sided
    )


def history_rows() -> int:
    return sum(event_model(model).objects.count() for model in (Incident, CasualtyRecord, IncidentParticipant))


def test_the_ukraine_file_gives_the_readme_totals_and_a_re_import_changes_nothing(editor):
    job = run(editor, "ged_ukraine_2014_2021.csv")

    assert job.status == ImportStatus.SUCCEEDED, job.failure
    assert (job.rows_read, job.events_total, job.created, job.error_count) == (2989, 2989, 2989, 0)
    assert job.notes[0] == "Schema: current."
    assert job.notes[1].startswith("13 events give figures where low <= best <= high does not hold")
    assert len([note for note in job.notes if note.startswith("Row ")]) == 13
    assert_totals(best=7_882, low=7_424, high=8_804, events=2_989, flagged=13)
    assert_one_sided_civilians_are_attributed_to_side_a()
    history = history_rows()

    again = run(editor, "ged_ukraine_2014_2021.csv")

    assert again.status == ImportStatus.SUCCEEDED, again.failure
    assert (again.created, again.updated, again.unchanged, again.absent, again.conflicts) == (0, 0, 2989, 0, 0)
    assert len([note for note in again.notes if note.startswith("Row ")]) == 13  # flagged again, in its job
    assert Incident.objects.count() == 2989
    assert Incident.objects.aggregate(version=Max("version"))["version"] == 1
    assert history_rows() == history
    assert_totals(best=7_882, low=7_424, high=8_804, events=2_989, flagged=13)


def test_the_iraq_file_in_the_pre_2018_schema_gives_the_readme_totals(editor):
    job = run(editor, "ged_iraq_1989_2018_oldschema.csv")

    assert job.status == ImportStatus.SUCCEEDED, job.failure
    assert (job.rows_read, job.events_total, job.created, job.error_count) == (7473, 7473, 7473, 0)
    assert job.notes[0] == "Schema: pre-2018."
    assert job.notes[1].startswith("69 events give figures where low <= best <= high does not hold")
    assert_totals(best=120_631, low=117_227, high=150_786, events=7_473, flagged=69)
    assert_one_sided_civilians_are_attributed_to_side_a()
    # "Government of Australia, Government of United Kingdom, Government of United States of America": one
    # participant per government, on side A, in each of the 95 events.
    coalition = IncidentParticipant.objects.filter(
        side="A", actor__name__in=["Government of Australia", "Government of United Kingdom"]
    )
    assert coalition.values("incident").distinct().count() == 95
    assert coalition.count() == 190


@pytest.mark.parametrize(
    ("name", "events"), [("ged_ukraine_2014_2021.csv", 2989), ("ged_iraq_1989_2018_oldschema.csv", 7473)]
)
def test_the_ucdp_export_of_a_real_file_imports_with_nothing_changed(editor, name, events):
    """UCDP's own dates come back: about 500 events of the Ukraine file are known only to the week or month, and an
    export widening their dates to it made each of them an update. The pre-2018 file comes back in the current
    schema (its start_year and end_year, which restate its dates, are not GED's columns any more)."""
    run(editor, name)
    response = APIClient().get("/api/v1/incidents/", {"format": "ucdp"})
    assert response.status_code == 200
    exported = b"".join(response.streaming_content)

    job = import_job_create(by=editor, kind=ImportKind.UCDP, file_name="ours.csv")
    job = import_job_run(job=job, stream=io.BytesIO(exported))

    assert job.status == ImportStatus.SUCCEEDED, job.failure
    assert (job.created, job.updated, job.unchanged, job.error_count) == (0, 0, events, 0)
    assert Incident.objects.aggregate(version=Max("version"))["version"] == 1
