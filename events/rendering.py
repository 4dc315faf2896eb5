"""Every published incident stored as the public list renders it (IncidentRendering), kept by database triggers.

A page of the public list is then one read of fifty stored rows, where building them took PostgreSQL about 40 us
per incident (a dozen index lookups and the JSON of its parts). The rendering depends on the incident, its
participants (and their actors' names), casualty records with their perpetrators and claims, property harms with
their claims, and its claims: a statement that changes any of these re-renders the incidents it touched, in the
same transaction, whoever wrote it (services, imports, the admin, SQL). So a stored rendering is never older than
what it shows, and a draft, a retracted incident or one in review has none.

The rendering is the SQL of the list itself (events/api/listing.py from the column tables of events/columns.py, as a
reader who is not staff sees it, in UTC). The database functions below and the statement-level triggers
(`TRIGGERS`, declared with pgtrigger) are installed by migrations, so a change to either is a migration to review:
tests/events/test_rendering.py fails while the functions the migrations installed differ from `functions_sql()`,
and `makemigrations --check` while a trigger differs. Renderings are written in UTC, the project's TIME_ZONE; the
list renders any other zone itself.

Bulk writers (the imports, the benchmark's data) wrap their work in `renderings_deferred()`: the triggers then only
note the incidents touched, and each is rendered once, when the block ends, instead of once per statement.
"""

from contextlib import contextmanager

import pgtrigger
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from events.api import listing
from events.choices import IncidentStatus

REFRESH_FUNCTION = "incident_renderings_refresh"
TOUCH_FUNCTION = "incident_renderings_touch"
DEFERRED_SETTING = "conflict_tracker.renderings_deferred"
PENDING_TABLE = "incident_renderings_pending"

# The incidents a change touches, from the keys of the rows it changed: a claim's status counts on its own incident's
# records, and a change of incident (or of that incident's visibility) on any record that rests on it, which the
# services never allow across incidents, but the admin and SQL could.
#
# Each step looks up one table by an indexed key given as an array (`= ANY(...)`), never a join: with statistics
# taken while a table was nearly empty (a first import, a test database), the planner otherwise nests a whole scan
# of the table inside the loop over the changed rows, and an import's batches grew slower with every batch (the
# tenth took 13 s where the first took 1 s). The functions' planner settings make each step a lookup by index
# condition whatever the statistics say (with index-only scans allowed, the planner would still read a whole
# two-column unique index with a filter); every lookup here and in the refresh is by an indexed key. The steps are
# joined by UNION ALL, as a plain UNION's sorted input had the planner read a whole index in its order; an incident
# named twice is rendered once all the same.
#
# JIT is off in them: a sequential scan that enable_seqscan = off cannot avoid (the ids' own array, a transition
# table) is costed at 10^10, far over jit_above_cost, so PostgreSQL compiled and optimised the refresh for every
# call. At an import's end (17,000 incidents rendered in one statement) that was 2.4 s of 7.2 s, for no faster run.
PLANNER_SETTINGS = {"enable_seqscan": "off", "enable_indexonlyscan": "off", "jit": "off"}
_BY_INDEX = " ".join(f"SET {name} = {value}" for name, value in PLANNER_SETTINGS.items())
_CITING = """SELECT r.incident_id FROM events_casualtyrecord r WHERE r.id = ANY(ARRAY(
        SELECT l.casualty_record_id FROM events_casualtyclaim l WHERE l.claim_id = ANY({claims})))
    UNION ALL SELECT h.incident_id FROM events_propertyharm h WHERE h.id = ANY(ARRAY(
        SELECT l.property_harm_id FROM events_propertyharmclaim l WHERE l.claim_id = ANY({claims})))"""
