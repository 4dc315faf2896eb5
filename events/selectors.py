"""Reads about incidents that follow rules: an incident's parts as the services take them, now or as they stood
at an earlier version."""

from collections import defaultdict
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils.translation import gettext as _
from pghistory.models import Events

from actors.models import Actor
from actors.selectors import actor_lineage_ids
from conflict_tracker.geo import box_around, distance_km
from sources.models import Claim

from .models import (
    CasualtyClaim,
    CasualtyPerpetrator,
    CasualtyRecord,
    Incident,
    IncidentParticipant,
    NamedVictim,
    PropertyHarm,
    PropertyHarmClaim,
    dates_period,
    incident_period,
)
from .services import (
    CASUALTY_COLUMNS,
    EDITABLE_FIELDS,
    PARTICIPANT_COLUMNS,
    PROPERTY_HARM_COLUMNS,
    VICTIM_COLUMNS,
    CasualtyData,
    IncidentParts,
    ParticipantData,
    PropertyHarmData,
    VictimData,
)

# A participant's actor is looked up in bulk, not read row by row through the snapshot's foreign key.
PARTICIPANT_OWN_COLUMNS = tuple(name for name in PARTICIPANT_COLUMNS if name != "actor")


def _values(row, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}


def incident_parts(incident: Incident) -> IncidentParts:
    """The incident's current parts, each with its id and in id order, as incident_update() takes them: a caller
    changes some and sends the whole back, and the rows it left alone stay as they are."""
    # Read from the tables, not the incident's related managers, which may hold a caller's prefetched rows.
    participants = IncidentParticipant.objects.filter(incident=incident).select_related("actor").order_by("pk")
    records = (
        CasualtyRecord.objects.filter(incident=incident)
        .order_by("pk")
        .prefetch_related(
            Prefetch(
                "perpetrator_links", CasualtyPerpetrator.objects.select_related("participant__actor").order_by("pk")
            ),
            Prefetch("claim_links", CasualtyClaim.objects.select_related("claim").order_by("pk")),
            Prefetch("named_victims", NamedVictim.objects.order_by("pk")),
        )
    )
    harms = (
        PropertyHarm.objects.filter(incident=incident)
        .order_by("pk")
        .prefetch_related(Prefetch("claim_links", PropertyHarmClaim.objects.select_related("claim").order_by("pk")))
    )
    return IncidentParts(
        participants=[
            ParticipantData(**_values(participant, PARTICIPANT_COLUMNS), id=participant.pk)
            for participant in participants
        ],
        casualty_records=[
            CasualtyData(
                **_values(record, CASUALTY_COLUMNS),
                id=record.pk,
                perpetrators=[link.participant.actor for link in record.perpetrator_links.all()],
                claims=[link.claim for link in record.claim_links.all()],
                named_victims=[
                    VictimData(**_values(victim, VICTIM_COLUMNS), id=victim.pk) for victim in record.named_victims.all()
                ],
            )
            for record in records
        ],
        property_harms=[
            PropertyHarmData(
                **_values(harm, PROPERTY_HARM_COLUMNS),
                id=harm.pk,
                claims=[link.claim for link in harm.claim_links.all()],
            )
            for harm in harms
        ],
    )


def _event_model(name: str):
    return apps.get_model("events", f"{name}Event")


def _rows_at(event_model: str, contexts, **scope) -> list:
    """Each tracked row's last snapshot written by one of `contexts`, less the rows those contexts deleted."""
    latest = (
        _event_model(event_model)
        .objects.filter(pgh_context_id__in=contexts, **scope)
        .order_by("pgh_obj_id", "-pgh_id")
        .distinct("pgh_obj_id")
    )
    return [event for event in latest if event.pgh_label != "delete"]


