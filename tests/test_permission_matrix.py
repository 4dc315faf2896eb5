"""Who may change what, through every door: one table of expected outcomes, every row tried by every role.

Each row names a model, a door (the admin's add, change and delete pages, an API write, the browser form, a workflow
action) and the state of the record, and lists the roles whose attempt goes through. Every other role's attempt is
refused without a 500, and the record is left as it was. The services decide (incident_editable_by, claim_editable_by
and the workflow's role checks); this table proves each door asks them.
"""

from collections.abc import Callable
from typing import NamedTuple

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from actors.models import Actor
from conflict_tracker.choices import ImportKind
from events.choices import IncidentStatus
from events.models import Incident
from imports.models import ActorCrosswalk
from sources.choices import ReviewStatus
from sources.models import Claim, Document, Source
from tests.factories import (
    ActorFactory,
    ClaimFactory,
    DocumentFactory,
    IncidentFactory,
    ReviewedClaimFactory,
    SourceFactory,
    UserFactory,
)
from tests.helpers.admin import admin_form_data, admin_url
from tests.helpers.forms import FIELDS, evidence, form_data

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "researcher", "analyst", "other_analyst", "editor", "admin")
INCIDENT_STATES = ("draft", "submitted", "published", "returned", "retracted")

NOBODY = frozenset()
EDITORS = frozenset({"editor", "admin"})
AUTHOR = frozenset({"analyst", *EDITORS})  # the analyst who created the incident, and editors
STAFF = frozenset({"analyst", "other_analyst", *EDITORS})
# Who may change an incident, its parts and its evidence, by state (events.services.incident_editable_by).
EDITABLE = {
    "draft": AUTHOR,
    "submitted": EDITORS,
    "published": EDITORS,
    "returned": AUTHOR,
    "retracted": NOBODY,
}
# The admin is for editors and admins only, and refuses what the services refuse.
ADMIN_EDITABLE = {state: who & EDITORS for state, who in EDITABLE.items()}


class Row(NamedTuple):
    model: str
    door: str
    state: str
    allowed: frozenset


TABLE = [
    # Incidents
    Row("incident", "admin add", "new", EDITORS),
    *[Row("incident", "admin change", state, ADMIN_EDITABLE[state]) for state in INCIDENT_STATES],
    Row("incident", "admin delete", "draft", NOBODY),
    Row("incident", "admin delete", "published", NOBODY),
    Row("incident", "api add", "new", STAFF),
    *[Row("incident", "api write", state, EDITABLE[state]) for state in INCIDENT_STATES],
    Row("incident", "form add", "new", STAFF),
    *[Row("incident", "form", state, EDITABLE[state]) for state in INCIDENT_STATES],
    Row("incident", "submit", "draft", AUTHOR),
    Row("incident", "reopen", "returned", AUTHOR),
    Row("incident", "publish", "submitted", EDITORS),
    Row("incident", "return", "submitted", EDITORS),
    Row("incident", "retract", "published", EDITORS),
    Row("incident", "revert", "published", EDITORS),
    # Claims: about an incident in a state, with a review state
    Row("claim", "admin add", "draft", EDITORS),
    Row("claim", "admin add", "published", EDITORS),
    Row("claim", "admin add", "retracted", NOBODY),
    Row("claim", "admin change", "draft/pending", EDITORS),
    Row("claim", "admin change", "published/pending", EDITORS),
    Row("claim", "admin change", "published/accepted", EDITORS),
    Row("claim", "admin change", "retracted/accepted", NOBODY),
    Row("claim", "admin change", "aggregate/accepted", EDITORS),
    Row("claim", "admin delete", "published/accepted", NOBODY),
    *[Row("claim", "api write", state, EDITABLE[state]) for state in INCIDENT_STATES],
    Row("claim", "api write", "aggregate", STAFF),
    Row("claim", "form", "draft", AUTHOR),
    Row("claim", "form", "published", EDITORS),
    Row("claim", "review", "published/pending", EDITORS),
    Row("claim", "review", "aggregate/pending", EDITORS),
    # Documents and sources: analysts add them; editors correct them
    Row("document", "admin add", "new", EDITORS),
    Row("document", "admin change", "cited", EDITORS),
    Row("document", "admin delete", "cited", NOBODY),
    Row("document", "api add", "new", STAFF),
    Row("source", "admin add", "new", EDITORS),
    Row("source", "admin change", "cited", EDITORS),
    Row("source", "admin delete", "cited", NOBODY),
    Row("source", "api add", "new", STAFF),
    # Actors are taxonomy, kept in the admin by editors and admins
    Row("actor", "admin add", "new", EDITORS),
    Row("actor", "admin change", "named", EDITORS),
    # The actor crosswalk: the datasets' names tied to actors, by editors
    Row("actor crosswalk", "api write", "unmatched", EDITORS),
    Row("actor crosswalk", "admin change", "unmatched", EDITORS),
]


