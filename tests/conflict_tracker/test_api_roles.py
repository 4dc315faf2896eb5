"""Every role against every endpoint and method of the API: the status each gets, and that no draft and no
victim identity reaches the public through any of them."""

import datetime
from collections.abc import Callable
from typing import NamedTuple

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from conflict_tracker.choices import ImportKind
from events.choices import IncidentStatus, ParticipantRole
from events.models import CasualtyRecord, IncidentParticipant, NamedVictim
from imports.models import ActorCrosswalk, ImportJob
from imports.services.actor_merge import actor_merge
from reconciliation.services import match_decide
from sources.choices import ReviewStatus
from tests.factories import (
    ActorFactory,
    ClaimFactory,
    DocumentFactory,
    IncidentFactory,
    ReviewedClaimFactory,
    UserFactory,
)

ROLES = ("anonymous", "researcher", "analyst", "editor", "admin_user")
DRAFT_TITLE = "Unverified killings at Boni"
DRAFT_QUOTE = "A herder said the soldiers took eleven men."
VICTIM = "Boubacar Diallo"
COMMUNITY = "Fulani of Boni"


def _with_victim(incident):
    actor = ActorFactory()
    perpetrator = IncidentParticipant.objects.create(incident=incident, actor=actor, role=ParticipantRole.PERPETRATOR)
    record = CasualtyRecord.objects.create(
        incident=incident,
        harm="killed",
        victim_status="civilian",
        count_low=1,
        count_best=1,
        count_high=2,
        note=f"{VICTIM}'s brother identified him.",
    )
    record.perpetrator_links.create(incident=incident, participant=perpetrator)
    NamedVictim.objects.create(casualty_record=record, name=VICTIM, age=52, community=COMMUNITY)
    return incident


@pytest.fixture
def world(db):
    """One incident in each state, each with a claim; the published one and a draft name a victim."""
    published = _with_victim(
        IncidentFactory(status=IncidentStatus.PUBLISHED, published_at=timezone.now(), title="Killings at Moura")
    )
    draft = _with_victim(IncidentFactory(title=DRAFT_TITLE, notes="Seen by one witness only."))
    submitted = IncidentFactory(status=IncidentStatus.SUBMITTED, submitted_at=timezone.now())
    returned = IncidentFactory(status=IncidentStatus.RETURNED, return_comment="Add a second source.")
    for incident in (submitted, returned):
        ClaimFactory(incident=incident)
    ReviewedClaimFactory(incident=published)  # the public sees a claim once an editor reviewed it
    ClaimFactory(incident=draft, quote=DRAFT_QUOTE, document=DocumentFactory(title="Witness statement, Boni"))
    ClaimFactory(
        incident=submitted, review_status=ReviewStatus.ACCEPTED, reviewed_by=UserFactory(), reviewed_at=timezone.now()
    )
    return {
        "published": published,
        "draft": draft,
        "submitted": submitted,
        "returned": returned,
        "actor": ActorFactory(),
        "document": published.claims.get().document,
        "claim": published.claims.get(),
        "draft_claim": draft.claims.get(),
        "draft_document": draft.claims.get().document,
    }


def _incident(world, state):
    return f"/api/v1/incidents/{world[state].code}/"


def _new_incident(world):
    return {
        "title": "New report",
        "start_date": "2025-01-05",
        "end_date": "2025-01-05",
        "country": "MLI",
        "event_type": "Battles",
        "sub_event_type": "Armed clash",
    }


def _claim_on(state):
    def body(world):
        return {"document": world["document"].pk, "incident_code": world[state].code, "quote": "They said so."}

    return body


def _version(state):
    def body(world):
        return {"version": world[state].version}

    return body


PUBLIC_NO = {"anonymous": 401, "researcher": 403}
NOT_OFFERED = {**PUBLIC_NO, "analyst": 405, "editor": 405, "admin_user": 405}
EVERYONE = dict.fromkeys(ROLES, 200)
STAFF_ONLY_READ = {"anonymous": 404, "researcher": 404, "analyst": 200, "editor": 200, "admin_user": 200}
STAFF_WRITE = {**PUBLIC_NO, "analyst": 201, "editor": 201, "admin_user": 201}
EDITOR_STEP = {**PUBLIC_NO, "analyst": 403, "editor": 200, "admin_user": 200}
ANALYST_STEP = {**PUBLIC_NO, "analyst": 200, "editor": 200, "admin_user": 200}

