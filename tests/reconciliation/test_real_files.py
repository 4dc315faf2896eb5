"""Reconciliation on real data: the shared UCDP GED extract for Ukraine imported whole, then an ACLED-shaped file
describing a tenth of its events again (dates a day off, places up to 3 km away, actors spelled otherwise, figures
off by one) with decoys. Every twin finds its UCDP event at the end of its import; no decoy does."""

import os
from pathlib import Path

import pytest
from django.conf import settings

from conflict_tracker.choices import ImportKind
from imports.choices import ImportStatus
from imports.models import ImportedEvent
from imports.services import import_job_create, import_job_run
from reconciliation.models import MatchCandidate, MatchDecision
from reconciliation.services import match_candidates_rebuild
from tests.helpers.twin_files import write_acled_twins

DATA = Path(os.environ.get("UCDP_DATA_DIR", settings.BASE_DIR.parent / "shared" / "data" / "ucdp"))
UKRAINE = DATA / "ged_ukraine_2014_2021.csv"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not UKRAINE.is_file(), reason="the shared UCDP extracts are not there (set UCDP_DATA_DIR)"),
]


def run(editor, kind, path: Path):
    job = import_job_create(by=editor, kind=kind, file_name=path.name)
    with path.open("rb") as stream:
        job = import_job_run(job=job, stream=stream)
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    return job


def candidates() -> dict[tuple[int, int], dict]:
    return {(c.incident_id, c.other_id): c.reasons for c in MatchCandidate.objects.all()}


def test_each_acled_twin_of_a_ucdp_event_is_found_at_the_end_of_its_import_and_no_decoy_is(editor, tmp_path):
    twins = write_acled_twins(UKRAINE, tmp_path / "acled-ukraine.csv")
    decoys = [twin for twin in twins if twin.decoy]
    assert len(twins) > 250 and len(decoys) > 30

    run(editor, ImportKind.UCDP, UKRAINE)
    # One dataset alone: an ACLED or UCDP file never lists one event twice.
    assert not MatchCandidate.objects.exists()
    run(editor, ImportKind.ACLED, tmp_path / "acled-ukraine.csv")

    incident_of = {
        (kind, external_id): incident_id
        for kind, external_id, incident_id in ImportedEvent.objects.values_list("kind", "external_id", "incident_id")
    }
    found = candidates()
    for twin in twins:
        ucdp, acled = incident_of[ImportKind.UCDP, twin.ucdp_id], incident_of[ImportKind.ACLED, twin.acled_id]
        pair = tuple(sorted((ucdp, acled)))
        assert (pair in found) is not twin.decoy, twin
        if not twin.decoy:
            reasons = found[pair]
            assert reasons["datasets"] == ["ucdp", "acled"]
            assert reasons["days_apart"] <= 1
            assert reasons["km"] is None or reasons["km"] == pytest.approx(twin.km, abs=0.1)
            # The army, whatever the spelling, is one actor.
            assert reasons["shared_actors"]
    # Every pair joins a UCDP event and an ACLED one.
    assert {tuple(reasons["datasets"]) for reasons in found.values()} == {("ucdp", "acled")}
    # Decided without an editor: a twin only with its own UCDP event. A decoy may meet another event of its actors at
    # its new date or place, which nothing tells from the same event.
    origin = {incident_of[ImportKind.ACLED, t.acled_id]: incident_of[ImportKind.UCDP, t.ucdp_id] for t in twins}
    decoys = {incident_of[ImportKind.ACLED, t.acled_id] for t in twins if t.decoy}
    automatic = dict(MatchDecision.objects.filter(automatic=True).values_list("other_id", "incident_id"))
    assert len(automatic) >= 10
    assert {acled: ucdp for acled, ucdp in automatic.items() if acled not in decoys} == {
        acled: origin[acled] for acled in automatic if acled not in decoys
    }

    # Importing the same file again changes nothing, and a full rebuild finds the same.
    run(editor, ImportKind.ACLED, tmp_path / "acled-ukraine.csv")
    assert candidates() == found
    match_candidates_rebuild()
    assert candidates() == found
