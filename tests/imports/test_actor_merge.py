"""Merging an actor an import flagged into the actor it is, and undoing it: what moves, the tallies, the revisions,
who may, and what happens when someone else got there first."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections

from actors.choices import ActorKind, RelationKind
from actors.models import Actor, ActorAlias, ActorRelation
from conflict_tracker.exceptions import ChangedMeanwhile, EditConflict
from events.models import CasualtyPerpetrator, Incident, IncidentParticipant
from events.selectors import incident_revisions
from events.services import incident_update
from imports.models import ActorMerge, ImportedEvent
from imports.services.actor_merge import actor_merge, actor_merge_undo
from imports.services.actor_resolver import NAMES_LOCK
from sources.models import ClaimActor
from tallies.selectors import actor_tally_summary
from tallies.services import tallies_verify
from tests.helpers.rendering import assert_renderings_current

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(known_actors, run_import):
    """acled_current.csv over the known actors: Katiba Serma (MLI9002) and Fulani Ethnic Group (Mali) (MLI9001)
    created and flagged; Wagner flagged too, as if an import had created it, to be merged into the army."""
    run_import("acled_current.csv")
    Actor.objects.filter(name="Wagner Group").update(needs_review=True)
    macina = Actor.objects.create(name="Macina Liberation Front", kind=ActorKind.REBEL_GROUP, country="MLI")
    ActorRelation.objects.create(subject=macina, kind=RelationKind.PART_OF, object=known_actors["jnim"])
    return {**known_actors, "macina": macina}


def actor(name: str) -> Actor:
    return Actor.objects.get(name=name)


def incident_of(event_id: str) -> Incident:
    return ImportedEvent.objects.get(external_id=event_id).incident


def state() -> dict:
    """Every row a merge touches, and every actor's tallies."""
    return {
        "actors": list(Actor.objects.order_by("pk").values()),
        "aliases": list(ActorAlias.objects.order_by("pk").values()),
        "relations": list(ActorRelation.objects.order_by("pk").values()),
        "participants": list(IncidentParticipant.objects.order_by("pk").values()),
        "perpetrators": list(CasualtyPerpetrator.objects.order_by("pk").values()),
        "claim_links": list(ClaimActor.objects.order_by("pk").values()),
        "tallies": {pk: actor_tally_summary(pk) for pk in Actor.objects.values_list("pk", flat=True)},
    }


def killed_incidents(actor_id: int) -> tuple[int, int]:
    """The actor's all-time killed (incidents, best), on its own, ACLED's "involved" measure, alleged parts too."""
    cells = [
        cell
        for cell in actor_tally_summary(actor_id)["cells"]
        if (cell["include_related"], cell["harm"], cell["measure"], cell["attribution"])
        == (False, "killed", "involved", "alleged")
    ]
    return (cells[0]["incidents"], cells[0]["best"]) if cells else (0, 0)


def test_a_merge_moves_names_participations_claims_and_tallies(imported, editor):
    katiba = actor("Katiba Serma")
    clash = incident_of("MLI9002")
    # The source blames the militants too (the file's claim names only side A's actors).
    ClaimActor.objects.create(claim=ImportedEvent.objects.get(external_id="MLI9002").claim, actor=katiba)
    before_macina = killed_incidents(imported["macina"].pk)

    merge = actor_merge(actor=katiba.pk, into=imported["macina"].pk, by=editor)

    assert not Actor.objects.filter(pk=katiba.pk).exists()
    assert "Katiba Serma" in set(imported["macina"].aliases.values_list("name", flat=True))
    assert clash.participants.filter(actor=imported["macina"]).exists()
    assert ClaimActor.objects.filter(claim__incident=clash, actor=imported["macina"]).exists()
    incidents, best = killed_incidents(imported["macina"].pk)
    assert (incidents - before_macina[0], best - before_macina[1]) == (1, 7)
    assert tallies_verify() == 0  # refreshed in the merge's own transaction, as every change is
    assert_renderings_current()
    assert (merge.merged_name, merge.into_actor_id) == ("Katiba Serma", imported["macina"].pk)


