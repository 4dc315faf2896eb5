"""What the records of one event make together: the facts and parts of the one incident counted for them
(events.services.merges writes it).

The records are ranked own, UCDP, ACLED (then oldest first): our analysts' work is an editor's choice, UCDP gives a
best estimate between a low and a high, ACLED one figure. The merged incident takes

- its title from the first record, its dates from the most precise, its place from the most precise that has
  coordinates (else the most precise), its event type, sub-type and type of violence from the first record that
  gives them, and targets civilians if any record says so;
- every record's participants (an actor in one role once, its strongest attribution);
- per harm, the casualty records of the first record giving that harm, as they split it (victims' status,
  perpetrators): their best is that record's, the best of the event as SPEC has it (the editor's choice, else
  UCDP's). The harm's low and high become the least and the most any record gives for it, as SPEC's rule for
  disagreeing claims says: the shortfall of the low is taken from the largest records first, the excess of the
  high added to the largest (as the UCDP import spreads an event's low and high). Each rests on the claims of
  every record giving that harm;
- per property and harm, the first record's figures, its low and high the least and most of all records.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.utils.translation import gettext as _

from conflict_tracker.choices import Dataset
from events.choices import Attribution, DatePrecision
from events.models import CasualtyRecord, Incident
from events.services import CasualtyData, IncidentParts, ParticipantData, PropertyHarmData

RANKS = {Dataset.OWN: 0, Dataset.UCDP: 1, Dataset.ACLED: 2}
_DATE_PRECISIONS = list(DatePrecision.values)
_ATTRIBUTIONS = [Attribution.CONFIRMED, Attribution.ALLEGED, Attribution.DISPUTED]
_PLACE = ("country", "admin1", "admin2", "admin3", "location_name", "latitude", "longitude", "geo_precision")

# What a merge reads of each record: one query per relation, whatever the number of records.
RECORD_PARTS = (
    "participants__actor",
    "casualty_records__perpetrators__actor",
    "casualty_records__claims",
    "property_harms__claims",
)


def ranked(records: Iterable[Incident]) -> list[Incident]:
    return sorted(records, key=lambda record: (RANKS[record.datasets[0]], record.pk))


def label(record: Incident) -> str:
    """The record as its dataset names it: "ACLED MLI1234", "UCDP GED 4567", "ours MLI-2024-0042"."""
    if not record.external_ids:
        return _("ours %(code)s") % {"code": record.code}
    dataset, event_id = record.external_ids[0].split(":", 1)
    return f"{Dataset(dataset).label} {event_id}"


def combined_fields(records: list[Incident]) -> dict:
    """The merged incident's own fields, from the records ranked."""
    first = records[0]
    dated = min(records, key=lambda record: _DATE_PRECISIONS.index(record.date_precision))
    placed = min(records, key=lambda record: (record.latitude is None, record.geo_precision))
    typed = next((record for record in records if record.event_type), first)
    violence = next((record.violence_type for record in records if record.violence_type is not None), None)
    return {
        "title": first.title,
        "notes": _("One event, as these records give it: %(records)s.")
        % {"records": "; ".join(f"{label(record)} ({record.code})" for record in records)},
        "start_date": dated.start_date,
        "end_date": dated.end_date,
        "date_precision": dated.date_precision,
        **{name: getattr(placed, name) for name in _PLACE},
        "event_type": typed.event_type,
        "sub_event_type": typed.sub_event_type,
        "violence_type": violence,
        "civilian_targeting": any(record.civilian_targeting for record in records),
        "datasets": sorted({dataset for record in records for dataset in record.datasets}),
        "external_ids": sorted({external for record in records for external in record.external_ids}),
    }


def _participants(records: list[Incident]) -> list[ParticipantData]:
    merged: dict[tuple[int, str], ParticipantData] = {}
    for record in records:
        for participant in record.participants.all():
            key = (participant.actor_id, participant.role)
            known = merged.get(key)
            if known is None:
                merged[key] = ParticipantData(
                    actor=participant.actor,
                    role=participant.role,
                    side=participant.side,
                    attribution=participant.attribution,
                )
            elif _ATTRIBUTIONS.index(participant.attribution) < _ATTRIBUTIONS.index(known.attribution):
                known.attribution = participant.attribution
    return list(merged.values())


def _widened(parts: list, low: int, high: int) -> None:
    """Make the parts' lows sum to `low` (at most theirs) and their highs to `high` (at least theirs): the shortfall
    taken from the largest parts first, the excess added to the largest."""
    by_size = sorted(parts, key=lambda part: -part.count_best)
    shortfall = sum(part.count_low for part in parts) - low
    for part in by_size:
        taken = min(shortfall, part.count_low)
        part.count_low -= taken
        shortfall -= taken
    if by_size:
        by_size[0].count_high += high - sum(part.count_high for part in parts)


def _casualty_records(records: list[Incident]) -> list[CasualtyData]:
    by_harm: dict[str, list[tuple[Incident, list[CasualtyRecord]]]] = defaultdict(list)
    for record in records:
        per_harm: dict[str, list[CasualtyRecord]] = defaultdict(list)
        for casualty in record.casualty_records.all():
            per_harm[casualty.harm].append(casualty)
        for harm, casualties in per_harm.items():
            by_harm[harm].append((record, casualties))
    merged = []
    for harm, givers in by_harm.items():
        claims = list(
            {claim.pk: claim for _, casualties in givers for c in casualties for claim in c.claims.all()}.values()
        )
        _, chosen = givers[0]
        parts = [
            CasualtyData(
                harm=harm,
                victim_status=casualty.victim_status,
                count_low=casualty.count_low,
                count_best=casualty.count_best,
                count_high=casualty.count_high,
                children=casualty.children,
                women=casualty.women,
                elderly=casualty.elderly,
                perpetrators=[participant.actor for participant in casualty.perpetrators.all()],
                claims=claims,
                note=casualty.note,
            )
            for casualty in chosen
        ]
        totals = [
            (sum(c.count_low for c in casualties), sum(c.count_high for c in casualties)) for _, casualties in givers
        ]
        _widened(parts, min(low for low, _ in totals), max(high for _, high in totals))
        merged.extend(parts)
    return merged


def _property_harms(records: list[Incident]) -> list[PropertyHarmData]:
    merged: dict[tuple[str, str], PropertyHarmData] = {}
    for record in records:
        per_key: dict[tuple[str, str], list] = defaultdict(list)
        for harm in record.property_harms.all():
            per_key[(harm.kind, harm.harm)].append(harm)
        for (kind, harm_kind), harms in per_key.items():
            low, best, high = (sum(getattr(h, f"count_{name}") for h in harms) for name in ("low", "best", "high"))
            claims = [claim for h in harms for claim in h.claims.all()]
            known = merged.get((kind, harm_kind))
            if known is None:
                merged[(kind, harm_kind)] = PropertyHarmData(
                    kind=kind, harm=harm_kind, count_low=low, count_best=best, count_high=high, claims=claims
                )
            else:
                known.count_low, known.count_high = min(known.count_low, low), max(known.count_high, high)
                known.claims.extend(claim for claim in claims if claim not in known.claims)
    return list(merged.values())


def combined_parts(records: list[Incident]) -> IncidentParts:
    """The merged incident's parts, from the records ranked (their RECORD_PARTS prefetched)."""
    return IncidentParts(
        participants=_participants(records),
        casualty_records=_casualty_records(records),
        property_harms=_property_harms(records),
    )
