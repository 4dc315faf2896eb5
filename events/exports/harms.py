"""Every harm an incident records, as the plain CSV and the GeoJSON carry it, so that an incident with 4 people
forcibly disappeared and 100 homes burned does not export as "0 fatalities" and nothing else.

For each harm, its low, best and high counts summed over the incident's casualty records: all its victims, then its
civilians and its combatants alone (victims of unknown status are the rest). The killed of all statuses are the
incident's own `fatalities_*` columns, so they are not repeated. Property harm is one text, each record as
"homes burned: 100 (100-150)" (its best, then its range where it has one), "; " between them, in the records' order.

The ACLED export, which keeps ACLED's columns, names the same harms in its `tags` cell as ACLED's "key: value" items
(HARM_TAGS): each non-fatal harm summed over all victims, in Harm's order, written as property harm is
("disappeared: 4", "injured: 3 (2-5)"), then the property harm text.
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


def _figure(low: str, best: str, high: str) -> str:
    """SQL of a count as text: its best, then " (low-high)" where the two differ."""
    return f"{best}::text || CASE WHEN {low} = {high} THEN '' ELSE ' (' || {low} || '-' || {high} || ')' END"


# `property`: the property harm text of the incident `o`, NULL where it has none.
_PROPERTY_HARM = f"""LEFT JOIN LATERAL (SELECT string_agg(replace(ph.kind, '_', ' ') || ' ' || ph.harm
        || ': ' || {_figure("ph.count_low", "ph.count_best", "ph.count_high")}, '; ' ORDER BY ph.kind, ph.id)
        AS property_harm
    FROM events_propertyharm ph WHERE ph.incident_id = o.id) property ON true"""


def harms_sql() -> str:
    """`harms`: the sums of HARM_COLUMNS (numbers, 0 where the incident has none) and `property_harm` (text, NULL
    where it has none) of the incident `o`."""
    sums = ",\n        ".join(
        f"COALESCE(sum(r.count_{bound}) FILTER (WHERE r.harm = {literal(harm)}"
        + (f" AND r.victim_status = {literal(status)}" if status else "")
        + f"), 0) AS {column}"
        for column, harm, status, bound in _SUMS
    )
    return f"""LEFT JOIN LATERAL (SELECT {sums}
    FROM events_casualtyrecord r WHERE r.incident_id = o.id) harms ON true
{_PROPERTY_HARM}"""


_NON_FATAL = "ARRAY[" + ", ".join(literal(harm) for harm in Harm.values if harm != Harm.KILLED) + "]::text[]"

# The ACLED export's harm tags of the incident `o` (reading harm_tags_sql's joins), NULL where it records no harm
# but deaths (those are ACLED's `fatalities`).
HARM_TAGS = "NULLIF(concat_ws('; ', harm_tags.casualties, property.property_harm), '')"


def harm_tags_sql() -> str:
    """`harm_tags` (each non-fatal harm the incident `o` records, as "sexual violence: 2 (1-3)", "; " between them,
    in Harm's order) and `property`: the joins HARM_TAGS reads."""
    return f"""LEFT JOIN LATERAL (SELECT string_agg(replace(h.harm, '_', ' ') || ': '
        || {_figure("h.low", "h.best", "h.high")}, '; ' ORDER BY array_position({_NON_FATAL}, h.harm)) AS casualties
    FROM (SELECT r.harm, sum(r.count_low) AS low, sum(r.count_best) AS best, sum(r.count_high) AS high
        FROM events_casualtyrecord r WHERE r.incident_id = o.id AND r.harm = ANY({_NON_FATAL})
        GROUP BY r.harm) h WHERE h.high > 0) harm_tags ON true
{_PROPERTY_HARM}"""


def harm_cells(json: bool) -> dict[str, str]:
    """The SQL of each of HARM_COLUMNS: text for a CSV cell, or a JSON value (a number, a string or null)."""
    numbers = {column: f"harms.{column}::text" for column, *_ in _SUMS}
    if json:
        return numbers | {"property_harm": "COALESCE(to_json(property.property_harm)::text, 'null')"}
    return numbers | {"property_harm": "property.property_harm"}
