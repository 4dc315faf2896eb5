"""Every write to an incident and its parts: creation, edits with the version check, and the workflow.

Each function runs in one transaction and one pghistory context, so all the rows it changes form one
revision that records who did it and why.
"""

from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from typing import Any

import pghistory
from django.contrib.auth.models import User
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from actors.models import Actor
from conflict_tracker.roles import Role, has_role
from sources.choices import ReviewStatus
from sources.models import Claim
from tallies.services import tally_change_record

from .choices import Harm, IncidentStatus, ParticipantRole
from .models import (
    CasualtyClaim,
    CasualtyPerpetrator,
    CasualtyRecord,
    Incident,
    IncidentParticipant,
    NamedVictim,
    PropertyHarm,
    PropertyHarmClaim,
)

EDITABLE_FIELDS = (
    "title",
    "notes",
    "start_date",
    "end_date",
    "date_precision",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location_name",
    "latitude",
    "longitude",
    "geo_precision",
    "event_type",
    "sub_event_type",
    "violence_type",
    "civilian_targeting",
)


class EditConflict(Exception):
    """Someone changed the incident since the version this write was based on."""

    def __init__(self, incident: Incident, expected_version: int):
        self.incident = incident
        self.expected_version = expected_version
        self.current_version = incident.version
        super().__init__(
            _(
                "%(code)s was changed by someone else (your version %(expected)s, now %(current)s). "
                "Reload it, reapply your changes and save again."
            )
            % {"code": incident.code, "expected": expected_version, "current": incident.version}
        )


class TransitionNotAllowed(Exception):
    """The requested workflow step does not start from the incident's current state."""


@dataclass
class VictimData:
    name: str
    id: int | None = None
    sex: str = "unknown"
    age: int | None = None
    age_band: str = "unknown"
    community: str = ""
    fate: str = ""


@dataclass
class CasualtyData:
    harm: str
    victim_status: str
    count_low: int
    count_best: int
    count_high: int
    children: int | None = None
    women: int | None = None
    elderly: int | None = None
    perpetrators: list[Actor] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    named_victims: list[VictimData] = field(default_factory=list)
    note: str = ""
    id: int | None = None


@dataclass
class ParticipantData:
    actor: Actor
    role: str
    side: str = ""
    attribution: str = "alleged"
    id: int | None = None


@dataclass
class PropertyHarmData:
    kind: str
    harm: str
    count_low: int
    count_best: int
    count_high: int
    claims: list[Claim] = field(default_factory=list)
    note: str = ""
    id: int | None = None


@dataclass
class IncidentParts:
    """The parts of an incident, written together: a part with an `id` updates that row, one without is new,
    and rows left out are deleted."""

    participants: list[ParticipantData] = field(default_factory=list)
    casualty_records: list[CasualtyData] = field(default_factory=list)
    property_harms: list[PropertyHarmData] = field(default_factory=list)


def _own_columns(data_class, *relations: str) -> tuple[str, ...]:
    return tuple(item.name for item in dataclass_fields(data_class) if item.name not in ("id", *relations))


# The columns of each part that its dataclass carries, less the id and the related rows written separately;
# the admin and the revision reader use the same lists.
PARTICIPANT_COLUMNS = _own_columns(ParticipantData)
CASUALTY_COLUMNS = _own_columns(CasualtyData, "perpetrators", "claims", "named_victims")
VICTIM_COLUMNS = _own_columns(VictimData)
PROPERTY_HARM_COLUMNS = _own_columns(PropertyHarmData, "claims")
_PART_COLUMNS = {
    ParticipantData: PARTICIPANT_COLUMNS,
    CasualtyData: CASUALTY_COLUMNS,
    VictimData: VICTIM_COLUMNS,
    PropertyHarmData: PROPERTY_HARM_COLUMNS,
}


def _require_role(user: User, *roles: Role, action: str) -> None:
    if not has_role(user, *roles):
        raise PermissionDenied(_("Your role may not %(action)s.") % {"action": action})


