"""The SQL of the tallies: the casualty facts written from the published records (a full rebuild, or the
incidents a change touched), an independent count of the same to verify them, and the aggregates that answer a
tally from them. The casualty records behind a tally, as a queryset with the same rules, are
events.casualties.cell_records."""

import re
from collections.abc import Iterable

from django.db import connection

from conflict_tracker.choices import AttributionLevel, Harm, Measure, PeriodType
from events.casualties import ACCEPTED_ATTRIBUTIONS
from events.choices import Attribution, IncidentStatus, ParticipantRole

FACT_TABLE = "tallies_casualtyfact"
FACT_COLUMNS = (
    "record_id, actor_id, measure, confirmed, incident_id, start_date, date_precision, country, admin1, harm, "
    "victim_status, low, best, high"
)

# Each (record, actor, measure) once, however many of the actor's participations qualify it; `confirmed` if one of
# them is confirmed. Participations first grouped per incident and actor (few rows), then joined to the records.
_FACTS_SQL = """
WITH qualifying AS (
    SELECT p.incident_id, p.actor_id, p.id, p.role, p.attribution = %(confirmed_attribution)s AS confirmed
    FROM events_incidentparticipant p
    JOIN events_incident i ON i.id = p.incident_id AND i.status = %(published)s
    WHERE p.attribution = ANY(%(accepted)s) AND {incidents}
), credited AS (
    SELECT cp.casualty_record_id AS record_id, q.actor_id, %(perpetrated)s AS measure, bool_or(q.confirmed) AS confirmed
    FROM qualifying q JOIN events_casualtyperpetrator cp ON cp.participant_id = q.id
    WHERE q.role = %(perpetrator)s
    GROUP BY cp.casualty_record_id, q.actor_id
    UNION ALL
    SELECT r.id, q.actor_id, %(involved)s, q.confirmed
    FROM (
        SELECT incident_id, actor_id, bool_or(confirmed) AS confirmed FROM qualifying GROUP BY incident_id, actor_id
    ) q
    JOIN events_casualtyrecord r ON r.incident_id = q.incident_id
)
SELECT c.record_id, c.actor_id, c.measure, c.confirmed, i.id, i.start_date, i.date_precision, i.country, i.admin1,
       r.harm, r.victim_status, r.count_low, r.count_best, r.count_high
FROM credited c
JOIN events_casualtyrecord r ON r.id = c.record_id
JOIN events_incident i ON i.id = r.incident_id
"""


def _fact_params(incident_ids: list[int] | None) -> dict:
    return {
        "incident_ids": incident_ids or [],
        "confirmed_attribution": Attribution.CONFIRMED,
        "accepted": ACCEPTED_ATTRIBUTIONS[AttributionLevel.ALLEGED],
        "published": IncidentStatus.PUBLISHED,
        "perpetrated": Measure.PERPETRATED,
        "involved": Measure.INVOLVED,
        "perpetrator": ParticipantRole.PERPETRATOR,
    }


def facts_write(incident_ids: list[int] | None) -> int:
    """Write the facts of these incidents (every published one when None; their old facts must be gone).
    Returns how many."""
    # Both sides of the join named: the planner then reads these incidents by key rather than all published ones.
    incidents = "TRUE"
    if incident_ids is not None:
        incidents = "p.incident_id = ANY(%(incident_ids)s) AND i.id = ANY(%(incident_ids)s)"
    sql = f"INSERT INTO {FACT_TABLE} ({FACT_COLUMNS}) " + _FACTS_SQL.format(incidents=incidents)
    if incident_ids is None:
        # Each actor's facts side by side on disk: a tally reads a few pages, not one per fact.
        sql += " ORDER BY c.actor_id, c.measure, i.start_date"
    # Positional parameters: within pghistory's context (the services' writes), it prepends its own to the SQL.
    values = _fact_params(incident_ids)
    names = re.findall(r"%\((\w+)\)s", sql)
    with connection.cursor() as cursor:
        cursor.execute(re.sub(r"%\(\w+\)s", "%s", sql), [values[name] for name in names])
        return cursor.rowcount


