"""The SQL of reconciliation: the pairs of records (published incidents, and those merged into the incident that
counts them with the other records of their event) that may record the same real-world event, and the groups of
records decided to be one event.

Two incidents are candidates when

- they come from different datasets (ACLED, UCDP, our own records), or both from our own records: an ACLED or UCDP
  file never lists one event twice under two ids;
- their dates may meet: their periods (their dates widened to the week, month or year their precision gives, as
  the date filters read them) overlap once each is widened by RECONCILE_DAYS more days on each side;
- their places are close: within RECONCILE_EXACT_KM of each other when both are exact places (ACLED's geo
  precision 1), RECONCILE_NEAR_KM when one is only near a place (2); when either is known to its region only (3) or
  has no coordinates, in the same country and the same admin1 (its name compared without case and without a
  trailing "region", "province", "oblast"...);
- and they share an actor, an actor's predecessors, successors and units counting as the same actor (Wagner Group
  and Africa Corps), or their types are compatible: the same ACLED event type, the same UCDP type of violence, or a
  type of violence and an event type that may describe the same event (COMPATIBLE_TYPES).

Each pair has a score from 0 to 1, the weighted sum (WEIGHTS) of how near their dates are (1 when they overlap,
down to 0 at the tolerance's edge), how near their places are (1 at the same point, down to 0 at the distance
allowed; 0.5 for the same admin1 alone), whether they share an actor (1 or 0), whether their types are compatible
(1 or 0) and how near their killed are (1 - the difference over the larger, 1 when both are 0). Its reasons say the
same in figures. The search reads the GiST index on (country, period) (events' incident_country_period): one index
scan per incident compared.
"""

import json

from django.conf import settings
from django.db import connection

from actors.models import ActorRelation
from actors.selectors import actor_lineages
from conflict_tracker.geo import EARTH_RADIUS_KM
from conflict_tracker.history import positional
from events.choices import EventType, GeoPrecision, IncidentStatus, ViolenceType
from events.models import incident_period_sql

from .choices import Dataset, Verdict

CANDIDATE_TABLE = "reconciliation_matchcandidate"
# The states of the records reconciled: published, or merged with others into the incident that counts them.
RECONCILED = (IncidentStatus.PUBLISHED, IncidentStatus.MERGED)
DECISION_TABLE = "reconciliation_matchdecision"

# The parts of the score and their weights, which sum to 1.
WEIGHTS = {"date": 0.3, "place": 0.25, "actors": 0.25, "types": 0.1, "figures": 0.1}

# How far ahead of any other candidate of its incidents a candidate decided without an editor must be.
AUTOMATIC_LEAD = 0.15

# UCDP's types of violence and the ACLED event types that may record the same event: fighting between armed groups
# (with or without a state) is a battle or a strike from afar; one-sided violence is violence against civilians or
# a strike from afar that killed civilians.
COMPATIBLE_TYPES = {
    ViolenceType.STATE_BASED: (EventType.BATTLES, EventType.EXPLOSIONS_REMOTE_VIOLENCE),
    ViolenceType.NON_STATE: (EventType.BATTLES, EventType.EXPLOSIONS_REMOTE_VIOLENCE),
    ViolenceType.ONE_SIDED: (EventType.VIOLENCE_AGAINST_CIVILIANS, EventType.EXPLOSIONS_REMOTE_VIOLENCE),
}

# An admin1 as compared: without case, surrounding spaces or the word for the kind of region UCDP appends to it.
_REGION_WORDS = "region|province|oblast|governorate|prefecture|state|district|department"


def _admin1(sql: str) -> str:
    return f"lower(btrim(regexp_replace({sql}, '\\s+({_REGION_WORDS})\\s*$', '', 'i')))"


