"""The statement that computes tally cells, shared by the stored cells (rebuild, refresh) and by sets of actors
computed on request. The casualty records behind a cell, as a queryset with the same rules, are
events.casualties.cell_records."""

import datetime
from collections.abc import Iterable

from django.db import connection
from django.utils import timezone

from conflict_tracker.choices import AttributionLevel, Measure, PeriodType
from events.casualties import ACCEPTED_ATTRIBUTIONS
from events.choices import IncidentStatus, ParticipantRole

# Who the facts are about: the stored subjects' members, or one set of actors given with the request.
_STORED_MEMBERS = """
    SELECT subject_id, actor_id FROM tallies_tallysubjectmember
    WHERE %(every_subject)s OR subject_id = ANY(%(subjects)s)
"""
_GIVEN_MEMBERS = "SELECT NULL::bigint AS subject_id, unnest(%(actors)s::bigint[]) AS actor_id"

# Facts: each (subject, measure, level, casualty record) once, however many of the subject's actors qualify it;
# then one row per period type, grouped with every coarser grouping of place and harm (ROLLUP, CUBE).
_CELLS_SQL = """
WITH members AS ({members}), levels (attribution, accepted) AS (
    VALUES (%(confirmed)s, %(confirmed_accepts)s::text[]), (%(alleged)s, %(alleged_accepts)s::text[])
), facts AS (
    SELECT m.subject_id, %(perpetrated)s AS measure, l.attribution, cp.casualty_record_id AS record_id
    FROM members m
    JOIN events_incidentparticipant p ON p.actor_id = m.actor_id AND p.role = %(perpetrator)s
    JOIN levels l ON p.attribution = ANY(l.accepted)
    JOIN events_casualtyperpetrator cp ON cp.participant_id = p.id
    JOIN events_incident i ON i.id = p.incident_id AND i.status = %(published)s
    UNION
    SELECT m.subject_id, %(involved)s, l.attribution, r.id
    FROM members m
    JOIN events_incidentparticipant p ON p.actor_id = m.actor_id
    JOIN levels l ON p.attribution = ANY(l.accepted)
    JOIN events_incident i ON i.id = p.incident_id AND i.status = %(published)s
    JOIN events_casualtyrecord r ON r.incident_id = i.id
), rows AS (
    SELECT f.subject_id, f.measure, f.attribution, period.period_type, period.period_start,
           i.country, i.admin1, r.harm, r.victim_status, i.id AS incident_id,
           r.count_low, r.count_best, r.count_high, i.date_precision
    FROM facts f
    JOIN events_casualtyrecord r ON r.id = f.record_id
    JOIN events_incident i ON i.id = r.incident_id
    CROSS JOIN LATERAL (VALUES
        (%(all)s, NULL::date),
        (%(year)s, date_trunc('year', i.start_date::timestamp)::date),
        (%(quarter)s, date_trunc('quarter', i.start_date::timestamp)::date),
        (%(month)s, date_trunc('month', i.start_date::timestamp)::date)
    ) AS period (period_type, period_start)
    WHERE %(every_period)s OR period.period_type = %(all)s OR (period.period_type, period.period_start) IN (
        SELECT * FROM unnest(%(period_types)s::text[], %(period_starts)s::date[])
    )
)
SELECT subject_id, measure, attribution, period_type, period_start, country, admin1, harm, victim_status,
       COUNT(DISTINCT incident_id) AS incidents, COUNT(*) AS records,
       SUM(count_low) AS low, SUM(count_best) AS best, SUM(count_high) AS high,
       COUNT(DISTINCT incident_id) FILTER (WHERE date_precision = 'week') AS week_precision,
       COUNT(DISTINCT incident_id) FILTER (WHERE date_precision = 'month') AS month_precision,
       COUNT(DISTINCT incident_id) FILTER (WHERE date_precision = 'year') AS year_precision,
       %(now)s AS computed_at, %(reflects)s::bigint AS reflects_change
FROM rows
GROUP BY subject_id, measure, attribution, period_type, period_start,
    ROLLUP (country, admin1), CUBE (harm, victim_status)
"""


_CELL_COLUMNS = (
    "subject_id, measure, attribution, period_type, period_start, country, admin1, harm, victim_status, "
    "incidents, records, low, best, high, week_precision, month_precision, year_precision, computed_at, reflects_change"
)


def _params(**values) -> dict:
    return {
        "every_subject": False,
        "subjects": [],
        "actors": [],
        "every_period": True,
        "period_types": [],
        "period_starts": [],
        "confirmed": AttributionLevel.CONFIRMED,
        "alleged": AttributionLevel.ALLEGED,
        "confirmed_accepts": ACCEPTED_ATTRIBUTIONS[AttributionLevel.CONFIRMED],
        "alleged_accepts": ACCEPTED_ATTRIBUTIONS[AttributionLevel.ALLEGED],
        "perpetrated": Measure.PERPETRATED,
        "involved": Measure.INVOLVED,
        "perpetrator": ParticipantRole.PERPETRATOR,
        "published": IncidentStatus.PUBLISHED,
        "all": PeriodType.ALL,
        "year": PeriodType.YEAR,
        "quarter": PeriodType.QUARTER,
        "month": PeriodType.MONTH,
        "now": timezone.now(),
        "reflects": None,
        **values,
    }


def insert_cells(*, subjects: list[int] | None, periods: list[tuple[str, datetime.date]] | None, reflects) -> None:
    """Store the cells of these subjects (all when None) in these periods (and all time; all periods when None)."""
    params = _params(
        every_subject=subjects is None,
        subjects=subjects or [],
        every_period=periods is None,
        period_types=[period_type for period_type, _ in periods or []],
        period_starts=[start for _, start in periods or []],
        reflects=reflects,
    )
    sql = f"INSERT INTO tallies_tallycell ({_CELL_COLUMNS}) " + _CELLS_SQL.format(members=_STORED_MEMBERS)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def given_set_cells(actor_ids: Iterable[int], where: str, where_params: dict) -> list[dict]:
    """The cells of one set of actors, each record once, computed now; `where` narrows them (SQL on the cell
    columns, with its own named parameters)."""
    sql = f"SELECT {_CELL_COLUMNS} FROM (" + _CELLS_SQL.format(members=_GIVEN_MEMBERS) + f") AS cells WHERE {where}"
    params = _params(actors=sorted(set(actor_ids)), **where_params)
    names = [name.strip() for name in _CELL_COLUMNS.split(",")]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
