"""A copy of the test database's tables kept in a schema of its own, put back in a few hundred milliseconds.

Browser tests commit, so every test ends with Django emptying the tables; loading the Mali demo again for the
next one takes seconds (tens of services calls, the history triggers, a tally rebuild), a copy takes a fraction
of that. Putting rows back runs with session_replication_role = replica, so neither foreign key checks nor the
history and validation triggers fire for rows that were checked and recorded when they were first written.
"""

from django.db import connection, transaction
from django.db.utils import DatabaseError

SCHEMA = "browser_test_snapshot"
# Not the data of a test: Django's own record of the migrations, which a flush leaves alone too.
KEPT = {"django_migrations"}


class Snapshot:
    """take() once, then restore() as often as needed; restore() is False when the database refuses (a role
    that may not set session_replication_role), and the caller then loads the data the slow way."""

    def __init__(self):
        self.columns: dict[str, str] = {}
        self.sequences: dict[str, int | None] = {}
        self.usable = True

    @property
    def taken(self) -> bool:
        return bool(self.columns)

    def take(self) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
            cursor.execute(f"CREATE SCHEMA {SCHEMA}")
            cursor.execute(
                "SELECT table_name, string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position)"
                " FROM information_schema.columns JOIN information_schema.tables USING (table_schema, table_name)"
                " WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND is_generated = 'NEVER'"
                " GROUP BY table_name"
            )
            columns = {table: names for table, names in cursor.fetchall() if table not in KEPT}
            for table, names in columns.items():
                cursor.execute(f"CREATE TABLE {SCHEMA}.{quote(table)} AS SELECT {names} FROM public.{quote(table)}")
            cursor.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'")
            self.sequences = dict(cursor.fetchall())
        self.columns = columns

    def restore(self) -> bool:
        if not self.usable:
            return False
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
                cursor.execute("TRUNCATE " + ", ".join(f"public.{quote(table)}" for table in self.columns))
                for table, names in self.columns.items():
                    cursor.execute(
                        f"INSERT INTO public.{quote(table)} ({names}) SELECT {names} FROM {SCHEMA}.{quote(table)}"
                    )
                for sequence, value in self.sequences.items():
                    if value is None:  # never used: the next value is its first
                        cursor.execute("SELECT setval(%s, 1, false)", [f"public.{quote(sequence)}"])
                    else:
                        cursor.execute("SELECT setval(%s, %s)", [f"public.{quote(sequence)}", value])
        except DatabaseError:
            self.usable = False
            return False
        return True

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")


def quote(name: str) -> str:
    return connection.ops.quote_name(name)
