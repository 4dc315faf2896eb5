import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from pghistory.models import Events

from conflict_tracker.exceptions import EditConflict, TransitionNotAllowed
from events.choices import IncidentStatus
from events.models import CasualtyRecord, Incident
from events.services import (
    CasualtyData,
    IncidentParts,
    ParticipantData,
    VictimData,
    claim_review,
    incident_create,
    incident_publish,
    incident_reopen,
    incident_retract,
    incident_return,
    incident_revert,
    incident_submit,
    incident_update,
)
from tests.factories import ActorFactory, ClaimFactory

pytestmark = pytest.mark.django_db

FIELDS = {
    "title": "Convoy returning from a wedding attacked near Gao",
    "start_date": datetime.date(2025, 2, 7),
    "end_date": datetime.date(2025, 2, 7),
    "country": "MLI",
    "admin1": "Gao",
    "event_type": "Violence against civilians",
    "sub_event_type": "Attack",
}


def make_parts(fama, wagner, victims=()):
    return IncidentParts(
        participants=[
            ParticipantData(actor=fama, role="perpetrator", side="A", attribution="alleged"),
            ParticipantData(actor=wagner, role="perpetrator", side="A", attribution="alleged"),
        ],
        casualty_records=[
            CasualtyData(
                harm="killed",
                victim_status="civilian",
                count_low=20,
                count_best=20,
                count_high=24,
                perpetrators=[fama, wagner],
                named_victims=list(victims),
            )
        ],
    )


@pytest.fixture
def fama():
    return ActorFactory(name="Military Forces of Mali", kind="state_forces")


@pytest.fixture
def wagner():
    return ActorFactory(name="Wagner Group", kind="external_other")


@pytest.fixture
def draft(analyst, fama, wagner):
    return incident_create(by=analyst, fields=FIELDS, parts=make_parts(fama, wagner))


def submitted_with_claim(incident, analyst):
    ClaimFactory(incident=incident)
    return incident_submit(incident=incident, by=analyst)


def test_it_creates_a_draft_with_a_readable_code_and_fatality_totals(draft):
    assert draft.status == IncidentStatus.DRAFT
    assert draft.code == "MLI-2025-0001"
    assert (draft.fatalities_low, draft.fatalities_best, draft.fatalities_high) == (20, 20, 24)
    record = draft.casualty_records.get()
    assert {p.actor.name for p in record.perpetrators.all()} == {"Military Forces of Mali", "Wagner Group"}


def test_codes_count_per_country_and_year(analyst):
    first = incident_create(by=analyst, fields=FIELDS)
    second = incident_create(by=analyst, fields=FIELDS)
    other_year = incident_create(
        by=analyst, fields={**FIELDS, "start_date": datetime.date(2024, 7, 25), "end_date": datetime.date(2024, 7, 27)}
    )
    assert [first.code, second.code, other_year.code] == ["MLI-2025-0001", "MLI-2025-0002", "MLI-2024-0001"]


def test_it_refuses_an_attribution_to_an_actor_that_is_not_a_perpetrator(analyst, fama, wagner):
    parts = make_parts(fama, wagner)
    parts.participants[1].role = "target"
    with pytest.raises(ValidationError, match="Wagner Group is not a perpetrator"):
        incident_create(by=analyst, fields=FIELDS, parts=parts)
    assert not Incident.objects.exists()


def test_it_refuses_more_named_victims_than_the_record_counts(analyst, fama, wagner):
    parts = make_parts(fama, wagner)
    parts.casualty_records[0].count_low = parts.casualty_records[0].count_best = 1
    parts.casualty_records[0].count_high = 1
    parts.casualty_records[0].named_victims = [VictimData(name="A"), VictimData(name="B")]
    with pytest.raises(ValidationError, match="2 named victims"):
        incident_create(by=analyst, fields=FIELDS, parts=parts)
    assert not CasualtyRecord.objects.exists()


def test_it_refuses_an_unknown_country_with_a_clear_message(analyst):
    with pytest.raises(ValidationError) as error:
        incident_create(by=analyst, fields={**FIELDS, "country": "XYZ"})
    assert "XYZ is not an ISO 3166-1 alpha-3 country code" in str(error.value.message_dict["country"])


