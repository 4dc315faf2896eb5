"""The SQL of the tallies: the casualty facts written from the published records (a full rebuild, or the
incidents a change touched), an independent count of the same to verify them, and the aggregates that answer a
tally from them. The casualty records behind a tally, as a queryset with the same rules, are
events.casualties.cell_records."""

from collections.abc import Iterable
from contextlib import contextmanager

from django.db import connection, transaction

from conflict_tracker.choices import AttributionLevel, Harm, Measure, PeriodType
from conflict_tracker.history import positional
from events.casualties import ACCEPTED_ATTRIBUTIONS
from events.choices import Attribution, IncidentStatus, ParticipantRole

FACT_TABLE = "tallies_casualtyfact"
FACT_COLUMNS = (
    "record_id, actor_id, measure, confirmed, incident_id, start_date, date_precision, country, admin1, harm, "
    "victim_status, low, best, high, counted, merge, datasets"
)

# Each (record, actor, measure) once, however many of the actor's participations qualify it; `confirmed` if one of
# them is confirmed. Participations first grouped per incident and actor (few rows), then joined to the records.
_FACTS_SQL = """
WITH qualifying AS (
    SELECT p.incident_id, p.actor_id, p.id, p.role, p.attribution = %(confirmed_attribution)s AS confirmed
    FROM events_incidentparticipant p
    JOIN events_incident i ON i.id = p.incident_id AND i.status = ANY(%(reported)s)
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
       r.harm, r.victim_status, r.count_low, r.count_best, r.count_high, i.status = %(published)s,
       EXISTS (SELECT 1 FROM events_incident m WHERE m.merged_into_id = i.id), i.datasets
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
        "reported": [IncidentStatus.PUBLISHED, IncidentStatus.MERGED],
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
    with connection.cursor() as cursor:
        cursor.execute(*positional(sql, _fact_params(incident_ids)))
        return cursor.rowcount


# For a rebuild's transaction, which writes every fact and sum at once: JIT compiling its few big statements cost
# more than it saved, and with the default work_mem they sorted on disk what fits in memory.
_REBUILD_SETTINGS = {"jit": "off", "work_mem": "1GB", "maintenance_work_mem": "512MB"}


def rebuild_settings() -> None:
    """Set a full rebuild's memory and planner settings until its transaction ends."""
    with connection.cursor() as cursor:
        for name, value in _REBUILD_SETTINGS.items():
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])


