"""The Django admin: every model has its pages, changelists do not grow queries with their rows, and every write
goes through the services (workflow, claim review, the version check on incident saves)."""

import datetime

import pytest
from django.contrib.messages import ERROR, SUCCESS
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pghistory.models import Events

from actors.choices import ActorKind, RelationKind
from actors.models import Actor, ActorAlias, ActorRelation
from conflict_tracker.choices import Harm, VictimStatus
from events.choices import EventType, IncidentStatus, ParticipantRole, SubEventType
from events.models import CasualtyRecord, Incident, NamedVictim, PropertyHarm
from events.services import (
    CasualtyData,
    IncidentParts,
    ParticipantData,
    PropertyHarmData,
    VictimData,
    claim_review,
    incident_create,
    incident_submit,
    incident_update,
)
from sources.choices import ReviewStatus
from sources.models import Claim, ClaimActor, Document, Source
from tallies.models import ActorSet
from tests.factories import ActorAliasFactory, ActorFactory, ClaimFactory, IncidentFactory, UserFactory
from tests.helpers.admin import admin_form_data, admin_url

MODELS = [
    Actor,
    ActorAlias,
    ActorRelation,
    Source,
    Document,
    Claim,
    Incident,
    CasualtyRecord,
    NamedVictim,
    PropertyHarm,
]
# Session, user, the count, the page of incidents joined to their creators, the country filter's values:
# the same for 3 incidents or 30.
INCIDENT_CHANGELIST_QUERIES = 5


def _messages(response) -> list[tuple[int, str]]:
    return [(message.level, message.message) for message in response.context["messages"]]


def _incident_with_parts(analyst, number: int = 0) -> Incident:
    """A draft incident with every kind of part, written through the services as the browser form would."""
    suffix = f" {number}" if number else ""
    fama = ActorFactory(name=f"Military Forces of Mali{suffix}", acronym="FAMa", kind=ActorKind.STATE_FORCES)
    wagner = ActorFactory(name=f"Wagner Group{suffix}", kind=ActorKind.EXTERNAL_OTHER)
    civilians = ActorFactory(name=f"Civilians (Mali){suffix}", kind=ActorKind.CIVILIANS)
    ActorAliasFactory(actor=wagner, name="Africa Corps", valid_from=datetime.date(2024, 1, 1))
    ActorRelation.objects.create(subject=fama, kind=RelationKind.ALLIED_WITH, object=wagner)
    incident = incident_create(
        by=analyst,
        fields={
            "title": f"Killings in Moura{suffix}",
            "start_date": datetime.date(2022, 3, 27),
            "end_date": datetime.date(2022, 3, 31),
            "country": "MLI",
            "admin1": "Mopti",
            "event_type": EventType.VIOLENCE_AGAINST_CIVILIANS,
            "sub_event_type": SubEventType.ATTACK,
        },
    )
    claim = ClaimFactory(incident=incident)
    ClaimActor.objects.create(claim=claim, actor=fama)
    parts = IncidentParts(
        participants=[
            ParticipantData(actor=fama, role=ParticipantRole.PERPETRATOR),
            ParticipantData(actor=wagner, role=ParticipantRole.PERPETRATOR),
            ParticipantData(actor=civilians, role=ParticipantRole.TARGET),
        ],
        casualty_records=[
            CasualtyData(
                harm=Harm.KILLED,
                victim_status=VictimStatus.CIVILIAN,
                count_low=300,
                count_best=500,
                count_high=500,
                perpetrators=[fama, wagner],
                claims=[claim],
                named_victims=[VictimData(name="A. D.")],
            )
        ],
        property_harms=[
            PropertyHarmData(kind="homes", harm="burned", count_low=10, count_best=10, count_high=20, claims=[claim])
        ],
    )
    return incident_update(incident=incident, by=analyst, expected_version=incident.version, parts=parts)


@pytest.fixture
def incident(analyst) -> Incident:
    return _incident_with_parts(analyst)


@pytest.fixture
def submitted(incident, analyst) -> Incident:
    return incident_submit(incident=incident, by=analyst)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_every_admin_page_answers_for_an_admin(client, admin_user, incident, model):
    client.force_login(admin_user)
    obj = model.objects.first()
    assert client.get(admin_url(model, "changelist")).status_code == 200
    assert client.get(admin_url(model, "add")).status_code == 200
    assert client.get(admin_url(model, "change", obj.pk)).status_code == 200


def test_the_incident_page_lists_its_revisions(client, admin_user, incident):
    client.force_login(admin_user)
    page = client.get(admin_url(Incident, "change", incident.pk)).content.decode()
    assert "<td>analyst</td><td>incident.create: insert</td><td>incident</td>" in page
    assert "fatalities_best: 0 → 500" in page


