"""UCDP GED imports end to end through the real PostgreSQL: what a row becomes (participants, killed records and
their attribution, precisions), flagged figures, re-imports, dry runs and the command."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db.models import Sum

from actors.models import Actor
from conflict_tracker.choices import FigureQualifier, ImportKind, VictimStatus
from events.choices import DatePrecision, GeoPrecision, ParticipantRole, ViolenceType
from events.models import CasualtyRecord, Incident
from events.selectors import incident_revisions
from imports.choices import ImportStatus
from imports.models import ImportedEvent, ImportJob
from imports.services import import_job_create, import_job_run
from sources.choices import ReviewStatus
from sources.models import Claim, ClaimActor
from tests.helpers.imports import FILES

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_ucdp(editor):
    def run(name, *, dry_run=False):
        path = FILES / name
        job = import_job_create(by=editor, kind=ImportKind.UCDP, file_name=path.name, dry_run=dry_run)
        with path.open("rb") as stream:
            return import_job_run(job=job, stream=stream)

    return run


def records_of(code: str) -> list[tuple]:
    """(victim status, low, best, high, perpetrator names) of an incident's killed records, sorted."""
    incident = Incident.objects.get(code=code)
    return sorted(
        (
            record.victim_status,
            record.count_low,
            record.count_best,
            record.count_high,
            sorted(p.actor.name for p in record.perpetrators.all()),
        )
        for record in incident.casualty_records.all()
    )


def code_of(external_id: str) -> str:
    imported = ImportedEvent.objects.select_related("incident").get(kind=ImportKind.UCDP, external_id=external_id)
    return imported.incident.code


def participants_of(code: str) -> list[tuple[str, str, str]]:
    incident = Incident.objects.get(code=code)
    return sorted((p.actor.name, p.role, p.side) for p in incident.participants.select_related("actor"))


def test_a_state_based_event_becomes_both_sides_with_per_side_losses_attributed_to_the_other(run_ucdp):
    job = run_ucdp("ucdp_current.csv")

    assert job.status == ImportStatus.SUCCEEDED, job.failure
    assert (job.rows_read, job.events_total, job.created, job.error_count) == (3, 3, 3, 0)
    assert job.notes[0] == "Schema: current."
    code = code_of("900001")
    incident = Incident.objects.get(code=code)
    assert incident.violence_type == ViolenceType.STATE_BASED
    assert not incident.civilian_targeting
    assert (incident.start_date, incident.end_date) == (datetime.date(2020, 3, 1), datetime.date(2020, 3, 1))
    assert (incident.date_precision, incident.geo_precision) == (DatePrecision.DAY, GeoPrecision.EXACT)
    assert (incident.latitude, incident.longitude) == (Decimal("48.12346"), Decimal("37.76543"))
    assert (incident.country, incident.admin1, incident.location_name) == ("UKR", "North province", "Northtown")
    assert incident.status == "published"
    assert participants_of(code) == [
        ("Government of Testland", ParticipantRole.PERPETRATOR, "A"),
        ("Northern Front", ParticipantRole.PERPETRATOR, "B"),
    ]
    # low 4, best 6, high 9: the best are UCDP's columns; the shortfall of low and the excess of high go to the
    # largest record (deaths_b), so the records sum to UCDP's low/best/high.
    assert records_of(code) == [
        (VictimStatus.CIVILIAN, 1, 1, 1, []),
        (VictimStatus.COMBATANT, 1, 3, 6, ["Government of Testland"]),  # side B's losses, killed by side A
        (VictimStatus.COMBATANT, 2, 2, 2, ["Northern Front"]),  # side A's losses, killed by side B
    ]
    assert (incident.fatalities_low, incident.fatalities_best, incident.fatalities_high) == (4, 6, 9)
    claim = Claim.objects.get(incident=incident)
    assert (claim.figure_low, claim.figure_best, claim.figure_high) == (4, 6, 9)
    assert claim.figure_qualifier == FigureQualifier.RANGE
    assert claim.review_status == ReviewStatus.ACCEPTED
    assert claim.document.source.acronym == "UCDP"
    assert claim.document.published_on == datetime.date(2020, 3, 2)
    assert "second report" in claim.document.excerpt  # the quoted newline survived
    assert set(CasualtyRecord.objects.filter(incident=incident).values_list("claims", flat=True)) == {claim.pk}
    assert sorted(ClaimActor.objects.filter(claim=claim).values_list("actor__name", flat=True)) == [
        "Government of Testland",
        "Northern Front",
    ]
    revision = incident_revisions(incident)[0]
    assert (revision["user"], revision["action"]) == ("editor", "import.ucdp")