class World:
    """The cast, the analyst who is the author of every incident, and one client per door."""

    def __init__(self, request, role: str):
        self.analyst = request.getfixturevalue("analyst")
        users = {
            "anonymous": None,
            "researcher": request.getfixturevalue("researcher"),
            "analyst": self.analyst,
            "other_analyst": UserFactory(username="other-analyst", role="analyst"),
            "editor": request.getfixturevalue("editor"),
            "admin": request.getfixturevalue("admin_user"),
        }
        self.user = users[role]
        self.browser, self.api = Client(), APIClient()
        if self.user is not None:
            self.browser.force_login(self.user)
            self.api.force_authenticate(self.user)
        # The page each admin form starts from, read by an admin whatever the role trying it.
        self.reader = Client()
        self.reader.force_login(users["admin"])

    def admin_post(self, url: str, **changes) -> int:
        data = admin_form_data(self.reader.get(url))
        data.update(changes)
        response = self.browser.post(url, data)
        assert response.status_code < 500
        return response.status_code


def incident_in(state: str, world: World) -> Incident:
    """An incident of the analyst in `state`, with a pending claim and, once submitted, an accepted one."""
    now = timezone.now()
    times = {
        "submitted": {"submitted_at": now},
        "published": {"submitted_at": now, "published_at": now},
        "returned": {"submitted_at": now, "return_comment": "Add a second source."},
        "retracted": {"submitted_at": now, "published_at": now, "retracted_at": now, "retraction_reason": "Twice."},
    }
    incident = IncidentFactory(status=state, created_by=world.analyst, **times.get(state, {}))
    ClaimFactory(incident=incident, quote="A pending quote.")
    if state != "draft":
        ReviewedClaimFactory(incident=incident, quote="An accepted quote.")
    return incident


def claim_in(state: str, world: World) -> Claim:
    where, review = state.split("/")
    incident = None if where == "aggregate" else incident_in(where, world)
    factory = ClaimFactory if review == ReviewStatus.PENDING else ReviewedClaimFactory
    return factory(incident=incident, quote="The original quote.", figure_low=20, figure_best=20)


def _api(response) -> bool:
    assert response.status_code < 500, response.content
    return response.status_code in (200, 201)


def _version(incident: Incident, **extra) -> dict:
    return {"version": incident.version, **extra}


def _title_changed(incident: Incident) -> bool:
    incident.refresh_from_db()
    return incident.title == "Changed"


# -- the doors: each tries one change and says whether it went through ---------------------------------------------


def incident_admin_add(world: World, state: str) -> bool:
    world.admin_post(
        admin_url(Incident, "add"), title="Changed", start_date="2025-01-05", end_date="2025-01-05", country="MLI"
    )
    return Incident.objects.filter(title="Changed").exists()


def incident_admin_change(world: World, state: str) -> bool:
    incident = incident_in(state, world)
    world.admin_post(admin_url(Incident, "change", incident.pk), title="Changed")
    return _title_changed(incident)


def _admin_delete(model, obj) -> Callable[[World], bool]:
    def attempt(world: World) -> bool:
        response = world.browser.post(admin_url(model, "delete", obj.pk), {"post": "yes"})
        assert response.status_code < 500
        return not model.objects.filter(pk=obj.pk).exists()

    return attempt


def incident_admin_delete(world: World, state: str) -> bool:
    return _admin_delete(Incident, incident_in(state, world))(world)


def incident_api_add(world: World, state: str) -> bool:
    body = {"title": "Changed", "start_date": "2025-01-05", "end_date": "2025-01-05", "country": "MLI"}
    return _api(world.api.post("/api/v1/incidents/", body, format="json"))


def incident_api_write(world: World, state: str) -> bool:
    incident = incident_in(state, world)
    _api(world.api.patch(f"/api/v1/incidents/{incident.code}/", _version(incident, title="Changed"), format="json"))
    return _title_changed(incident)