def _incident_columns(alias: str) -> str:
    """What a side of a pair is compared on, from the incident `alias` (whose period is `period`)."""
    return f"""{alias}.id, {alias}.country, {_admin1(f"{alias}.admin1")} AS admin1,
        {alias}.latitude::float8 AS lat, {alias}.longitude::float8 AS lon, {alias}.geo_precision,
        {alias}.event_type, {alias}.violence_type, {alias}.fatalities_best AS killed,
        {alias}.datasets[1] AS dataset,
        ARRAY(SELECT p.actor_id FROM events_incidentparticipant p WHERE p.incident_id = {alias}.id) AS actors"""


def _kin(actors: str) -> str:
    """The actors counted as any of `actors` (an array): each with its lineage, and the actors whose lineage holds
    it (a unit's force), from the map %(kin)s; an actor with no relation is its own kin."""
    return f"""ARRAY(SELECT DISTINCT k::bigint FROM unnest({actors}) AS x,
        jsonb_array_elements_text(COALESCE(%(kin)s::jsonb -> x::text, jsonb_build_array(x))) AS k)"""


_HALF_CHORD = """power(sin(radians(b.lat - a.lat) / 2), 2)
    + cos(radians(a.lat)) * cos(radians(b.lat)) * power(sin(radians(b.lon - a.lon) / 2), 2)"""

# The records compared are those published and those merged into another incident, never that incident (a merge
# is the reconciliation's result, not a record of its own).
_NOT_A_MERGE = "NOT EXISTS (SELECT 1 FROM events_incident r WHERE r.merged_into_id = events_incident.id)"

# Every candidate of the incidents `a` ({compared}), found in the index as the module says, with its measures `m`.
_CANDIDATES_SQL = f"""
WITH a AS MATERIALIZED (
    SELECT s.*, {_kin("s.actors")} AS kin
    FROM (
        SELECT {_incident_columns("events_incident")}, {{period}} AS period
        FROM events_incident
        WHERE events_incident.status = ANY(%(reported)s) AND {_NOT_A_MERGE} AND {{compared}}
    ) s
)
SELECT least(a.id, b.id) AS incident_id, greatest(a.id, b.id) AS other_id, a.id < b.id AS a_first, a.dataset AS
    a_dataset, b.dataset AS b_dataset, a.killed AS a_killed, b.killed AS b_killed, m.*,
    ARRAY(SELECT DISTINCT x FROM unnest(a.actors || b.actors) AS x
        WHERE x = ANY(a.kin) AND x = ANY({_kin("b.actors")}) ORDER BY x) AS shared
FROM a
CROSS JOIN LATERAL (
    SELECT {_incident_columns("events_incident")}, {{period}} AS period
    FROM events_incident
    WHERE events_incident.country = a.country
        AND {{period}} && daterange(lower(a.period) - %(days)s, upper(a.period) + %(days)s)
        AND events_incident.status = ANY(%(reported)s) AND {_NOT_A_MERGE} AND events_incident.id <> a.id
) b
CROSS JOIN LATERAL (
    SELECT greatest(lower(b.period) - upper(a.period), lower(a.period) - upper(b.period), -1) + 1 AS days_apart,
        CASE WHEN a.lat IS NOT NULL AND a.lon IS NOT NULL AND b.lat IS NOT NULL AND b.lon IS NOT NULL
            THEN 2 * {EARTH_RADIUS_KM} * asin(sqrt(least({_HALF_CHORD}, 1.0))) END AS km,
        a.admin1 <> '' AND a.admin1 = b.admin1 AS same_admin1,
        CASE WHEN a.geo_precision = %(exact)s AND b.geo_precision = %(exact)s THEN %(exact_km)s
            ELSE %(near_km)s END AS allowed_km,
        a.geo_precision < %(region)s AND b.geo_precision < %(region)s AS by_coordinates,
        a.actors && {_kin("b.actors")} AS shares_actor,
        COALESCE((a.event_type <> '' AND a.event_type = b.event_type) OR a.violence_type = b.violence_type
            OR a.violence_type::text || ':' || b.event_type = ANY(%(compatible)s)
            OR b.violence_type::text || ':' || a.event_type = ANY(%(compatible)s), false) AS compatible
) m
WHERE (a.dataset <> b.dataset OR a.dataset = '{Dataset.OWN}')
    AND CASE WHEN m.by_coordinates AND m.km IS NOT NULL THEN m.km <= m.allowed_km ELSE m.same_admin1 END
    AND (m.shares_actor OR m.compatible)
"""

