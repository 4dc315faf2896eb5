"""Writes the demo dataset, in one transaction, through the services and as the demo's users.

Every row is looked up by its natural key first (actor and source by name, alias by actor and normalized name,
relation by its ends and kind, crosswalk entry by dataset, normalized name and id, document by source and URL or else
title, aggregate claim by document and content, incident by title) and only written when missing. An incident that
exists is left alone, workflow included, so a second run changes nothing and writes no revision.
"""

from collections import Counter
from dataclasses import dataclass, field

import pghistory
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.db import models, transaction

from actors.models import Actor, ActorAlias, ActorRelation, normalize_actor_name
from conflict_tracker.roles import Role, has_role
from events.choices import IncidentStatus
from events.models import Incident
from events.services import (
    CASUALTY_COLUMNS,
    PROPERTY_HARM_COLUMNS,
    CasualtyData,
    IncidentParts,
    ParticipantData,
    PropertyHarmData,
    claim_review,
    incident_create,
    incident_publish,
    incident_return,
    incident_submit,
    incident_update,
)
from imports.models import ActorCrosswalk
from imports.services.actor_crosswalk import actor_crosswalk_create
from sources.models import Claim, ClaimActor, Document, Source
from tallies.models import ActorSet

from . import training
from .actors import ACTOR_SETS, ACTORS, CROSSWALK, RELATIONS
from .incidents import INCIDENTS as ARTICLE_INCIDENTS
from .sources import AGGREGATE_CLAIMS
from .sources import DOCUMENTS as ARTICLE_DOCUMENTS
from .sources import SOURCES as ARTICLE_SOURCES
from .specs import ClaimSpec, IncidentSpec

SOURCES = (*ARTICLE_SOURCES, *training.SOURCES)
DOCUMENTS = (*ARTICLE_DOCUMENTS, *training.DOCUMENTS)
INCIDENTS = (*ARTICLE_INCIDENTS, *training.INCIDENTS)

# Usernames and roles of the demo cast; admin is a superuser and needs no group.
DEMO_USERS = {"admin": None, "editor": Role.EDITOR, "analyst": Role.ANALYST, "researcher": Role.RESEARCHER}

# The states the loader can leave an incident in.
WORKFLOW_ENDS = (IncidentStatus.DRAFT, IncidentStatus.SUBMITTED, IncidentStatus.RETURNED, IncidentStatus.PUBLISHED)

SUMMARY_ORDER = (
    "users",
    "actors",
    "actor aliases",
    "actor relations",
    "actor sets",
    "actor crosswalk",
    "sources",
    "documents",
    "claims",
    "incidents",
)


class DemoLoadError(Exception):
    """The demo cannot be loaded as asked; nothing was written."""


@dataclass
class DemoSummary:
    """What a run wrote and what it found already there, per kind of row."""

    created: Counter = field(default_factory=Counter)
    existing: Counter = field(default_factory=Counter)
    demo_users: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"{label}: {self.created[label]} created, {self.existing[label]} already present"
            for label in SUMMARY_ORDER
            if self.created[label] or self.existing[label]
        ]


@dataclass(frozen=True)
class _Cast:
    """Who does what: the admin keeps the taxonomy, the analyst logs, the editor reviews and publishes."""

    admin: User
    analyst: User
    editor: User


def load_demo(*, as_user: User | None = None) -> DemoSummary:
    """Load the Mali demo dataset, authored by the demo users or, if given, by one existing superuser.

    Demo users (whose password is known) are created only while DEBUG is on; without DEBUG an author must be
    given. Raises DemoLoadError, having written nothing, when neither is possible.
    """
    summary = DemoSummary()
    with transaction.atomic():
        cast = _cast(as_user, summary)
        actors = _load_actors(cast.admin, summary)
        _load_crosswalk(cast.editor, actors, summary)
        documents = _load_sources_and_documents(cast, summary)
        _load_aggregate_claims(cast, actors, documents, summary)
        for spec in INCIDENTS:
            _load_incident(spec, cast, actors, documents, summary)
    return summary


def _cast(as_user: User | None, summary: DemoSummary) -> _Cast:
    if as_user is not None:
        if not (as_user.is_active and as_user.is_superuser):
            raise DemoLoadError(f"{as_user.username} is not an active superuser: only a superuser holds every role.")
        return _Cast(admin=as_user, analyst=as_user, editor=as_user)
    if not settings.DEBUG:
        raise DemoLoadError(
            "Demo users have a known password and are only created while DEBUG is on. "
            "To load the demo data here, name an existing superuser to author it: load_demo --as-user USERNAME."
        )
    users = {username: _demo_user(username, role, summary) for username, role in DEMO_USERS.items()}
    summary.demo_users = list(DEMO_USERS)
    return _Cast(admin=users["admin"], analyst=users["analyst"], editor=users["editor"])


