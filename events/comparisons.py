"""Sources' aggregate figures beside our own count of the same: what an aggregate claim (a source's toll for actors
over a period, with no incident) says, and what our published casualty records give for its actors, period, place,
harm and victims. Counted from the records themselves, by the rules of the tallies (each record once)."""

from collections.abc import Iterable

from django.db import connection

from conflict_tracker.choices import AttributionLevel, Measure, VictimStatus

from .casualties import ACCEPTED_ATTRIBUTIONS
from .choices import IncidentStatus

# Our own count for what an aggregate claim gives a figure for: its actors (each record once), its period (by
# start date), its country, harm and victims' status where it names them (a source's "people" leaves the status
# unknown: every status counts); confirmed and alleged attributions.
_CLAIM_TOTALS_SQL = """
SELECT c.id, m.measure,
       COUNT(DISTINCT r.incident_id), COUNT(r.id),
       COALESCE(SUM(r.count_low), 0), COALESCE(SUM(r.count_best), 0), COALESCE(SUM(r.count_high), 0)
FROM sources_claim c
CROSS JOIN (VALUES (%(perpetrated)s), (%(involved)s)) AS m (measure)
LEFT JOIN events_casualtyrecord r ON EXISTS (
    SELECT 1 FROM events_incident i
    WHERE i.id = r.incident_id AND i.status = %(published)s
      AND (c.period_start IS NULL OR i.start_date >= c.period_start)
      AND (c.period_end IS NULL OR i.start_date <= c.period_end)
      AND (c.country = '' OR i.country = c.country)
) AND (c.harm = '' OR r.harm = c.harm)
AND (c.victim_status IN ('', %(unknown)s) OR r.victim_status = c.victim_status)
AND CASE m.measure
    WHEN %(perpetrated)s THEN EXISTS (
        SELECT 1 FROM events_casualtyperpetrator cp
        JOIN events_incidentparticipant p ON p.id = cp.participant_id
        JOIN sources_claimactor ca ON ca.actor_id = p.actor_id AND ca.claim_id = c.id
        WHERE cp.casualty_record_id = r.id AND p.attribution = ANY(%(accepted)s::text[])
    )
    ELSE EXISTS (
        SELECT 1 FROM events_incidentparticipant p
        JOIN sources_claimactor ca ON ca.actor_id = p.actor_id AND ca.claim_id = c.id
        WHERE p.incident_id = r.incident_id AND p.attribution = ANY(%(accepted)s::text[])
    )
END
WHERE c.id = ANY(%(claims)s)
GROUP BY c.id, m.measure
"""


def _claim_totals(claim_ids: Iterable[int]) -> dict[int, dict[str, dict]]:
    """For each aggregate claim, our own totals under both measures. One query, however many claims."""
    params = {
        "claims": sorted(set(claim_ids)),
        "perpetrated": Measure.PERPETRATED,
        "involved": Measure.INVOLVED,
        "published": IncidentStatus.PUBLISHED,
        "accepted": ACCEPTED_ATTRIBUTIONS[AttributionLevel.ALLEGED],
        "unknown": VictimStatus.UNKNOWN,
    }
    totals: dict[int, dict[str, dict]] = {}
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM_TOTALS_SQL, params)
        for claim_id, measure, incidents, records, low, best, high in cursor.fetchall():
            totals.setdefault(claim_id, {})[measure] = {
                "incidents": incidents,
                "records": records,
                "low": low,
                "best": best,
                "high": high,
            }
    return totals


def external_figures(claims) -> list[dict]:
    """Aggregate claims (a source's toll for actors over a period) beside our own count of the same: the
    claim's figure, ours under each measure, and the difference from the figure the source gives (its best,
    else the bound it states). `claims` come from `Claim.objects.visible_to(reader)`, which decides which
    claims and how their quotes read. Two queries: the claims, then every comparison at once."""
    claims = list(
        claims.filter(incident__isnull=True).select_related("document__source").prefetch_related("actor_links")
    )
    totals = _claim_totals(claim.pk for claim in claims)
    figures = []
    for claim in claims:
        reference = next((v for v in (claim.figure_best, claim.figure_low, claim.figure_high) if v is not None), None)
        ours = totals.get(claim.pk, {})
        figures.append(
            {
                "claim": claim.pk,
                "source": claim.document.source.name,
                "quote": claim.quote_for_reader,
                "actors": sorted(link.actor_id for link in claim.actor_links.all()),
                "period_start": claim.period_start,
                "period_end": claim.period_end,
                "country": claim.country or None,
                "harm": claim.harm or None,
                "victim_status": claim.victim_status or None,
                "figure_qualifier": claim.figure_qualifier or None,
                "figure_low": claim.figure_low,
                "figure_best": claim.figure_best,
                "figure_high": claim.figure_high,
                "ours": ours,
                "difference": {
                    measure: (total["best"] - reference if reference is not None else None)
                    for measure, total in ours.items()
                },
            }
        )
    return figures
