"""pghistory's insert trigger, which a bulk writer that records its rows' snapshots itself turns off.

A trigger per row costs several times a COPY of the row; pgtrigger.ignore still fires it (its function returns
early), queueing an event per row. The insert trigger's WHEN condition reads a transaction's setting instead, so
inside `insert_snapshots_by_caller()` PostgreSQL does not fire it at all."""

import re
from contextlib import contextmanager

import pghistory
import pgtrigger
from django.db import connection

INSERT_SNAPSHOTS_SETTING = "conflict_tracker.insert_snapshots_by_caller"


def insert_tracker() -> pghistory.InsertEvent:
    """pghistory's insert tracker, whose trigger fires unless the setting is on."""
    return pghistory.InsertEvent(
        condition=pgtrigger.Condition(f"current_setting('{INSERT_SNAPSHOTS_SETTING}', true) IS DISTINCT FROM 'on'")
    )


@contextmanager
def insert_snapshots_by_caller():
    """Inside a transaction (which an error in the block ends): the rows inserted in the block get no snapshot from
    pghistory's insert trigger; the caller writes them, under its own context (e.g. one INSERT ... SELECT per table:
    imports.services.history.record_inserts)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, 'on', true)", [INSERT_SNAPSHOTS_SETTING])
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, 'off', true)", [INSERT_SNAPSHOTS_SETTING])


def positional(sql: str, values: dict) -> tuple[str, list]:
    """`sql` written with named parameters (`%(name)s`) turned into positional ones, with their values in order:
    within pghistory's context (the services' writes), pghistory prepends its own parameter to every statement,
    which a statement with named parameters cannot take."""
    names = re.findall(r"%\((\w+)\)s", sql)
    return re.sub(r"%\(\w+\)s", "%s", sql), [values[name] for name in names]