def incident_state_at(incident: Incident, version: int) -> tuple[dict[str, Any], IncidentParts]:
    """The incident's editable fields and its parts as they stood once `version` was saved.

    Every write to an incident or its parts raises its version inside one pghistory context (see services), so
    the contexts of the incident's events up to `version` are exactly the writes that made that state. Rows
    that still exist keep their ids, so reverting updates them in place; rows deleted since come back as new.
    """
    incident_events = _event_model("Incident").objects.filter(pgh_obj_id=incident.pk)
    snapshot = incident_events.filter(version=version).order_by("-pgh_id").first()
    if snapshot is None:
        raise ValidationError(_("%(code)s has no version %(version)s.") % {"code": incident.code, "version": version})
    contexts = incident_events.filter(version__lte=version).exclude(pgh_context_id=None).values("pgh_context_id")

    participants = _rows_at("IncidentParticipant", contexts, incident_id=incident.pk)
    records = _rows_at("CasualtyRecord", contexts, incident_id=incident.pk)
    record_ids = [record.pgh_obj_id for record in records]
    perpetrator_links = _rows_at("CasualtyPerpetrator", contexts, incident_id=incident.pk)
    record_claims = _rows_at("CasualtyClaim", contexts, casualty_record_id__in=record_ids)
    victims = _rows_at("NamedVictim", contexts, casualty_record_id__in=record_ids)
    harms = _rows_at("PropertyHarm", contexts, incident_id=incident.pk)
    harm_claims = _rows_at("PropertyHarmClaim", contexts, property_harm_id__in=[h.pgh_obj_id for h in harms])

    actors = Actor.objects.in_bulk({p.actor_id for p in participants})
    claims = Claim.objects.in_bulk({link.claim_id for link in [*record_claims, *harm_claims]})
    actor_of_participant = {p.pgh_obj_id: actors[p.actor_id] for p in participants}
    existing = {
        model: set(model.objects.filter(pk__in=[row.pgh_obj_id for row in rows]).values_list("pk", flat=True))
        for model, rows in (
            (IncidentParticipant, participants),
            (CasualtyRecord, records),
            (NamedVictim, victims),
            (PropertyHarm, harms),
        )
    }

    def columns(row, names, model) -> dict[str, Any]:
        values = {name: getattr(row, name) for name in names}
        values["id"] = row.pgh_obj_id if row.pgh_obj_id in existing[model] else None
        return values

    by_record = defaultdict(lambda: {"perpetrators": [], "claims": [], "named_victims": []})
    for link in perpetrator_links:
        by_record[link.casualty_record_id]["perpetrators"].append(actor_of_participant[link.participant_id])
    for link in record_claims:
        by_record[link.casualty_record_id]["claims"].append(claims[link.claim_id])
    for victim in victims:
        by_record[victim.casualty_record_id]["named_victims"].append(
            VictimData(**columns(victim, VICTIM_COLUMNS, NamedVictim))
        )
    claims_by_harm = defaultdict(list)
    for link in harm_claims:
        claims_by_harm[link.property_harm_id].append(claims[link.claim_id])

    parts = IncidentParts(
        participants=[
            ParticipantData(actor=actors[p.actor_id], **columns(p, PARTICIPANT_OWN_COLUMNS, IncidentParticipant))
            for p in participants
        ],
        casualty_records=[
            CasualtyData(**columns(record, CASUALTY_COLUMNS, CasualtyRecord), **by_record[record.pgh_obj_id])
            for record in records
        ],
        property_harms=[
            PropertyHarmData(
                **columns(harm, PROPERTY_HARM_COLUMNS, PropertyHarm), claims=claims_by_harm[harm.pgh_obj_id]
            )
            for harm in harms
        ],
    )
    return {name: getattr(snapshot, name) for name in EDITABLE_FIELDS}, parts


_NOT_DIFFED = {"search_vector", "updated_at"}


