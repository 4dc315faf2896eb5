"""Reconciliation on real data: the shared UCDP GED extract for Ukraine imported whole, then an ACLED-shaped file
describing a tenth of its events again (dates a day off, places up to 3 km away, actors spelled otherwise, figures
off by one) with decoys. Every twin finds its UCDP event at the end of its import; no decoy does. Decided the same
event, by the import or an editor, each event counts once for every actor, through new releases of the files."""

import csv
import os
from collections import defaultdict
from pathlib import Path

import pytest
from django.conf import settings

from conflict_tracker.choices import ImportKind
from events.models import CasualtyRecord, Incident, IncidentParticipant
from imports.choices import ImportStatus
from imports.models import ImportedEvent
from imports.services import import_job_create, import_job_run
from reconciliation.models import MatchCandidate, MatchDecision
from reconciliation.services import match_candidates_rebuild, match_decide, match_decision_undo
from tallies.selectors import TallyQuestion, tally_answer
from tallies.services import tallies_verify
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


def events_per_actor() -> dict[int, int]:
    """Per actor, the events it took part in that have casualty records, counted from the groups of records the
    standing `same` decisions join, each group once."""
    parent = {}

    def root(pk):
        parent.setdefault(pk, pk)
        while parent[pk] != pk:
            pk = parent[pk]
        return pk

    for decision in MatchDecision.objects.filter(verdict="same", undone_at__isnull=True):
        parent[root(decision.incident_id)] = root(decision.other_id)
    records = Incident.objects.filter(status__in=["published", "merged"], merged_records__isnull=True)
    with_casualties = set(CasualtyRecord.objects.filter(incident__in=records).values_list("incident_id", flat=True))
    groups = defaultdict(set)
    for incident_id, actor_id in IncidentParticipant.objects.filter(incident__in=records).values_list(
        "incident_id", "actor_id"
    ):
        if incident_id in with_casualties:
            groups[actor_id].add(root(incident_id))
    return {actor: len(events) for actor, events in groups.items()}


def tallied_per_actor(actors) -> dict[int, int]:
    counted = {}
    for actor in actors:
        cells = tally_answer(TallyQuestion(actor_ids=(actor,), measure="involved")).cells
        if cells:
            counted[actor] = cells[0]["incidents"]
    return counted


def test_every_actor_counts_each_event_once_after_the_imports_and_the_editors_decisions(editor, tmp_path):
    twins = write_acled_twins(UKRAINE, tmp_path / "acled-ukraine.csv", every=25)
    run(editor, ImportKind.UCDP, UKRAINE)
    run(editor, ImportKind.ACLED, tmp_path / "acled-ukraine.csv")
    incident_of = dict(ImportedEvent.objects.values_list("external_id", "incident_id"))
    automatic = MatchDecision.objects.filter(automatic=True).count()
    assert automatic >= 5 and Incident.objects.filter(status="merged").count() == 2 * automatic

    expected = events_per_actor()
    assert tallied_per_actor(expected) == expected
    # An editor decides twins the import left undecided, and undoes one decision.
    decided = set(MatchDecision.objects.values_list("incident_id", "other_id"))
    undecided = [
        t
        for t in twins
        if not t.decoy and tuple(sorted((incident_of[t.ucdp_id], incident_of[t.acled_id]))) not in decided
    ][:5]
    for twin in undecided:
        match_decide(
            incident=Incident.objects.get(pk=incident_of[twin.acled_id]),
            other=Incident.objects.get(pk=incident_of[twin.ucdp_id]),
            verdict="same",
            by=editor,
        )
    first = MatchDecision.objects.filter(automatic=True).order_by("pk").first()
    match_decision_undo(decision=first.pk, by=editor)
    expected = events_per_actor()
    assert tallied_per_actor(expected) == expected
    assert tallies_verify() == 0

    # Importing both files again (a newer ACLED release of one merged twin's figures included) keeps every decision
    # and merge; the merged incident follows its record's new figures.
    merged_twin = next(t for t in undecided)
    merged = Incident.objects.get(pk=incident_of[merged_twin.acled_id]).merged_into
    rows = list(csv.DictReader((tmp_path / "acled-ukraine.csv").open(encoding="utf-8")))
    for row in rows:
        if row["event_id_cnty"] == merged_twin.acled_id:
            row["fatalities"], row["timestamp"] = "4000", str(int(row["timestamp"]) + 1)
    with (tmp_path / "acled-ukraine-2.csv").open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    decisions = list(MatchDecision.objects.values_list("pk", "undone_at"))
    merges = dict(Incident.objects.filter(status="merged").values_list("pk", "merged_into_id"))

    run(editor, ImportKind.UCDP, UKRAINE)
    job = run(editor, ImportKind.ACLED, tmp_path / "acled-ukraine-2.csv")

    assert (job.created, job.updated) == (0, 1)
    assert list(MatchDecision.objects.values_list("pk", "undone_at")) == decisions
    assert dict(Incident.objects.filter(status="merged").values_list("pk", "merged_into_id")) == merges
    merged.refresh_from_db()
    assert merged.fatalities_high == 4000
    assert tallied_per_actor(expected) == expected
    assert tallies_verify() == 0
