"""ACLED and UCDP files imported over the Mali demo data: their names (each dataset's spellings of the seeded
actors) resolve to the demo's actors, their source is the demo's, and their events reach the per-actor tallies."""

import csv
import datetime

import pytest
from django.contrib.auth.models import User

from actors.models import Actor
from conflict_tracker.choices import ImportKind
from demo.actors import BURKINA_FASO_FORCES, CMA, FAMA, ISGS, ISLAMIC_STATE, JNIM, NIGER_FORCES, RUSSIA
from imports.models import ActorCrosswalk, ImportedEvent
from imports.services import import_job_create, import_job_run
from sources.models import Source
from tallies.selectors import TallyQuestion, actor_tally_summary, tally_answer
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


def killed(actor_name: str) -> tuple[int, int]:
    """The actor's all-time killed (incidents, best) as its page and its API detail lead with: on its own, ACLED's
    "involved" measure, alleged parts too."""
    actor = Actor.objects.get(name=actor_name)
    cells = [
        cell
        for cell in actor_tally_summary(actor.pk)["cells"]
        if (cell["include_related"], cell["harm"], cell["measure"], cell["attribution"])
        == (False, "killed", "involved", "alleged")
    ]
    return (cells[0]["incidents"], cells[0]["best"]) if cells else (0, 0)


def test_acled_s_spellings_of_the_seeded_actors_credit_them(demo, client_as):
    editor = User.objects.get(username="editor")
    before = {name: killed(name) for name in (ISGS, CMA, JNIM, FAMA)}
    job = import_job_create(by=editor, kind=ImportKind.ACLED, file_name="acled_demo_spellings.csv")
    with (FILES / "acled_demo_spellings.csv").open("rb") as stream:
        job = import_job_run(job=job, stream=stream)

    assert (job.created, job.error_count, job.actors_created) == (5, 0, 0)
    # ISGS under its three ACLED names (2020, 2021, 2023), the CMA, JNIM, and the army under two governments.
    gained = {name: tuple(a - b for a, b in zip(killed(name), before[name], strict=True)) for name in before}
    assert gained == {ISGS: (3, 9 + 5 + 4), CMA: (1, 6), JNIM: (1, 3), FAMA: (3, 5 + 4 + 6)}
    # Their pages' incident links (the incident list by actor, by acronym) list the imported events to the staff (the
    # public sees no event known only from ACLED: tests/test_licences.py).
    client = client_as("editor")
    for acronym, events in (("ISGS", {"MLI9101", "MLI9102", "MLI9103"}), ("CMA", {"MLI9104"}), ("JNIM", {"MLI9105"})):
        codes = set(ImportedEvent.objects.filter(external_id__in=events).values_list("incident__code", flat=True))
        listed = client.get("/api/v1/incidents/", {"actor": acronym, "page_size": 500}).json()["results"]
        assert codes <= {item["code"] for item in listed}
        page = client.get(f"/actors/{Actor.objects.get(acronym=acronym).pk}/", {"measure": "involved"})
        assert page.status_code == 200


def ucdp_template() -> dict:
    with (FILES / "ucdp_current.csv").open(newline="") as stream:
        return next(row for row in csv.DictReader(stream) if row["id"] == "900001")  # after the HXL row


def import_ucdp_rows(path, rows: list[dict]):
    """`rows` written as a UCDP GED file at `path` and imported by the demo's editor: the job."""
    with path.open("w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    job = import_job_create(by=User.objects.get(username="editor"), kind=ImportKind.UCDP, file_name=path.name)
    with path.open("rb") as stream:
        return import_job_run(job=job, stream=stream)


def test_ucdp_s_names_of_the_seeded_actors_credit_them(demo, tmp_path):
    template = ucdp_template()
    rows = [
        {
            **template,
            "id": "990001",
            "side_a": "Government of Mali, Government of Russia (Soviet Union)",
            "side_b": "JNIM",
            "dyad_name": "Government of Mali - JNIM",
        },
        {
            **template,
            "id": "990002",
            "side_a": "Government of Mali",
            "side_b": "CMA",
            "dyad_name": "Government of Mali - CMA",
        },
    ]
    for row in rows:
        row.update(country="Mali", iso3="MLI", country_id="432", region="Africa", conflict_name="Mali: Government")
        row.update(latitude="16.2700000", longitude="-0.0400000", where_coordinates="Gao", adm_1="Gao region")
    job = import_ucdp_rows(tmp_path / "ged_mali.csv", rows)

    assert (job.created, job.error_count, job.actors_created) == (2, 0, 0)
    for event, names in (("990001", {FAMA, RUSSIA, JNIM}), ("990002", {FAMA, CMA})):
        incident = ImportedEvent.objects.get(kind=ImportKind.UCDP, external_id=event).incident
        assert set(incident.participants.values_list("actor__name", flat=True)) == names


def test_the_demo_s_crosswalk_ties_ucdp_s_sahel_names_and_is_s_id(demo, tmp_path):
    assert not ActorCrosswalk.objects.filter(matched=False).exists()
    template = ucdp_template()
    rows = [
        # UCDP's Islamic State under another spelling: its id (234, as the shared UCDP extracts give it) ties it.
        {**template, "id": "990101", "side_a": "Government of Burkina Faso", "side_b": "ISGS", "side_b_new_id": "234"},
        {**template, "id": "990102", "side_a": "Government of Niger", "side_b": "JNIM"},
    ]
    for row in rows:
        row.update(country="Burkina Faso", iso3="BFA", country_id="439", region="Africa")
    job = import_ucdp_rows(tmp_path / "ged_sahel.csv", rows)

    assert (job.created, job.error_count, job.actors_created) == (2, 0, 0)
    for event, names in (("990101", {BURKINA_FASO_FORCES, ISLAMIC_STATE}), ("990102", {NIGER_FORCES, JNIM})):
        incident = ImportedEvent.objects.get(kind=ImportKind.UCDP, external_id=event).incident
        assert set(incident.participants.values_list("actor__name", flat=True)) == names
    assert not ActorCrosswalk.objects.filter(matched=False).exists()
