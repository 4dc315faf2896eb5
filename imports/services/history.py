"""Bookkeeping around an import's writes: the history snapshots of rows inserted in bulk, and the job's progress as
others see it."""

import json
import logging
import operator
from functools import cache

import pghistory.config
import pghistory.models
from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, models
from psycopg.types.json import Jsonb

logger = logging.getLogger(__name__)


class Progress:
    """Writes a job's progress on a database connection of its own, in autocommit, so the page polling the job
    sees it while the import's transaction is still open. The import's own connection leaves the job row alone
    until it has finished, so the two never wait for each other."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.connection = None

    def report(self, **counts: int) -> None:
        try:
            if self.connection is None:
                self.connection = connections.create_connection(DEFAULT_DB_ALIAS)
            with self.connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE imports_importjob SET {', '.join(f'{name} = %s' for name in counts)} WHERE id = %s",
                    [*counts.values(), self.job_id],
                )
        except DatabaseError:
            # Progress is for the eyes only: the import goes on without it.
            logger.warning("Could not report the progress of import job %s", self.job_id, exc_info=True)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


@cache
def event_model(model):
    """The pghistory event model that records `model`'s rows."""
    return next(
        candidate
        for candidate in apps.get_models()
        if issubclass(candidate, pghistory.models.Event) and candidate.pgh_tracked_model is model
    )


def ids_reserve(model, count: int) -> list[int]:
    """`count` new ids of the model's table, drawn from its sequence."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [_sequence(model), count])
        return [value for (value,) in cursor.fetchall()]


def copy_insert(model, rows: list[dict], now, ids: list[int] | None = None) -> list[int]:
    """Insert `rows` (column values by attname, the same columns in each row; the model's defaults for the others)
    with PostgreSQL COPY, under `ids` or ids drawn from the table's sequence first; returns the ids, in order.
    Defaults are computed once per call: a value that must differ per row (a uuid4) has to be given in the rows.
    What bulk_create does, without a model instance, a prepared value and a parsed VALUES list per row: on an
    import's hundreds of thousands of rows, that was most of the time. Run it under
    conflict_tracker.history.insert_snapshots_by_caller to keep the history triggers off: see record_inserts."""
    if not rows:
        return []
    pk = model._meta.pk
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    given = list(rows[0])
    defaulted = [
        field
        for field in model._meta.concrete_fields
        if not field.generated and field is not pk and field.attname not in rows[0]
    ]
    defaults = []
    for field in defaulted:
        if isinstance(field, models.DateTimeField) and (field.auto_now or field.auto_now_add):
            defaults.append(now)
        else:
            defaults.append(_adapted(field, field.get_default()))
    json_given = [index for index, name in enumerate(given) if isinstance(by_attname[name], models.JSONField)]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(field.column) for field in [pk, *map(by_attname.get, given), *defaulted]
    )
    if ids is None:
        ids = ids_reserve(model, len(rows))
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            values_of = operator.itemgetter(*given)  # the given columns' values of a row, in one C call
            for row_id, row in zip(ids, rows, strict=True):
                values = list(values_of(row)) if len(given) > 1 else [values_of(row)]
                for index in json_given:
                    values[index] = _adapted(by_attname[given[index]], values[index])
                copy.write_row([row_id, *values, *defaults])
    return ids


@cache
def _sequence(model) -> str:
    """The name of the sequence of the model's ids, looked up once per process: nextval of a constant name is six
    times faster than of pg_get_serial_sequence, which PostgreSQL evaluates again for each id."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [model._meta.db_table, model._meta.pk.column])
        return cursor.fetchone()[0]


def _adapted(field, value):
    return Jsonb(value) if isinstance(field, models.JSONField) and value is not None else value


def record_inserts(model, ids: list[int], context) -> None:
    """What pghistory's insert trigger writes for each row, for many rows in one statement: the snapshot of each
    new row under the import's context. The bulk inserts run with that trigger off (it does not even fire), as a
    trigger per row costs several times the insert itself. The ids of one COPY are close together: the range makes
    it one short scan of the primary key, where the list of ids alone was planned as a scan of the whole table
    (3-4x slower at 100,000 rows, and growing with the table)."""
    if not ids:
        return
    events = event_model(model)
    columns = [
        connection.ops.quote_name(field.column)
        for field in events._meta.concrete_fields
        if not field.name.startswith("pgh_")
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {connection.ops.quote_name(events._meta.db_table)}
                (pgh_created_at, pgh_label, pgh_obj_id, pgh_context_id, {", ".join(columns)})
            SELECT NOW(), 'insert', id, %s, {", ".join(columns)}
            FROM {connection.ops.quote_name(model._meta.db_table)} WHERE id BETWEEN %s AND %s AND id = ANY(%s)
            """,
            [context.id, min(ids), max(ids), ids],
        )


def context_row(context) -> None:
    """The pghistory context row, which the first trigger would otherwise have written."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO pghistory_context (id, metadata, created_at, updated_at) VALUES (%s, %s, NOW(), NOW()) "
            "ON CONFLICT (id) DO NOTHING",
            [context.id, json.dumps(context.metadata, cls=pghistory.config.json_encoder())],
        )