def test_a_researcher_cannot_create_incidents(researcher):
    with pytest.raises(PermissionDenied):
        incident_create(by=researcher, fields=FIELDS)


# Workflow: draft -> submitted -> published -> retracted; submitted -> returned -> draft.


def test_submit_needs_a_claim(draft, analyst):
    with pytest.raises(ValidationError, match="at least one source claim"):
        incident_submit(incident=draft, by=analyst)
    assert Incident.objects.get(pk=draft.pk).status == IncidentStatus.DRAFT


def test_submit_moves_a_draft_to_submitted(draft, analyst):
    incident = submitted_with_claim(draft, analyst)
    assert incident.status == IncidentStatus.SUBMITTED
    assert incident.submitted_at is not None


def test_it_refuses_publish_without_accepted_claim(draft, analyst, editor):
    incident = submitted_with_claim(draft, analyst)
    with pytest.raises(ValidationError, match="no accepted claim"):
        incident_publish(incident=incident, by=editor)
    claim_review(claim=incident.claims.get(), by=editor, status="rejected", note="Unsourced figure")
    with pytest.raises(ValidationError, match="no accepted claim"):
        incident_publish(incident=incident, by=editor)
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.SUBMITTED


def test_an_editor_publishes_once_a_claim_is_accepted(draft, analyst, editor):
    incident = submitted_with_claim(draft, analyst)
    claim_review(claim=incident.claims.get(), by=editor, status="accepted")
    incident = incident_publish(incident=incident, by=editor)
    assert incident.status == IncidentStatus.PUBLISHED
    assert incident.published_at is not None


def test_an_analyst_cannot_publish(draft, analyst, editor):
    incident = submitted_with_claim(draft, analyst)
    claim_review(claim=incident.claims.get(), by=editor, status="accepted")
    with pytest.raises(PermissionDenied):
        incident_publish(incident=incident, by=analyst)


def test_return_needs_a_comment_and_reopen_goes_back_to_draft(draft, analyst, editor):
    incident = submitted_with_claim(draft, analyst)
    with pytest.raises(ValidationError):
        incident_return(incident=incident, by=editor, comment="  ")
    incident = incident_return(incident=incident, by=editor, comment="Which village? Add the second source.")
    assert incident.status == IncidentStatus.RETURNED
    assert incident.return_comment == "Which village? Add the second source."
    incident = incident_reopen(incident=incident, by=analyst)
    assert incident.status == IncidentStatus.DRAFT
    assert incident_submit(incident=incident, by=analyst).return_comment == ""


def test_retract_keeps_the_record_and_its_reason(draft, analyst, editor):
    incident = submitted_with_claim(draft, analyst)
    claim_review(claim=incident.claims.get(), by=editor, status="accepted")
    incident = incident_publish(incident=incident, by=editor)
    with pytest.raises(ValidationError):
        incident_retract(incident=incident, by=editor, reason="")
    incident = incident_retract(incident=incident, by=editor, reason="Duplicate of MLI-2025-0002")
    stored = Incident.objects.get(pk=incident.pk)
    assert stored.status == IncidentStatus.RETRACTED
    assert stored.retraction_reason == "Duplicate of MLI-2025-0002"
    assert stored.retracted_at is not None


