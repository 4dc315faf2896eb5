"""The exports PostgreSQL writes (CSV, ACLED, UCDP, their HXL files, GeoJSON): one `COPY (SELECT …) TO STDOUT` each,
streamed row by row as the server sends them, with no Python per cell.

The SELECT reads the ids the list's own query gives (the queryset's SQL, with its visibility, filters and order) as
the subquery `o`, and per id, in lateral subqueries, the incident's columns (`q`), its participants and its sources;
each format writes its cells from those (events/columns.py for the incident's own). Lateral subqueries keep the
rows in the ids' order: PostgreSQL runs them once per id, in turn.

CSV is written by COPY's CSV format, which quotes as Python's csv module does (a cell holding a comma, a quote or a
line break), but for two things this module evens out: COPY quotes an empty string (to tell it from NULL), so every
blank cell is NULL; and COPY ends a row with LF, where csv writes CRLF. Every text cell is made formula-safe in the
SQL (conflict_tracker.csvcells.formula_safe_sql).
"""

from collections.abc import Generator, Iterable, Iterator
from contextlib import nullcontext

from django.conf import settings
from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils import timezone

from conflict_tracker.csvcells import csv_writer, formula_safe_sql
from sources.choices import ReviewStatus
from sources.models import Claim

from ..choices import ParticipantRole

# What the COPY runs with (_copy).
PLANNER_SETTINGS = "SELECT set_config('jit', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)"

# Bytes handed to the server at a time: a row per write would cost a WSGI write each.
CHUNK_BYTES = 64 * 1024


def literal(value: str) -> str:
    """`value` as a standard SQL string literal (PostgreSQL's standard_conforming_strings, on by default, takes
    backslashes as they are)."""
    return "'" + value.replace("'", "''") + "'"


def text(sql: str) -> str:
    """A text cell: formula-safe."""
    return formula_safe_sql(sql)


def incidents_from(queryset, fields: Iterable[str], *joins: str, annotations: dict | None = None) -> str:
    """The FROM of an export: the ids of the queryset's incidents (its SQL: its visibility, filters and order), then
    per id the incident's `fields` (values() names) and `annotations` (expressions by name) as the columns of `q`,
    `joins` (lateral subqueries), and `zone`, the time zone datetimes are written in. Sorting the ids alone and
    reading each row by its key spares the sort the width of the rows (which spilled to disk)."""
    annotations = annotations or {}
    fields = [*fields, *annotations]
    ids, ids_params = queryset.values("id").query.sql_with_params()
    row = queryset.model._base_manager.filter(pk=RawSQL("o.id", ())).order_by().annotate(**annotations).values(*fields)
    row_sql, row_params = row.query.sql_with_params()
    names = ", ".join(f'"{name}"' for name in fields)
    zone = timezone.get_current_timezone_name() if settings.USE_TZ else "UTC"
    return "\n".join(
        [
            f"({connection.ops.compose_sql(ids, ids_params)}) AS o(id)",
            # OFFSET 0 keeps it a lookup per id, in the ids' order, rather than a join PostgreSQL could reorder.
            f"CROSS JOIN LATERAL ({connection.ops.compose_sql(row_sql, row_params)} OFFSET 0) AS q({names})",
            *joins,
            f"CROSS JOIN (SELECT {literal(zone)}::text AS name) zone",
        ]
    )


def _names(role: str, json: bool) -> str:
    """The participants' names in one role, in the order entered: "; "-joined, or a JSON array."""
    if json:
        names = f"'[' || string_agg(to_json(a.name)::text, ', ' ORDER BY p.id) FILTER (WHERE p.role = '{role}') || ']'"
        return f"COALESCE({names}, '[]')"
    return f"string_agg(a.name, '; ' ORDER BY p.id) FILTER (WHERE p.role = '{role}')"


def participants_sql(json: bool = False) -> str:
    """`parts`: the incident's perpetrators, targets and other actors, by name."""
    roles = {
        "perpetrators": ParticipantRole.PERPETRATOR,
        "targets": ParticipantRole.TARGET,
        "other_actors": ParticipantRole.OTHER,
    }
    columns = ", ".join(f"{_names(role, json)} AS {name}" for name, role in roles.items())
    return f"""LEFT JOIN LATERAL (SELECT {columns}
    FROM events_incidentparticipant p JOIN actors_actor a ON a.id = p.actor_id
    WHERE p.incident_id = o.id) parts ON true"""


def visible_claims_sql(reader) -> str:
    """The claims `reader` may see of the incidents exported, which they see (Claim.objects.of_visible_incident), as
    the SQL of a subquery to read them FROM, with their id, incident_id, document_id and review_status. PostgreSQL
    merges it into the query that reads it, so the rule is checked only for the claims of the incident at hand, where
    `c.id IN (the ids)` had it find every visible claim of the database before writing the first row."""
    claims = (
        Claim.objects.of_visible_incident(reader).order_by().values("id", "incident_id", "document_id", "review_status")
    )
    sql, params = claims.query.sql_with_params()
    return connection.ops.compose_sql(sql, params)