@contextmanager
def indexes_set_aside(table: str):
    """Drop the table's indexes, its primary key and unique constraints included, for a bulk write, then make them
    again: building an index once over every row is several times faster than keeping it row by row. Within the
    caller's transaction, which must hold the table exclusively (a rebuild's TRUNCATE)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT format('ALTER TABLE %%I DROP CONSTRAINT %%I', %(table)s, conname),"
            " format('ALTER TABLE %%I ADD CONSTRAINT %%I ', %(table)s, conname) || pg_get_constraintdef(oid)"
            " FROM pg_constraint WHERE conrelid = %(table)s::regclass AND contype IN ('p', 'u')"
            " UNION ALL"
            " SELECT format('DROP INDEX %%s', indexrelid::regclass), pg_get_indexdef(indexrelid)"
            " FROM pg_index WHERE indrelid = %(table)s::regclass"
            " AND indexrelid NOT IN (SELECT conindid FROM pg_constraint WHERE conrelid = %(table)s::regclass)",
            {"table": table},
        )
        statements = cursor.fetchall()
        for drop, _create in statements:
            cursor.execute(drop)
        yield
        for _drop, create in statements:
            cursor.execute(create)


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
           r.harm, r.victim_status, i.status = %(published)s AS counted,
           EXISTS (SELECT 1 FROM events_incident o WHERE o.merged_into_id = i.id) AS merge, i.datasets,
           COUNT(*) AS records, SUM(r.count_low) AS low, SUM(r.count_best) AS best, SUM(r.count_high) AS high
    FROM events_incident i
    JOIN events_casualtyrecord r ON r.incident_id = i.id
    JOIN (SELECT DISTINCT incident_id, actor_id FROM events_incidentparticipant) a ON a.incident_id = i.id
    CROSS JOIN (VALUES (%(perpetrated)s), (%(involved)s)) AS m (measure)
    CROSS JOIN (VALUES (TRUE, %(confirmed_only)s::text[]), (FALSE, %(accepted)s::text[])) AS l (confirmed_only, ok)
    WHERE i.status = ANY(%(reported)s) AND CASE m.measure
        WHEN %(perpetrated)s THEN EXISTS (
            SELECT 1 FROM events_casualtyperpetrator cp
            JOIN events_incidentparticipant p ON p.id = cp.participant_id
            WHERE cp.casualty_record_id = r.id AND p.actor_id = a.actor_id AND p.role = %(perpetrator)s
              AND p.attribution = ANY(l.ok))
        ELSE EXISTS (
            SELECT 1 FROM events_incidentparticipant p
            WHERE p.incident_id = i.id AND p.actor_id = a.actor_id AND p.attribution = ANY(l.ok))
    END
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12
), stored AS (
    SELECT f.actor_id, f.measure, l.confirmed_only, f.start_date, f.date_precision, f.country, f.admin1,
           f.harm, f.victim_status, f.counted, f.merge, f.datasets, COUNT(*) AS records, SUM(f.low) AS low,
           SUM(f.best) AS best, SUM(f.high) AS high
    FROM tallies_casualtyfact f
    JOIN (VALUES (TRUE), (FALSE)) AS l (confirmed_only) ON f.confirmed OR NOT l.confirmed_only
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12
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


SUM_TABLE = "tallies_casualtysum"
_SUM_KEY = "actor_id, partner_id, measure, confirmed_only, country, admin1, harm, victim_status, month, actors"
_SUM_VALUES = ("incidents", "week_precision", "month_precision", "year_precision", "records", "low", "best", "high")
# A sum that counts nothing any more (an incident's correction may net to no incident yet correct its precisions;
# no record means no count). The partial index casualty_sum_spent finds them.
_COUNTS = _SUM_VALUES[:5]
SPENT = " AND ".join(f"{name} = 0" for name in _COUNTS)

# What the facts of some incidents (`{incidents}`) add to the sums, times %(sign)s. Each fact is counted at the
# alleged level, and at the confirmed level too when confirmed; records are summed per harm and victims' status.
# An incident counts once for each actor credited for one of its records, and once for each group of two or more
# actors so credited together (written under each pair of its members), under each harm and status filter, "any"
# (None) included. Only one harm and status per row is stored, plus what the "any" rows must correct: an incident
# counted under two statuses of one harm is one incident of that harm, not two. Each count at a level above one harm
# and status adds to its own row and takes away from the rows below it what they counted of it (inclusion-exclusion
# of the levels, `d`), so that a filter reads every row matching it and its figures add up. Only the incidents whose
# facts have more than one harm or status (`mixed`, few) have such corrections. Summed per month and place
# ({places}: admin1, then per country and everywhere (None) too, or admin1 alone for the rebuild, which rolls the
# places up after).
_SUMS_SQL = """
WITH f AS (
    SELECT f.*, l.confirmed_only, date_trunc('month', f.start_date)::date AS month
    FROM tallies_casualtyfact f
    JOIN (VALUES (FALSE), (TRUE)) AS l (confirmed_only) ON f.confirmed OR NOT l.confirmed_only
    WHERE f.counted AND {incidents}
), mixed AS (
    SELECT incident_id FROM f GROUP BY incident_id
    HAVING min(harm) <> max(harm) OR min(victim_status) <> max(victim_status)
), present AS (
    SELECT incident_id, measure, confirmed_only, actor_id, month, country, admin1, date_precision, harm,
           victim_status
    FROM f
    GROUP BY incident_id, measure, confirmed_only, actor_id, month, country, admin1, date_precision, harm,
             victim_status
), levels AS (
    SELECT *, FALSE AS mixed FROM present WHERE incident_id NOT IN (SELECT incident_id FROM mixed)
    UNION ALL
    SELECT *, TRUE FROM present WHERE incident_id IN (SELECT incident_id FROM mixed)
    UNION ALL
    SELECT incident_id, measure, confirmed_only, actor_id, month, country, admin1, date_precision, harm,
           victim_status, TRUE
    FROM present
    WHERE incident_id IN (SELECT incident_id FROM mixed)
    GROUP BY incident_id, measure, confirmed_only, actor_id, month, country, admin1, date_precision,
             GROUPING SETS ((harm), (victim_status), ())
), groups AS (
    SELECT measure, confirmed_only, array_agg(actor_id ORDER BY actor_id) AS actors, month, country, admin1, harm,
           victim_status, date_precision, mixed
    FROM levels
    GROUP BY incident_id, measure, confirmed_only, month, country, admin1, date_precision, harm, victim_status, mixed
    HAVING count(*) > 1
), counts AS (
    SELECT measure, confirmed_only, actor_id, NULL::bigint AS partner_id, NULL::bigint[] AS actors, month, country,
           admin1, harm, victim_status, date_precision, mixed
    FROM levels
    UNION ALL
    SELECT g.measure, g.confirmed_only, w.a, w.b, g.actors, g.month, g.country, g.admin1, g.harm, g.victim_status,
           g.date_precision, g.mixed
    FROM groups g
    CROSS JOIN LATERAL (SELECT a, b FROM unnest(g.actors) AS a, unnest(g.actors) AS b WHERE a < b) AS w
), counted AS (
    SELECT c.measure, c.confirmed_only, c.actor_id, c.partner_id, c.actors, c.month, c.country, c.admin1,
           CASE WHEN d.any_harm THEN NULL ELSE c.harm END AS harm,
           CASE WHEN d.any_status THEN NULL ELSE c.victim_status END AS victim_status,
           c.date_precision, d.sign AS incidents, 0 AS records, 0 AS low, 0 AS best, 0 AS high
    FROM counts c
    JOIN (VALUES (FALSE, FALSE, 1), (TRUE, FALSE, -1), (FALSE, TRUE, -1), (TRUE, TRUE, 1))
        AS d (any_harm, any_status, sign)
        ON (NOT d.any_harm OR (c.mixed AND c.harm IS NOT NULL))
        AND (NOT d.any_status OR (c.mixed AND c.victim_status IS NOT NULL))
    UNION ALL
    SELECT measure, confirmed_only, actor_id, NULL, NULL, month, country, admin1, harm, victim_status,
           date_precision, 0, 1, low, best, high
    FROM f
    UNION ALL
    SELECT g.measure, g.confirmed_only, w.a, w.b, g.actors, g.month, g.country, g.admin1, g.harm, g.victim_status,
           g.date_precision, 0, 1, g.low, g.best, g.high
    FROM (
        SELECT measure, confirmed_only, array_agg(actor_id ORDER BY actor_id) AS actors, month, country, admin1,
               harm, victim_status, date_precision, MIN(low) AS low, MIN(best) AS best, MIN(high) AS high
        FROM f
        GROUP BY record_id, measure, confirmed_only, month, country, admin1, date_precision, harm, victim_status
        HAVING count(*) > 1
    ) AS g
    CROSS JOIN LATERAL (SELECT a, b FROM unnest(g.actors) AS a, unnest(g.actors) AS b WHERE a < b) AS w
)
SELECT actor_id, partner_id, measure, confirmed_only, country, admin1, harm, victim_status, month, actors,
       %(sign)s * SUM(incidents) AS incidents,
       %(sign)s * COALESCE(SUM(incidents) FILTER (WHERE date_precision = 'week'), 0) AS week_precision,
       %(sign)s * COALESCE(SUM(incidents) FILTER (WHERE date_precision = 'month'), 0) AS month_precision,
       %(sign)s * COALESCE(SUM(incidents) FILTER (WHERE date_precision = 'year'), 0) AS year_precision,
       %(sign)s * SUM(records) AS records, %(sign)s * SUM(low) AS low, %(sign)s * SUM(best) AS best,
       %(sign)s * SUM(high) AS high