# Each part of the score, from 0 to 1, over a candidate `c`.
_PARTS = {
    "date": "1 - c.days_apart::numeric / (%(days)s + 1)",
    "place": """CASE WHEN c.by_coordinates AND c.km IS NOT NULL THEN 1 - c.km::numeric / c.allowed_km
        ELSE 0.5 END""",
    "actors": "CASE WHEN c.shares_actor THEN 1 ELSE 0 END",
    "types": "CASE WHEN c.compatible THEN 1 ELSE 0 END",
    "figures": """CASE WHEN greatest(c.a_killed, c.b_killed) = 0 THEN 1
        ELSE 1 - abs(c.a_killed - c.b_killed)::numeric / greatest(c.a_killed, c.b_killed) END""",
}


def _in_pair_order(a: str, b: str) -> str:
    """A JSON array of a value of each side, in the pair's order (the lower incident id first)."""
    return f"CASE WHEN c.a_first THEN jsonb_build_array({a}, {b}) ELSE jsonb_build_array({b}, {a}) END"


_WRITE_SQL = f"""
INSERT INTO {CANDIDATE_TABLE} (incident_id, other_id, score, reasons)
SELECT c.incident_id, c.other_id,
    round({" + ".join(f"{weight} * ({_PARTS[part]})" for part, weight in WEIGHTS.items())}, 3),
    jsonb_build_object(
        'datasets', {_in_pair_order("c.a_dataset", "c.b_dataset")},
        'days_apart', c.days_apart,
        'km', round(c.km::numeric, 1),
        'same_admin1', c.same_admin1,
        'shared_actors', to_jsonb(c.shared),
        'types_compatible', c.compatible,
        'killed', {_in_pair_order("c.a_killed", "c.b_killed")},
        'parts', jsonb_build_object({", ".join(f"'{part}', round({sql}, 3)" for part, sql in _PARTS.items())})
    )
FROM ({_CANDIDATES_SQL}) c
ORDER BY c.incident_id, c.other_id
ON CONFLICT (incident_id, other_id) DO NOTHING
"""


def _kin_map() -> dict[str, list[int]]:
    """Per actor with a relation, the actors counted as the same one: its lineage (itself, its units, predecessors
    and successors) and the actors whose lineage holds it."""
    related = {actor for pair in ActorRelation.objects.values_list("subject_id", "object_id") for actor in pair}
    kin: dict[int, set[int]] = {actor: {actor} for actor in related}
    for root, members in actor_lineages(related).items():
        for member in members:
            kin.setdefault(root, {root}).add(member)
            kin.setdefault(member, {member}).add(root)
    return {str(actor): sorted(members) for actor, members in kin.items()}


def candidates_write(incident_ids: list[int] | None) -> int:
    """Write the candidates of these incidents (of every published one when None), whose old candidates must be
    gone; a pair found from both of its sides is written once. Returns how many were written."""
    compared = "TRUE" if incident_ids is None else "events_incident.id = ANY(%(incident_ids)s)"
    period = incident_period_sql()
    sql = _WRITE_SQL.format(
        compared=compared,
        period=connection.ops.compose_sql(period.sql, period.params).replace("%", "%%"),
    )
    values = {
        "incident_ids": incident_ids,
        "reported": list(RECONCILED),
        "days": settings.RECONCILE_DAYS,
        "exact": GeoPrecision.EXACT,
        "region": GeoPrecision.REGION,
        "exact_km": settings.RECONCILE_EXACT_KM,
        "near_km": settings.RECONCILE_NEAR_KM,
        "compatible": [
            f"{violence}:{event_type}" for violence, types in COMPATIBLE_TYPES.items() for event_type in types
        ],
        "kin": json.dumps(_kin_map()),
    }
    with connection.cursor() as cursor:
        cursor.execute(*positional(sql, values))
        return cursor.rowcount