def facts_delete(incident_ids: list[int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FACT_TABLE} WHERE incident_id = ANY(%s)", [incident_ids])


def facts_truncate() -> None:
    """Empty the facts, for a rebuild: at once and leaving no dead rows, but every reader and writer of the table
    waits for the rebuild's commit."""
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {FACT_TABLE}")


# The same facts counted another way, straight from the records (each credited actor found through EXISTS, not
# joined and grouped), then both sides summed per actor, measure, level, day, place, harm and victims' status.
_VERIFY_SQL = """
WITH independent AS (
    SELECT a.actor_id, m.measure, l.confirmed_only, i.start_date, i.date_precision, i.country, i.admin1,
           r.harm, r.victim_status, COUNT(*) AS records, SUM(r.count_low) AS low, SUM(r.count_best) AS best,
           SUM(r.count_high) AS high
    FROM events_incident i
    JOIN events_casualtyrecord r ON r.incident_id = i.id
    JOIN (SELECT DISTINCT incident_id, actor_id FROM events_incidentparticipant) a ON a.incident_id = i.id
    CROSS JOIN (VALUES (%(perpetrated)s), (%(involved)s)) AS m (measure)
    CROSS JOIN (VALUES (TRUE, %(confirmed_only)s::text[]), (FALSE, %(accepted)s::text[])) AS l (confirmed_only, ok)
    WHERE i.status = %(published)s AND CASE m.measure
        WHEN %(perpetrated)s THEN EXISTS (
            SELECT 1 FROM events_casualtyperpetrator cp
            JOIN events_incidentparticipant p ON p.id = cp.participant_id
            WHERE cp.casualty_record_id = r.id AND p.actor_id = a.actor_id AND p.role = %(perpetrator)s
              AND p.attribution = ANY(l.ok))
        ELSE EXISTS (
            SELECT 1 FROM events_incidentparticipant p
            WHERE p.incident_id = i.id AND p.actor_id = a.actor_id AND p.attribution = ANY(l.ok))
    END
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
), stored AS (
    SELECT f.actor_id, f.measure, l.confirmed_only, f.start_date, f.date_precision, f.country, f.admin1,
           f.harm, f.victim_status, COUNT(*) AS records, SUM(f.low) AS low, SUM(f.best) AS best,
           SUM(f.high) AS high
    FROM tallies_casualtyfact f
    JOIN (VALUES (TRUE), (FALSE)) AS l (confirmed_only) ON f.confirmed OR NOT l.confirmed_only
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
)
SELECT * FROM ((TABLE independent EXCEPT TABLE stored) UNION ALL (TABLE stored EXCEPT TABLE independent)) AS d
ORDER BY 1, 2, 3, 4
"""


def facts_disagreeing() -> list[tuple]:
    """The sums on which the stored facts and an independent count of the records disagree (both versions of
    each): none when the facts are right."""
    params = _fact_params(None) | {"confirmed_only": ACCEPTED_ATTRIBUTIONS[AttributionLevel.CONFIRMED]}
    with connection.cursor() as cursor:
        cursor.execute(_VERIFY_SQL, params)
        return cursor.fetchall()


_TRUNC = {PeriodType.YEAR: "year", PeriodType.QUARTER: "quarter", PeriodType.MONTH: "month"}
_NAMES = ("incidents", "records", "low", "best", "high", "week_precision", "month_precision", "year_precision")


def _counted(actor_ids: Iterable[int], measure: str, attribution: str, filters: dict) -> tuple[str, dict]:
    """The facts a tally sums, each record once however many of the actors it credits: SQL and parameters."""
    actor_ids = sorted(set(actor_ids))
    conditions = ["actor_id = ANY(%(actors)s)", "measure = %(measure)s"]
    if attribution == AttributionLevel.CONFIRMED:
        conditions.append("confirmed")
    compare = {"started_from": "start_date >=", "started_until": "start_date <="}
    conditions += [
        f"{compare.get(name, name + ' =')} %({name})s" for name, value in filters.items() if value is not None
    ]
    columns = "record_id, incident_id, start_date, date_precision, harm, victim_status, low, best, high"
    where = " AND ".join(conditions)
    sql = f"SELECT {columns} FROM {FACT_TABLE} WHERE {where}"
    if len(actor_ids) > 1:
        # A record credits an actor once: for one actor, the facts are the records already; for several, grouped
        # (hashed, not sorted) per record, each record's own values taken once.
        sql = f"""
            SELECT record_id, MIN(incident_id) AS incident_id, MIN(start_date) AS start_date,
                   MIN(date_precision) AS date_precision, MIN(harm) AS harm, MIN(victim_status) AS victim_status,
                   MIN(low) AS low, MIN(best) AS best, MIN(high) AS high
            FROM {FACT_TABLE} WHERE {where} GROUP BY record_id
        """
    return sql, {"actors": actor_ids, "measure": measure, **filters}


def _bucket(period: str) -> str:
    return f"date_trunc('{_TRUNC[period]}', start_date::timestamp)::date" if period in _TRUNC else "NULL::date"


def _sums(counted: str, period: str, keys: tuple[str, ...] = ()) -> str:
    """Per period (and `keys`): the incidents (each once, by their date precision), records and counts. Records are
    summed per incident first, so that no count needs a DISTINCT (a sort) on its own."""
    by = "".join(f", {key}" for key in keys)
    return f"""
        SELECT {_bucket(period)} AS period_start{by}, COUNT(*) AS incidents, SUM(records), SUM(low), SUM(best),
               SUM(high), COUNT(*) FILTER (WHERE date_precision = 'week'),
               COUNT(*) FILTER (WHERE date_precision = 'month'), COUNT(*) FILTER (WHERE date_precision = 'year')
        FROM (
            SELECT incident_id{by}, MIN(start_date) AS start_date, MIN(date_precision) AS date_precision,
                   COUNT(*) AS records, SUM(low) AS low, SUM(best) AS best, SUM(high) AS high
            FROM ({counted}) AS facts GROUP BY incident_id{by}
        ) AS incidents
        GROUP BY 1{by}
    """


def tally_rows(*, actor_ids: Iterable[int], measure: str, attribution: str, period: str, **filters) -> list[dict]:
    """One tally, a row per period (`period` all: one row), oldest first, periods with no record left out.
    `filters`: started_from, started_until (start dates), country, admin1, harm, victim_status; None: all.
    One query."""
    counted, params = _counted(actor_ids, measure, attribution, filters)
    with connection.cursor() as cursor:
        cursor.execute(_sums(counted, period) + " ORDER BY 1", params)
        return [dict(zip(("period_start", *_NAMES), row, strict=True)) for row in cursor.fetchall()]


def quarter_rows(*, actor_ids: Iterable[int], measure: str, attribution: str) -> list[dict]:
    """A tally per quarter, everywhere, by harm and victims' status, ordered so. One query."""
    counted, params = _counted(actor_ids, measure, attribution, {})
    sql = _sums(counted, PeriodType.QUARTER, ("harm", "victim_status")) + " ORDER BY 2, 1, 3"
    names = ("period_start", "harm", "victim_status", *_NAMES[:5])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [dict(zip(names, row[:8], strict=True)) for row in cursor.fetchall()]


def summary_rows(actor_id: int, lineage: list[int]) -> list[dict]:
    """All-time totals of one actor, and of its lineage when it has one (`lineage` empty when not), per measure
    and level, for every harm and for the killed, each record once. One query."""
    sql = f"""
        WITH counted AS (
            SELECT s.include_related, f.measure, f.record_id, MIN(f.incident_id) AS incident_id,
                   MIN(f.harm) AS harm, MIN(f.low) AS low, MIN(f.best) AS best, MIN(f.high) AS high,
                   bool_or(f.confirmed) AS confirmed
            FROM (VALUES (FALSE, %(own)s::bigint[]), (TRUE, %(lineage)s::bigint[])) AS s (include_related, actors)
            JOIN {FACT_TABLE} f ON f.actor_id = ANY(s.actors)
            GROUP BY 1, 2, 3
        )
        SELECT c.include_related, c.measure, l.attribution, k.harm, COUNT(DISTINCT c.incident_id),
               SUM(c.low), SUM(c.best), SUM(c.high)
        FROM counted c
        JOIN (VALUES (%(confirmed)s, TRUE), (%(alleged)s, FALSE)) AS l (attribution, confirmed_only)
            ON c.confirmed OR NOT l.confirmed_only
        CROSS JOIN LATERAL (VALUES (NULL), (c.harm)) AS k (harm)
        WHERE k.harm IS NULL OR k.harm = %(killed)s
        GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3, 4
    """
    params = {
        "own": [actor_id],
        "lineage": lineage,
        "confirmed": AttributionLevel.CONFIRMED,
        "alleged": AttributionLevel.ALLEGED,
        "killed": Harm.KILLED,
    }
    names = ("include_related", "measure", "attribution", "harm", "incidents", "low", "best", "high")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