FROM counted
GROUP BY actor_id, partner_id, measure, confirmed_only, harm, victim_status, month, actors, {places}
HAVING SUM(records) <> 0 OR SUM(incidents) <> 0 OR SUM(incidents) FILTER (WHERE date_precision = 'week') <> 0
    OR SUM(incidents) FILTER (WHERE date_precision = 'month') <> 0
    OR SUM(incidents) FILTER (WHERE date_precision = 'year') <> 0
"""
_ALL_PLACES = "GROUPING SETS ((country, admin1), (country), ())"


def _sums_sql(incident_ids: list[int] | None, sign: int, places: str = _ALL_PLACES) -> tuple[str, list]:
    """What the facts of these incidents (all when None) add to the sums, times `sign`: SQL and positional
    parameters (conflict_tracker.history.positional)."""
    incidents = "TRUE" if incident_ids is None else "f.incident_id = ANY(%(incident_ids)s)"
    sql = _SUMS_SQL.format(incidents=incidents, places=places)
    return positional(sql, {"incident_ids": incident_ids, "sign": sign})


def sums_add(incident_ids: list[int], sign: int) -> None:
    """Add to the sums what the current facts of these incidents count, times `sign` (-1: take it away), and drop
    the sums left at nothing. Rows are locked in key order, so that two changes at once cannot deadlock."""
    sql, params = _sums_sql(incident_ids, sign)
    update = ", ".join(f"{name} = s.{name} + EXCLUDED.{name}" for name in _SUM_VALUES)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {SUM_TABLE} AS s ({_SUM_KEY}, {', '.join(_SUM_VALUES)}) {sql} ORDER BY {_SUM_KEY}"
            f" ON CONFLICT ({_SUM_KEY}) DO UPDATE SET {update}",
            params,
        )
        if sign < 0:
            return
        cursor.execute(f"DELETE FROM {SUM_TABLE} WHERE {SPENT}")


def sums_write() -> int:
    """Write every sum from the facts (the table must be empty). Returns how many.

    Summed once per admin1, into a temporary table, then rolled up to the countries and everywhere from those sums
    rather than from the facts again: an incident has one place, so every figure adds up over places."""
    sql, params = _sums_sql(None, 1, places="country, admin1")
    values = ", ".join(f"SUM({name})" for name in _SUM_VALUES)
    rolled_up_spent = " AND ".join(f"SUM({name}) = 0" for name in _COUNTS)
    columns = f"{_SUM_KEY}, {', '.join(_SUM_VALUES)}"
    with connection.cursor() as cursor:
        # Dropped at the end rather than on commit: a rebuild may run twice in one transaction (within savepoints).
        cursor.execute(f"CREATE TEMPORARY TABLE tally_sums_by_admin1 AS {sql}", params)
        # Each actor's sums in one measure and level side by side on disk, as a tally reads them (ordered by no more,
        # since sorting millions of rows on their text columns too cost more than the rest of the rebuild).
        cursor.execute(
            f"INSERT INTO {SUM_TABLE} ({columns}) SELECT * FROM ("
            f" SELECT {columns} FROM tally_sums_by_admin1"
            " UNION ALL"
            " SELECT actor_id, partner_id, measure, confirmed_only, country, NULL, harm, victim_status, month, actors,"
            f" {values} FROM tally_sums_by_admin1"
            " GROUP BY actor_id, partner_id, measure, confirmed_only, harm, victim_status, month, actors,"
            f" GROUPING SETS ((country), ()) HAVING NOT ({rolled_up_spent})"
            ") AS s ORDER BY actor_id, partner_id, measure, confirmed_only"
        )
        written = cursor.rowcount
        cursor.execute("DROP TABLE tally_sums_by_admin1")
        return written


def sums_truncate() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {SUM_TABLE}")


def sums_disagreeing() -> list[tuple]:
    """The sums that differ from the facts summed anew (both versions of each): none when they are right."""
    sql, params = _sums_sql(None, 1)
    columns = f"{_SUM_KEY}, {', '.join(_SUM_VALUES)}"
    # The sums before the facts, as a change's refresh and the rebuild lock them: read in the statement's order (the
    # facts first), a rebuild that had emptied the sums and waited for the facts would deadlock with it.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {SUM_TABLE}, {FACT_TABLE} IN ACCESS SHARE MODE")
        cursor.execute(
            f"WITH anew AS ({sql}), stored AS (SELECT {columns} FROM {SUM_TABLE})"
            " SELECT * FROM ((TABLE anew EXCEPT ALL TABLE stored) UNION ALL (TABLE stored EXCEPT ALL TABLE anew)) d",
            params,
        )
        return cursor.fetchall()


_TRUNC = {PeriodType.YEAR: "year", PeriodType.QUARTER: "quarter", PeriodType.MONTH: "month"}
_NAMES = ("incidents", "records", "low", "best", "high", "week_precision", "month_precision", "year_precision")


def _set_rows(actor_ids: Iterable[int], name: str, where: str) -> tuple[str, dict]:
    """The sums a set of actors (`name`) adds up under `where`, each with its factor: its members' own, and each
    group credited together holding n >= 2 of them 1 - n times (read under the pair of its first two members in
    the set), so that a record or an incident credited to several members counts once. SQL (columns: the sums'
    and `factor`) and parameters."""
    actor_ids = sorted(set(actor_ids))
    sql = f"SELECT *, 1 AS factor FROM {SUM_TABLE} WHERE actor_id = ANY(%({name})s) AND partner_id IS NULL AND {where}"
    if len(actor_ids) > 1:
        sql += f"""
            UNION ALL
            SELECT *, 1 - cardinality(ARRAY(SELECT a FROM unnest(actors) AS a WHERE a = ANY(%({name})s)))
            FROM {SUM_TABLE}
            WHERE actor_id = ANY(%({name})s) AND partner_id = ANY(%({name})s) AND {where}
              AND ARRAY[actor_id, partner_id]
                  = ARRAY(SELECT a FROM unnest(actors) AS a WHERE a = ANY(%({name})s) ORDER BY a LIMIT 2)
        """
    return sql, {name: actor_ids}


def _filtered(
    measure: str, attribution: str, harm: str | None, victim_status: str | None, **filters
) -> tuple[str, dict]:
    """The sums' rows a tally adds up (its measure and level, place, months, harm and victims' status; each "any"
    reads every row, corrections included): an SQL condition and its parameters."""
    params = {"measure": measure, "confirmed_only": attribution == AttributionLevel.CONFIRMED}
    conditions = ["measure = %(measure)s", "confirmed_only = %(confirmed_only)s"]
    country, admin1 = filters.get("country"), filters.get("admin1")
    for column, value in (("country", country), ("admin1", admin1)):
        conditions.append(f"{column} IS NULL" if value is None else f"{column} = %({column})s")
    params |= {"country": country, "admin1": admin1}
    if filters.get("started_from") is not None:
        conditions.append("month >= date_trunc('month', %(started_from)s::date)")
    if filters.get("started_until") is not None:
        conditions.append("month <= %(started_until)s")
    params |= {"started_from": filters.get("started_from"), "started_until": filters.get("started_until")}
    for column, value in (("harm", harm), ("victim_status", victim_status)):
        if value is not None:
            conditions.append(f"{column} = %({column})s")
        params[column] = value
    return " AND ".join(conditions), params


def _bucket(period: str) -> str:
    return f"date_trunc('{_TRUNC[period]}', month::timestamp)::date" if period in _TRUNC else "NULL::date"


def _totals() -> str:
    """A period's figures (in _NAMES' order) from a set's rows, each by its factor."""
    return ", ".join(f"SUM(factor * {name})::bigint AS {name}" for name in _NAMES)