def test_a_participation_the_target_has_already_absorbs_the_merged_one(imported, editor):
    fama, wagner = imported["fama"], actor("Wagner Group")
    massacre = incident_of("MLI9001")  # the army and Wagner, both perpetrators of the 14 killed, both blamed
    assert massacre.participants.filter(actor=wagner).exists()

    actor_merge(actor=wagner.pk, into=fama.pk, by=editor)

    perpetrators = massacre.participants.filter(role="perpetrator")
    assert list(perpetrators.values_list("actor_id", flat=True)) == [fama.pk]
    assert CasualtyPerpetrator.objects.filter(participant__in=perpetrators).count() == 1
    assert list(ClaimActor.objects.filter(claim__incident=massacre).values_list("actor_id", flat=True)) == [fama.pk]
    assert {"Wagner Group"} <= set(fama.aliases.values_list("name", flat=True))
    assert tallies_verify() == 0


def test_undo_restores_the_actor_its_names_participations_and_claims_exactly(imported, editor):
    wagner = actor("Wagner Group")
    ActorAlias.objects.create(actor=wagner, name="PMC Wagner")
    ActorRelation.objects.create(subject=wagner, kind=RelationKind.ALLIED_WITH, object=imported["fama"])
    before = state()

    merge = actor_merge(actor=wagner.pk, into=imported["fama"].pk, by=editor)
    assert state() != before
    actor_merge_undo(merge=merge.pk, by=editor)

    assert state() == before
    assert tallies_verify() == 0
    assert_renderings_current()
    merge.refresh_from_db()
    assert merge.undone_by == editor and merge.undone_at is not None


def test_merge_and_undo_are_each_a_revision_of_the_incidents_they_change(imported, editor, run_import):
    katiba = actor("Katiba Serma")
    clash = incident_of("MLI9002")

    merge = actor_merge(actor=katiba.pk, into=imported["macina"].pk, by=editor)
    latest = incident_revisions(clash)[0]
    assert (latest["user"], latest["action"], latest["version"]) == ("editor", "actor.merge", 2)
    assert ("incidentparticipant", "update") in {(c["record"], c["event"]) for c in latest["changes"]}

    actor_merge_undo(merge=merge.pk, by=editor)
    latest = incident_revisions(clash)[0]
    assert (latest["action"], latest["version"]) == ("actor.merge_undo", 3)

    # Neither is an edit that a re-import should leave alone: the file's events are unchanged.
    job = run_import("acled_current.csv")
    assert (job.unchanged, job.conflicts) == (3, 0)


def test_a_reimport_after_a_merge_credits_the_actor_merged_into(imported, editor, run_import):
    actor_merge(actor=actor("Katiba Serma").pk, into=imported["macina"].pk, by=editor)

    job = run_import("acled_current.csv")

    assert (job.actors_created, job.conflicts) == (0, 0)
    assert incident_of("MLI9002").participants.filter(actor=imported["macina"]).exists()


@pytest.mark.parametrize("role", ["analyst", "researcher"])
def test_only_editors_merge_or_undo(imported, editor, role, request):
    user = request.getfixturevalue(role)
    katiba = actor("Katiba Serma")

    with pytest.raises(PermissionDenied):
        actor_merge(actor=katiba.pk, into=imported["macina"].pk, by=user)
    merge = actor_merge(actor=katiba.pk, into=imported["macina"].pk, by=editor)
    with pytest.raises(PermissionDenied):
        actor_merge_undo(merge=merge.pk, by=user)


def test_only_a_flagged_actor_is_merged_and_never_into_itself(imported, editor):
    before = state()

    with pytest.raises(ValidationError, match="not flagged for review"):
        actor_merge(actor=imported["jnim"].pk, into=imported["macina"].pk, by=editor)
    katiba = actor("Katiba Serma")
    with pytest.raises(ValidationError, match="into itself"):
        actor_merge(actor=katiba.pk, into=katiba.pk, by=editor)
    with pytest.raises(ValidationError, match="No actor has the id"):
        actor_merge(actor=katiba.pk, into=10**12, by=editor)

    assert state() == before


def test_a_second_merge_of_the_same_actor_is_refused_not_applied(imported, editor, admin_user):
    katiba = actor("Katiba Serma")
    actor_merge(actor=katiba.pk, into=imported["macina"].pk, by=editor)
    after_first = state()

    with pytest.raises(ChangedMeanwhile, match="no longer exists"):
        actor_merge(actor=katiba.pk, into=imported["jnim"].pk, by=admin_user)

    assert state() == after_first


