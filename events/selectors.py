"""Reads about incidents that follow rules: an incident as it stood at an earlier version."""

from collections import defaultdict
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from actors.models import Actor
from sources.models import Claim

from .models import CasualtyRecord, Incident, IncidentParticipant, NamedVictim, PropertyHarm
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
