"""A tally's API response written by PostgreSQL: every cell as TallySerializer writes it, in one query.

Serializing a cell field by field and building its two links cost about 0.2 ms of Python each, most of a tally of
a hundred periods' response time. Here Python works once per request, whatever the number of cells: what every
cell repeats (its subject, its question's echo, the time of the request, the links' query without its period) goes
in as parameters, and PostgreSQL adds each period's figures, its end and the period's part of its links.
tests/tallies/api/test_tallies.py compares the result with TallySerializer's rendering of tally_answer's cells.
"""

import orjson
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from conflict_tracker.renderers import RawJSON

from ..selectors import (
    PERIOD_MONTHS,
    PERIOD_PARAMETERS,
    TallyQuestion,
    cell_incidents_query,
    counted_attributions_sql,
    tally_echo,
    tally_query,
)
from .serializers import TallySerializer

_FIGURES = (
    "incidents",
    "records",
    "low",
    "best",
    "high",
    "week_precision",
    "month_precision",
    "year_precision",
)
# Each of TallySerializer's fields, in its order, as SQL over a tally's row `c` and its period's end `e`.
_ECHOED = {"measure": "measure", "attribution": "attribution", "period": "period_type"}
_FIELDS = {
    "subject": "%(cell_subject)s::json",
    **{name: f"%(cell_{source})s::text" for name, source in _ECHOED.items()},
    "period_start": "c.period_start",
    "period_end": "e.period_end",
    **{name: f"%(cell_{name})s::text" for name in ("country", "admin1", "harm", "victim_status", "dataset")},
    **{name: f"c.{name}" for name in _FIGURES},
    "computed_at": "%(cell_computed_at)s::text",
    "reflects_change": "NULL",
    "stale": "FALSE",
    "incidents_url": "%(cell_incidents_url)s || e.period_query",
    "records_url": "%(cell_records_url)s || e.period_query",
    "source_attributions": "attributions.lines",
}
_AFTER, _BEFORE = PERIOD_PARAMETERS
_JSON_SQL = f"""
SELECT COALESCE(json_agg(json_build_object({", ".join(f"'{name}', {sql}" for name, sql in _FIELDS.items())})
                ORDER BY c.period_start), '[]')::text
FROM ({{rows}}) AS c
CROSS JOIN (SELECT {{attributions}}) AS attributions (lines)
CROSS JOIN LATERAL (SELECT (c.period_start + make_interval(months => %(cell_months)s))::date - 1) AS p (period_end)
CROSS JOIN LATERAL (
    SELECT p.period_end, CASE WHEN c.period_start IS NULL THEN '' ELSE
        '&{_AFTER}=' || to_char(c.period_start, 'YYYY-MM-DD') || '&{_BEFORE}=' || to_char(p.period_end, 'YYYY-MM-DD')
    END
) AS e (period_end, period_query)
"""


def tally_json(question: TallyQuestion, request) -> RawJSON:
    """The API's answer to `question`: its cells as TallySerializer writes them, written by PostgreSQL."""
    query = tally_query(question)
    echoed = tally_echo(question)
    members = query.subject.members
    # The links' query without a period: cell_incidents_query puts the period's parameters last, as the SQL does.
    links = cell_incidents_query(members, {**echoed, "period_start": None})
    values = {
        "subject": orjson.dumps({"kind": query.subject.kind, "actors": members}).decode(),
        **echoed,
        "months": PERIOD_MONTHS.get(question.period),
        "computed_at": TallySerializer().fields["computed_at"].to_representation(timezone.now()),
        "incidents_url": f"{request.build_absolute_uri(reverse('api:incident-list'))}?{links}",
        "records_url": f"{request.build_absolute_uri(reverse('api:tally-records'))}?{links}",
    }
    with connection.cursor() as cursor:
        cursor.execute(
            _JSON_SQL.format(rows=query.sql, attributions=counted_attributions_sql().replace("%", "%%")),
            query.params | {f"cell_{name}": value for name, value in values.items()},
        )
        return RawJSON(cursor.fetchone()[0].encode())