@pytest.mark.parametrize("model", [model for model in MODELS if model is not Incident], ids=lambda m: m.__name__)
def test_changelists_run_as_many_queries_for_many_rows_as_for_one(
    client, admin_user, analyst, incident, django_assert_max_num_queries, model
):
    client.force_login(admin_user)
    url = admin_url(model, "changelist")
    with CaptureQueriesContext(connection) as one_row:
        client.get(url)
    for number in range(1, 4):
        _incident_with_parts(analyst, number)
    with django_assert_max_num_queries(len(one_row)):
        response = client.get(url)
    assert len(response.context["cl"].result_list) > 1


@pytest.mark.parametrize("count", [3, 30])
def test_incident_changelist_runs_a_fixed_number_of_queries(client, admin_user, django_assert_max_num_queries, count):
    for _ in range(count):
        IncidentFactory(created_by=UserFactory())
    client.force_login(admin_user)
    with django_assert_max_num_queries(INCIDENT_CHANGELIST_QUERIES):
        response = client.get(admin_url(Incident, "changelist"))
    assert len(response.context["cl"].result_list) == count


def test_publish_action_is_refused_without_an_accepted_claim(client, editor, submitted):
    client.force_login(editor)
    response = client.post(
        admin_url(Incident, "changelist"),
        {"action": "publish", "_selected_action": [submitted.pk]},
        follow=True,
    )
    assert (
        ERROR,
        f"{submitted.code}: {submitted.code} has no accepted claim: accept a source claim before publishing.",
    ) in _messages(response)
    submitted.refresh_from_db()
    assert submitted.status == IncidentStatus.SUBMITTED


def test_publish_action_publishes_an_incident_with_an_accepted_claim(client, editor, submitted):
    claim_review(claim=submitted.claims.get(), by=editor, status=ReviewStatus.ACCEPTED)
    client.force_login(editor)
    response = client.post(
        admin_url(Incident, "changelist"),
        {"action": "publish", "_selected_action": [submitted.pk]},
        follow=True,
    )
    assert (SUCCESS, "1 incident published.") in _messages(response)
    submitted.refresh_from_db()
    assert submitted.status == IncidentStatus.PUBLISHED


@pytest.mark.parametrize("role", ["analyst", "researcher"])
def test_analysts_and_researchers_cannot_open_the_admin(client, request, role, submitted):
    """Analysts work in the app: the admin would be a second door to rules the app and the API keep."""
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("admin:index")).url.startswith(reverse("admin:login"))
    response = client.post(admin_url(Incident, "changelist"), {"action": "publish", "_selected_action": [submitted.pk]})
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    submitted.refresh_from_db()
    assert submitted.status == IncidentStatus.SUBMITTED


def test_return_action_needs_a_comment_and_keeps_it(client, editor, submitted):
    client.force_login(editor)
    url = admin_url(Incident, "changelist")
    response = client.post(url, {"action": "return_to_analyst", "_selected_action": [submitted.pk]}, follow=True)
    assert (ERROR, f"{submitted.code}: Say what needs fixing: a returned incident needs a comment.") in _messages(
        response
    )
    response = client.post(
        url,
        {"action": "return_to_analyst", "_selected_action": [submitted.pk], "comment": "Cite the HRW report."},
        follow=True,
    )
    assert (SUCCESS, "1 incident returned.") in _messages(response)
    submitted.refresh_from_db()
    assert (submitted.status, submitted.return_comment) == (IncidentStatus.RETURNED, "Cite the HRW report.")


def test_claim_review_actions_call_the_service(client, editor, incident):
    claim = incident.claims.get()
    client.force_login(editor)
    url = admin_url(Claim, "changelist")
    response = client.post(url, {"action": "reject", "_selected_action": [claim.pk]}, follow=True)
    assert (ERROR, f"Claim {claim.pk}: Say why the claim is rejected or disputed.") in _messages(response)
    response = client.post(
        url, {"action": "mark_disputed", "_selected_action": [claim.pk], "note": "Denied by the army."}, follow=True
    )
    assert (SUCCESS, "1 claim marked disputed.") in _messages(response)
    claim.refresh_from_db()
    assert (claim.review_status, claim.reviewed_by, claim.review_note) == (
        ReviewStatus.DISPUTED,
        editor,
        "Denied by the army.",
    )


def test_saving_an_incident_goes_through_the_service(client, editor, incident):
    client.force_login(editor)
    url = admin_url(Incident, "change", incident.pk)
    data = admin_form_data(client.get(url))
    data["title"] = "Moura massacre"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    incident.refresh_from_db()
    assert (incident.title, incident.version) == ("Moura massacre", 3)


