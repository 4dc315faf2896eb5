"""An incident's parts (participants, casualty records with their perpetrators, claims and named victims, property
harms): the dataclasses they travel in and the writing of them, each refusal named by the part it concerns.
"""

from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from actors.models import Actor
from conflict_tracker.choices import Harm
from sources.models import Claim

from ..choices import ParticipantRole
from ..models import (
    CasualtyClaim,
    CasualtyPerpetrator,
    CasualtyRecord,
    Incident,
    IncidentParticipant,
    NamedVictim,
    PropertyHarm,
    PropertyHarmClaim,
)


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


def _columns(data) -> dict[str, Any]:
    """A part's own column values, as its dataclass carries them."""
    return {name: getattr(data, name) for name in _PART_COLUMNS[type(data)]}


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


def _saved(model, existing: dict[int, Any], data, parent: dict[str, Any], derived: bool = False):
    """Update the row `data` names (an unchanged row writes no revision) or create it; validated first (`derived`:
    its fields only, as it is made of rows the constraints held for, and the database checks them again)."""
    row = existing.get(data.id) or model(**parent)
    for name, value in _columns(data).items():
        setattr(row, name, value)
    row.full_clean(exclude=list(parent), validate_constraints=not derived)
    row.save()
    return row


def _write_parts(incident: Incident, parts: IncidentParts, derived: bool = False) -> None:
    """Make the incident's participants, casualty and property records (and their links) what `parts` says.

    Parts that carry the id of an existing row update it in place, so ids stay stable and the revisions show
    what changed; parts without an id are created; rows that `parts` no longer names are deleted. `derived`: the
    parts are made of other incidents' (a merge's), whose constraints the rows' validation need not ask again.
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
                    participant = _saved(IncidentParticipant, participants, data, {"incident": incident}, derived)
            except IntegrityError:
                # Two kept rows trading actors would pass through a moment where both hold the same one.
                raise ValidationError(
                    {"actor": _("Another row of this incident still holds this actor in this role: save in two steps.")}
                ) from None
        if participant.role == ParticipantRole.PERPETRATOR:
            perpetrators_by_actor[participant.actor_id] = participant

    for index, data in enumerate(parts.casualty_records):
        with _part(f"casualty_records[{index}]"):
            _write_casualty_record(incident, records, data, perpetrators_by_actor, derived)

    for index, data in enumerate(parts.property_harms):
        with _part(f"property_harms[{index}]"):
            harm = _saved(PropertyHarm, harms, data, {"incident": incident}, derived)
            _link_claims(
                incident, PropertyHarmClaim.objects.filter(property_harm=harm), data.claims, property_harm=harm
            )


def _write_casualty_record(
    incident: Incident,
    records: dict[int, CasualtyRecord],
    data: CasualtyData,
    perpetrators_by_actor: dict[int, IncidentParticipant],
    derived: bool,
) -> None:
    if len(data.named_victims) > data.count_high:
        raise ValidationError(
            {
                "named_victims": _("%(names)s named victims cannot belong to a record of at most %(high)s people.")
                % {"names": len(data.named_victims), "high": data.count_high}
            }
        )
    record = _saved(CasualtyRecord, records, data, {"incident": incident}, derived)
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
    """Make the owner's claim links exactly `claims`, which must be claims about this incident or about the records
    merged into it (events.services.merges)."""
    claims = list(claims)
    merged: set[int] | None = None
    for claim in claims:
        if claim.incident_id == incident.pk:
            continue
        if merged is None:
            merged = set(Incident.objects.filter(merged_into=incident).values_list("pk", flat=True))
        if claim.incident_id not in merged:
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
