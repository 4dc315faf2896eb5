"""The staging table an ACLED file is copied into (PostgreSQL COPY, a row at a time), the rules checked over it in
SQL, and the reads the merge and the report make of it. A temporary table, dropped with the transaction."""

from collections.abc import Iterator
from typing import IO

from django.db import connection
from django.utils.translation import gettext as _
from psycopg.types.json import Jsonb

from events.choices import SUB_EVENT_TYPES_BY_EVENT_TYPE
from events.models import EARLIEST_DATE

from .. import acled
from ..choices import ImportKind
from ..models import MAX_STORED_ERRORS
from .history import Progress

PROGRESS_ROWS = 10_000
ACLED_TABLE = "import_acled_staging"

STAGING = """
DROP TABLE IF EXISTS import_acled_staging;
CREATE TEMPORARY TABLE import_acled_staging (
    row_number integer PRIMARY KEY,
    event_id text,
    event_date date,
    date_precision text,
    event_type text,
    sub_event_type text,
    actor1 text,
    assoc_actor_1 text[],
    kind1 text,
    actor2 text,
    assoc_actor_2 text[],
    kind2 text,
    civilian_targeting boolean,
    country text,
    country_raw text,
    admin1 text,
    admin2 text,
    admin3 text,
    location text,
    latitude numeric,
    longitude numeric,
    geo_precision integer,
    fatalities integer,
    notes text,
    source text,
    extra jsonb,
    error text
) ON COMMIT DROP
"""
STAGED = (
    "row_number",
    "event_id",
    "event_date",
    "date_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "kind1",
    "actor2",
    "assoc_actor_2",
    "kind2",
    "civilian_targeting",
    "country",
    "country_raw",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "fatalities",
    "notes",
    "source",
    "extra",
    "error",
)


def _checks() -> list[tuple[str, str, str]]:
    """(condition, value shown, message) for each rule checked in SQL; the message takes %(value)s."""
    return [
        (
            "event_id IS NULL OR length(event_id) > 60",
            "event_id",
            _("event_id_cnty %(value)s is longer than 60 characters."),
        ),
        (
            "country IS NULL",
            "country_raw",
            _("Country %(value)s is not a country of ISO 3166 (give iso3, iso or an ISO country name)."),
        ),
        (
            "NOT EXISTS (SELECT 1 FROM valid_types v WHERE v.event_type = s.event_type"
            " AND v.sub_event_type = coalesce(s.sub_event_type, ''))",
            "s.event_type || ' / ' || coalesce(s.sub_event_type, '')",
            _("%(value)s is not one of ACLED's event types with one of its sub-event types."),
        ),
        (
            "(latitude IS NULL) <> (longitude IS NULL) OR latitude NOT BETWEEN -90 AND 90"
            " OR longitude NOT BETWEEN -180 AND 180",
            "coalesce(latitude::text, 'NA') || ', ' || coalesce(longitude::text, 'NA')",
            _("Coordinates %(value)s: give latitude (-90 to 90) and longitude (-180 to 180), or neither."),
        ),
        (
            "geo_precision NOT IN (1, 2, 3)",
            "geo_precision::text",
            _("geo_precision is %(value)s; ACLED's codes are 1, 2 and 3."),
        ),
        ("fatalities < 0", "fatalities::text", _("fatalities is %(value)s; a count cannot be negative.")),
        (
            "event_date < %(earliest)s OR event_date > current_date",
            "event_date::text",
            _("event_date %(value)s is before 1900 or in the future."),
        ),
        (
            "length(admin1) > 100 OR length(admin2) > 100 OR length(admin3) > 100 OR length(location) > 200",
            "left(coalesce(location, ''), 40)",
            _("An admin name (over 100 characters) or the location %(value)s (over 200) is too long."),
        ),
    ]


def stage(binary: IO[bytes], date_format: str, progress: Progress) -> int:
    """Copy the file's rows into the staging table, each parsed or with its reader's error; returns the count."""
    rows_read = 0
    with acled.opened(binary) as text, connection.cursor() as cursor:
        cursor.execute(STAGING)
        with cursor.cursor.copy(f"COPY import_acled_staging ({', '.join(STAGED)}) FROM STDIN") as copy:
            for item in acled.read_rows(text, date_format):
                rows_read += 1
                if rows_read % PROGRESS_ROWS == 0:
                    progress.report(rows_read=rows_read)
                if isinstance(item, acled.RowError):
                    # Staged with its error, so the event still counts as present in this file.
                    copy.write_row((item.row, item.event_id or None, *([None] * (len(STAGED) - 3)), item.message))
                else:
                    copy.write_row(staged(item))
        cursor.execute("CREATE INDEX ON import_acled_staging (event_id, row_number)")
        # Statistics of the columns the merge selects on; the long notes and the jsonb cost most of a full ANALYZE
        # and no plan needs them.
        cursor.execute("ANALYZE import_acled_staging (event_id, error)")
    return rows_read


def staged(row: acled.AcledRow) -> tuple:
    return (
        row.row,
        row.event_id,
        row.event_date,
        row.date_precision,
        row.event_type,
        row.sub_event_type,
        row.actor1,
        row.assoc_actor_1,
        row.kind1,
        row.actor2,
        row.assoc_actor_2,
        row.kind2,
        row.civilian_targeting,
        row.country,
        row.extra.get("iso3") or row.extra.get("iso") or row.extra.get("country") or "",
        row.admin1,
        row.admin2,
        row.admin3,
        row.location,
        row.latitude,
        row.longitude,
        row.geo_precision,
        row.fatalities,
        row.notes,
        row.source,
        Jsonb(row.extra),
        None,
    )