def incident_codes_reserve(keys: list[tuple[str, int]]) -> list[str]:
    """A new incident code for each (country, year) of `keys`, in order: the numbers of each country and year are
    taken in one atomic upsert, so concurrent creators (an analyst, an import) never get the same one."""
    wanted: dict[tuple[str, int], int] = defaultdict(int)
    for key in keys:
        wanted[key] += 1
    next_number: dict[tuple[str, int], int] = {}
    with connection.cursor() as cursor:
        for (country, year), count in sorted(wanted.items()):  # one lock order for every caller
            cursor.execute(
                """
                INSERT INTO events_incidentcodesequence (country, year, last_number) VALUES (%s, %s, %s)
                ON CONFLICT (country, year)
                DO UPDATE SET last_number = events_incidentcodesequence.last_number + EXCLUDED.last_number
                RETURNING last_number
                """,
                [country, year, count],
            )
            (last,) = cursor.fetchone()
            next_number[(country, year)] = last - count + 1
    codes = []
    for country, year in keys:
        codes.append(f"{country}-{year}-{next_number[(country, year)]:04d}")
        next_number[(country, year)] += 1
    return codes


def _columns(data) -> dict[str, Any]:
    """A part's own column values, as its dataclass carries them."""
    return {name: getattr(data, name) for name in _PART_COLUMNS[type(data)]}


def _validated(incident: Incident) -> None:
    incident.full_clean(exclude=["code", "created_by", "search_vector"], validate_unique=False)


@contextmanager
def _part(where: str):
    """Name the part a refusal is about (`casualty_records[1].count_high`), so a form or an API client can put
    the message next to the field it concerns."""
    try:
        yield
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            raise ValidationError(
                {
                    where if name == NON_FIELD_ERRORS else f"{where}.{name}": messages
                    for name, messages in error.message_dict.items()
                }
            ) from None
        raise ValidationError({where: error.messages}) from None


def _kept(queryset, items: Iterable, where: str) -> dict[int, Any]:
    """The existing rows that `items` name by id; an id that is not the incident's own is refused."""
    existing = {row.pk: row for row in queryset}
    for index, item in enumerate(items):
        if item.id is not None and item.id not in existing:
            raise ValidationError(
                {f"{where}[{index}].id": _("%(id)s is not the id of one of this incident's rows.") % {"id": item.id}}
            )
    return existing


def _saved(model, existing: dict[int, Any], data, parent: dict[str, Any]):
    """Update the row `data` names (an unchanged row writes no revision) or create it; validated first."""
    row = existing.get(data.id) or model(**parent)
    for name, value in _columns(data).items():
        setattr(row, name, value)
    row.full_clean(exclude=list(parent))
    row.save()
    return row


def _write_parts(incident: Incident, parts: IncidentParts) -> None:
    """Make the incident's participants, casualty and property records (and their links) what `parts` says.

    Parts that carry the id of an existing row update it in place, so ids stay stable and the revisions show
    what changed; parts without an id are created; rows that `parts` no longer names are deleted.
    """
    participants = _kept(incident.participants.all(), parts.participants, "participants")
    records = _kept(incident.casualty_records.all(), parts.casualty_records, "casualty_records")
    harms = _kept(incident.property_harms.all(), parts.property_harms, "property_harms")

    # Deletions come first, links before the rows they point to, so a perpetrator that becomes a target, or a
    # participant that goes, is unlinked before the database's composite foreign keys would object.
    CasualtyPerpetrator.objects.filter(incident=incident).exclude(
        casualty_record__in=[d.id for d in parts.casualty_records if d.id is not None],
        participant__in=[
            d.id for d in parts.participants if d.id is not None and d.role == ParticipantRole.PERPETRATOR
        ],
    ).delete()
    incident.casualty_records.exclude(pk__in=[d.id for d in parts.casualty_records if d.id]).delete()
    incident.property_harms.exclude(pk__in=[d.id for d in parts.property_harms if d.id]).delete()
    incident.participants.exclude(pk__in=[d.id for d in parts.participants if d.id]).delete()

    seen: set[tuple[int, str]] = set()
    for index, data in enumerate(parts.participants):
        if (data.actor.pk, data.role) in seen:
            raise ValidationError(
                {f"participants[{index}].actor": _("%(actor)s is listed twice in this role.") % {"actor": data.actor}}
            )
        seen.add((data.actor.pk, data.role))

    perpetrators_by_actor: dict[int, IncidentParticipant] = {}
    for index, data in enumerate(parts.participants):
        with _part(f"participants[{index}]"):
            try:
                with transaction.atomic():
                    participant = _saved(IncidentParticipant, participants, data, {"incident": incident})
            except IntegrityError:
                # Two kept rows trading actors would pass through a moment where both hold the same one.
                raise ValidationError(
                    {"actor": _("Another row of this incident still holds this actor in this role: save in two steps.")}
                ) from None
        if participant.role == ParticipantRole.PERPETRATOR:
            perpetrators_by_actor[participant.actor_id] = participant

    for index, data in enumerate(parts.casualty_records):
        with _part(f"casualty_records[{index}]"):
            _write_casualty_record(incident, records, data, perpetrators_by_actor)

    for index, data in enumerate(parts.property_harms):
        with _part(f"property_harms[{index}]"):
            harm = _saved(PropertyHarm, harms, data, {"incident": incident})
            _link_claims(
                incident, PropertyHarmClaim.objects.filter(property_harm=harm), data.claims, property_harm=harm
            )


