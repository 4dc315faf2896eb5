"""The published incidents the public may see, copied into a SQLite file for Datasette to serve.

They are the API's public set (`Incident.objects.visible_to` an anonymous reader, the licence rule included: an
incident resting on ACLED alone is not copied), so the peer serves what a competent user would publish.

Each row is rendered by the API's own list code (events/api/listing.py's page JSON, as an anonymous client sees
it), so the top-level columns hold exactly the values the API returns, and its nested parts (participants,
casualty records, property harms, claims) are stored pre-joined as JSON text in columns of the same names:
Datasette sends the same information without joining anything at request time. Three columns are added for
Datasette's sake:

- `sort_key`, the INTEGER PRIMARY KEY, is minus the incident's id; `start_date_id` and `fatalities_id` are the
  API's orderings as one unique text each (the date or the zero-padded fatalities, then the zero-padded id).
  Datasette sorts by one column and breaks ties by its primary key only from the second page on, so on a plain
  date sort its first page may order (and cut) a day's incidents differently from the API, which orders by
  (start_date, id). Sorting on these columns, under the composite indexes of INDEXES, both sides give the same rows
  in the same order.
- `period_start` and `period_end`: the range the API's date filters compare (an incident's dates widened to the
  week, month or year its precision names), computed with the model's own expression. In PostgreSQL a GiST index
  holds it as one range; SQLite gets the bounds as two plain columns under a btree.

A table `participants` (incident, actor, role, attribution) serves the actor filter.
"""

import hashlib
import json
import sqlite3
import time
from datetime import timedelta
from pathlib import Path

import orjson
from django.contrib.auth.models import AnonymousUser

from events.api.listing import incident_page_json
from events.columns import INCIDENT, PART_NAMES
from events.models import Incident, incident_period

BATCH = 2000
INTEGERS = {
    "geo_precision",
    "violence_type",
    "civilian_targeting",
    "fatalities_low",
    "fatalities_best",
    "fatalities_high",
    "version",
}
NOT_NULL = {"code", "start_date", "end_date", "country", "fatalities_low", "fatalities_best", "fatalities_high"}
EXTRA = ("period_start", "period_end", "start_date_id", "fatalities_id")
COLUMNS = ["sort_key", *INCIDENT.names(), *EXTRA]

# What a competent SQLite user gives Datasette for the benchmark's queries: a composite index per filter and
# ordering (equality columns first, then the sort, then the range compared), DESC where Datasette's keyset pages
# walk newest or deadliest first, the detail's lookup by code, the actor's participants, full-text search on the
# notes (as `sqlite-utils enable-fts` makes it) and ANALYZE. Only published rows are copied, so none needs status in
# front. docs/benchmarks.md lists these beside the API's.
INDEXES = [
    "CREATE UNIQUE INDEX incidents_code ON incidents (code)",
    "CREATE INDEX incidents_start ON incidents (start_date_id DESC)",
    "CREATE INDEX incidents_fatalities ON incidents (fatalities_id DESC)",
    "CREATE INDEX incidents_period ON incidents (period_start, period_end)",
    "CREATE INDEX incidents_country_start ON incidents (country, start_date_id DESC, period_start, period_end)",
    "CREATE INDEX incidents_admin1_fatalities ON incidents (admin1, fatalities_id DESC)",
    "CREATE INDEX incidents_admin1_start ON incidents (admin1, start_date_id DESC)",
    "CREATE INDEX incidents_event_type_start ON incidents (event_type, start_date_id DESC, fatalities_best)",
    "CREATE INDEX incidents_event_type_fatalities ON incidents (event_type, fatalities_best, start_date_id)",
    "CREATE INDEX incidents_sub_event_type_start ON incidents (sub_event_type, start_date_id DESC)",
    "CREATE INDEX participants_actor ON participants (actor_id, incident_key)",
    "CREATE INDEX participants_incident ON participants (incident_key)",
]
# sqlite-utils' enable-fts: an external-content FTS5 table on the notes, which Datasette finds and searches (`_search`).
FTS = [
    "CREATE VIRTUAL TABLE incidents_fts USING FTS5 (notes, content=incidents)",
    "INSERT INTO incidents_fts (rowid, notes) SELECT rowid, notes FROM incidents",
]


