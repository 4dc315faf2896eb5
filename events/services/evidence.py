"""An incident saved together with the evidence entered alongside it: sources, documents and claims, in one
transaction."""

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from actors.models import Actor
from sources.models import Claim
from sources.services import document_create, source_create

from ..models import Incident
from .claims import claim_create
from .incidents import incident_create, incident_update
from .parts import IncidentParts, _part


@dataclass
class EvidenceData:
    """A source claim entered together with the incident: an existing source or a new one (`source_fields`), a new
    document of it and the claim it makes. Casualty and property records may cite it in their `claims` before it
    exists; incident_save_with_evidence() puts the claim it creates in its place."""

    document_fields: dict[str, Any]
    claim_fields: dict[str, Any]
    source: Any = None
    source_fields: dict[str, Any] = field(default_factory=dict)
    actors: list[Actor] = field(default_factory=list)


def incident_save_with_evidence(
    *,
    by: User,
    incident: Incident | None,
    expected_version: int | None,
    fields: dict[str, Any],
    parts: IncidentParts,
    evidence: list[EvidenceData],
) -> Incident:
    """Create (incident None) or update an incident, its parts and the sources, documents and claims entered with
    it, all or nothing: the form's one save. Refusals name their place (`evidence[0].document.url`,
    `casualty_records[1].count_high`) so each lands next to its field; an EditConflict undoes the new evidence too.
    """
    with transaction.atomic():
        if incident is None and not evidence:
            return incident_create(by=by, fields=fields, parts=parts)
        if incident is None:
            # Claims name their incident, so it exists first; its parts follow once the claims they cite do.
            incident = incident_create(by=by, fields=fields)
            expected_version, fields = incident.version, {}
        created: dict[int, Claim] = {}
        for index, item in enumerate(evidence):
            where = f"evidence[{index}]"
            source = item.source
            if source is None:
                with _part(f"{where}.source"):
                    source = source_create(by=by, fields=item.source_fields)
            with _part(f"{where}.document"):
                document = document_create(by=by, fields={**item.document_fields, "source": source})
            with _part(f"{where}.claim"):
                created[id(item)] = claim_create(
                    by=by, document=document, incident=incident, fields=item.claim_fields, actors=item.actors
                )
        for record in [*parts.casualty_records, *parts.property_harms]:
            record.claims = [created.get(id(claim), claim) for claim in record.claims]
        return incident_update(incident=incident, by=by, expected_version=expected_version, fields=fields, parts=parts)