# A dataset's own view of a tally, read from the facts (the sums count only what is counted): for one dataset, its
# records, merged into another incident or not, each with its own figures; for several, the incidents merging
# records of each of them, with their merged figures. Each record once, however many of the actors it counts for.
_BY_PRECISION = ", ".join(
    f"count(DISTINCT f.incident_id) FILTER (WHERE f.date_precision = '{precision}')::bigint AS {precision}_precision"
    for precision in ("week", "month", "year")
)
_DATASET_TALLY_SQL = f"""
SELECT {{bucket}} AS period_start, count(DISTINCT f.incident_id)::bigint AS incidents, count(*)::bigint AS records,
       SUM(f.low)::bigint AS low, SUM(f.best)::bigint AS best, SUM(f.high)::bigint AS high, {_BY_PRECISION}
FROM (
    SELECT DISTINCT ON (record_id) record_id, incident_id, date_trunc('month', start_date)::date AS month,
           date_precision, low, best, high
    FROM {FACT_TABLE}
    WHERE actor_id = ANY(%(actors)s) AND measure = %(measure)s AND (confirmed OR NOT %(confirmed_only)s)
        AND CASE WHEN cardinality(%(datasets)s::text[]) = 1 THEN NOT merge AND datasets = %(datasets)s::varchar[]
            ELSE counted AND datasets @> %(datasets)s::varchar[] END
        AND {{where}}
) AS f
GROUP BY 1
"""


