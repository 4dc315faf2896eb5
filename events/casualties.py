"""Which published casualty records count for a set of actors, in a measure and at an attribution level: the one
reading shared by the incident filters (the records behind a tally cell) and by the tallies that sum them."""

from collections.abc import Iterable

from django.db.models import Exists, OuterRef

from conflict_tracker.choices import AttributionLevel, Measure

from .choices import Attribution, IncidentStatus
from .models import CasualtyPerpetrator, CasualtyRecord, Incident, IncidentParticipant

# The participants' attributions that each level accepts (disputed ones count in neither).
ACCEPTED_ATTRIBUTIONS = {
    AttributionLevel.CONFIRMED: [Attribution.CONFIRMED],
    AttributionLevel.ALLEGED: [Attribution.CONFIRMED, Attribution.ALLEGED],
}


def cell_records(
    *,
    actor_ids: Iterable[int],
    measure: str,
    attribution: str,
    harm: str | None = None,
    victim_status: str | None = None,
    datasets: list[str] | None = None,
):
    """The published casualty records that count for these actors, each once: the ORM's reading of the rules
    that the tallies' SQL applies (tallies.queries), for the incidents and records behind a cell. With `datasets`,
    those a dataset's own view counts: for one dataset, its records, merged into another incident or not (and never
    an incident merging records); for several, those of the incidents merging a record of each."""
    actor_ids = sorted(set(actor_ids))
    accepted = ACCEPTED_ATTRIBUTIONS[attribution]
    if not datasets:
        records = CasualtyRecord.objects.filter(incident__status=IncidentStatus.PUBLISHED)
    elif len(datasets) == 1:
        records = CasualtyRecord.objects.filter(
            ~Exists(Incident.objects.filter(merged_into=OuterRef("incident_id"))),
            incident__status__in=[IncidentStatus.PUBLISHED, IncidentStatus.MERGED],
            incident__datasets=datasets,
        )
    else:
        records = CasualtyRecord.objects.filter(
            incident__status=IncidentStatus.PUBLISHED, incident__datasets__contains=datasets
        )
    if measure == Measure.PERPETRATED:
        blamed = CasualtyPerpetrator.objects.filter(
            casualty_record=OuterRef("pk"), participant__actor_id__in=actor_ids, participant__attribution__in=accepted
        )
        records = records.filter(Exists(blamed))
    else:
        involved = IncidentParticipant.objects.filter(
            incident=OuterRef("incident_id"), actor_id__in=actor_ids, attribution__in=accepted
        )
        records = records.filter(Exists(involved))
    if harm:
        records = records.filter(harm=harm)
    if victim_status:
        records = records.filter(victim_status=victim_status)
    return records