def _write_casualty_record(
    incident: Incident,
    records: dict[int, CasualtyRecord],
    data: CasualtyData,
    perpetrators_by_actor: dict[int, IncidentParticipant],
) -> None:
    if len(data.named_victims) > data.count_high:
        raise ValidationError(
            {
                "named_victims": _("%(names)s named victims cannot belong to a record of at most %(high)s people.")
                % {"names": len(data.named_victims), "high": data.count_high}
            }
        )
    record = _saved(CasualtyRecord, records, data, {"incident": incident})
    wanted = []
    for actor in data.perpetrators:
        participant = perpetrators_by_actor.get(actor.pk)
        if participant is None:
            raise ValidationError(
                {
                    "perpetrators": _(
                        "%(actor)s is not a perpetrator of this incident: add it as one before attributing harm to it."
                    )
                    % {"actor": actor}
                }
            )
        wanted.append(participant.pk)
    links = CasualtyPerpetrator.objects.filter(casualty_record=record)
    links.exclude(participant__in=wanted).delete()
    present = set(links.values_list("participant_id", flat=True))
    CasualtyPerpetrator.objects.bulk_create(
        CasualtyPerpetrator(incident=incident, casualty_record=record, participant_id=participant_id)
        for participant_id in dict.fromkeys(wanted)
        if participant_id not in present
    )
    _link_claims(incident, CasualtyClaim.objects.filter(casualty_record=record), data.claims, casualty_record=record)
    victims = _kept(record.named_victims.all(), data.named_victims, "named_victims")
    record.named_victims.exclude(pk__in=[v.id for v in data.named_victims if v.id]).delete()
    for index, victim in enumerate(data.named_victims):
        with _part(f"named_victims[{index}]"):
            _saved(NamedVictim, victims, victim, {"casualty_record": record})


def _link_claims(incident: Incident, links, claims: Iterable[Claim], **owner) -> None:
    """Make the owner's claim links exactly `claims`, which must be claims about this incident."""
    claims = list(claims)
    for claim in claims:
        if claim.incident_id != incident.pk:
            raise ValidationError(
                {
                    "claims": _(
                        "Claim %(claim)s is about another incident; a record can only rest on this incident's claims."
                    )
                    % {"claim": claim.pk}
                }
            )
    links.exclude(claim__in=claims).delete()
    present = set(links.values_list("claim_id", flat=True))
    links.model.objects.bulk_create(
        links.model(claim=claim, **owner) for claim in dict.fromkeys(claims) if claim.pk not in present
    )


def _recount_fatalities(incident: Incident) -> None:
    totals = CasualtyRecord.objects.filter(incident=incident, harm=Harm.KILLED).aggregate(
        low=Sum("count_low", default=0), best=Sum("count_best", default=0), high=Sum("count_high", default=0)
    )
    Incident.objects.filter(pk=incident.pk).update(
        fatalities_low=totals["low"], fatalities_best=totals["best"], fatalities_high=totals["high"]
    )
    incident.fatalities_low, incident.fatalities_best, incident.fatalities_high = (
        totals["low"],
        totals["best"],
        totals["high"],
    )


