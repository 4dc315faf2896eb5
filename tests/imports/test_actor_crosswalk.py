"""The actor crosswalk: what the imports resolve through it (per dataset, by name and by UCDP id), the names they
record as unmatched (a real UCDP extract included), who may tie a name and what is refused, and what an actor merge
and its undo do to the entries."""

import csv
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError

from actors.choices import ActorKind
from actors.models import Actor
from conflict_tracker.choices import ImportKind
from imports.models import ActorCrosswalk, ImportedEvent
from imports.services import import_job_create, import_job_run
from imports.services.actor_crosswalk import actor_crosswalk_create, actor_crosswalk_update
from imports.services.actor_merge import actor_merge, actor_merge_undo
from imports.services.history import event_model
from tests.helpers.imports import FILES

pytestmark = pytest.mark.django_db

UCDP_DATA = Path(os.environ.get("UCDP_DATA_DIR", settings.BASE_DIR.parent / "shared" / "data" / "ucdp"))


def participants(event_id: str, kind: str = ImportKind.ACLED) -> set[str]:
    incident = ImportedEvent.objects.get(kind=kind, external_id=event_id).incident
    return set(incident.participants.values_list("actor__name", flat=True))


def entry(dataset: str, name: str, external_id: str = "") -> ActorCrosswalk:
    return ActorCrosswalk.objects.select_related("actor").get(dataset=dataset, name=name, external_id=external_id)


def run_ucdp(editor, path: Path):
    job = import_job_create(by=editor, kind=ImportKind.UCDP, file_name=path.name)
    with path.open("rb") as stream:
        return import_job_run(job=job, stream=stream)