def _schema() -> str:
    columns = ["sort_key INTEGER PRIMARY KEY"]
    for name in COLUMNS[1:]:
        kind = "INTEGER" if name in INTEGERS else "TEXT"
        columns.append(f"{name} {kind}{' NOT NULL' if name in NOT_NULL or name in EXTRA else ''}")
    return f"CREATE TABLE incidents ({', '.join(columns)})"


def _stamp(token: str) -> str:
    """The database's data token and this module's layout: a change to either calls for a new export."""
    layout = hashlib.sha256("\n".join([_schema(), *INDEXES, *FTS]).encode()).hexdigest()[:16]
    return f"{token}:{layout}"


def is_current(path: Path, token: str) -> bool:
    """Whether `path` is a complete export of the data `token` names, in this module's layout."""
    if not path.exists():
        return False
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            row = db.execute("SELECT value FROM bench_meta WHERE key = 'token'").fetchone()
    except sqlite3.Error:
        return False
    return bool(row) and row[0] == _stamp(token)


def export(path: Path, token: str, log) -> tuple[float, int]:
    """Write the published incidents the public may see to `path` (replaced atomically); (seconds taken, rows
    written)."""
    started = time.monotonic()
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    db = sqlite3.connect(partial)
    db.executescript(
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA page_size = 4096;"
        + _schema()
        + "; CREATE TABLE participants (incident_key INTEGER NOT NULL REFERENCES incidents (sort_key),"
        " actor_id INTEGER NOT NULL, actor_name TEXT NOT NULL, role TEXT NOT NULL, attribution TEXT NOT NULL);"
        " CREATE TABLE bench_meta (key TEXT PRIMARY KEY, value TEXT);"
    )
    anonymous = AnonymousUser()
    published = Incident.objects.visible_to(anonymous).annotate(period=incident_period())
    insert = f"INSERT INTO incidents ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    last_id, written = 0, 0
    while True:
        batch = list(published.filter(id__gt=last_id).order_by("id").values("id", "period")[:BATCH])
        if not batch:
            break
        last_id = batch[-1]["id"]
        rendered = orjson.loads(incident_page_json(batch, anonymous).contents)
        incident_rows, participant_rows = [], []
        for source, row in zip(batch, rendered, strict=True):
            key = -source["id"]
            values = [key]
            for name in COLUMNS[1 : -len(EXTRA)]:
                value = row[name]
                if name in PART_NAMES:
                    value = json.dumps(value, separators=(",", ":"))
                elif name == "civilian_targeting":
                    value = int(value)
                values.append(value)
            period = source["period"]
            values += [
                period.lower.isoformat(),
                (period.upper - timedelta(days=1)).isoformat(),
                f"{row['start_date']}/{source['id']:012d}",
                f"{row['fatalities_best']:010d}/{source['id']:012d}",
            ]
            incident_rows.append(values)
            participant_rows += [
                (key, part["actor"], part["actor_name"], part["role"], part["attribution"])
                for part in row["participants"]
            ]
        db.executemany(insert, incident_rows)
        db.executemany("INSERT INTO participants VALUES (?, ?, ?, ?, ?)", participant_rows)
        written += len(batch)
        if written % (BATCH * 100) == 0:
            log(f"  {written:,} rows")
    log(f"  {written:,} rows; indexes")
    for statement in [*INDEXES, *FTS]:
        db.execute(statement)
    db.execute("ANALYZE")
    db.execute("INSERT INTO bench_meta VALUES ('token', ?)", [_stamp(token)])
    db.commit()
    db.close()
    partial.replace(path)
    return time.monotonic() - started, written