def candidates_delete(incident_ids: list[int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {CANDIDATE_TABLE} WHERE incident_id = ANY(%s) OR other_id = ANY(%s)",
            [incident_ids, incident_ids],
        )


def candidates_truncate() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {CANDIDATE_TABLE}")


# The candidates of these incidents decided `same` without an editor: scored RECONCILE_AUTO_SAME or more, ahead of
# every other candidate of either incident by AUTOMATIC_LEAD at least (where an event has several likely twins, as in
# UCDP's files, which give many events of one day at one place, an editor chooses), and never decided before, so that
# an undone automatic decision is not made again.
_AUTOMATIC_SQL = f"""
INSERT INTO {DECISION_TABLE} (incident_id, other_id, verdict, note, score, automatic)
SELECT c.incident_id, c.other_id, %(same)s, '', c.score, true
FROM {CANDIDATE_TABLE} c
WHERE {{touching}} AND c.score >= %(score)s
    AND NOT EXISTS (SELECT 1 FROM {DECISION_TABLE} d WHERE d.incident_id = c.incident_id AND d.other_id = c.other_id)
    AND NOT EXISTS (
        SELECT 1 FROM {CANDIDATE_TABLE} o
        WHERE o.score > c.score - %(lead)s AND o.id <> c.id
            AND (o.incident_id IN (c.incident_id, c.other_id) OR o.other_id IN (c.incident_id, c.other_id)))
ORDER BY c.incident_id, c.other_id
ON CONFLICT DO NOTHING
RETURNING incident_id, other_id
"""


def decisions_automatic(incident_ids: list[int] | None) -> list[int]:
    """Decide `same` the clearest candidates of these incidents (of every one when None); returns the incidents
    so decided."""
    touching = "TRUE"
    if incident_ids is not None:
        touching = "(c.incident_id = ANY(%(incident_ids)s) OR c.other_id = ANY(%(incident_ids)s))"
    sql = _AUTOMATIC_SQL.format(touching=touching)
    values = {
        "incident_ids": incident_ids,
        "same": Verdict.SAME,
        "score": settings.RECONCILE_AUTO_SAME,
        "lead": AUTOMATIC_LEAD,
    }
    with connection.cursor() as cursor:
        cursor.execute(*positional(sql, values))
        return sorted({incident for pair in cursor.fetchall() for incident in pair})


# The records one with these through the standing `same` decisions, each with the id it was reached from.
_GROUPS_SQL = f"""
WITH RECURSIVE reached (start, id) AS (
    SELECT x, x FROM unnest(%s::bigint[]) AS x
    UNION
    SELECT r.start, n.id
    FROM reached r
    CROSS JOIN LATERAL (
        SELECT d.other_id AS id FROM {DECISION_TABLE} d
        WHERE d.incident_id = r.id AND d.verdict = %s AND d.undone_at IS NULL
        UNION ALL
        SELECT d.incident_id FROM {DECISION_TABLE} d
        WHERE d.other_id = r.id AND d.verdict = %s AND d.undone_at IS NULL
    ) n
)
SELECT start, array_agg(id ORDER BY id) FROM reached GROUP BY start
"""


def groups_of(incident_ids: list[int]) -> list[tuple[int, ...]]:
    """The groups of records that the standing `same` decisions join with these (each once, in order of their
    first record; a record decided the same as none is a group of one). Being the same event is transitive: A the
    same as B and B as C make A, B and C one event, whatever was decided of A and C."""
    with connection.cursor() as cursor:
        cursor.execute(_GROUPS_SQL, [incident_ids, Verdict.SAME, Verdict.SAME])
        return sorted({tuple(members) for _start, members in cursor.fetchall()})