def _dataset_tally_sql(
    *, actor_ids: Iterable[int], datasets: list[str], measure: str, attribution: str, period: str, **filters
) -> tuple[str, dict]:
    params = {
        "actors": sorted(set(actor_ids)),
        "datasets": sorted(datasets),
        "measure": measure,
        "confirmed_only": attribution == AttributionLevel.CONFIRMED,
    }
    conditions = ["TRUE"]
    for column in ("country", "admin1", "harm", "victim_status"):
        if filters.get(column) is not None:
            conditions.append(f"{column} = %({column})s")
            params[column] = filters[column]
    if filters.get("started_from") is not None:
        conditions.append("start_date >= date_trunc('month', %(started_from)s::date)")
        params["started_from"] = filters["started_from"]
    if filters.get("started_until") is not None:
        conditions.append("start_date <= %(started_until)s")
        params["started_until"] = filters["started_until"]
    sql = _DATASET_TALLY_SQL.format(bucket=_bucket(period), where=" AND ".join(conditions))
    return sql, params


def tally_sql(
    *,
    actor_ids: Iterable[int],
    measure: str,
    attribution: str,
    period: str,
    datasets: list[str] | None = None,
    **filters,
) -> tuple[str, dict]:
    """One tally, a row per period (`period` all: one row), columns `period_start` and _NAMES, periods with no
    record left out. `filters`: started_from, started_until (start dates), country, admin1, harm, victim_status;
    None: all. `datasets`: a dataset's own view of it (_DATASET_TALLY_SQL). SQL and its parameters."""
    if datasets:
        return _dataset_tally_sql(
            actor_ids=actor_ids, datasets=datasets, measure=measure, attribution=attribution, period=period, **filters
        )
    where, params = _filtered(measure, attribution, **filters)
    rows, members = _set_rows(actor_ids, "actors", where)
    sql = f"SELECT {_bucket(period)} AS period_start, {_totals()} FROM ({rows}) AS s GROUP BY 1"
    return sql, params | members