def _diff(before: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    before = before or {}
    return {
        name: {"from": before.get(name), "to": value}
        for name, value in after.items()
        if not name.startswith("pgh_") and name not in _NOT_DIFFED and before.get(name) != value
    }


def incident_revisions(incident: Incident) -> list[dict[str, Any]]:
    """The incident's revisions, newest first: one per history context (one service call), with who made it, what
    it was (`incident.update`, `claim.review` ...), the comment, reason or reverted version it carried, the
    incident's version after it (None if it left the incident row alone, as a claim review does) and what changed
    in the incident, its parts and its claims, each row compared with its previous snapshot. Two queries, however
    long the history."""
    events = Events.objects.references(incident).order_by("pgh_created_at", "pgh_id")
    incident_label = Incident._meta.label
    revisions: dict[Any, dict[str, Any]] = {}
    last_seen: dict[tuple[str, str], dict[str, Any]] = {}
    for event in events:
        context = event.pgh_context or {}
        revision = revisions.setdefault(
            event.pgh_context_id or event.pgh_slug,
            {
                "version": None,
                "at": event.pgh_created_at,
                "user": context.get("user"),
                "action": context.get("action", ""),
                "comment": context.get("comment") or context.get("reason") or "",
                "reverted_to": context.get("reverted_to"),
                "changes": {},
            },
        )
        tracked = apps.get_model(event.pgh_model).pgh_tracked_model
        if tracked._meta.label == incident_label:
            revision["version"] = event.pgh_data.get("version")
        key = (tracked._meta.label, event.pgh_obj_id)
        fields = {} if event.pgh_label == "delete" else _diff(last_seen.get(key), event.pgh_data)
        last_seen[key] = event.pgh_data
        if fields or event.pgh_label == "delete":
            # A row written twice in one revision (saved, then its totals recounted) is one change.
            change = revision["changes"].setdefault(
                key,
                {"record": tracked._meta.model_name, "id": event.pgh_obj_id, "event": event.pgh_label, "fields": {}},
            )
            if change["event"] != "insert":
                change["event"] = event.pgh_label
            for name, values in fields.items():
                change["fields"][name] = {"from": change["fields"].get(name, values)["from"], "to": values["to"]}
    users = get_user_model().objects.in_bulk({r["user"] for r in revisions.values() if r["user"]})
    for revision in revisions.values():
        user = users.get(revision["user"])
        revision["user"] = user.get_username() if user else None
        revision["changes"] = list(revision["changes"].values())
    return list(reversed(revisions.values()))


SIMILAR_DAYS = 3
SIMILAR_KM = 25
SIMILAR_LIMIT = 10


def similar_incidents(incident: Incident, user, *, days: int = SIMILAR_DAYS, km: float = SIMILAR_KM) -> list[Incident]:
    """Incidents the user may see that could be this one recorded twice: dates within `days` of each other, places
    within `km` (or, without coordinates on both, the same admin2 or place name) and at least one actor in common,
    an actor's predecessors, successors and units counting as the same actor (Wagner Group and Africa Corps).

    Dates are compared as the date filters compare them (`incident_period`): an incident known only to the week,
    month or year may have happened on any day of it. Each incident found carries its `distance_km` (None without
    coordinates on both). Shown before submitting, so an analyst does not send the editors a duplicate. Three
    queries: the incident's actors, their lineage, the candidates."""
    same_area = Q()
    if incident.admin2:
        same_area |= Q(country=incident.country, admin2__iexact=incident.admin2)
    if incident.location_name:
        same_area |= Q(country=incident.country, location_name__iexact=incident.location_name)
    point = None
    if incident.latitude is not None and incident.longitude is not None:
        point = float(incident.latitude), float(incident.longitude)
        near = box_around(*point, km) & Q(distance_km__lte=km)
        place = near | (Q(latitude__isnull=True) & same_area) if same_area else near
    elif same_area:
        place = same_area
    else:
        return []  # nowhere to compare with
    actor_ids = set(IncidentParticipant.objects.filter(incident=incident).values_list("actor_id", flat=True))
    if not actor_ids:
        return []
    lineage = actor_lineage_ids(actor_ids)
    window = dates_period(incident.start_date, incident.end_date, incident.date_precision, margin_days=days)
    candidates = (
        Incident.objects.visible_to(user)
        .exclude(pk=incident.pk)
        .alias(period=incident_period())
        .filter(period__overlap=window)
        .filter(Exists(IncidentParticipant.objects.filter(incident=OuterRef("pk"), actor__in=lineage)))
    )
    if point is not None:
        candidates = candidates.annotate(distance_km=distance_km(*point))
    found = list(candidates.filter(place).order_by("start_date", "id")[:SIMILAR_LIMIT])
    if point is None:
        for other in found:
            other.distance_km = None
    return found