def test_an_incident_edit_based_on_the_version_before_the_merge_is_refused(imported, editor):
    clash = incident_of("MLI9002")
    seen = clash.version
    actor_merge(actor=actor("Katiba Serma").pk, into=imported["macina"].pk, by=editor)

    with pytest.raises(EditConflict):
        incident_update(incident=clash, by=editor, expected_version=seen, fields={"title": "Edited meanwhile"})


def test_undo_is_refused_once_an_incident_changed_since_and_when_done_already(imported, editor):
    merge = actor_merge(actor=actor("Katiba Serma").pk, into=imported["macina"].pk, by=editor)
    clash = incident_of("MLI9002")
    incident_update(incident=clash, by=editor, expected_version=clash.version, fields={"title": "Renamed"})
    after_edit = state()

    with pytest.raises(ChangedMeanwhile, match=clash.code):
        actor_merge_undo(merge=merge.pk, by=editor)
    assert state() == after_edit

    other = actor_merge(actor=actor("Protesters (Mali)").pk, into=imported["macina"].pk, by=editor)
    actor_merge_undo(merge=other.pk, by=editor)
    with pytest.raises(ChangedMeanwhile, match="undone already"):
        actor_merge_undo(merge=other.pk, by=editor)


def test_an_actor_merged_into_can_be_merged_in_turn_and_the_first_undo_waits_for_the_second(imported, editor):
    fulani = actor("Fulani Ethnic Group (Mali)")
    civilians = actor("Civilians (Mali)")  # flagged too: the import created it
    first = actor_merge(actor=fulani.pk, into=civilians.pk, by=editor)
    second = actor_merge(actor=civilians.pk, into=imported["macina"].pk, by=editor)

    with pytest.raises(ChangedMeanwhile, match="Civilians \\(Mali\\), which Fulani Ethnic Group \\(Mali\\) was merged"):
        actor_merge_undo(merge=first.pk, by=editor)
    actor_merge_undo(merge=second.pk, by=editor)
    assert actor("Civilians (Mali)").pk == civilians.pk
    assert tallies_verify() == 0


# Through the API and the page.


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("researcher", 403), ("analyst", 403), ("editor", 201), ("admin_user", 201)],
)
def test_the_api_merges_for_editors_only(imported, client_as, role, status):
    katiba = actor("Katiba Serma")

    response = client_as(role).post(
        "/api/v1/actor-merges/", {"actor": katiba.pk, "into": imported["macina"].pk}, format="json"
    )

    assert response.status_code == status
    assert Actor.objects.filter(pk=katiba.pk).exists() == (status != 201)


def test_the_api_undoes_and_answers_409_when_someone_got_there_first(imported, client_as):
    client = client_as("editor")
    katiba = actor("Katiba Serma")
    body = {"actor": katiba.pk, "into": imported["macina"].pk}

    created = client.post("/api/v1/actor-merges/", body, format="json")
    assert created.status_code == 201
    again = client.post("/api/v1/actor-merges/", body, format="json")
    assert again.status_code == 409
    assert "no longer exists" in again.json()["error"]["message"]

    assert client_as("analyst").post(f"/api/v1/actor-merges/{created.json()['id']}/undo/").status_code == 403
    undone = client.post(f"/api/v1/actor-merges/{created.json()['id']}/undo/")
    assert undone.status_code == 200 and undone.json()["undone_by"] == "editor"
    assert actor("Katiba Serma").pk == katiba.pk
    assert client.post(f"/api/v1/actor-merges/{created.json()['id']}/undo/").status_code == 409

    listed = client.get("/api/v1/actor-merges/").json()["results"]
    assert [(item["merged_name"], item["into_name"], item["undone_by"]) for item in listed] == [
        ("Katiba Serma", "Macina Liberation Front", "editor")
    ]


def test_the_api_names_bad_input(imported, client_as):
    response = client_as("editor").post("/api/v1/actor-merges/", {"actor": "x"}, format="json")

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"actor", "into"}
    refused = client_as("editor").post(
        "/api/v1/actor-merges/", {"actor": imported["jnim"].pk, "into": imported["fama"].pk}, format="json"
    )
    assert refused.status_code == 400 and "not flagged for review" in refused.json()["error"]["message"]