def test_a_stale_incident_save_is_refused_and_overwrites_nothing(client, editor, analyst, incident):
    client.force_login(editor)
    url = admin_url(Incident, "change", incident.pk)
    data = admin_form_data(client.get(url))
    incident_update(incident=incident, by=analyst, expected_version=incident.version, fields={"title": "Theirs"})
    data["title"] = "Mine"
    response = client.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert errors == [
        f"{incident.code} was changed by someone else (your version 2, now 3). "
        "Reload it, reapply your changes and save again."
    ]
    assert response.context["adminform"].form["title"].value() == "Mine"
    incident.refresh_from_db()
    assert (incident.title, incident.version) == ("Theirs", 3)


def test_adding_an_incident_goes_through_the_service(client, editor):
    client.force_login(editor)
    data = admin_form_data(client.get(admin_url(Incident, "add")))
    data.update(title="Drone strike", start_date="2024-03-17", end_date="2024-03-17", country="MLI")
    data.update({"participants-TOTAL_FORMS": "1", "participants-0-actor": ActorFactory().pk})
    data.update({"participants-0-role": ParticipantRole.PERPETRATOR, "participants-0-attribution": "alleged"})
    response = client.post(admin_url(Incident, "add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    incident = Incident.objects.get(title="Drone strike")
    assert (incident.code, incident.created_by, incident.participants.count()) == ("MLI-2024-0001", editor, 1)


def test_editing_casualty_records_inline_recounts_fatalities_and_keeps_ids(client, editor, incident):
    ids_before = (
        set(incident.participants.values_list("pk", flat=True)),
        incident.casualty_records.get().pk,
        set(NamedVictim.objects.filter(casualty_record__incident=incident).values_list("pk", flat=True)),
    )
    client.force_login(editor)
    url = admin_url(Incident, "change", incident.pk)
    data = admin_form_data(client.get(url))
    data.update({"casualty_records-0-count_best": "400", "casualty_records-0-count_high": "600"})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    incident.refresh_from_db()
    assert (incident.fatalities_low, incident.fatalities_best, incident.fatalities_high) == (300, 400, 600)
    record = incident.casualty_records.get()
    # What the inline does not show is kept.
    assert sorted(
        link.participant.actor.acronym or link.participant.actor.name for link in record.perpetrator_links.all()
    ) == [
        "FAMa",
        "Wagner Group",
    ]
    assert list(record.named_victims.values_list("name", flat=True)) == ["A. D."]
    assert record.claims.count() == 1
    # Parts are updated in place: the same rows, so their history reads as edits.
    assert ids_before == (
        set(incident.participants.values_list("pk", flat=True)),
        record.pk,
        set(record.named_victims.values_list("pk", flat=True)),
    )


def test_a_refused_inline_edit_shows_the_services_reason(client, editor, incident):
    client.force_login(editor)
    url = admin_url(Incident, "change", incident.pk)
    data = admin_form_data(client.get(url))
    wagner = next(i for i in range(3) if data[f"participants-{i}-actor"] == Actor.objects.get(name="Wagner Group").pk)
    data[f"participants-{wagner}-DELETE"] = "on"
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "Wagner Group is not a perpetrator of this incident: add it as one before attributing harm to it."
    ]
    assert incident.participants.count() == 3


def test_a_casualty_record_saved_on_its_own_page_is_found_again(client, editor, incident):
    record = incident.casualty_records.get()
    client.force_login(editor)
    url = admin_url(CasualtyRecord, "change", record.pk)
    data = admin_form_data(client.get(url))
    data.update({"named_victims-TOTAL_FORMS": "2", "named_victims-1-name": "B. T.", "_continue": "1"})
    data.update({"named_victims-1-sex": "female", "named_victims-1-age_band": "elderly"})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert incident.casualty_records.get().pk == record.pk
    assert response.url == admin_url(CasualtyRecord, "change", record.pk)
    assert sorted(record.named_victims.values_list("name", flat=True)) == ["A. D.", "B. T."]
    assert record.perpetrator_links.count() == 2


def test_a_named_victim_added_on_its_own_page_joins_its_record(client, editor, incident):
    record = incident.casualty_records.get()
    client.force_login(editor)
    data = admin_form_data(client.get(admin_url(NamedVictim, "add")))
    data.update(casualty_record=record.pk, name="C. K.", sex="male", age_band="adult")
    response = client.post(admin_url(NamedVictim, "add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    victim = NamedVictim.objects.get(name="C. K.")
    assert victim.casualty_record.incident == incident
    incident.refresh_from_db()
    assert incident.version == 3


def test_an_admin_keeps_the_named_actor_sets(client, admin_user):
    fama, wagner = ActorFactory(name="FAMa"), ActorFactory(name="Wagner Group")
    client.force_login(admin_user)

    response = client.post(
        admin_url(ActorSet, "add"), {"name": "FAMa + Wagner", "description": "", "members": [fama.pk, wagner.pk]}
    )

    assert response.status_code == 302
    actor_set = ActorSet.objects.get(name="FAMa + Wagner")
    assert set(actor_set.members.all()) == {fama, wagner}
    assert client.get(admin_url(ActorSet, "changelist")).status_code == 200
    assert client.get(admin_url(ActorSet, "change", actor_set.pk)).status_code == 200


# Sources and documents save through sources.services, claims through events.services


def _action(obj) -> str:
    return Events.objects.tracks(obj).order_by("-pgh_id").first().pgh_context["action"]


def test_an_editor_changing_an_accepted_quote_in_the_admin_reviews_it_anew(client, editor, submitted):
    claim = submitted.claims.get()
    claim_review(claim=claim, by=UserFactory(username="first-editor", role="editor"), status=ReviewStatus.ACCEPTED)
    client.force_login(editor)
    url = admin_url(Claim, "change", claim.pk)
    data = admin_form_data(client.get(url))
    data["quote"] = "At least 500 civilians were executed."
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    claim.refresh_from_db()
    assert (claim.quote, claim.review_status, claim.reviewed_by) == (data["quote"], ReviewStatus.ACCEPTED, editor)
    assert _action(claim) == "claim.update"


def test_a_claim_cannot_be_moved_to_another_incident_in_the_admin(client, editor, incident):
    claim = incident.claims.get()
    published = IncidentFactory(status=IncidentStatus.PUBLISHED, published_at=datetime.datetime.now(datetime.UTC))
    client.force_login(editor)
    url = admin_url(Claim, "change", claim.pk)
    page = client.get(url)
    assert "incident" not in page.context["adminform"].form.fields
    data = admin_form_data(page)
    data.update(incident=published.pk, quote="Moved.")
    assert client.post(url, data).status_code == 302
    claim.refresh_from_db()
    assert (claim.incident, claim.quote) == (incident, "Moved.")


def test_a_claim_added_in_the_admin_is_pending_and_recorded_by_the_service(client, editor, incident):
    document = ClaimFactory().document
    actor = ActorFactory()
    client.force_login(editor)
    data = admin_form_data(client.get(admin_url(Claim, "add")))
    data.update(document=document.pk, incident=incident.pk, quote="Soldiers shot the men.")
    data.update({"actor_links-TOTAL_FORMS": "1", "actor_links-0-actor": actor.pk})
    response = client.post(admin_url(Claim, "add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    claim = Claim.objects.get(quote="Soldiers shot the men.")
    assert (claim.review_status, list(claim.attributed_actors.all())) == (ReviewStatus.PENDING, [actor])
    assert _action(claim) == "claim.create"


def test_documents_and_sources_save_in_the_admin_through_the_services(client, editor):
    client.force_login(editor)
    data = admin_form_data(client.get(admin_url(Source, "add")))
    data.update(name="Human Rights Watch", kind="human_rights_ngo", reliability="B")
    assert client.post(admin_url(Source, "add"), data).status_code == 302
    source = Source.objects.get(name="Human Rights Watch")
    data = admin_form_data(client.get(admin_url(Document, "add")))
    data.update(source=source.pk, title="Mali: Massacre", snapshot_text="What the page said.")
    assert client.post(admin_url(Document, "add"), data).status_code == 302
    document = Document.objects.get(title="Mali: Massacre")
    assert (_action(source), _action(document)) == ("source.create", "document.create")

    url = admin_url(Document, "change", document.pk)
    data = admin_form_data(client.get(url))
    data.update(title="Mali: Massacre by Army", snapshot_text="Rewritten.", source=ClaimFactory().document.source_id)
    assert client.post(url, data).status_code == 302
    document.refresh_from_db()
    # The description is corrected; the source and the archived snapshot stay as recorded.
    assert (document.title, document.source, document.snapshot_text) == (
        "Mali: Massacre by Army",
        source,
        "What the page said.",
    )
    assert _action(document) == "document.update"


def test_a_document_refused_by_the_service_keeps_the_form(client, editor):
    taken = ClaimFactory().document
    document = Document.objects.create(source=taken.source, title="Another page")
    client.force_login(editor)
    url = admin_url(Document, "change", document.pk)
    data = admin_form_data(client.get(url))
    data["url"] = taken.url
    response = client.post(url, data)
    assert response.status_code == 200
    assert "This source already has a document at this URL: cite that one." in str(
        response.context["adminform"].form.errors
    )
    document.refresh_from_db()
    assert document.url == ""


@pytest.mark.parametrize("model", [Source, Document, Claim, Incident])
def test_nothing_is_deleted_in_the_admin_not_even_by_an_admin(client, admin_user, incident, model):
    obj = model.objects.first()
    client.force_login(admin_user)
    assert client.post(admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()
