"""Incidents that merge the records of one event: the one incident counted for an event that ACLED, UCDP and our
analysts each recorded. Which records are one event is the reconciliation's to decide (reconciliation.services),
and how their facts and figures combine; this module writes what that makes of the incidents.

The records are kept as they are (an import goes on updating its own), hidden from every list, export and tally by
their state (`merged`, with `merged_into`): a revision that leaves their version as it is, since their content is
unchanged and an import updates an event only while its version is the one the import wrote. The merging incident
is published with the combined facts and parts, whose records rest on the merged records' claims. Taking a record
out of the merge gives it back its place."""

from collections import defaultdict
from typing import Any

import pghistory
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from conflict_tracker.incident_changes import incident_changes_announce

from ..choices import IncidentStatus
from ..licences import licence_facts_refresh
from ..models import Incident
from .codes import incident_codes_reserve
from .incidents import _validated
from .parts import IncidentParts, _recount_fatalities, _write_parts


def _ids_of_existing_parts(incident: Incident, parts: IncidentParts) -> None:
    """Give each part the id of the incident's row of the same key (actor and role, harm and victims' status in
    order, property and harm), so that a merge written again changes those rows in place and its revision shows
    only what the records changed."""
    participants = {(p.actor_id, p.role): p.pk for p in incident.participants.all()}
    records: dict[tuple[str, str], list[int]] = defaultdict(list)
    for record in incident.casualty_records.order_by("pk"):
        records[(record.harm, record.victim_status)].append(record.pk)
    harms = {(h.kind, h.harm): h.pk for h in incident.property_harms.all()}
    for data in parts.participants:
        data.id = participants.get((data.actor.pk, data.role))
    for data in parts.casualty_records:
        same = records[(data.harm, data.victim_status)]
        data.id = same.pop(0) if same else None
    for data in parts.property_harms:
        data.id = harms.get((data.kind, data.harm))


def _retire_emptied(merges: list[int], reason: str, now) -> None:
    """Retract, with `reason`, those of these merges left merging no record."""
    Incident.objects.filter(pk__in=merges, status=IncidentStatus.PUBLISHED).exclude(
        Q(merged_records__isnull=False)
    ).update(
        status=IncidentStatus.RETRACTED,
        retraction_reason=reason,
        retracted_at=now,
        version=F("version") + 1,
        updated_at=now,
    )
    licence_facts_refresh(merges)


def _merges_of(records: list[int]) -> list[int]:
    return list(
        Incident.objects.filter(pk__in=records, merged_into__isnull=False)
        .values_list("merged_into_id", flat=True)
        .distinct()
    )


def incident_merge_write(
    *, into: Incident | None, records: list[Incident], fields: dict[str, Any], parts: IncidentParts, by_id: int
) -> Incident:
    """Make `into` (a new incident when None) the published incident counting `records` (published, or merged
    into it or into another merge, which is retracted if left with no record), with `fields` and `parts` combined
    from them. Records merged into it before and not among `records` must have been released
    (incident_merge_release)."""
    now = timezone.now()
    ids = [record.pk for record in records]
    with transaction.atomic(), pghistory.context(user=by_id, action="incident.merge"):
        if into is None:
            into = Incident(created_by_id=by_id, status=IncidentStatus.PUBLISHED, published_at=now, **fields)
            _validated(into, derived=True)
            (into.code,) = incident_codes_reserve([(into.country, into.start_date.year)])
            into.save()
        else:
            for name, value in fields.items():
                setattr(into, name, value)
            _validated(into, derived=True)
            Incident.objects.filter(pk=into.pk).update(**fields, version=F("version") + 1, updated_at=now)
        moved_from = [merge for merge in _merges_of(ids) if merge != into.pk]
        Incident.objects.filter(pk__in=ids).exclude(merged_into=into).update(
            status=IncidentStatus.MERGED, merged_into=into, updated_at=now
        )
        _ids_of_existing_parts(into, parts)
        _write_parts(into, parts, derived=True)
        _recount_fatalities(into)
        licence_facts_refresh([into.pk])
        _retire_emptied(moved_from, _("Its records are counted in %(code)s.") % {"code": into.code}, now)
        incident_changes_announce([into.pk, *ids, *moved_from])
    into.refresh_from_db()
    return into


def incident_merge_release(*, records: list[int], by_id: int | None, reason: str) -> None:
    """Take these records out of the incidents they were merged into: published again, as they are. An incident
    left merging no record is retracted with `reason` (kept, as every retracted incident is)."""
    if not records:
        return
    now = timezone.now()
    with transaction.atomic(), pghistory.context(user=by_id, action="incident.unmerge"):
        merges = _merges_of(records)
        Incident.objects.filter(pk__in=records, status=IncidentStatus.MERGED).update(
            status=IncidentStatus.PUBLISHED, merged_into=None, updated_at=now
        )
        _retire_emptied(merges, reason, now)
        incident_changes_announce([*records, *merges])