def _demo_user(username: str, role: Role | None, summary: DemoSummary) -> User:
    """The demo user of that name, created with the demo password if missing; an existing one is not changed."""
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    if user is None:
        if role is None:
            user = user_model.objects.create_superuser(username, password=settings.DEMO_PASSWORD)
        else:
            # Editors work in the admin too (conflict_tracker.admin.AdminSite); analysts work in the app.
            user = user_model.objects.create_user(
                username, password=settings.DEMO_PASSWORD, is_staff=role == Role.EDITOR
            )
            user.groups.add(Group.objects.get(name=role))
        summary.created["users"] += 1
        return user
    if not (user.is_superuser if role is None else has_role(user, role)):
        raise DemoLoadError(
            f"A user named {username} exists without the {role or 'superuser'} role the demo needs: "
            "give it that role, or load the demo with --as-user."
        )
    summary.existing["users"] += 1
    return user


def _find_or_create(
    model: type[models.Model], summary: DemoSummary, lookup: dict, **values
) -> tuple[models.Model, bool]:
    """The row matching `lookup`, else a new validated one with `values` too; and whether it was created."""
    label = str(model._meta.verbose_name_plural)
    found = model.objects.filter(**lookup).first()
    if found is not None:
        summary.existing[label] += 1
        return found, False
    row = model(**lookup, **values)
    row.full_clean()
    row.save()
    summary.created[label] += 1
    return row, True


def _load_actors(admin: User, summary: DemoSummary) -> dict[str, Actor]:
    actors = {}
    with pghistory.context(user=admin.pk, action="demo.load"):
        for spec in ACTORS:
            actor, _ = _find_or_create(
                Actor,
                summary,
                {"name": spec.name},
                acronym=spec.acronym,
                kind=spec.kind,
                country=spec.country,
                active_from=spec.active_from,
                active_until=spec.active_until,
                description=spec.description,
            )
            actors[spec.name] = actor
            for alias in spec.aliases:
                _find_or_create(
                    ActorAlias,
                    summary,
                    {"actor": actor, "normalized_name": normalize_actor_name(alias.name)},
                    name=alias.name,
                    valid_from=alias.valid_from,
                    valid_until=alias.valid_until,
                    note=alias.note,
                )
        for spec in RELATIONS:
            _find_or_create(
                ActorRelation,
                summary,
                {"subject": actors[spec.subject], "kind": spec.kind, "object": actors[spec.object]},
                valid_from=spec.valid_from,
                valid_until=spec.valid_until,
                note=spec.note,
            )
        for name, members in ACTOR_SETS.items():
            actor_set, created = _find_or_create(ActorSet, summary, {"name": name})
            if created:
                actor_set.members.set([actors[member] for member in members])
    return actors


def _load_crosswalk(editor: User, actors: dict[str, Actor], summary: DemoSummary) -> None:
    """The datasets' names of the demo's actors, tied by the editor (the crosswalk is theirs to keep)."""
    label = str(ActorCrosswalk._meta.verbose_name_plural)
    for spec in CROSSWALK:
        key = {
            "dataset": spec.dataset,
            "normalized_name": normalize_actor_name(spec.name),
            "external_id": spec.external_id,
        }
        if ActorCrosswalk.objects.filter(**key).exists():
            summary.existing[label] += 1
            continue
        actor_crosswalk_create(
            by=editor,
            dataset=spec.dataset,
            name=spec.name,
            external_id=spec.external_id,
            actor=actors[spec.actor].pk,
            note=spec.note,
        )
        summary.created[label] += 1


