"""Every published incident stored as the public list renders it (IncidentRendering), kept by database triggers.

A page of the public list is then one read of fifty stored rows, where building them took PostgreSQL about 40 us
per incident (a dozen index lookups and the JSON of its parts). The rendering depends on the incident, its
participants (and their actors' names), casualty records with their perpetrators and claims, property harms with
their claims, and its claims: a statement that changes any of these re-renders the incidents it touched, in the
same transaction, whoever wrote it (services, imports, the admin, SQL). So a stored rendering is never older than
what it shows, and a draft, a retracted incident or one in review has none.

The rendering is the SQL of the list itself (events/api/listing.py, as a reader who is not staff sees it, in UTC):
`install` writes it into the database functions after every `migrate` and re-renders every published incident when
it changed, so the two cannot drift. Renderings are written in UTC, the project's TIME_ZONE; the list renders any
other zone itself.

Bulk writers (the imports, the benchmark's data) wrap their work in `renderings_deferred()`: the triggers then only
note the incidents touched, and each is rendered once, when the block ends, instead of once per statement.
"""

import hashlib
from contextlib import contextmanager

from django.contrib.auth.models import AnonymousUser
from django.db import connection, connections
from django.db.models.signals import post_migrate

from events.api import listing
from events.choices import IncidentStatus

REFRESH_FUNCTION = "incident_renderings_refresh"
DEFERRED_SETTING = "conflict_tracker.renderings_deferred"
PENDING_TABLE = "incident_renderings_pending"

# Per table: the incidents a change to it touches, selected from its transition table {rows}. A claim's status
# counts on its own incident's records, and a change of incident (or of that incident's visibility) on any record
# that rests on it, which the services never allow across incidents, but the admin and SQL could.
#
# Each step looks up one table by an indexed key given as an array (`= ANY(ARRAY(...))`), never a join: with
# statistics taken while a table was nearly empty (a first import, a test database), the planner otherwise nests
# a whole scan of the table inside the loop over the changed rows, and an import's batches grew slower with every
# batch (the tenth took 13 s where the first took 1 s). The functions' planner settings make each step a lookup
# by index condition whatever the statistics say (with index-only scans allowed, the planner would still read a
# whole two-column unique index with a filter); every lookup here and in the refresh is by an indexed key. The
# steps are joined by UNION ALL, as a plain UNION's sorted input had the planner read a whole index in its order;
# an incident named twice is rendered once all the same.
PLANNER_SETTINGS = {"enable_seqscan": "off", "enable_indexonlyscan": "off"}
_BY_INDEX = " ".join(f"SET {name} = {value}" for name, value in PLANNER_SETTINGS.items())
_CITING = """
    UNION ALL SELECT r.incident_id FROM events_casualtyrecord r WHERE r.id = ANY(ARRAY(
        SELECT l.casualty_record_id FROM events_casualtyclaim l WHERE l.claim_id = ANY({claims})))
    UNION ALL SELECT h.incident_id FROM events_propertyharm h WHERE h.id = ANY(ARRAY(
        SELECT l.property_harm_id FROM events_propertyharmclaim l WHERE l.claim_id = ANY({claims})))"""
_OF_RECORD = (
    "SELECT r.incident_id FROM events_casualtyrecord r WHERE r.id = ANY(ARRAY(SELECT casualty_record_id FROM {rows}))"
)
_OF_PROPERTY_HARM = (
    "SELECT h.incident_id FROM events_propertyharm h WHERE h.id = ANY(ARRAY(SELECT property_harm_id FROM {rows}))"
)
_TOUCHED = {
    "events_incident": "SELECT id FROM {rows}"
    + _CITING.replace(
        "{claims}", "ARRAY(SELECT c.id FROM sources_claim c WHERE c.incident_id = ANY(ARRAY(SELECT id FROM {rows})))"
    ),
    "events_incidentparticipant": "SELECT incident_id FROM {rows}",
    "events_casualtyrecord": "SELECT incident_id FROM {rows}",
    "events_casualtyperpetrator": _OF_RECORD,
    "events_casualtyclaim": _OF_RECORD,
    "events_propertyharm": "SELECT incident_id FROM {rows}",
    "events_propertyharmclaim": _OF_PROPERTY_HARM,
    "sources_claim": "SELECT incident_id FROM {rows}" + _CITING.replace("{claims}", "ARRAY(SELECT id FROM {rows})"),
}
# An actor is rendered by name in its incidents' participants: only a new name touches them (a new actor has no
# incidents yet, and one with incidents cannot be deleted).
_ACTOR_RENAMED = """SELECT p.incident_id FROM events_incidentparticipant p WHERE p.actor_id = ANY(ARRAY(
    SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id AND o.name IS DISTINCT FROM n.name))"""
_TRANSITION_TABLES = {
    "INSERT": "NEW TABLE AS new_rows",
    "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "OLD TABLE AS old_rows",
}