def incident_create(*, by: User, fields: dict[str, Any], parts: IncidentParts | None = None) -> Incident:
    """Create a draft incident with its parts; its code (MLI-2025-0042) comes from its country and start year."""
    _require_role(by, Role.ANALYST, Role.EDITOR, action=_("create incidents"))
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown incident fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    with transaction.atomic(), pghistory.context(user=by.pk, action="incident.create"):
        incident = Incident(created_by=by, **fields)
        _validated(incident)
        (incident.code,) = incident_codes_reserve([(incident.country, incident.start_date.year)])
        incident.save()
        if parts is not None:
            _write_parts(incident, parts)
            _recount_fatalities(incident)
    return incident


def incident_editable_by(incident: Incident, user: User) -> bool:
    """Analysts work on drafts and returned incidents; editors also on submitted and published ones."""
    if has_role(user, Role.EDITOR):
        editable = {IncidentStatus.DRAFT, IncidentStatus.SUBMITTED, IncidentStatus.RETURNED, IncidentStatus.PUBLISHED}
    elif has_role(user, Role.ANALYST):
        editable = {IncidentStatus.DRAFT, IncidentStatus.RETURNED}
    else:
        editable = set()
    return incident.status in editable


def incident_update(
    *,
    incident: Incident,
    by: User,
    expected_version: int,
    fields: dict[str, Any] | None = None,
    parts: IncidentParts | None = None,
) -> Incident:
    """Save changes made to `expected_version`; if the incident has moved on since, raise EditConflict.

    The version check and the write are one conditional UPDATE, which also locks the row until commit, so of
    two concurrent saves of the same version exactly one wins and the other is told.
    """
    return _save(
        incident,
        by=by,
        expected_version=expected_version,
        fields=fields or {},
        parts=parts,
        context={"action": "incident.update"},
    )


def incident_revert(*, incident: Incident, by: User, to_version: int, expected_version: int) -> Incident:
    """Bring back the incident's fields and parts as they were at `to_version`, as a new revision.

    The workflow state stays as it is: a revert undoes edits, not reviews.
    """
    from .selectors import incident_state_at  # selectors build on this module's dataclasses

    _require_role(by, Role.EDITOR, action=_("revert incidents"))
    fields, parts = incident_state_at(incident, to_version)
    return _save(
        incident,
        by=by,
        expected_version=expected_version,
        fields=fields,
        parts=parts,
        context={"action": "incident.revert", "reverted_to": to_version},
    )


def _save(
    incident: Incident,
    *,
    by: User,
    expected_version: int,
    fields: dict[str, Any],
    parts: IncidentParts | None,
    context: dict[str, Any],
) -> Incident:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown incident fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    if not incident_editable_by(incident, by):
        raise PermissionDenied(
            _("Your role may not edit an incident that is %(status)s.") % {"status": incident.get_status_display()}
        )
    with transaction.atomic(), pghistory.context(user=by.pk, **context):
        candidate = Incident.objects.get(pk=incident.pk)
        counted = candidate.status == IncidentStatus.PUBLISHED
        actors_before = list(candidate.participants.values_list("actor_id", flat=True)) if counted else []
        start_before = candidate.start_date
        for name, value in fields.items():
            setattr(candidate, name, value)
        _validated(candidate)
        changed = {name: getattr(candidate, name) for name in fields}
        updated = Incident.objects.filter(pk=incident.pk, version=expected_version).update(
            **changed, version=F("version") + 1, updated_at=timezone.now()
        )
        if updated != 1:
            raise EditConflict(Incident.objects.get(pk=incident.pk), expected_version)
        if parts is not None:
            _write_parts(candidate, parts)
            _recount_fatalities(candidate)
        if counted:
            tally_change_record(incident=candidate, actors_before=actors_before, start_before=start_before)
    incident.refresh_from_db()
    return incident