@pytest.mark.parametrize(("role", "status"), [("researcher", 403), ("analyst", 403), ("editor", 200)])
def test_the_review_page_is_for_editors(imported, client_as, role, status):
    assert client_as(role, session=True).get("/imports/actors/").status_code == status


def test_the_review_page_lists_the_flagged_actors_and_merges_by_name_or_acronym(
    imported, client_as, django_assert_max_num_queries
):
    client = client_as("editor", session=True)
    with django_assert_max_num_queries(12):
        html = client.get("/imports/actors/").content.decode()
    assert "Katiba Serma" in html and "Fulani Ethnic Group (Mali)" in html

    katiba = actor("Katiba Serma")
    response = client.post("/imports/actors/", {"actor": katiba.pk, "into": "Macina Liberation Front"}, follow=True)
    assert "Katiba Serma was merged into Macina Liberation Front" in response.content.decode()
    assert not Actor.objects.filter(pk=katiba.pk).exists()

    wagner = actor("Wagner Group")
    response = client.post("/imports/actors/", {"actor": wagner.pk, "into": "FAMa"}, follow=True)
    assert "Wagner Group was merged into Malian Armed Forces" in response.content.decode()

    merge = ActorMerge.objects.get(merged_name="Katiba Serma")
    response = client.post("/imports/actors/", {"undo": merge.pk}, follow=True)
    assert "Katiba Serma is back as it was before the merge" in response.content.decode()
    assert actor("Katiba Serma").pk == katiba.pk


def test_the_review_page_says_what_is_wrong_and_keeps_what_was_typed(imported, client_as, editor):
    client = client_as("editor", session=True)
    katiba = actor("Katiba Serma")

    response = client.post("/imports/actors/", {"actor": katiba.pk, "into": "Nobody we know"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "No actor is called Nobody we know" in html and 'value="Nobody we know"' in html

    merge = actor_merge(actor=katiba.pk, into=imported["macina"].pk, by=editor)  # another tab, say
    response = client.post("/imports/actors/", {"actor": katiba.pk, "into": "Macina Liberation Front"})
    assert response.status_code == 409 and "no longer exists" in response.content.decode()
    actor_merge_undo(merge=merge.pk, by=editor)
    response = client.post("/imports/actors/", {"undo": merge.pk})
    assert response.status_code == 409 and "undone already" in response.content.decode()


@pytest.mark.django_db(
    transaction=True, serialized_rollback=True
)  # each merge commits, releasing the lock as it would outside a test
def test_a_merge_or_undo_is_refused_while_an_import_resolves_names(imported, editor):
    """An import keeps every actor's names in memory from its start: a merge then would leave it writing a
    participant for an actor deleted under it, so it is refused until the import has finished."""
    katiba = actor("Katiba Serma")
    running_import = connections.create_connection("default")
    try:
        with running_import.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock_shared(%s)", [NAMES_LOCK])
        with pytest.raises(ChangedMeanwhile, match="An import is running"):
            actor_merge(actor=katiba.pk, into=imported["macina"].pk, by=editor)
        assert Actor.objects.filter(pk=katiba.pk).exists()

        with running_import.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock_shared(%s)", [NAMES_LOCK])
        merge = actor_merge(actor=katiba.pk, into=imported["macina"].pk, by=editor)

        with running_import.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock_shared(%s)", [NAMES_LOCK])
        with pytest.raises(ChangedMeanwhile, match="An import is running"):
            actor_merge_undo(merge=merge.pk, by=editor)
        assert not Actor.objects.filter(pk=katiba.pk).exists()
    finally:
        running_import.close()


def test_the_review_page_lists_the_datasets_names_still_unmatched_until_their_actor_is_merged(imported, client_as):
    client = client_as("editor", session=True)

    def unmatched() -> str:
        html = client.get("/imports/actors/").content.decode()
        return html[html.index('class="data unmatched-names"') : html.index("</table>", html.index("unmatched-names"))]

    assert "Katiba Serma" in unmatched()
    katiba = actor("Katiba Serma")
    client.post("/imports/actors/", {"actor": katiba.pk, "into": "Macina Liberation Front"})
    assert "Katiba Serma" not in unmatched()