def test_one_sided_violence_is_civilians_killed_by_side_a_and_governments_are_one_participant_each(run_ucdp):
    run_ucdp("ucdp_current.csv")

    one_sided = code_of("900002")
    incident = Incident.objects.get(code=one_sided)
    assert incident.violence_type == ViolenceType.ONE_SIDED and incident.civilian_targeting
    assert (incident.date_precision, incident.geo_precision) == (DatePrecision.WEEK, GeoPrecision.REGION)
    assert participants_of(one_sided) == [
        ("Civilians", ParticipantRole.TARGET, "B"),
        ("Northern Front", ParticipantRole.PERPETRATOR, "A"),
    ]
    assert records_of(one_sided) == [(VictimStatus.CIVILIAN, 5, 5, 5, ["Northern Front"])]

    two_governments = code_of("900003")
    assert participants_of(two_governments) == [
        ("Government of Farland", ParticipantRole.PERPETRATOR, "A"),
        ("Government of Testland", ParticipantRole.PERPETRATOR, "A"),
        ("Northern Front", ParticipantRole.PERPETRATOR, "B"),
    ]
    assert Incident.objects.get(code=two_governments).date_precision == DatePrecision.MONTH
    assert Actor.objects.filter(needs_review=True).count() == 4  # nobody knew them: created, flagged


def test_a_row_whose_low_best_high_are_out_of_order_is_imported_widened_and_flagged(run_ucdp):
    job = run_ucdp("ucdp_current.csv")

    code = code_of("900003")  # low 3, best 3, high 2
    assert records_of(code) == [(VictimStatus.UNKNOWN, 2, 3, 3, [])]
    claim = Claim.objects.get(incident__code=code)
    assert (claim.figure_low, claim.figure_best, claim.figure_high) == (2, 3, 3)
    assert "UCDP's figures are inconsistent: low 3, best 3, high 2" in claim.quote
    assert ImportedEvent.objects.get(external_id="900003").data["high"] == "2"  # UCDP's figure kept as written
    assert job.notes[1].startswith("1 events give figures where low <= best <= high does not hold")
    assert [note for note in job.notes if note.startswith("Row ")] == [
        "Row 5 (UCDP id 900003): UCDP's figures are inconsistent: low 3, best 3, high 2 do not satisfy "
        "low <= best <= high; recorded as low 2, best 3, high 3 (best kept, low and high widened to the smallest "
        "and largest of the three)."
    ]


def test_a_revised_file_updates_only_the_changed_events_each_with_a_revision(run_ucdp):
    run_ucdp("ucdp_current.csv")
    unchanged = Incident.objects.get(code=code_of("900002"))
    changed = Incident.objects.get(code=code_of("900001"))
    record_ids = set(changed.casualty_records.values_list("pk", flat=True))

    job = run_ucdp("ucdp_current_revised.csv")

    assert (job.created, job.updated, job.unchanged, job.absent) == (1, 1, 1, 1)
    assert job.absent_ids == ["900003"]
    changed.refresh_from_db()
    assert changed.version == 2
    assert (changed.fatalities_low, changed.fatalities_best, changed.fatalities_high) == (6, 8, 9)
    assert records_of(changed.code) == [
        (VictimStatus.CIVILIAN, 1, 1, 1, []),
        (VictimStatus.COMBATANT, 2, 2, 2, ["Northern Front"]),
        (VictimStatus.COMBATANT, 3, 5, 6, ["Government of Testland"]),
    ]
    assert set(changed.casualty_records.values_list("pk", flat=True)) == record_ids  # updated in place
    latest = incident_revisions(changed)[0]
    assert (latest["user"], latest["action"], latest["version"]) == ("editor", "import.ucdp", 2)
    unchanged_before = unchanged.version
    unchanged.refresh_from_db()
    assert unchanged.version == unchanged_before == 1
    assert Incident.objects.filter(code=code_of("900003")).exists()  # absent: reported, never deleted
    non_state = Incident.objects.get(code=code_of("900004"))
    assert non_state.violence_type == ViolenceType.NON_STATE
    assert records_of(non_state.code) == [
        (VictimStatus.COMBATANT, 1, 1, 1, ["Eastern Militia"]),
        (VictimStatus.COMBATANT, 1, 1, 1, ["Northern Front"]),
        (VictimStatus.UNKNOWN, 1, 1, 1, []),
    ]


