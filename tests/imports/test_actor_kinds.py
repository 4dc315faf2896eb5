"""Actor types from the file's own evidence: ACLED's inter1/inter2 are the types of actor1/actor2 only, UCDP types
governments, their opponents in state-based conflict and civilians; an actor met without a type is of unknown type
until a file gives one; a file giving a known actor another type flags it for review and changes nothing. Through
the real imports."""

from pathlib import Path

import pytest

from actors.choices import ActorKind
from actors.models import Actor
from conflict_tracker.choices import ImportKind
from imports.choices import ImportStatus
from imports.services import import_job_create, import_job_run
from tests.helpers.imports import FILES

pytestmark = pytest.mark.django_db


def kinds() -> dict[str, str]:
    return dict(Actor.objects.values_list("name", "kind"))


def imported(run, name: str):
    job = run(name)
    assert job.status == ImportStatus.SUCCEEDED and job.error_count == 0, (job.failure, job.errors)
    return job


def test_an_associated_actor_gets_no_type_from_its_main_actor_and_a_later_file_gives_it_its_own(run_import):
    imported(run_import, "acled_actor_kinds.csv")

    # Police met as the associate of an identity militia: not a militia, not yet anything.
    assert kinds()["Police Forces of Benin"] == ActorKind.UNKNOWN
    assert kinds()["Fulani Ethnic Militia (Benin)"] == ActorKind.IDENTITY_MILITIA
    assert kinds()["Civilians (Benin)"] == ActorKind.CIVILIANS

    imported(run_import, "acled_actor_kinds_later.csv")  # police as actor1, inter1 1
    assert kinds()["Police Forces of Benin"] == ActorKind.STATE_FORCES
    imported(run_import, "acled_actor_kinds.csv")  # an associate again: no type, so none taken away
    assert kinds()["Police Forces of Benin"] == ActorKind.STATE_FORCES


def test_a_conflicting_type_flags_the_known_actor_for_review_and_keeps_its_own(known_actors, run_import):
    jnim = known_actors["jnim"]
    job = imported(run_import, "acled_actor_kinds.csv")  # JNIM's alias as actor1 with inter1 3, in two events

    jnim.refresh_from_db()
    assert jnim.kind == ActorKind.REBEL_GROUP
    assert jnim.needs_review
    message = (
        f"ACLED import {job.pk} gives JNIM: Group for Support of Islam and Muslims the type Political militia; "
        "the actor Jama'at Nusrat al-Islam wal-Muslimin is Rebel group, which was kept."
    )
    assert jnim.review_note == message  # once, though two events say it
    assert [note for note in job.notes if "the type" in note] == [message]
    # The army, given its own type (state forces), is left as it was.
    fama = known_actors["fama"]
    fama.refresh_from_db()
    assert (fama.kind, fama.needs_review, fama.review_note) == (ActorKind.STATE_FORCES, False, "")


def test_a_dry_run_reports_a_conflict_and_writes_nothing(known_actors, run_import):
    job = run_import("acled_actor_kinds.csv", dry_run=True)

    assert any("the type Political militia" in note for note in job.notes)
    known_actors["jnim"].refresh_from_db()
    assert not known_actors["jnim"].needs_review and known_actors["jnim"].review_note == ""


def test_a_monadic_file_gives_each_actor_the_type_of_its_own_row(run_import):
    imported(run_import, "acled_actor_kinds_monadic.csv")

    assert kinds() == {
        "Civilians (Benin)": ActorKind.CIVILIANS,
        "Unidentified Armed Group (Benin)": ActorKind.POLITICAL_MILITIA,
        "Fulani Ethnic Militia (Benin)": ActorKind.UNKNOWN,  # only ever an associate
        "Military Forces of Benin": ActorKind.STATE_FORCES,
        # An associate in the event's first row, actor1 with inter1 1 in its own.
        "Police Forces of Benin": ActorKind.STATE_FORCES,
    }


def test_ucdp_types_governments_their_rebels_and_civilians_and_no_one_else(editor):
    """A government in its own country is state forces, abroad external forces (ACLED's type for an army abroad)."""
    hill_guards = Actor.objects.create(name="Hill Guards", kind=ActorKind.IDENTITY_MILITIA)

    def run_ucdp(name):
        path = Path(FILES / name)
        job = import_job_create(by=editor, kind=ImportKind.UCDP, file_name=path.name)
        with path.open("rb") as stream:
            return import_job_run(job=job, stream=stream)

    job = imported(run_ucdp, "ucdp_actor_kinds.csv")

    assert kinds() == {
        "Eastern Militia": ActorKind.UNKNOWN,  # non-state conflict: UCDP types neither side
        "Western Militia": ActorKind.UNKNOWN,
        "Civilians": ActorKind.CIVILIANS,
        # A perpetrator of one-sided violence first, then the government's opponent in state-based conflict.
        "Southern Army": ActorKind.REBEL_GROUP,
        "Government of Ukraine": ActorKind.STATE_FORCES,
        "Government of Farland": ActorKind.EXTERNAL_OTHER,
        "Hill Guards": ActorKind.IDENTITY_MILITIA,  # kept, and flagged
    }
    hill_guards.refresh_from_db()
    assert hill_guards.needs_review
    assert hill_guards.review_note == (
        f"UCDP import {job.pk} gives Hill Guards the type Rebel group; the actor Hill Guards is Identity militia, "
        "which was kept."
    )
