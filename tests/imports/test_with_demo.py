"""An ACLED file imported over the Mali demo data: its names resolve to the demo's actors, its source is the
demo's ACLED, and its events reach the per-actor tallies."""

import datetime

import pytest
from django.contrib.auth.models import User

from actors.models import Actor
from conflict_tracker.choices import ImportKind
from imports.models import ImportedEvent
from imports.services import import_job_create, import_job_run
from sources.models import Source
from tallies.selectors import TallyQuestion, tally_answer
from tests.helpers.imports import FILES

pytestmark = pytest.mark.django_db


def army_2024_involved() -> dict:
    """The army's 2024 tally of the killed, all places, ACLED's "involved" measure."""
    army = Actor.objects.get(name="Malian Armed Forces")
    question = TallyQuestion(actor_ids=(army.pk,), measure="involved", period="year", harm="killed")
    [cell] = [cell for cell in tally_answer(question).cells if cell["period_start"] == datetime.date(2024, 1, 1)]
    return cell


def test_an_acled_file_lands_on_the_demo_actors_and_their_tallies(demo):
    editor = User.objects.get(username="editor")
    before = army_2024_involved()
    job = import_job_create(by=editor, kind=ImportKind.ACLED, file_name="acled_current.csv")
    with (FILES / "acled_current.csv").open("rb") as stream:
        job = import_job_run(job=job, stream=stream)

    assert (job.created, job.error_count) == (3, 0)
    # The army's ACLED labels, Wagner and "Civilians (Mali)" are the demo's actors; only unknown names are new.
    massacre = ImportedEvent.objects.get(external_id="MLI9001").incident
    assert {p.actor.name for p in massacre.participants.select_related("actor")} == {
        "Malian Armed Forces",
        "Wagner Group",
        "Civilians (Mali)",
        "Fulani Ethnic Group (Mali)",
    }
    assert sorted(Actor.objects.filter(needs_review=True).values_list("name", flat=True)) == [
        "Fulani Ethnic Group (Mali)",
        "Katiba Serma",
        "Protesters (Mali)",
    ]
    assert Source.objects.filter(name="ACLED").count() == 1
    assert ImportedEvent.objects.get(external_id="MLI9001").document.source.name == "ACLED"

    # The import brings the army's 2024 "involved" tally up by the two events it was in, as it commits.
    after = army_2024_involved()
    assert (after["incidents"] - before["incidents"], after["best"] - before["best"]) == (2, 14 + 7)