CHANGED_FIELDS = {**FIELDS, "title": "Changed"}


def incident_form_add(world: World, state: str) -> bool:
    response = world.browser.post(reverse("events:incident-new"), form_data(fields=CHANGED_FIELDS))
    assert response.status_code < 500
    return Incident.objects.filter(title="Changed").exists()


def incident_form(world: World, state: str) -> bool:
    incident = incident_in(state, world)
    url = reverse("events:incident-edit", kwargs={"code": incident.code})
    response = world.browser.post(url, form_data(fields=CHANGED_FIELDS, version=incident.version))
    assert response.status_code < 500
    return _title_changed(incident)


def _workflow(step: str, body: Callable[[Incident], dict], to_status: str) -> Callable[[World, str], bool]:
    def attempt(world: World, state: str) -> bool:
        incident = incident_in(state, world)
        _api(world.api.post(f"/api/v1/incidents/{incident.code}/{step}/", body(incident), format="json"))
        incident.refresh_from_db()
        return incident.status == to_status

    return attempt


def incident_revert(world: World, state: str) -> bool:
    incident = incident_in(state, world)
    Incident.objects.filter(pk=incident.pk).update(title="Later title", version=2)
    incident.refresh_from_db()
    body = _version(incident, to_version=1)
    _api(world.api.post(f"/api/v1/incidents/{incident.code}/revert/", body, format="json"))
    incident.refresh_from_db()
    return incident.title != "Later title"


def claim_admin_add(world: World, state: str) -> bool:
    incident = incident_in(state, world)
    document = DocumentFactory()
    world.admin_post(admin_url(Claim, "add"), document=document.pk, incident=incident.pk, quote="Changed")
    return Claim.objects.filter(quote="Changed").exists()


def claim_admin_change(world: World, state: str) -> bool:
    claim = claim_in(state, world)
    world.admin_post(admin_url(Claim, "change", claim.pk), quote="Changed")
    claim.refresh_from_db()
    return claim.quote == "Changed"


def claim_admin_delete(world: World, state: str) -> bool:
    return _admin_delete(Claim, claim_in(state, world))(world)


def claim_api_write(world: World, state: str) -> bool:
    incident = None if state == "aggregate" else incident_in(state, world)
    body = {"document": DocumentFactory().pk, "incident_code": incident and incident.code, "quote": "Changed"}
    _api(world.api.post("/api/v1/claims/", body, format="json"))
    return Claim.objects.filter(quote="Changed").exists()


def claim_form(world: World, state: str) -> bool:
    """New evidence entered with the incident in the browser form."""
    incident = incident_in(state, world)
    row = evidence(source=SourceFactory().pk, source_name="", claim_quote="Changed", claim_actors=[])
    data = form_data(fields={**FIELDS, "title": incident.title}, version=incident.version, evidence=[row])
    response = world.browser.post(reverse("events:incident-edit", kwargs={"code": incident.code}), data)
    assert response.status_code < 500
    return Claim.objects.filter(quote="Changed").exists()


def claim_review(world: World, state: str) -> bool:
    claim = claim_in(state, world)
    _api(world.api.post(f"/api/v1/claims/{claim.pk}/review/", {"status": "accepted"}, format="json"))
    claim.refresh_from_db()
    return claim.review_status == ReviewStatus.ACCEPTED


def _cited_document(world: World) -> Document:
    return claim_in("published/accepted", world).document


def document_admin_add(world: World, state: str) -> bool:
    world.admin_post(admin_url(Document, "add"), source=SourceFactory().pk, title="Changed")
    return Document.objects.filter(title="Changed").exists()


def document_admin_change(world: World, state: str) -> bool:
    document = _cited_document(world)
    world.admin_post(admin_url(Document, "change", document.pk), title="Changed")
    document.refresh_from_db()
    return document.title == "Changed"


def document_admin_delete(world: World, state: str) -> bool:
    return _admin_delete(Document, _cited_document(world))(world)


def document_api_add(world: World, state: str) -> bool:
    body = {"source": SourceFactory().pk, "title": "Changed", "url": "https://example.org/changed"}
    return _api(world.api.post("/api/v1/documents/", body, format="json"))


def source_admin_add(world: World, state: str) -> bool:
    world.admin_post(admin_url(Source, "add"), name="Changed", kind="human_rights_ngo", reliability="B")
    return Source.objects.filter(name="Changed").exists()


