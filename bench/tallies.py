"""The tallies' race: the API's tallies against DuckDB counting the same figures from CSV files of the same data.

The peer is what a researcher would do without the app: the incidents, participants, casualty records and their
perpetrators exported as CSV (COPY from the bench database), loaded into DuckDB, the credited casualty facts
made with one CREATE TABLE AS (the peer's "rebuild"), then each tally one aggregate over them. Its SQL is written
here, independently of tallies/queries.py, from the counting rules of SPEC (a record counted once for a set of
actors; alleged = confirmed or alleged participations; involved = every record of an incident the actor took part
in; perpetrated = the records it is named as perpetrator of): both sides must give the same figures before either
is timed.

The full rebuild's yardstick is one GROUP BY of the same figures (actor, measure, attribution, harm, victims'
status, place, quarter) straight from the incident tables, in PostgreSQL and in DuckDB.
"""

import datetime
import json
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection

from events.casualties import ACCEPTED_ATTRIBUTIONS
from events.choices import Attribution, IncidentStatus, ParticipantRole

# Each file's columns, as COPY writes them and DuckDB reads them.
CSV_TABLES = {
    "incidents": "SELECT id, status, start_date, date_precision, country, admin1 FROM events_incident",
    "participants": "SELECT id, incident_id, actor_id, role, attribution FROM events_incidentparticipant",
    "records": "SELECT id, incident_id, harm, victim_status, count_low, count_best, count_high"
    " FROM events_casualtyrecord",
    "perpetrators": "SELECT casualty_record_id, participant_id FROM events_casualtyperpetrator",
}


def _literal(value) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, datetime.date):
        return f"DATE '{value.isoformat()}'"
    return str(value)


def _in(values) -> str:
    return "(" + ", ".join(_literal(value) for value in values) + ")"


PUBLISHED = _literal(str(IncidentStatus.PUBLISHED))
CONFIRMED = _literal(str(Attribution.CONFIRMED))
ACCEPTED = _in(str(value) for value in ACCEPTED_ATTRIBUTIONS["alleged"])
PERPETRATOR = _literal(str(ParticipantRole.PERPETRATOR))

# The credited facts: each (record, actor, measure) once, confirmed if one of the actor's qualifying
# participations is confirmed.
DUCK_FACTS = f"""
CREATE OR REPLACE TABLE facts AS
WITH qualifying AS (
    SELECT p.id, p.incident_id, p.actor_id, p.role, p.attribution = {CONFIRMED} AS confirmed
    FROM participants p JOIN incidents i ON i.id = p.incident_id
    WHERE i.status = {PUBLISHED} AND p.attribution IN {ACCEPTED}
), credited AS (
    SELECT cp.casualty_record_id AS record_id, q.actor_id, 'perpetrated' AS measure, bool_or(q.confirmed) AS confirmed
    FROM qualifying q JOIN perpetrators cp ON cp.participant_id = q.id
    WHERE q.role = {PERPETRATOR}
    GROUP BY 1, 2
    UNION ALL
    SELECT r.id, q.actor_id, 'involved', bool_or(q.confirmed)
    FROM qualifying q JOIN records r ON r.incident_id = q.incident_id
    GROUP BY 1, 2
)
SELECT c.actor_id, c.measure, c.confirmed, c.record_id, r.incident_id, i.start_date, i.date_precision, i.country,
       i.admin1, r.harm, r.victim_status, r.count_low AS low, r.count_best AS best, r.count_high AS high
FROM credited c JOIN records r ON r.id = c.record_id JOIN incidents i ON i.id = r.incident_id
ORDER BY c.actor_id, c.measure, i.start_date
"""

# Every tally's figures at once: per actor, measure, attribution level, harm, victims' status, place and quarter.
GROUP_BY_TEMPLATE = """
WITH qualifying AS (
    SELECT p.id, p.incident_id, p.actor_id, p.role, p.attribution = {confirmed} AS confirmed
    FROM {participants} p JOIN {incidents} i ON i.id = p.incident_id
    WHERE i.status = {published} AND p.attribution IN {accepted}
), credited AS (
    SELECT cp.casualty_record_id AS record_id, q.actor_id, 'perpetrated' AS measure, bool_or(q.confirmed) AS confirmed
    FROM qualifying q JOIN {perpetrators} cp ON cp.participant_id = q.id
    WHERE q.role = {perpetrator}
    GROUP BY 1, 2
    UNION ALL
    SELECT r.id, q.actor_id, 'involved', bool_or(q.confirmed)
    FROM qualifying q JOIN {records} r ON r.incident_id = q.incident_id
    GROUP BY 1, 2
)
SELECT c.actor_id, c.measure, c.confirmed, r.harm, r.victim_status, i.country, i.admin1,
       CAST(date_trunc('quarter', i.start_date) AS DATE), COUNT(DISTINCT i.id), COUNT(*), SUM(r.count_low),
       SUM(r.count_best), SUM(r.count_high)
FROM credited c JOIN {records} r ON r.id = c.record_id JOIN {incidents} i ON i.id = r.incident_id
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
"""
_NAMES = {
    "confirmed": CONFIRMED,
    "published": PUBLISHED,
    "accepted": ACCEPTED,
    "perpetrator": PERPETRATOR,
}
PG_GROUP_BY = GROUP_BY_TEMPLATE.format(
    participants="events_incidentparticipant",
    incidents="events_incident",
    perpetrators="events_casualtyperpetrator",
    records="events_casualtyrecord",
    **_NAMES,
)
DUCK_GROUP_BY = GROUP_BY_TEMPLATE.format(
    participants="participants", incidents="incidents", perpetrators="perpetrators", records="records", **_NAMES
)