def _load_sources_and_documents(cast: _Cast, summary: DemoSummary) -> dict[str, Document]:
    sources = {}
    with pghistory.context(user=cast.admin.pk, action="demo.load"):
        for spec in SOURCES:
            sources[spec.name], _ = _find_or_create(
                Source,
                summary,
                {"name": spec.name},
                acronym=spec.acronym,
                kind=spec.kind,
                reliability=spec.reliability,
                country=spec.country,
                language=spec.language,
                url=spec.url,
                description=spec.description,
                licence=spec.licence,
                attribution=spec.attribution,
                redistributable=spec.redistributable,
            )
    documents = {}
    with pghistory.context(user=cast.analyst.pk, action="demo.load"):
        for spec in DOCUMENTS:
            values = {
                "title": spec.title,
                "url": spec.url,
                "author": spec.author,
                "published_on": spec.published_on,
                "language": spec.language,
                "excerpt": spec.excerpt,
                "snapshot_text": spec.snapshot_text,
            }
            # A document is known by its URL, or by its title where it has none.
            key_field = "url" if spec.url else "title"
            lookup = {"source": sources[spec.source], key_field: values.pop(key_field)}
            documents[spec.key], _ = _find_or_create(Document, summary, lookup, **values)
    return documents


def _claim(
    spec: ClaimSpec,
    incident: Incident | None,
    actors: dict[str, Actor],
    documents: dict[str, Document],
    summary: DemoSummary,
) -> tuple[Claim, bool]:
    claim, created = _find_or_create(
        Claim, summary, {"document": documents[spec.document], "incident": incident, **spec.model_fields()}
    )
    if created:
        for name in spec.actors:
            ClaimActor.objects.create(claim=claim, actor=actors[name])
    return claim, created


def _load_aggregate_claims(
    cast: _Cast, actors: dict[str, Actor], documents: dict[str, Document], summary: DemoSummary
) -> None:
    created = []
    with pghistory.context(user=cast.analyst.pk, action="claim.create"):
        for spec in AGGREGATE_CLAIMS:
            claim, is_new = _claim(spec, None, actors, documents, summary)
            if is_new:
                created.append((spec, claim))
    # Reviews are the editor's own revisions, so they run outside the analyst's history context.
    for spec, claim in created:
        claim_review(claim=claim, by=cast.editor, status=spec.review, note=spec.review_note)


def _load_incident(
    spec: IncidentSpec,
    cast: _Cast,
    actors: dict[str, Actor],
    documents: dict[str, Document],
    summary: DemoSummary,
) -> None:
    """Log the incident as the analyst, then take it through the workflow to the state the spec asks for.

    Claims need the incident to exist and casualty records cite claims, so the incident is created bare and
    its parts are saved as a second revision. Claims of incidents left in draft or submitted stay pending.
    """
    if spec.status not in WORKFLOW_ENDS:
        raise ValueError(f"The demo cannot leave an incident {spec.status}: {spec.title}")
    existing = Incident.objects.filter(title=spec.title).first()
    if existing is not None:
        summary.existing["incidents"] += 1
        summary.existing["claims"] += existing.claims.count()
        return
    incident = incident_create(by=cast.analyst, fields=spec.fields)
    summary.created["incidents"] += 1
    with pghistory.context(user=cast.analyst.pk, action="claim.create"):
        claims = [
            (claim_spec, _claim(claim_spec, incident, actors, documents, summary)[0]) for claim_spec in spec.claims
        ]
    by_key = {claim_spec.key: claim for claim_spec, claim in claims if claim_spec.key}
    parts = IncidentParts(
        participants=[
            ParticipantData(actor=actors[p.actor], role=p.role, side=p.side, attribution=p.attribution)
            for p in spec.participants
        ],
        casualty_records=[
            CasualtyData(
                **{name: getattr(record, name) for name in CASUALTY_COLUMNS},
                perpetrators=[actors[name] for name in record.perpetrators],
                claims=[by_key[key] for key in record.claims],
                named_victims=list(record.named_victims),
            )
            for record in spec.casualties
        ],
        property_harms=[
            PropertyHarmData(
                **{name: getattr(harm, name) for name in PROPERTY_HARM_COLUMNS},
                claims=[by_key[key] for key in harm.claims],
            )
            for harm in spec.property_harms
        ],
    )
    incident = incident_update(incident=incident, by=cast.analyst, expected_version=incident.version, parts=parts)
    if spec.status == IncidentStatus.DRAFT:
        return
    incident = incident_submit(incident=incident, by=cast.analyst)
    if spec.status == IncidentStatus.SUBMITTED:
        return
    for claim_spec, claim in claims:
        claim_review(claim=claim, by=cast.editor, status=claim_spec.review, note=claim_spec.review_note)
    if spec.status == IncidentStatus.RETURNED:
        incident_return(incident=incident, by=cast.editor, comment=spec.return_comment)
    else:
        incident_publish(incident=incident, by=cast.editor)