def source_admin_change(world: World, state: str) -> bool:
    source = _cited_document(world).source
    world.admin_post(admin_url(Source, "change", source.pk), name="Changed")
    source.refresh_from_db()
    return source.name == "Changed"


def source_admin_delete(world: World, state: str) -> bool:
    return _admin_delete(Source, _cited_document(world).source)(world)


def source_api_add(world: World, state: str) -> bool:
    return _api(world.api.post("/api/v1/sources/", {"name": "Changed", "kind": "human_rights_ngo"}, format="json"))


def actor_admin_add(world: World, state: str) -> bool:
    world.admin_post(admin_url(Actor, "add"), name="Changed", kind="rebel_group")
    return Actor.objects.filter(name="Changed").exists()


def actor_admin_change(world: World, state: str) -> bool:
    actor = ActorFactory()
    world.admin_post(admin_url(Actor, "change", actor.pk), name="Changed")
    actor.refresh_from_db()
    return actor.name == "Changed"


def _crosswalk_tied(door: Callable[[World, ActorCrosswalk, Actor], None]) -> Callable[[World, str], bool]:
    def attempt(world: World, state: str) -> bool:
        entry, actor = ActorCrosswalk.objects.create(dataset=ImportKind.UCDP, name="JNIM"), ActorFactory()
        door(world, entry, actor)
        entry.refresh_from_db()
        return entry.actor == actor

    return attempt


def crosswalk_api_write(world: World, entry: ActorCrosswalk, actor: Actor) -> None:
    _api(world.api.patch(f"/api/v1/actor-crosswalk/{entry.pk}/", {"actor": actor.pk}, format="json"))


def crosswalk_admin_change(world: World, entry: ActorCrosswalk, actor: Actor) -> None:
    world.admin_post(admin_url(ActorCrosswalk, "change", entry.pk), actor=actor.pk)


DOORS: dict[tuple[str, str], Callable[[World, str], bool]] = {
    ("incident", "admin add"): incident_admin_add,
    ("incident", "admin change"): incident_admin_change,
    ("incident", "admin delete"): incident_admin_delete,
    ("incident", "api add"): incident_api_add,
    ("incident", "api write"): incident_api_write,
    ("incident", "form add"): incident_form_add,
    ("incident", "form"): incident_form,
    ("incident", "submit"): _workflow("submit", _version, IncidentStatus.SUBMITTED),
    ("incident", "reopen"): _workflow("reopen", _version, IncidentStatus.DRAFT),
    ("incident", "publish"): _workflow("publish", _version, IncidentStatus.PUBLISHED),
    ("incident", "return"): _workflow(
        "return", lambda incident: _version(incident, comment="Check the date."), IncidentStatus.RETURNED
    ),
    ("incident", "retract"): _workflow(
        "retract", lambda incident: _version(incident, reason="Duplicate."), IncidentStatus.RETRACTED
    ),
    ("incident", "revert"): incident_revert,
    ("claim", "admin add"): claim_admin_add,
    ("claim", "admin change"): claim_admin_change,
    ("claim", "admin delete"): claim_admin_delete,
    ("claim", "api write"): claim_api_write,
    ("claim", "form"): claim_form,
    ("claim", "review"): claim_review,
    ("document", "admin add"): document_admin_add,
    ("document", "admin change"): document_admin_change,
    ("document", "admin delete"): document_admin_delete,
    ("document", "api add"): document_api_add,
    ("source", "admin add"): source_admin_add,
    ("source", "admin change"): source_admin_change,
    ("source", "admin delete"): source_admin_delete,
    ("source", "api add"): source_api_add,
    ("actor", "admin add"): actor_admin_add,
    ("actor", "admin change"): actor_admin_change,
    ("actor crosswalk", "api write"): _crosswalk_tied(crosswalk_api_write),
    ("actor crosswalk", "admin change"): _crosswalk_tied(crosswalk_admin_change),
}


def test_every_row_has_a_door():
    assert {(row.model, row.door) for row in TABLE} == set(DOORS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("row", TABLE, ids=lambda row: f"{row.model} {row.door} {row.state}")
def test_who_may_change_what(request, row: Row, role: str):
    world = World(request, role)
    assert DOORS[row.model, row.door](world, row.state) == (role in row.allowed)