@dataclass(eq=False)
class Tally:
    """One tally request: the API's query string and what DuckDB counts for it."""

    name: str
    params: dict
    measure: str = "perpetrated"
    confirmed_only: bool = False
    period: str = "all"
    filters: dict = field(default_factory=dict)

    def duck_sql(self, actor_ids: list[int]) -> str:
        conditions = [f"actor_id IN {_in(actor_ids)}", f"measure = {_literal(self.measure)}"]
        if self.confirmed_only:
            conditions.append("confirmed")
        conditions += [f"{column} = {_literal(value)}" for column, value in self.filters.items()]
        bucket = (
            "CAST(NULL AS DATE)" if self.period == "all" else f"CAST(date_trunc('{self.period}', start_date) AS DATE)"
        )
        return f"""
            WITH counted AS (
                SELECT record_id, any_value(incident_id) AS incident_id, any_value(start_date) AS start_date,
                       any_value(low) AS low, any_value(best) AS best, any_value(high) AS high
                FROM facts WHERE {" AND ".join(conditions)} GROUP BY record_id
            ), per_incident AS (
                SELECT incident_id, min(start_date) AS start_date, COUNT(*) AS records, SUM(low) AS low,
                       SUM(best) AS best, SUM(high) AS high
                FROM counted GROUP BY incident_id
            )
            SELECT {bucket} AS period_start, COUNT(*), SUM(records), SUM(low), SUM(best), SUM(high)
            FROM per_incident GROUP BY 1 ORDER BY 1
        """


def tallies(top: int, second: int, fama: int, wagner: int) -> list[Tally]:
    """The tallies of the issue's table: one actor, a set counted once, include_related, period + place."""
    return [
        Tally("one actor, all time", {"actor": top}),
        Tally(
            "one actor, per month, involved",
            {"actor": top, "period": "month", "measure": "involved"},
            measure="involved",
            period="month",
        ),
        Tally("a set counted once, per quarter", {"actors": f"{top},{second}", "period": "quarter"}, period="quarter"),
        Tally(
            "a set counted once, per year, killed",
            {"actors": f"{fama},{wagner}", "period": "year", "harm": "killed"},
            period="year",
            filters={"harm": "killed"},
        ),
        Tally(
            "include_related, per quarter",
            {"actor": wagner, "include_related": "true", "period": "quarter"},
            period="quarter",
        ),
        Tally(
            "period + place (quarter, MLI/Mopti, civilians)",
            {"actor": top, "period": "quarter", "country": "MLI", "admin1": "Mopti", "victim_status": "civilian"},
            period="quarter",
            filters={"country": "MLI", "admin1": "Mopti", "victim_status": "civilian"},
        ),
        Tally(
            "a set, per month, MLI, confirmed",
            {"actors": f"{fama},{wagner}", "period": "month", "country": "MLI", "attribution": "confirmed"},
            period="month",
            confirmed_only=True,
            filters={"country": "MLI"},
        ),
    ]


def api_figures(rows: list[dict]) -> list[tuple]:
    return [
        (row["period_start"], row["incidents"], row["records"], row["low"], row["best"], row["high"]) for row in rows
    ]


def duck_figures(rows: list[list]) -> list[tuple]:
    return [(None if row[0] in (None, "None") else str(row[0]), *(int(value) for value in row[1:])) for row in rows]


def export_csv(directory: Path) -> tuple[float, int]:
    """The incident tables as CSV files for DuckDB: (seconds, bytes)."""
    directory.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    size = 0
    connection.ensure_connection()
    raw = connection.connection
    for name, query in CSV_TABLES.items():
        path = directory / f"{name}.csv"
        with raw.cursor() as cursor, path.open("wb") as out:
            with cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT csv, HEADER true)") as copy:
                for data in copy:
                    out.write(data)
        size += path.stat().st_size
    return time.perf_counter() - started, size


def duck_load_sql(directory: Path) -> list[str]:
    """The CSV files into DuckDB tables (types as DuckDB infers them), then the credited facts."""
    loads = [
        f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM read_csv('{directory / name}.csv', header = true)"
        for name in CSV_TABLES
    ]
    return [*loads, DUCK_FACTS]


def run_duck(python: Path, job: dict) -> dict:
    """A DuckDB job (bench/duck.py) in the peers' venv."""
    with tempfile.NamedTemporaryFile("w", suffix=".json") as stream:
        json.dump(job, stream)
        stream.flush()
        output = subprocess.run(
            [str(python), str(Path(__file__).with_name("duck.py")), stream.name],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    return json.loads(output)


def pg_group_by() -> tuple[float, list[tuple]]:
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(PG_GROUP_BY)
        rows = cursor.fetchall()
        return time.perf_counter() - started, rows


def normalised(rows) -> list[tuple]:
    """Group-by rows of either side in one shape, for comparing."""
    return [
        (
            int(r[0]),
            str(r[1]),
            r[2] in (True, "True", "true"),
            str(r[3]),
            str(r[4]),
            str(r[5]),
            str(r[6]),
            str(r[7]),
            *(int(value) for value in r[8:]),
        )
        for r in rows
    ]


def storage() -> dict:
    """The tallies' size (the facts and their sums) beside the incident data's (tables and their indexes)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_total_relation_size('tallies_casualtyfact') + pg_total_relation_size('tallies_casualtysum'),"
            " (SELECT sum(pg_total_relation_size(c)) FROM unnest(%s::regclass[]) AS c),"
            " (SELECT count(*) FROM tallies_casualtyfact)",
            [["events_incident", "events_incidentparticipant", "events_casualtyrecord", "events_casualtyperpetrator"]],
        )
        tally_size, incident_data, rows = cursor.fetchone()
    return {"tally_bytes": tally_size, "incident_bytes": int(incident_data), "facts": rows}