def test_a_dry_run_reports_and_writes_nothing(run_ucdp):
    job = run_ucdp("ucdp_current.csv", dry_run=True)

    assert (job.status, job.created) == (ImportStatus.SUCCEEDED, 3)
    assert not Incident.objects.exists() and not ImportedEvent.objects.exists()
    assert not Actor.objects.exists() and not Claim.objects.exists()


def test_bad_rows_are_reported_and_the_rest_imported(run_ucdp, tmp_path, editor):
    lines = (FILES / "ucdp_current.csv").read_text().splitlines(keepends=True)
    bad = tmp_path / "ucdp_bad.csv"
    bad.write_text(
        "".join(lines[:2])
        + lines[2].replace("\r\n", "\n")  # the first event's two physical lines, as they are
        + lines[3]
        + lines[4].replace(",3,", ",9,", 1)  # type_of_violence 9
        + lines[5].replace(",Ukraine,UKR,", ",Atlantis,XYZ,")  # neither code nor name is a country
        + lines[5]
        + "".join(lines[2:4])  # 900001 again
    )
    job = import_job_create(by=editor, kind=ImportKind.UCDP, file_name=bad.name)
    with bad.open("rb") as stream:
        job = import_job_run(job=job, stream=stream)

    assert job.status == ImportStatus.SUCCEEDED, job.failure
    messages = [(error["row"], error["message"]) for error in job.errors]
    assert messages == [
        (4, "type_of_violence is 9; UCDP's types are 1, 2 and 3."),
        (
            5,
            'No country in iso3 "XYZ", country "Atlantis": neither is a country of ISO 3166 (or XKX, Kosovo) by its '
            "code or name.",
        ),
        (7, "Event 900001 is already in row 3: this row was left out."),
    ]
    assert job.created == 2 and job.error_count == 3


def test_a_file_that_is_not_ucdp_fails_the_job_with_a_clear_message(run_ucdp):
    job = run_ucdp("acled_current.csv")

    assert job.status == ImportStatus.FAILED
    assert job.failure.startswith("This is not a UCDP GED file: the header has no id, type_of_violence")
    assert not Incident.objects.exists()


def test_the_command_imports_and_prints_the_summary(editor):
    out = io.StringIO()
    call_command("import_ucdp", str(FILES / "ucdp_current.csv"), "--as-user", "editor", stdout=out)

    output = out.getvalue()
    assert "UCDP GED CSV import job" in output
    assert "rows read: 3; events: 3" in output
    assert "created: 3  updated: 0  unchanged: 0  absent: 0" in output
    assert ImportJob.objects.get().kind == ImportKind.UCDP
    assert Incident.objects.aggregate(best=Sum("fatalities_best"))["best"] == 14


@pytest.mark.parametrize("role", ["analyst", "researcher"])
def test_only_editors_and_admins_may_import_ucdp(role, request, admin_user):
    with pytest.raises(PermissionDenied):
        import_job_create(by=request.getfixturevalue(role), kind=ImportKind.UCDP, file_name="ged.csv")
    job = import_job_create(by=admin_user, kind=ImportKind.UCDP, file_name="ucdp_current.csv")
    with (FILES / "ucdp_current.csv").open("rb") as stream:
        assert import_job_run(job=job, stream=stream).created == 3
