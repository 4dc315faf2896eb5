"""The staging table a file is copied into (PostgreSQL COPY, a row at a time), the rules checked over it in SQL,
and the reads the merge and the report make of it. A temporary table, dropped with the transaction; each import
names its own (acled_import.py, ucdp_import.py)."""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db import connection

from events.models import EARLIEST_DATE

from ..models import MAX_STORED_ERRORS
from ..readers.csvfile import RowError
from .history import Progress

PROGRESS_ROWS = 10_000


@dataclass(frozen=True)
class StagingTable:
    """A staging table: its name and its columns with their SQL types, row_number (the primary key) first, then
    event_id, and error (the row's message, if it broke a rule) last. The absent-events query also needs
    event_date and country."""

    name: str
    columns: tuple[tuple[str, str], ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _type in self.columns)

    def fill(self, items: Iterable, staged: Callable[..., tuple], progress: Progress) -> int:
        """Copy a reader's rows into the table, each as `staged(row)` gives it or with its reader's error; returns
        the count."""
        rows_read = 0
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.name}")
            columns = ", ".join(f"{name} {sql_type}" for name, sql_type in self.columns)
            cursor.execute(f"CREATE TEMPORARY TABLE {self.name} ({columns}) ON COMMIT DROP")
            with cursor.cursor.copy(f"COPY {self.name} ({', '.join(self.names)}) FROM STDIN") as copy:
                for item in items:
                    rows_read += 1
                    if rows_read % PROGRESS_ROWS == 0:
                        progress.report(rows_read=rows_read)
                    if isinstance(item, RowError):
                        # Staged with its error, so the event still counts as present in this file.
                        copy.write_row(
                            (item.row, item.event_id or None, *([None] * (len(self.columns) - 3)), item.message)
                        )
                    else:
                        copy.write_row(staged(item))
            cursor.execute(f"CREATE INDEX ON {self.name} (event_id, row_number)")
            # Statistics of the columns the merge selects on; the long notes and the jsonb cost most of a full
            # ANALYZE and no plan needs them.
            cursor.execute(f"ANALYZE {self.name} (event_id, error)")
        return rows_read

    def check(self, checks: list[tuple[str, str, str]]) -> None:
        """Mark each row that breaks a rule with its message, in SQL. A check is (condition, value shown, message),
        the message taking %(value)s and the condition %(earliest)s, the earliest date an incident may have."""
        with connection.cursor() as cursor:
            for condition, shown, message in checks:
                cursor.execute(
                    f"""
                    UPDATE {self.name} s
                    SET error = replace(%(message)s, '%%(value)s', coalesce({shown}, 'NA'))
                    WHERE s.error IS NULL AND ({condition})
                    """,
                    {"earliest": EARLIEST_DATE, "message": message},
                )

    def report(self) -> tuple[int, list[dict], int]:
        """The row errors (the count, the first MAX_STORED_ERRORS, in row order, so a file wrong throughout costs no
        memory) and the count of valid events."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {self.name} WHERE error IS NOT NULL")
            (error_count,) = cursor.fetchone()
            cursor.execute(
                f"SELECT row_number, coalesce(event_id, ''), error FROM {self.name} "
                "WHERE error IS NOT NULL ORDER BY row_number LIMIT %s",
                [MAX_STORED_ERRORS],
            )
            errors = [
                {"row": row, "event_id": event_id, "message": message} for row, event_id, message in cursor.fetchall()
            ]
            cursor.execute(f"SELECT count(DISTINCT event_id) FROM {self.name} WHERE error IS NULL")
            (events_total,) = cursor.fetchone()
        return error_count, errors, events_total

    def absent(self, kind: str) -> tuple[int, list[str]]:
        """Events of this kind imported before, in the countries and dates this file covers, that it no longer has.
        They are reported, not deleted: ACLED (and UCDP) delete events they merged or found out of scope, and an
        editor decides."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                WITH covered AS (
                    SELECT array_agg(DISTINCT country) AS countries, min(event_date) AS first,
                           max(event_date) AS last
                    FROM {self.name} WHERE error IS NULL
                ), absent AS (
                    SELECT e.external_id
                    FROM imports_importedevent e
                    JOIN events_incident i ON i.id = e.incident_id
                    CROSS JOIN covered
                    WHERE e.kind = %(kind)s AND i.country = ANY(covered.countries)
                      AND i.start_date BETWEEN covered.first AND covered.last
                      AND NOT EXISTS (SELECT 1 FROM {self.name} s WHERE s.event_id = e.external_id)
                )
                SELECT (SELECT count(*) FROM absent),
                       ARRAY(SELECT external_id FROM absent ORDER BY external_id LIMIT %(limit)s)
                """,
                {"kind": kind, "limit": MAX_STORED_ERRORS},
            )
            return cursor.fetchone()

    def batches(self, size: int) -> Iterator[list[dict]]:
        """The valid staged rows, `size` events at a time, each event's rows together and in file order."""
        last = ""
        while True:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT DISTINCT event_id FROM {self.name} WHERE error IS NULL AND event_id > %s "
                    "ORDER BY event_id LIMIT %s",
                    [last, size],
                )
                ids = [event_id for (event_id,) in cursor.fetchall()]
                if not ids:
                    return
                last = ids[-1]
                names = self.names  # a property: once per batch, not per row
                cursor.execute(
                    f"SELECT {', '.join(names)} FROM {self.name} "
                    "WHERE error IS NULL AND event_id = ANY(%s) ORDER BY event_id, row_number",
                    [ids],
                )
                rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
            yield rows