# The sources of an incident, ordered as the exports list them: by label (acronym, else name) without case, then by
# label; COLLATE "C" compares code points, as Python does. lower() (in the database's UTF-8 locale) folds case as
# str.casefold() did, but for a few letters casefold changes further ("ß" to "ss", "ς" to "σ").
SOURCE_ORDER = 's.label_folded COLLATE "C", s.label COLLATE "C"'


def sources_sql(reader, aggregates: str) -> str:
    """`sources`: `aggregates` (SQL over `s`) of the incident's sources, each once: the sources of its claims that
    were not rejected and that `reader` may see. `s` has the source's id, name, kind, country and label."""
    return f"""LEFT JOIN LATERAL (SELECT {aggregates}
    FROM (SELECT DISTINCT src.id, src.name, src.kind, src.country,
            COALESCE(NULLIF(src.acronym, ''), src.name) AS label, lower(COALESCE(NULLIF(src.acronym, ''), src.name))
            AS label_folded
        FROM ({visible_claims_sql(reader)}) c JOIN sources_document d ON d.id = c.document_id
            JOIN sources_source src ON src.id = d.source_id
        WHERE c.incident_id = o.id AND c.review_status <> '{ReviewStatus.REJECTED}') s) sources ON true"""


def _copy(select: str, options: str) -> Iterator[memoryview]:
    """The rows COPY writes of `select`, one at a time (psycopg's Copy gives one row per read), logged and counted as
    Django's queries are.

    In a transaction of its own (a savepoint inside one) with two planner settings (PLANNER_SETTINGS): the plan's
    cost, a few lookups per incident, has PostgreSQL compile it (JIT), which took longer than a one-country export
    runs and a second of a 200,000-row one; and parallel workers, which only read the ids, took a third of a
    one-country export to start."""
    statement = f"COPY ({select}) TO STDOUT ({options})"
    with connection.cursor() as cursor, connection.wrap_database_errors, cursor.cursor.connection.transaction():
        cursor.execute(PLANNER_SETTINGS)
        logged = cursor.debug_sql(statement) if connection.queries_logged else nullcontext()
        with logged, cursor.cursor.copy(statement) as copy:
            yield from copy


def _started(chunks: Generator[bytes]) -> Generator[bytes]:
    """`chunks` with its first one already read: a query that fails does so before the response is sent, and is
    answered as an error rather than cut short in a 200."""
    first = next(chunks, None)
    return _resumed(first, chunks)


def _resumed(first: bytes | None, chunks: Generator[bytes]) -> Generator[bytes]:
    """`first`, then the rest of `chunks`, which a response closed early (a client gone) closes too, ending the COPY."""
    try:
        if first is not None:
            yield first
        yield from chunks
    finally:
        chunks.close()


def _chunked(head: bytes, rows: Iterator[memoryview], terminator: bytes, separator: bytes, tail: bytes):
    """`head`, then the rows, each with its LF replaced by `terminator` and `separator` between them, then `tail`, in
    chunks of about CHUNK_BYTES."""
    chunk = bytearray(head)
    between = b""
    for row in rows:
        chunk += between
        chunk += row[:-1]
        chunk += terminator
        between = separator
        if len(chunk) >= CHUNK_BYTES:
            yield bytes(chunk)
            chunk.clear()
    chunk += tail
    yield bytes(chunk)


def csv_chunks(header: list[str], hashtags: dict[str, str] | None, cells: dict[str, str], from_sql: str):
    """The CSV file: the header (and under it the HXL hashtags, when given), then a row per incident of `from_sql`,
    each cell the SQL text of `cells` under the header's name: every column of the header and no other, or a
    ValueError naming the difference, so that a new column cannot shift the others."""
    if cells.keys() != set(header):
        raise ValueError(
            f"the cells differ from the header: missing {sorted(set(header) - cells.keys())}, "
            f"unknown {sorted(cells.keys() - set(header))}"
        )
    writer = csv_writer()
    head = writer.writerow(header)
    if hashtags is not None:
        head += writer.writerow([hashtags.get(name, "") for name in header])
    select = "SELECT " + ", ".join(f"NULLIF({cells[name]}, '')" for name in header) + f" FROM {from_sql}"
    return _started(_chunked(head.encode(), _copy(select, "FORMAT csv"), b"\r\n", b"", b""))


def json_chunks(head: str, json: str, separator: str, tail: str, from_sql: str):
    """`head`, then the JSON text `json` of each incident of `from_sql`, `separator` between them, then `tail`.

    JSON text holds no control character (JSON writes them escaped), so COPY's CSV format with two of them as its
    delimiter and quote writes it as it is; its text format would double every backslash."""
    rows = _copy(f"SELECT {json} FROM {from_sql}", "FORMAT csv, DELIMITER E'\\x01', QUOTE E'\\x02'")
    return _started(_chunked(head.encode(), rows, b"", separator.encode(), tail.encode()))