def _transition(
    incident: Incident,
    *,
    by: User,
    action: str,
    from_statuses: Iterable[str],
    to_status: str,
    context: dict[str, Any] | None = None,
    **changes: Any,
) -> Incident:
    from_statuses = list(from_statuses)
    with transaction.atomic(), pghistory.context(user=by.pk, action=action, **(context or {})):
        updated = Incident.objects.filter(pk=incident.pk, status__in=from_statuses, version=incident.version).update(
            status=to_status, version=F("version") + 1, updated_at=timezone.now(), **changes
        )
        if updated != 1:
            current = Incident.objects.get(pk=incident.pk)
            if current.version != incident.version:
                raise EditConflict(current, incident.version)
            raise TransitionNotAllowed(
                _("%(code)s is %(status)s: it cannot be %(action)s from that state.")
                % {"code": current.code, "status": current.get_status_display(), "action": action.split(".")[-1]}
            )
        if IncidentStatus.PUBLISHED in (to_status, *from_statuses):
            # Entering or leaving the published record changes the tallies.
            tally_change_record(incident=incident, actors_before=[], start_before=None)
    incident.refresh_from_db()
    return incident


def incident_submit(*, incident: Incident, by: User) -> Incident:
    """Send a draft to the editors; it needs a type and at least one source claim to review."""
    _require_role(by, Role.ANALYST, Role.EDITOR, action=_("submit incidents"))
    if not incident.event_type or not incident.sub_event_type:
        raise ValidationError(_("Choose an event type and sub-event type before submitting."))
    if not incident.claims.exists():
        raise ValidationError(_("Attach at least one source claim before submitting: editors review claims."))
    return _transition(
        incident,
        by=by,
        action="incident.submit",
        from_statuses=[IncidentStatus.DRAFT],
        to_status=IncidentStatus.SUBMITTED,
        submitted_at=timezone.now(),
        return_comment="",
    )


def incident_return(*, incident: Incident, by: User, comment: str) -> Incident:
    """Send a submitted incident back to its analyst with what to fix."""
    _require_role(by, Role.EDITOR, action=_("return incidents"))
    comment = comment.strip()
    if not comment:
        raise ValidationError({"comment": _("Say what needs fixing: a returned incident needs a comment.")})
    return _transition(
        incident,
        by=by,
        action="incident.return",
        from_statuses=[IncidentStatus.SUBMITTED],
        to_status=IncidentStatus.RETURNED,
        context={"comment": comment},
        return_comment=comment,
    )


def incident_reopen(*, incident: Incident, by: User) -> Incident:
    """Take a returned incident back to draft to work on the editor's comment (which stays visible)."""
    _require_role(by, Role.ANALYST, Role.EDITOR, action=_("reopen incidents"))
    return _transition(
        incident,
        by=by,
        action="incident.reopen",
        from_statuses=[IncidentStatus.RETURNED],
        to_status=IncidentStatus.DRAFT,
    )


def incident_publish(*, incident: Incident, by: User) -> Incident:
    """Publish a submitted incident; refused unless an editor accepted at least one of its claims."""
    _require_role(by, Role.EDITOR, action=_("publish incidents"))
    if not incident.claims.filter(review_status=ReviewStatus.ACCEPTED).exists():
        raise ValidationError(
            _("%(code)s has no accepted claim: accept a source claim before publishing.") % {"code": incident.code}
        )
    return _transition(
        incident,
        by=by,
        action="incident.publish",
        from_statuses=[IncidentStatus.SUBMITTED],
        to_status=IncidentStatus.PUBLISHED,
        published_at=timezone.now(),
    )


def incident_retract(*, incident: Incident, by: User, reason: str) -> Incident:
    """Withdraw a published incident from the public record; the record and the reason are kept."""
    _require_role(by, Role.EDITOR, action=_("retract incidents"))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for retracting: it is kept with the record.")})
    return _transition(
        incident,
        by=by,
        action="incident.retract",
        from_statuses=[IncidentStatus.PUBLISHED],
        to_status=IncidentStatus.RETRACTED,
        context={"reason": reason},
        retraction_reason=reason,
        retracted_at=timezone.now(),
    )


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
    from sources.services import claim_create, document_create, source_create  # sources build on this module

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