@pytest.mark.parametrize(
    ("step", "status"),
    [
        ("publish", IncidentStatus.DRAFT),
        ("return", IncidentStatus.DRAFT),
        ("retract", IncidentStatus.DRAFT),
        ("reopen", IncidentStatus.DRAFT),
        ("submit", IncidentStatus.SUBMITTED),
        ("retract", IncidentStatus.SUBMITTED),
        ("submit", IncidentStatus.PUBLISHED),
        ("publish", IncidentStatus.PUBLISHED),
        ("return", IncidentStatus.PUBLISHED),
        ("publish", IncidentStatus.RETRACTED),
        ("retract", IncidentStatus.RETRACTED),
        ("submit", IncidentStatus.RETRACTED),
    ],
)
def test_illegal_transitions_are_refused_and_change_nothing(step, status, draft, analyst, editor):
    incident = draft
    if status != IncidentStatus.DRAFT:
        incident = submitted_with_claim(incident, analyst)
        claim_review(claim=incident.claims.get(), by=editor, status="accepted")
    if status in (IncidentStatus.PUBLISHED, IncidentStatus.RETRACTED):
        incident = incident_publish(incident=incident, by=editor)
    if status == IncidentStatus.RETRACTED:
        incident = incident_retract(incident=incident, by=editor, reason="Wrong place")
    if not incident.claims.exists():
        ClaimFactory(incident=incident)
    version = incident.version
    calls = {
        "submit": lambda: incident_submit(incident=incident, by=editor),
        "publish": lambda: incident_publish(incident=incident, by=editor),
        "return": lambda: incident_return(incident=incident, by=editor, comment="Fix it"),
        "retract": lambda: incident_retract(incident=incident, by=editor, reason="Wrong"),
        "reopen": lambda: incident_reopen(incident=incident, by=editor),
    }
    with pytest.raises((TransitionNotAllowed, ValidationError)) as error:
        calls[step]()
    if error.type is TransitionNotAllowed:
        assert "cannot be" in str(error.value)
    stored = Incident.objects.get(pk=incident.pk)
    assert (stored.status, stored.version) == (status, version)


# Edits and the version check.


def test_an_update_raises_the_version_and_the_fatality_totals(draft, analyst, fama, wagner):
    parts = make_parts(fama, wagner)
    parts.casualty_records[0].count_best = 22
    incident = incident_update(
        incident=draft, by=analyst, expected_version=draft.version, fields={"admin2": "Gao"}, parts=parts
    )
    assert incident.version == 2
    assert incident.admin2 == "Gao"
    assert incident.fatalities_best == 22


