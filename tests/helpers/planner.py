"""The incident list's SQL as the API runs it, and what PostgreSQL's planner makes of it."""

import json

from django.db import connection
from django.test.utils import CaptureQueriesContext


def list_query(client, url: str, params: dict | None = None) -> str:
    """The SQL that read the page of incidents (not the lookups before it nor the prefetches after it)."""
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params)
    assert response.status_code == 200, response.content
    candidates = [
        query["sql"]
        for query in context.captured_queries
        if query["sql"].startswith('SELECT "events_incident".') and " LIMIT " in query["sql"]
    ]
    assert len(candidates) == 1, [query["sql"] for query in context.captured_queries]
    return candidates[0]


def explain(sql: str, analyze: bool = False) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ({'ANALYZE, ' if analyze else ''}FORMAT JSON) {sql}")
        plan = cursor.fetchone()[0]
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]


def nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


INDEX_SCANS = {"Index Scan", "Index Only Scan", "Bitmap Index Scan"}


def assert_uses_an_index(plan: dict, expected: set[str]) -> None:
    every = list(nodes(plan))
    seq_scans = [node["Relation Name"] for node in every if node["Node Type"] == "Seq Scan"]
    used = {node["Index Name"] for node in every if node["Node Type"] in INDEX_SCANS}
    assert not {"events_incident", "events_incidentparticipant"} & set(seq_scans), json.dumps(plan, indent=1)
    assert used & expected, (used, json.dumps(plan, indent=1))


def rows_read(plan: dict) -> int:
    """Rows taken from events_incident by the scans, kept or filtered out, as EXPLAIN ANALYZE counts them."""
    scans = [node for node in nodes(plan) if node.get("Relation Name") == "events_incident"]
    return sum(
        node["Actual Rows"] * node.get("Actual Loops", 1) + node.get("Rows Removed by Filter", 0) for node in scans
    )