def ucdp_file(tmp_path, *changes: dict) -> Path:
    """tests/imports/files/ucdp_current.csv's first event, once per change (each a new event id and its sides)."""
    with (FILES / "ucdp_current.csv").open(newline="") as stream:
        template = next(row for row in csv.DictReader(stream) if row["id"] == "900001")  # after the HXL row
    path = tmp_path / "ged_sides.csv"
    with path.open("w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(template))
        writer.writeheader()
        writer.writerows({**template, **change} for change in changes)
    return path


# -- what the imports resolve through it ---------------------------------------------------------------------------


def test_an_entry_tied_to_a_vetted_actor_wins_over_the_aliases_for_its_dataset_only(known_actors, run_import, editor):
    africa_corps = Actor.objects.create(name="Africa Corps", kind=ActorKind.EXTERNAL_OTHER, country="RUS")
    # The army's alias would give Wagner's label to Wagner; the crosswalk says it is Africa Corps in ACLED's files.
    actor_crosswalk_create(by=editor, dataset=ImportKind.ACLED, name="wagner group", actor=africa_corps.pk)
    actor_crosswalk_create(by=editor, dataset=ImportKind.ACLED, name="Katiba Serma", actor=known_actors["jnim"].pk)
    # A UCDP entry says nothing of ACLED's names.
    actor_crosswalk_create(by=editor, dataset=ImportKind.UCDP, name="Protesters (Mali)", actor=africa_corps.pk)

    job = run_import("acled_current.csv")

    assert participants("MLI9001") >= {"Malian Armed Forces", "Africa Corps"}
    assert "Wagner Group" not in participants("MLI9001")
    assert participants("MLI9002") == {"Malian Armed Forces", "Jama'at Nusrat al-Islam wal-Muslimin"}
    assert participants("MLI9003") == {"Protesters (Mali)"}
    assert job.actors_created == 3  # Civilians, Fulani Ethnic Group and Protesters (Mali); not Katiba Serma
    assert not Actor.objects.filter(name="Katiba Serma").exists()


def test_every_name_it_cannot_tie_to_a_vetted_actor_is_listed_unmatched_with_its_flagged_actor(
    known_actors, run_import
):
    run_import("acled_current.csv")

    unmatched = ActorCrosswalk.objects.filter(matched=False).select_related("actor").order_by("name")
    assert [(e.dataset, e.name, e.actor.name, e.actor.needs_review, e.by) for e in unmatched] == [
        ("acled", "Civilians (Mali)", "Civilians (Mali)", True, None),
        ("acled", "Fulani Ethnic Group (Mali)", "Fulani Ethnic Group (Mali)", True, None),
        ("acled", "Katiba Serma", "Katiba Serma", True, None),
        ("acled", "Protesters (Mali)", "Protesters (Mali)", True, None),
    ]
    # Names resolved to the vetted actors (by name, alias or dated label: the army, Wagner) are not recorded.
    assert ActorCrosswalk.objects.count() == 4

    # A second import meets them again: nothing new is recorded, and they still resolve to the same actors.
    run_import("acled_current_revised.csv")
    assert ActorCrosswalk.objects.filter(name="Katiba Serma").count() == 1


def test_tying_an_unmatched_name_makes_the_next_import_credit_the_vetted_actor(known_actors, run_import, editor):
    run_import("acled_current.csv")
    serma = entry(ImportKind.ACLED, "Katiba Serma")

    actor_crosswalk_update(entry=serma.pk, by=editor, actor=known_actors["jnim"].pk, note="A JNIM katiba.")
    assert ActorCrosswalk.objects.get(pk=serma.pk).matched
    job = run_import("acled_current_revised.csv")

    assert job.error_count == 0
    assert "Jama'at Nusrat al-Islam wal-Muslimin" in participants("MLI9002")
    assert "Katiba Serma" not in participants("MLI9002")


def test_a_ucdp_side_id_ties_the_side_under_another_name_but_not_a_side_of_several_governments(tmp_path, editor):
    islamic_state = Actor.objects.create(name="Islamic State", kind=ActorKind.REBEL_GROUP)
    actor_crosswalk_create(by=editor, dataset=ImportKind.UCDP, name="IS", external_id="234", actor=islamic_state.pk)
    path = ucdp_file(
        tmp_path,
        # UCDP renamed the side; its id is the crosswalk's.
        {"id": "990001", "side_b": "ISIS", "side_b_new_id": "234", "side_a_new_id": "116"},
        # A side of two governments has one id for both: it ties neither of them.
        {
            "id": "990002",
            "side_a": "Government of Testland, Government of Farland",
            "side_a_new_id": "234",
            "side_b": "ISIS",
            "side_b_new_id": "234",
        },
    )

    job = run_ucdp(editor, path)

    assert job.error_count == 0, job.errors
    assert participants("990001", ImportKind.UCDP) == {"Government of Testland", "Islamic State"}
    assert participants("990002", ImportKind.UCDP) == {
        "Government of Testland",
        "Government of Farland",
        "Islamic State",
    }
    recorded = {(e.name, e.external_id) for e in ActorCrosswalk.objects.filter(matched=False)}
    assert recorded == {
        ("Government of Testland", "116"),
        ("Government of Testland", ""),
        ("Government of Farland", ""),
    }


def test_a_dry_run_records_nothing(known_actors, run_import):
    run_import("acled_current.csv", dry_run=True)

    assert not ActorCrosswalk.objects.exists()


@pytest.mark.skipif(not UCDP_DATA.is_dir(), reason="the shared UCDP extracts are not there (set UCDP_DATA_DIR)")
def test_a_real_ucdp_extract_lists_each_of_its_names_and_ids_as_unmatched(editor, client_as):
    job = run_ucdp(editor, UCDP_DATA / "ged_ukraine_2014_2021.csv")

    assert job.actors_created == 7
    listed = client_as("editor").get("/api/v1/actor-crosswalk/", {"dataset": "ucdp", "unmatched": "true"}).json()
    assert {(item["name"], item["external_id"]) for item in listed["results"]} == {
        ("Government of Ukraine", "61"),
        ("DPR", "5840"),
        ("DPR", "6711"),
        ("LPR", "5839"),
        ("LPR", "6712"),
        ("United Armed Forces of Novorossiya", "5914"),
        ("Maidan", "5817"),
        ("Supporters of independence for Eastern Ukraine", "5837"),
        ("Supporters of Ukrainian unity", "5836"),
    }
    # UCDP's two DPRs are one actor here until an editor says otherwise; each listed, flagged.
    assert entry(ImportKind.UCDP, "DPR", "5840").actor_id == entry(ImportKind.UCDP, "DPR", "6711").actor_id
    assert all(item["actor"]["needs_review"] and not item["matched"] for item in listed["results"])


# -- who may tie a name, and what is refused -----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["anonymous", "researcher", "analyst"])
def test_only_editors_may_change_the_crosswalk(request, role):
    user = request.getfixturevalue(role)
    actor = Actor.objects.create(name="Malian Armed Forces", kind=ActorKind.STATE_FORCES)

    with pytest.raises(PermissionDenied, match="Only editors"):
        actor_crosswalk_create(by=user, dataset=ImportKind.UCDP, name="Government of Mali", actor=actor.pk)
    assert not ActorCrosswalk.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"dataset": "acled", "external_id": "12"}, "external_id", "ACLED gives its actors no id"),
        ({"external_id": "IS-234"}, "external_id", "IS-234 is not a UCDP actor id"),
        ({"actor": 10**12}, "actor", "No actor has the id 1000000000000."),
        ({"name": "  "}, "name", "cannot be blank"),
        ({"dataset": "gdelt"}, "dataset", "not a valid choice"),
        ({"name": "government of MALI"}, "__all__", "The crosswalk has this name (with this id) for this dataset"),
    ],
)
def test_bad_input_is_refused_with_a_message_naming_the_field(editor, fields, field, message):
    actor_crosswalk_create(by=editor, dataset=ImportKind.UCDP, name="Government of Mali")
    given = {"dataset": "ucdp", "name": "Government of Mali", "external_id": "432", **fields}
    if field == "__all__":
        given["external_id"] = ""

    with pytest.raises(ValidationError) as refused:
        actor_crosswalk_create(by=editor, **given)

    assert message in " ".join(refused.value.message_dict[field])
    assert ActorCrosswalk.objects.count() == 1