def test_the_second_of_two_saves_of_the_same_version_is_refused(draft, analyst, editor):
    incident_update(incident=draft, by=analyst, expected_version=1, fields={"title": "First save"})
    with pytest.raises(EditConflict) as conflict:
        incident_update(incident=draft, by=editor, expected_version=1, fields={"title": "Second save"})
    assert conflict.value.current_version == 2
    assert "changed by someone else" in str(conflict.value)
    assert Incident.objects.get(pk=draft.pk).title == "First save"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_saves_of_the_same_version_leave_exactly_one_winner(analyst, editor, fama, wagner):
    draft = incident_create(by=analyst, fields=FIELDS, parts=make_parts(fama, wagner))
    barrier = threading.Barrier(2)
    outcomes = []

    def save(user, title):
        try:
            barrier.wait()
            incident_update(
                incident=Incident.objects.get(pk=draft.pk), by=user, expected_version=1, fields={"title": title}
            )
            outcomes.append(("saved", title))
        except EditConflict:
            outcomes.append(("conflict", title))
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(user, title)) for user, title in ((analyst, "A"), (editor, "B"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(kind for kind, _ in outcomes) == ["conflict", "saved"]
    winner = next(title for kind, title in outcomes if kind == "saved")
    stored = Incident.objects.get(pk=draft.pk)
    assert (stored.title, stored.version) == (winner, 2)


def test_a_transition_based_on_a_stale_version_is_a_conflict(draft, analyst):
    ClaimFactory(incident=draft)
    stale = Incident.objects.get(pk=draft.pk)
    incident_update(incident=draft, by=analyst, expected_version=1, fields={"title": "Edited meanwhile"})
    with pytest.raises(EditConflict):
        incident_submit(incident=stale, by=analyst)


def test_an_analyst_cannot_edit_a_published_incident(draft, analyst, editor):
    incident = submitted_with_claim(draft, analyst)
    claim_review(claim=incident.claims.get(), by=editor, status="accepted")
    incident = incident_publish(incident=incident, by=editor)
    with pytest.raises(PermissionDenied):
        incident_update(incident=incident, by=analyst, expected_version=incident.version, fields={"title": "x"})
    edited = incident_update(incident=incident, by=editor, expected_version=incident.version, fields={"title": "x"})
    assert edited.status == IncidentStatus.PUBLISHED


def test_an_invalid_edit_writes_nothing(draft, analyst):
    with pytest.raises(ValidationError):
        incident_update(incident=draft, by=analyst, expected_version=1, fields={"end_date": datetime.date(2025, 1, 1)})
    stored = Incident.objects.get(pk=draft.pk)
    assert (stored.end_date, stored.version) == (datetime.date(2025, 2, 7), 1)


# Revisions.


def _revisions(incident):
    return list(Events.objects.references(incident).order_by("pgh_created_at", "pgh_id"))


def test_every_change_is_a_revision_with_who_and_before_after(draft, analyst, editor):
    incident_update(incident=draft, by=analyst, expected_version=1, fields={"title": "Convoy attacked near Gao"})
    update = [e for e in _revisions(draft) if e.pgh_model == "events.IncidentEvent" and e.pgh_label == "update"][-1]
    assert update.pgh_context["user"] == analyst.pk
    assert update.pgh_context["action"] == "incident.update"
    assert update.pgh_diff["title"] == ["Convoy returning from a wedding attacked near Gao", "Convoy attacked near Gao"]
    assert update.pgh_diff["version"] == [1, 2]


def test_parts_are_revisions_of_their_incident_too(draft):
    models = {event.pgh_model for event in _revisions(draft)}
    assert {"events.IncidentEvent", "events.IncidentParticipantEvent", "events.CasualtyRecordEvent"} <= models


def test_workflow_steps_are_revisions_with_their_comment(draft, analyst, editor):
    incident = submitted_with_claim(draft, analyst)
    incident_return(incident=incident, by=editor, comment="Add the second source")
    returned = [e for e in _revisions(draft) if e.pgh_context and e.pgh_context.get("action") == "incident.return"]
    assert len(returned) == 1
    assert returned[0].pgh_context["user"] == editor.pk
    assert returned[0].pgh_context["comment"] == "Add the second source"
    assert returned[0].pgh_diff["status"] == ["submitted", "returned"]


def test_a_failed_write_leaves_no_revision(draft, analyst):
    before = len(_revisions(draft))
    with pytest.raises(EditConflict):
        incident_update(incident=draft, by=analyst, expected_version=7, fields={"title": "stale"})
    assert len(_revisions(draft)) == before


# Parts are updated in place when they carry their id.


def parts_as_stored(incident):
    """The incident's parts as the services take them, with their ids (what a form would send back)."""
    return IncidentParts(
        participants=[
            ParticipantData(actor=p.actor, role=p.role, side=p.side, attribution=p.attribution, id=p.pk)
            for p in incident.participants.order_by("pk")
        ],
        casualty_records=[
            CasualtyData(
                harm=r.harm,
                victim_status=r.victim_status,
                count_low=r.count_low,
                count_best=r.count_best,
                count_high=r.count_high,
                perpetrators=[link.participant.actor for link in r.perpetrator_links.order_by("pk")],
                named_victims=[VictimData(name=v.name, id=v.pk) for v in r.named_victims.order_by("pk")],
                id=r.pk,
            )
            for r in incident.casualty_records.order_by("pk")
        ],
    )


def test_parts_sent_with_their_ids_keep_them_and_only_changes_are_revisions(analyst, fama, wagner):
    incident = incident_create(
        by=analyst, fields=FIELDS, parts=make_parts(fama, wagner, victims=[VictimData(name="Named victim")])
    )
    record = incident.casualty_records.get()
    victim = record.named_victims.get()
    before = {e.pgh_slug for e in _revisions(incident)}

    parts = parts_as_stored(incident)
    parts.casualty_records[0].count_best = 22
    incident_update(incident=incident, by=analyst, expected_version=1, parts=parts)

    record.refresh_from_db()
    assert record.count_best == 22
    assert record.named_victims.get().pk == victim.pk
    new = [e for e in _revisions(incident) if e.pgh_slug not in before]
    # The record's change and the incident's version and totals; nothing deleted and inserted again.
    assert {(e.pgh_model, e.pgh_label) for e in new} == {
        ("events.CasualtyRecordEvent", "update"),
        ("events.IncidentEvent", "update"),
    }


def test_a_perpetrator_turned_target_loses_its_attributions(analyst, fama, wagner):
    incident = incident_create(by=analyst, fields=FIELDS, parts=make_parts(fama, wagner))
    parts = parts_as_stored(incident)
    parts.participants[1].role = "target"
    parts.casualty_records[0].perpetrators = [fama]
    incident_update(incident=incident, by=analyst, expected_version=1, parts=parts)

    record = incident.casualty_records.get()
    assert [p.actor for p in record.perpetrators.all()] == [fama]
    assert incident.participants.get(actor=wagner).role == "target"


def test_parts_left_out_are_deleted_with_their_links(analyst, fama, wagner):
    incident = incident_create(by=analyst, fields=FIELDS, parts=make_parts(fama, wagner))
    parts = parts_as_stored(incident)
    parts.participants = parts.participants[:1]
    parts.casualty_records[0].perpetrators = [fama]
    incident_update(incident=incident, by=analyst, expected_version=1, parts=parts)

    assert [p.actor for p in incident.participants.all()] == [fama]
    assert [p.actor for p in incident.casualty_records.get().perpetrators.all()] == [fama]


def test_an_id_of_another_incidents_part_is_refused(analyst, fama, wagner):
    first = incident_create(by=analyst, fields=FIELDS, parts=make_parts(fama, wagner))
    second = incident_create(by=analyst, fields=FIELDS, parts=make_parts(fama, wagner))
    parts = parts_as_stored(second)
    parts.casualty_records[0].id = first.casualty_records.get().pk
    with pytest.raises(ValidationError) as refused:
        incident_update(incident=second, by=analyst, expected_version=1, parts=parts)
    assert "not the id of one of this incident's rows" in refused.value.message_dict["casualty_records[0].id"][0]
    assert first.casualty_records.get().count_best == 20


# Revert: an editor brings back an earlier version, as a new revision.


def test_an_editor_reverts_fields_and_parts_to_an_earlier_version(analyst, editor, fama, wagner):
    incident = incident_create(
        by=analyst, fields=FIELDS, parts=make_parts(fama, wagner, victims=[VictimData(name="Named victim")])
    )
    record_id = incident.casualty_records.get().pk
    parts = parts_as_stored(incident)
    parts.participants = parts.participants[:1]  # Wagner dropped, its attribution with it
    parts.casualty_records[0].perpetrators = [fama]
    parts.casualty_records[0].count_best = 22
    parts.casualty_records[0].named_victims = []
    incident = incident_update(
        incident=incident, by=analyst, expected_version=1, fields={"title": "Wrong title"}, parts=parts
    )

    incident = incident_revert(incident=incident, by=editor, to_version=1, expected_version=2)

    assert (incident.title, incident.version, incident.fatalities_best) == (FIELDS["title"], 3, 20)
    record = incident.casualty_records.get()
    assert record.pk == record_id
    assert {p.actor for p in record.perpetrators.all()} == {fama, wagner}
    assert [v.name for v in record.named_victims.all()] == ["Named victim"]
    revert = [e for e in _revisions(incident) if e.pgh_context and e.pgh_context.get("action") == "incident.revert"]
    assert revert and revert[0].pgh_context["reverted_to"] == 1
    assert revert[0].pgh_context["user"] == editor.pk


def test_only_editors_revert_and_a_stale_revert_is_a_conflict(analyst, editor, draft):
    incident_update(incident=draft, by=analyst, expected_version=1, fields={"title": "Second"})
    with pytest.raises(PermissionDenied):
        incident_revert(incident=draft, by=analyst, to_version=1, expected_version=2)
    with pytest.raises(EditConflict):
        incident_revert(incident=draft, by=editor, to_version=1, expected_version=1)
    with pytest.raises(ValidationError, match="has no version 9"):
        incident_revert(incident=draft, by=editor, to_version=9, expected_version=2)
    assert Incident.objects.get(pk=draft.pk).title == "Second"