def validate() -> tuple[int, list[dict], int]:
    """Mark each row that breaks a rule with its message, in SQL; then read back the count of row errors, the
    first messages (in row order, so a file wrong throughout costs no memory) and the count of valid events."""
    pairs = [
        (event_type, sub_event_type)
        for event_type, sub_event_types in SUB_EVENT_TYPES_BY_EVENT_TYPE.items()
        for sub_event_type in ("", *sub_event_types)
    ]
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS valid_types")
        cursor.execute("CREATE TEMPORARY TABLE valid_types (event_type text, sub_event_type text) ON COMMIT DROP")
        cursor.execute(
            "INSERT INTO valid_types SELECT * FROM unnest(%s::text[], %s::text[])",
            [[pair[0] for pair in pairs], [pair[1] for pair in pairs]],
        )
        for condition, shown, message in _checks():
            cursor.execute(
                f"""
                UPDATE import_acled_staging s
                SET error = replace(%(message)s, '%%(value)s', coalesce({shown}, 'NA'))
                WHERE s.error IS NULL AND ({condition})
                """,
                {"earliest": EARLIEST_DATE, "message": message},
            )
        # A monadic file gives each event once per actor: the rows must agree on all but the actors.
        cursor.execute(
            """
            WITH first AS (
                SELECT DISTINCT ON (event_id) * FROM import_acled_staging WHERE error IS NULL
                ORDER BY event_id, row_number
            )
            UPDATE import_acled_staging s
            SET error = replace(replace(%(message)s, '%%(event)s', s.event_id), '%%(first)s', f.row_number::text)
            FROM first f
            WHERE s.error IS NULL AND s.event_id = f.event_id AND s.row_number <> f.row_number
              AND (s.event_date, s.date_precision, s.event_type, s.sub_event_type, s.fatalities, s.country,
                   s.admin1, s.admin2, s.admin3, s.location, s.latitude, s.longitude, s.notes)
                  IS DISTINCT FROM
                  (f.event_date, f.date_precision, f.event_type, f.sub_event_type, f.fatalities, f.country,
                   f.admin1, f.admin2, f.admin3, f.location, f.latitude, f.longitude, f.notes)
            """,
            {
                "message": _(
                    "Event %(event)s is already in row %(first)s with another date, type, place, note or "
                    "fatality count: this row was left out."
                )
            },
        )
    return report(ACLED_TABLE)


def report(table: str) -> tuple[int, list[dict], int]:
    """A staging table's row errors (the count, the first MAX_STORED_ERRORS) and its count of valid events."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE error IS NOT NULL")
        (error_count,) = cursor.fetchone()
        cursor.execute(
            f"SELECT row_number, coalesce(event_id, ''), error FROM {table} "
            "WHERE error IS NOT NULL ORDER BY row_number LIMIT %s",
            [MAX_STORED_ERRORS],
        )
        errors = [
            {"row": row, "event_id": event_id, "message": message} for row, event_id, message in cursor.fetchall()
        ]
        cursor.execute(f"SELECT count(DISTINCT event_id) FROM {table} WHERE error IS NULL")
        (events_total,) = cursor.fetchone()
    return error_count, errors, events_total


def absent(table: str = ACLED_TABLE, kind: str = ImportKind.ACLED) -> tuple[int, list[str]]:
    """Events imported before, in the countries and dates this file covers, that it no longer has. They are
    reported, not deleted: ACLED (and UCDP) delete events they merged or found out of scope, and an editor
    decides. `table` is the staging table, with event_id, event_date, country and error columns."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH covered AS (
                SELECT array_agg(DISTINCT country) AS countries, min(event_date) AS first, max(event_date) AS last
                FROM {table} WHERE error IS NULL
            ), absent AS (
                SELECT e.external_id
                FROM imports_importedevent e
                JOIN events_incident i ON i.id = e.incident_id
                CROSS JOIN covered
                WHERE e.kind = %(kind)s AND i.country = ANY(covered.countries)
                  AND i.start_date BETWEEN covered.first AND covered.last
                  AND NOT EXISTS (SELECT 1 FROM {table} s WHERE s.event_id = e.external_id)
            )
            SELECT (SELECT count(*) FROM absent),
                   ARRAY(SELECT external_id FROM absent ORDER BY external_id LIMIT %(limit)s)
            """,
            {"kind": kind, "limit": MAX_STORED_ERRORS},
        )
        return cursor.fetchone()


def batches(size: int, table: str = ACLED_TABLE, columns: tuple[str, ...] = STAGED) -> Iterator[list[dict]]:
    """The valid staged rows, `size` events at a time, each event's rows together and in file order."""
    last = ""
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT DISTINCT event_id FROM {table} WHERE error IS NULL AND event_id > %s "
                "ORDER BY event_id LIMIT %s",
                [last, size],
            )
            ids = [event_id for (event_id,) in cursor.fetchall()]
            if not ids:
                return
            last = ids[-1]
            cursor.execute(
                f"SELECT {', '.join(columns)} FROM {table} "
                "WHERE error IS NULL AND event_id = ANY(%s) ORDER BY event_id, row_number",
                [ids],
            )
            columns = [column.name for column in cursor.description]
            rows = [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]
        yield rows