def test_an_update_is_one_revision_by_its_editor(editor):
    army = Actor.objects.create(name="Malian Armed Forces", kind=ActorKind.STATE_FORCES)
    row = actor_crosswalk_create(by=editor, dataset=ImportKind.UCDP, name="Government of Mali")

    updated = actor_crosswalk_update(entry=row.pk, by=editor, actor=army.pk)
    untied = actor_crosswalk_update(entry=row.pk, by=editor, actor=None, note="Not sure.")

    assert (updated.actor, untied.actor, untied.note, untied.by) == (army, None, "Not sure.", editor)
    revisions = (
        event_model(ActorCrosswalk).objects.filter(pgh_obj_id=row.pk).select_related("pgh_context").order_by("pgh_id")
    )
    context = [
        (r.pgh_label, r.actor_id, r.pgh_context.metadata["action"], r.pgh_context.metadata["user"]) for r in revisions
    ]
    assert context == [
        ("insert", None, "actor_crosswalk.create", editor.pk),
        ("update", army.pk, "actor_crosswalk.update", editor.pk),
        ("update", None, "actor_crosswalk.update", editor.pk),
    ]


# -- actor merges --------------------------------------------------------------------------------------------------


def test_merging_a_flagged_actor_ties_its_names_and_undoing_it_unties_them(known_actors, run_import, editor):
    run_import("acled_current.csv")
    serma = entry(ImportKind.ACLED, "Katiba Serma")
    flagged_id = serma.actor_id

    merge = actor_merge(actor=flagged_id, into=known_actors["jnim"].pk, by=editor)
    serma.refresh_from_db()
    assert (serma.actor, serma.by, serma.matched) == (known_actors["jnim"], editor, True)

    actor_merge_undo(merge=merge.pk, by=editor)
    serma.refresh_from_db()
    assert (serma.actor_id, serma.by, serma.matched) == (flagged_id, None, False)