def tally_rows(sql: str, params: dict) -> list[dict]:
    """The rows of a tally's SQL (tally_sql), oldest period first. One query."""
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} ORDER BY period_start", params)
        return [dict(zip(("period_start", *_NAMES), row, strict=True)) for row in cursor.fetchall()]


def quarter_rows(*, actor_ids: Iterable[int], measure: str, attribution: str) -> list[dict]:
    """A tally per quarter, everywhere, by harm and victims' status, ordered so. One query."""
    where, params = _filtered(measure, attribution, None, None)
    rows, members = _set_rows(actor_ids, "actors", where + " AND harm IS NOT NULL AND victim_status IS NOT NULL")
    sql = f"""
        SELECT {_bucket(PeriodType.QUARTER)}, harm, victim_status, SUM(factor * incidents)::bigint,
               SUM(factor * records)::bigint, SUM(factor * low)::bigint, SUM(factor * best)::bigint,
               SUM(factor * high)::bigint
        FROM ({rows}) AS s GROUP BY 1, 2, 3 ORDER BY 2, 1, 3
    """
    names = ("period_start", "harm", "victim_status", *_NAMES[:5])
    with connection.cursor() as cursor:
        cursor.execute(sql, params | members)
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def summary_rows(actor_id: int, lineage: list[int]) -> list[dict]:
    """All-time totals of one actor, and of its lineage when it has one (`lineage` empty when not), per measure
    and level, for every harm and for the killed, each record once. One query."""
    # Everywhere, every month, each measure and level named, so that the index reads only the rows of no place.
    where = "measure = ANY(%(measures)s) AND confirmed_only = ANY(ARRAY[FALSE, TRUE]) AND country IS NULL"
    own, params = _set_rows([actor_id], "own", where)
    subjects = f"SELECT FALSE AS include_related, * FROM ({own}) AS o"
    if lineage:
        related, lineage_params = _set_rows(lineage, "lineage", where)
        subjects += f" UNION ALL SELECT TRUE, * FROM ({related}) AS r"
        params |= lineage_params
    sql = f"""
        SELECT s.include_related, s.measure,
               CASE WHEN s.confirmed_only THEN %(confirmed)s ELSE %(alleged)s END, k.harm,
               SUM(s.factor * s.incidents)::bigint, SUM(s.factor * s.low)::bigint, SUM(s.factor * s.best)::bigint,
               SUM(s.factor * s.high)::bigint
        FROM ({subjects}) AS s JOIN (VALUES (NULL), (%(killed)s)) AS k (harm) ON k.harm IS NULL OR s.harm = k.harm
        GROUP BY 1, 2, 3, 4
        HAVING SUM(s.factor * s.records) > 0
        ORDER BY 1, 2, 3, 4
    """
    params |= {
        "confirmed": AttributionLevel.CONFIRMED,
        "alleged": AttributionLevel.ALLEGED,
        "killed": Harm.KILLED,
        "measures": Measure.values,
    }
    names = ("include_related", "measure", "attribution", "harm", "incidents", "low", "best", "high")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
