"""Every harm an incident records, as the plain CSV and the GeoJSON carry it, so that an incident with 4 people
forcibly disappeared and 100 homes burned does not export as "0 fatalities" and nothing else.

For each harm, its low, best and high counts summed over the incident's casualty records: all its victims, then its
civilians and its combatants alone (victims of unknown status are the rest). The killed of all statuses are the
incident's own `fatalities_*` columns, so they are not repeated. Property harm is one text, each record as
"homes burned: 100 (100-150)" (its best, then its range where it has one), "; " between them, in the records' order.
"""

from conflict_tracker.choices import Harm, VictimStatus

from .sql import literal

_STATUSES = (("", None), ("_civilians", VictimStatus.CIVILIAN), ("_combatants", VictimStatus.COMBATANT))
_BOUNDS = ("low", "best", "high")

# (column, harm, victims' status or None for all, bound), in the columns' order.
_SUMS = [
    (f"{harm}{suffix}_{bound}", harm, status, bound)
    for harm in Harm.values
    for suffix, status in _STATUSES
    if not (harm == Harm.KILLED and status is None)
    for bound in _BOUNDS
]
HARM_COLUMNS = [*(column for column, *_ in _SUMS), "property_harm"]


def harms_sql() -> str:
    """`harms`: the sums of HARM_COLUMNS (numbers, 0 where the incident has none) and `property_harm` (text, NULL
    where it has none) of the incident `o`."""
    sums = ",\n        ".join(
        f"COALESCE(sum(r.count_{bound}) FILTER (WHERE r.harm = {literal(harm)}"
        + (f" AND r.victim_status = {literal(status)}" if status else "")
        + f"), 0) AS {column}"
        for column, harm, status, bound in _SUMS
    )
    figure = """ph.count_best::text || CASE WHEN ph.count_low = ph.count_high THEN ''
        ELSE ' (' || ph.count_low || '-' || ph.count_high || ')' END"""
    return f"""LEFT JOIN LATERAL (SELECT {sums}
    FROM events_casualtyrecord r WHERE r.incident_id = o.id) harms ON true
LEFT JOIN LATERAL (SELECT string_agg(ph.kind || ' ' || ph.harm || ': ' || {figure}, '; '
        ORDER BY ph.kind, ph.id) AS property_harm
    FROM events_propertyharm ph WHERE ph.incident_id = o.id) property ON true"""


def harm_cells(json: bool) -> dict[str, str]:
    """The SQL of each of HARM_COLUMNS: text for a CSV cell, or a JSON value (a number, a string or null)."""
    numbers = {column: f"harms.{column}::text" for column, *_ in _SUMS}
    if json:
        return numbers | {"property_harm": "COALESCE(to_json(property.property_harm)::text, 'null')"}
    return numbers | {"property_harm": "property.property_harm"}