# Per lookup function: its array arguments and the SQL of the incidents they touch.
LOOKUPS = {
    # An incident merging records (events.services.merges) renders them: a change to one renders it again.
    "incident_renderings_touch_incidents": (
        ("ids",),
        "SELECT unnest(ids) UNION ALL "
        "SELECT i.merged_into_id FROM events_incident i WHERE i.id = ANY(ids) AND i.merged_into_id IS NOT NULL "
        "UNION ALL " + _CITING.format(claims="ARRAY(SELECT c.id FROM sources_claim c WHERE c.incident_id = ANY(ids))"),
    ),
    "incident_renderings_touch_claims": (
        ("ids", "incidents"),
        "SELECT unnest(incidents) UNION ALL " + _CITING.format(claims="ids"),
    ),
    "incident_renderings_touch_records": (
        ("ids",),
        "SELECT r.incident_id FROM events_casualtyrecord r WHERE r.id = ANY(ids)",
    ),
    "incident_renderings_touch_property_harms": (
        ("ids",),
        "SELECT h.incident_id FROM events_propertyharm h WHERE h.id = ANY(ids)",
    ),
    # An actor is rendered by name in its incidents' participants.
    "incident_renderings_touch_actors": (
        ("ids",),
        "SELECT p.incident_id FROM events_incidentparticipant p WHERE p.actor_id = ANY(ids)",
    ),
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
_TOUCH_FUNCTION_SQL = f"""CREATE OR REPLACE FUNCTION {TOUCH_FUNCTION}(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
    IF current_setting('{DEFERRED_SETTING}', true) = 'on' THEN
        INSERT INTO pg_temp.{PENDING_TABLE} SELECT DISTINCT id FROM unnest(ids) AS t(id) WHERE id IS NOT NULL
            ON CONFLICT DO NOTHING;
    ELSE
        PERFORM {REFRESH_FUNCTION}(ids);
    END IF;
END $fn$"""


def _lookup_function_sql(name: str) -> str:
    arguments, touched = LOOKUPS[name]
    return f"""CREATE OR REPLACE FUNCTION {name}({", ".join(f"{argument} bigint[]" for argument in arguments)})
RETURNS void LANGUAGE plpgsql {_BY_INDEX} AS $fn$
BEGIN
    PERFORM {TOUCH_FUNCTION}(ARRAY({touched}));
END $fn$"""


def functions_sql() -> list[str]:
    """The functions the triggers call, as the migrations must install them. When this changes (a column of
    events/columns.py, a lookup), add a migration that runs these statements, then renders every published incident
    anew: SELECT incident_renderings_refresh(ARRAY(SELECT id FROM events_incident WHERE status = 'published'))."""
    return [_refresh_function_sql(), _TOUCH_FUNCTION_SQL, *(_lookup_function_sql(name) for name in LOOKUPS)]


# -- the triggers ----------------------------------------------------------------------------------------------------

# Per model: the function its changed rows are handed to, and the columns of those rows it takes (one array each).
_TOUCHES = {
    "events.Incident": ("incident_renderings_touch_incidents", ("id",)),
    "events.IncidentParticipant": (TOUCH_FUNCTION, ("incident_id",)),
    "events.CasualtyRecord": (TOUCH_FUNCTION, ("incident_id",)),
    "events.CasualtyPerpetrator": ("incident_renderings_touch_records", ("casualty_record_id",)),
    "events.CasualtyClaim": ("incident_renderings_touch_records", ("casualty_record_id",)),
    "events.PropertyHarm": (TOUCH_FUNCTION, ("incident_id",)),
    "events.PropertyHarmClaim": ("incident_renderings_touch_property_harms", ("property_harm_id",)),
    "events.RenderedClaim": ("incident_renderings_touch_claims", ("id", "incident_id")),
}
# Per operation of a statement-level trigger: its kind, its transition tables, and their names (events/licences.py
# builds its triggers from it too).
STATEMENT_OPERATIONS = {
    "insert": (pgtrigger.Insert, pgtrigger.Referencing(new="new_rows"), ("new_rows",)),
    "update": (pgtrigger.Update, pgtrigger.Referencing(old="old_rows", new="new_rows"), ("new_rows", "old_rows")),
    "delete": (pgtrigger.Delete, pgtrigger.Referencing(old="old_rows"), ("old_rows",)),
}


def _trigger(operation: str, call: str) -> pgtrigger.Trigger:
    """One statement-level trigger per operation: transition tables allow no more."""
    kind, referencing, _tables = STATEMENT_OPERATIONS[operation]
    return pgtrigger.Trigger(
        name=f"renderings_{operation}",
        level=pgtrigger.Statement,
        when=pgtrigger.After,
        operation=kind,
        referencing=referencing,
        func=f"PERFORM {call};\nRETURN NULL;",
    )


def _touching(function: str, columns: tuple[str, ...], operation: str) -> pgtrigger.Trigger:
    tables = STATEMENT_OPERATIONS[operation][2]
    arrays = ", ".join(
        "ARRAY(" + " UNION ALL ".join(f"SELECT {column} FROM {table}" for table in tables) + ")" for column in columns
    )
    return _trigger(operation, f"{function}({arrays})")


TRIGGERS = {
    **{
        label: [_touching(function, columns, operation) for operation in STATEMENT_OPERATIONS]
        for label, (function, columns) in _TOUCHES.items()
    },
    # Only a new name touches an actor's incidents (a new actor has none yet, and one with incidents cannot be
    # deleted).
    "events.RenderedActor": [
        _trigger(
            "update",
            "incident_renderings_touch_actors(ARRAY(SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id"
            " AND o.name IS DISTINCT FROM n.name))",
        )
    ],
}


def register_triggers() -> None:
    """At startup: the triggers join their models' Meta.triggers, where pgtrigger's migrations find them."""
    for label, triggers in TRIGGERS.items():
        pgtrigger.register(*triggers)(apps.get_model(label))


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