INCIDENTS = "/api/v1/incidents/"
INCIDENT = "/api/v1/incidents/{code}/"
IMPORTS = "/api/v1/imports/"
IMPORT = "/api/v1/imports/{id}/"
EDITORS_ONLY = {**PUBLIC_NO, "analyst": 403, "editor": 200, "admin_user": 200}


def _import_job(world) -> int:
    """An import job (the world has none until an import case asks for one)."""
    if "import_job" not in world:
        world["import_job"] = ImportJob.objects.create(
            kind=ImportKind.ACLED, file_name="acled.csv", user=UserFactory(role="editor")
        )
    return world["import_job"].pk


MERGES = "/api/v1/actor-merges/"
MERGE = "/api/v1/actor-merges/{id}/"


MATCHES = "/api/v1/matches/"
DECISIONS = "/api/v1/match-decisions/"
DECISION = "/api/v1/match-decisions/{id}/"
STAFF_READ = {**PUBLIC_NO, "analyst": 200, "editor": 200, "admin_user": 200}


def _twin(world):
    """A second published incident, the published one's twin."""
    if "twin" not in world:
        world["twin"] = IncidentFactory(status=IncidentStatus.PUBLISHED, published_at=timezone.now())
    return world["twin"]


def _match_decision(world) -> int:
    """An editor's decision that the published incident and its twin are one event."""
    if "match_decision" not in world:
        world["match_decision"] = match_decide(
            incident=world["published"], other=_twin(world), verdict="same", by=UserFactory(role="editor")
        )
    return world["match_decision"].pk


def _actor_merge(world) -> int:
    """A merge of an actor an import flagged (the world has none until a case asks for one)."""
    if "actor_merge" not in world:
        flagged, editor = ActorFactory(needs_review=True), UserFactory(role="editor")
        world["actor_merge"] = actor_merge(actor=flagged.pk, into=ActorFactory().pk, by=editor)
    return world["actor_merge"].pk


CROSSWALK = "/api/v1/actor-crosswalk/"
CROSSWALK_ENTRY = "/api/v1/actor-crosswalk/{id}/"


def _crosswalk_entry(world) -> int:
    """A UCDP name an import could tie to no vetted actor (the world has none until a case asks for one)."""
    if "crosswalk_entry" not in world:
        world["crosswalk_entry"] = ActorCrosswalk.objects.create(dataset=ImportKind.UCDP, name="JNIM")
    return world["crosswalk_entry"].pk


class Case(NamedTuple):
    name: str
    method: str
    path: str  # the operation's path as the schema lists it
    url: Callable[[dict], str]
    body: Callable[[dict], dict] | None
    expected: dict[str, int]


def _step(state: str, name: str) -> Callable[[dict], str]:
    return lambda w: f"{INCIDENTS}{w[state].code}/{name}/"