def _touched_by(table: str) -> dict[str, str]:
    """Per operation on `table`, the SQL of the incidents it touches."""
    if table == "actors_actor":
        return {"UPDATE": _ACTOR_RENAMED}
    touched = _TOUCHED[table]
    return {
        "INSERT": touched.format(rows="new_rows"),
        "UPDATE": f"{touched.format(rows='new_rows')} UNION ALL {touched.format(rows='old_rows')}",
        "DELETE": touched.format(rows="old_rows"),
    }


def _refresh_function_sql() -> str:
    """The function that renders the incidents `ids` (published ones) and drops the renderings of the others.

    It first locks the incidents, as every edit of an incident does: a change that does not write the incident
    itself (a claim's review, an actor's new name) then waits for an edit of it in progress, and renders after it
    with a new snapshot, rather than writing over its rendering with one made before it."""
    body = listing.statement("{incident}", AnonymousUser()).replace("%%", "%")
    return f"""CREATE OR REPLACE FUNCTION {REFRESH_FUNCTION}(ids bigint[]) RETURNS void LANGUAGE plpgsql
{_BY_INDEX} AS $fn$
BEGIN
    PERFORM 1 FROM events_incident WHERE id = ANY(ids) ORDER BY id FOR NO KEY UPDATE;
    DELETE FROM events_incidentrendering WHERE incident_id = ANY(ids);
    INSERT INTO events_incidentrendering (incident_id, body)
    SELECT i.id, ({body})::text
    FROM events_incident i CROSS JOIN (SELECT 'UTC'::text AS name) zone
    WHERE i.id = ANY(ids) AND i.status = '{IncidentStatus.PUBLISHED}';
END $fn$"""


# Renders the incidents `ids` at once, or, inside renderings_deferred(), notes them for its end.
_TOUCH_FUNCTION_SQL = f"""CREATE OR REPLACE FUNCTION incident_renderings_touch(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
    IF current_setting('{DEFERRED_SETTING}', true) = 'on' THEN
        INSERT INTO pg_temp.{PENDING_TABLE} SELECT DISTINCT id FROM unnest(ids) AS t(id) WHERE id IS NOT NULL
            ON CONFLICT DO NOTHING;
    ELSE
        PERFORM {REFRESH_FUNCTION}(ids);
    END IF;
END $fn$"""


def _trigger_sql(table: str) -> list[str]:
    """One statement-level trigger per operation (transition tables allow no more), one function for them all."""
    function = f"{table}_renderings"
    touched_by = _touched_by(table)
    branches = "\n    ELS".join(
        f"IF TG_OP = '{operation}' THEN\n        PERFORM incident_renderings_touch(ARRAY({sql}));"
        for operation, sql in touched_by.items()
    )
    statements = [
        f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql {_BY_INDEX} AS $fn$
BEGIN
    {branches}
    END IF;
    RETURN NULL;
END $fn$"""
    ]
    for operation in touched_by:
        statements.append(
            f"CREATE OR REPLACE TRIGGER {table}_renderings_{operation.lower()} AFTER {operation} ON {table} "
            f"REFERENCING {_TRANSITION_TABLES[operation]} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )
    return statements


def installation_sql() -> list[str]:
    return [
        _refresh_function_sql(),
        _TOUCH_FUNCTION_SQL,
        *(statement for table in [*_TOUCHED, "actors_actor"] for statement in _trigger_sql(table)),
    ]


def install(using: str = "default") -> bool:
    """Write the functions and triggers if they differ from the installed ones, then render every published
    incident anew (the rendering may have changed). True if anything was written."""
    statements = installation_sql()
    digest = hashlib.sha256("\n".join(statements).encode()).hexdigest()
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT obj_description(to_regproc(%s), 'pg_proc') IS NOT DISTINCT FROM %s", [REFRESH_FUNCTION, digest]
        )
        if cursor.fetchone()[0]:
            return False
        for sql in statements:
            cursor.execute(sql)
        cursor.execute(f"COMMENT ON FUNCTION {REFRESH_FUNCTION}(bigint[]) IS '{digest}'")
        cursor.execute(
            f"SELECT {REFRESH_FUNCTION}(ARRAY(SELECT id FROM events_incident WHERE status = %s))",
            [IncidentStatus.PUBLISHED],
        )
    return True


def install_after_migrate(sender, using, plan=None, **kwargs) -> None:
    """post_migrate: once the tables exist, as they do after the events app's migrations."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT to_regclass('events_incidentrendering') IS NOT NULL")
        if cursor.fetchone()[0]:
            install(using)


def connect_signals(app_config) -> None:
    post_migrate.connect(install_after_migrate, sender=app_config, dispatch_uid="events.rendering.install")


@contextmanager
def renderings_deferred():
    """Inside a transaction (which an error in the block ends): the triggers note the incidents they touch, which
    are rendered once, at the end of the block."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {PENDING_TABLE} (id bigint PRIMARY KEY) ON COMMIT DELETE ROWS")
        cursor.execute("SELECT set_config(%s, 'on', true)", [DEFERRED_SETTING])
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, 'off', true)", [DEFERRED_SETTING])
        cursor.execute(f"SELECT {REFRESH_FUNCTION}(ARRAY(SELECT id FROM pg_temp.{PENDING_TABLE}))")
        cursor.execute(f"DELETE FROM pg_temp.{PENDING_TABLE}")