CASES = [
    Case("api root", "get", "/api/v1/", lambda w: "/api/v1/", None, EVERYONE),
    Case("schema", "get", "/api/v1/schema/", lambda w: "/api/v1/schema/", None, EVERYONE),
    Case("docs", "get", "/api/v1/docs/", lambda w: "/api/v1/docs/", None, EVERYONE),
    Case(
        "changes",
        "get",
        "/api/v1/changes/",
        lambda w: "/api/v1/changes/?updated_since=2000-01-01T00:00:00Z",
        None,
        EVERYONE,
    ),
    Case("incident list", "get", INCIDENTS, lambda w: INCIDENTS, None, EVERYONE),
    Case("incident csv", "get", INCIDENTS, lambda w: f"{INCIDENTS}?format=csv", None, EVERYONE),
    Case("incident acled", "get", INCIDENTS, lambda w: f"{INCIDENTS}?format=acled", None, EVERYONE),
    Case("incident geojson", "get", INCIDENTS, lambda w: f"{INCIDENTS}?format=geojson", None, EVERYONE),
    Case("published incident", "get", INCIDENT, lambda w: _incident(w, "published"), None, EVERYONE),
    Case("draft incident", "get", INCIDENT, lambda w: _incident(w, "draft"), None, STAFF_ONLY_READ),
    Case("submitted incident", "get", INCIDENT, lambda w: _incident(w, "submitted"), None, STAFF_ONLY_READ),
    Case("create incident", "post", INCIDENTS, lambda w: INCIDENTS, _new_incident, STAFF_WRITE),
    Case(
        "edit draft",
        "patch",
        INCIDENT,
        lambda w: _incident(w, "draft"),
        lambda w: {"version": w["draft"].version, "title": "Edited"},
        {**PUBLIC_NO, "analyst": 200, "editor": 200, "admin_user": 200},
    ),
    Case(
        "edit published",
        "patch",
        INCIDENT,
        lambda w: _incident(w, "published"),
        lambda w: {"version": w["published"].version, "notes": "More detail."},
        EDITOR_STEP,
    ),
    Case("replace incident", "put", INCIDENT, lambda w: _incident(w, "draft"), _new_incident, NOT_OFFERED),
    Case("delete incident", "delete", INCIDENT, lambda w: _incident(w, "draft"), None, NOT_OFFERED),
    Case("submit", "post", INCIDENT + "submit/", _step("draft", "submit"), _version("draft"), ANALYST_STEP),
    Case(
        "publish",
        "post",
        INCIDENT + "publish/",
        _step("submitted", "publish"),
        _version("submitted"),
        EDITOR_STEP,
    ),
    Case(
        "return",
        "post",
        INCIDENT + "return/",
        _step("submitted", "return"),
        lambda w: {"version": w["submitted"].version, "comment": "Check the date."},
        EDITOR_STEP,
    ),
    Case("reopen", "post", INCIDENT + "reopen/", _step("returned", "reopen"), _version("returned"), ANALYST_STEP),
    Case(
        "retract",
        "post",
        INCIDENT + "retract/",
        _step("published", "retract"),
        lambda w: {"version": w["published"].version, "reason": "Duplicate."},
        EDITOR_STEP,
    ),
    Case(
        "revert",
        "post",
        INCIDENT + "revert/",
        _step("submitted", "revert"),
        lambda w: {"version": w["submitted"].version, "to_version": 1},
        EDITOR_STEP,
    ),
    Case(
        "revisions",
        "get",
        INCIDENT + "revisions/",
        _step("published", "revisions"),
        None,
        {**PUBLIC_NO, "analyst": 200, "editor": 200, "admin_user": 200},
    ),
    Case(
        "tallies",
        "get",
        "/api/v1/tallies/",
        lambda w: f"/api/v1/tallies/?actor={w['actor'].pk}",
        None,
        EVERYONE,
    ),
    Case(
        "tally records",
        "get",
        "/api/v1/tallies/records/",
        lambda w: f"/api/v1/tallies/records/?casualties_of={w['actor'].pk}",
        None,
        EVERYONE,
    ),
    Case("actor list", "get", "/api/v1/actors/", lambda w: "/api/v1/actors/", None, EVERYONE),
    Case("actor", "get", "/api/v1/actors/{id}/", lambda w: f"/api/v1/actors/{w['actor'].pk}/", None, EVERYONE),
    Case("create actor", "post", "/api/v1/actors/", lambda w: "/api/v1/actors/", lambda w: {"name": "N"}, NOT_OFFERED),
    Case(
        "edit actor",
        "patch",
        "/api/v1/actors/{id}/",
        lambda w: f"/api/v1/actors/{w['actor'].pk}/",
        lambda w: {"name": "x"},
        NOT_OFFERED,
    ),
    Case("source list", "get", "/api/v1/sources/", lambda w: "/api/v1/sources/", None, EVERYONE),
    Case(
        "source",
        "get",
        "/api/v1/sources/{id}/",
        lambda w: f"/api/v1/sources/{w['document'].source_id}/",
        None,
        EVERYONE,
    ),
    Case(
        "create source",
        "post",
        "/api/v1/sources/",
        lambda w: "/api/v1/sources/",
        lambda w: {"name": "Radio Kledu", "kind": "news_media"},
        STAFF_WRITE,
    ),
    Case(
        "edit source",
        "patch",
        "/api/v1/sources/{id}/",
        lambda w: f"/api/v1/sources/{w['document'].source_id}/",
        lambda w: {"name": "x"},
        NOT_OFFERED,
    ),
    Case("document list", "get", "/api/v1/documents/", lambda w: "/api/v1/documents/", None, EVERYONE),
    Case(
        "document",
        "get",
        "/api/v1/documents/{id}/",
        lambda w: f"/api/v1/documents/{w['document'].pk}/",
        None,
        EVERYONE,
    ),
    Case(
        "draft's document",
        "get",
        "/api/v1/documents/{id}/",
        lambda w: f"/api/v1/documents/{w['draft_document'].pk}/",
        None,
        STAFF_ONLY_READ,
    ),
    Case(
        "create document",
        "post",
        "/api/v1/documents/",
        lambda w: "/api/v1/documents/",
        lambda w: {"source": w["document"].source_id, "title": "Communiqué"},
        STAFF_WRITE,
    ),
    Case(
        "delete document",
        "delete",
        "/api/v1/documents/{id}/",
        lambda w: f"/api/v1/documents/{w['document'].pk}/",
        None,
        NOT_OFFERED,
    ),
    Case("claim list", "get", "/api/v1/claims/", lambda w: "/api/v1/claims/", None, EVERYONE),
    Case("claim", "get", "/api/v1/claims/{id}/", lambda w: f"/api/v1/claims/{w['claim'].pk}/", None, EVERYONE),
    Case(
        "draft's claim",
        "get",
        "/api/v1/claims/{id}/",
        lambda w: f"/api/v1/claims/{w['draft_claim'].pk}/",
        None,
        STAFF_ONLY_READ,
    ),
    Case("claim on a draft", "post", "/api/v1/claims/", lambda w: "/api/v1/claims/", _claim_on("draft"), STAFF_WRITE),
    Case(
        "claim on a published incident",
        "post",
        "/api/v1/claims/",
        lambda w: "/api/v1/claims/",
        _claim_on("published"),
        {**PUBLIC_NO, "analyst": 403, "editor": 201, "admin_user": 201},
    ),
    Case(
        "review",
        "post",
        "/api/v1/claims/{id}/review/",
        lambda w: f"/api/v1/claims/{w['claim'].pk}/review/",
        lambda w: {"status": "accepted"},
        EDITOR_STEP,
    ),
    Case(
        "edit claim",
        "patch",
        "/api/v1/claims/{id}/",
        lambda w: f"/api/v1/claims/{w['claim'].pk}/",
        lambda w: {"quote": "x"},
        NOT_OFFERED,
    ),
    Case(
        "token list",
        "get",
        "/api/v1/auth/tokens/",
        lambda w: "/api/v1/auth/tokens/",
        None,
        {**EVERYONE, "anonymous": 401},
    ),
    Case("import list", "get", IMPORTS, lambda w: IMPORTS, None, EDITORS_ONLY),
    Case("import job", "get", IMPORT, lambda w: f"{IMPORTS}{_import_job(w)}/", None, EDITORS_ONLY),
    # The upload is multipart; sent without a body, an editor reaches validation (400: no file), others do not.
    # tests/imports/test_api.py uploads real files.
    Case("import upload", "post", IMPORTS, lambda w: IMPORTS, None, {**EDITORS_ONLY, "editor": 400, "admin_user": 400}),
    Case("actor merge list", "get", MERGES, lambda w: MERGES, None, EDITORS_ONLY),
    Case("actor merge", "get", MERGE, lambda w: f"{MERGES}{_actor_merge(w)}/", None, EDITORS_ONLY),
    Case(
        "merge actors",
        "post",
        MERGES,
        lambda w: MERGES,
        lambda w: {"actor": ActorFactory(needs_review=True).pk, "into": ActorFactory().pk},
        {**EDITORS_ONLY, "editor": 201, "admin_user": 201},
    ),
    Case(
        "undo actor merge",
        "post",
        f"{MERGE}undo/",
        lambda w: f"{MERGES}{_actor_merge(w)}/undo/",
        None,
        EDITORS_ONLY,
    ),
    Case("actor crosswalk", "get", CROSSWALK, lambda w: CROSSWALK, None, STAFF_READ),
    Case("actor crosswalk csv", "get", f"{CROSSWALK}csv/", lambda w: f"{CROSSWALK}csv/", None, STAFF_READ),
    Case(
        "actor crosswalk entry",
        "get",
        CROSSWALK_ENTRY,
        lambda w: f"{CROSSWALK}{_crosswalk_entry(w)}/",
        None,
        STAFF_READ,
    ),
    Case(
        "add a crosswalk entry",
        "post",
        CROSSWALK,
        lambda w: CROSSWALK,
        lambda w: {"dataset": "acled", "name": "Malian army", "actor": w["actor"].pk},
        {**EDITORS_ONLY, "editor": 201, "admin_user": 201},
    ),
    Case(
        "tie a crosswalk entry",
        "patch",
        CROSSWALK_ENTRY,
        lambda w: f"{CROSSWALK}{_crosswalk_entry(w)}/",
        lambda w: {"actor": w["actor"].pk},
        EDITORS_ONLY,
    ),
    Case("match candidates", "get", MATCHES, lambda w: MATCHES, None, STAFF_READ),
    Case("match decisions", "get", DECISIONS, lambda w: DECISIONS, None, STAFF_READ),
    Case("event crosswalk csv", "get", f"{DECISIONS}crosswalk/", lambda w: f"{DECISIONS}crosswalk/", None, STAFF_READ),
    Case("match decision", "get", DECISION, lambda w: f"{DECISIONS}{_match_decision(w)}/", None, STAFF_READ),
    Case(
        "decide a match",
        "post",
        DECISIONS,
        lambda w: DECISIONS,
        lambda w: {"incident": w["published"].code, "other": _twin(w).code, "verdict": "different"},
        {**EDITORS_ONLY, "editor": 201, "admin_user": 201},
    ),
    Case(
        "undo a match decision",
        "post",
        f"{DECISION}undo/",
        lambda w: f"{DECISIONS}{_match_decision(w)}/undo/",
        None,
        EDITORS_ONLY,
    ),
    Case(
        "delete import job",
        "delete",
        IMPORT,
        lambda w: f"{IMPORTS}{_import_job(w)}/",
        None,
        {**EDITORS_ONLY, "editor": 405, "admin_user": 405},
    ),
]
# Signing in and revoking tokens change the caller's own credentials: tests/conflict_tracker/test_tokens.py
# takes each role through them.
TOKEN_OPERATIONS = {
    ("post", "/api/v1/auth/token/"),
    ("delete", "/api/v1/auth/token/"),
    ("delete", "/api/v1/auth/tokens/"),
    ("delete", "/api/v1/auth/tokens/{token_key}/"),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_role_gets_what_its_role_allows(client_as, world, role, case):
    client = client_as(role)

    response = getattr(client, case.method)(case.url(world), case.body(world) if case.body else None, format="json")

    assert response.status_code == case.expected[role], response.content[:500]


PUBLIC_READS = [case for case in CASES if case.method == "get" and case.expected["researcher"] == 200]


@pytest.mark.parametrize("role", ["anonymous", "researcher"])
def test_no_public_read_carries_a_draft_or_a_victim_identity(client_as, world, role):
    client = client_as(role)
    secrets = [DRAFT_TITLE, DRAFT_QUOTE, "Witness statement, Boni", world["draft"].code, VICTIM, COMMUNITY]

    for case in PUBLIC_READS:
        response = client.get(case.url(world))
        text = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
        leaked = [secret for secret in secrets if secret in text]
        assert not leaked, f"{case.name} shows {leaked}"


def test_every_operation_of_the_api_is_in_the_matrix(db):
    """A new endpoint or method must join the matrix: each operation the schema lists has a case."""
    schema = APIClient().get(reverse("api:schema"), {"format": "json"}).json()
    listed = {(method, path) for path, operations in schema["paths"].items() for method in operations}

    covered = {(case.method, case.path) for case in CASES} | TOKEN_OPERATIONS

    assert listed - covered == set()


@pytest.mark.parametrize("role", ["analyst", "editor"])
def test_staff_see_the_victims_they_work_on(client_as, world, role):
    body = client_as(role).get(_incident(world, "draft")).json()

    assert body["casualty_records"][0]["named_victims"][0]["name"] == VICTIM
    assert datetime.date.fromisoformat(body["start_date"]) == world["draft"].start_date
