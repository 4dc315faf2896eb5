"""What an incident's licence depends on, stored on the incident and kept by database triggers.

Whether the public may see an incident (`IncidentQuerySet.redistributable`) depends on the sources of its accepted
claims. Asked per incident through claims, documents and sources, that took the public list's first page from 0.3 ms
to about 1 s at 200,000 incidents (the planner hashed both subqueries over every claim). So each incident keeps the
facts the rule reads, none of which depends on a setting:

- `open_provenance`: no accepted claim, or one from a source whose records may be passed on
  (Source.redistributable);
- `restricted_sources`: the acronyms of the other sources of its accepted claims, which a deployment may hold a
  licence for (settings.REDISTRIBUTION_LICENSED, compared when the rule is asked, so a change of it needs no rewrite).

An incident merging the records of one event (those whose `merged_into` it is) rests on their claims too.

They change with a claim's incident, review or document, a document's source, and a source's licence or acronym.
The triggers below recompute them, in the same statement, for the incidents such a change touches, whoever wrote it
(services, imports, the admin, SQL); and an incident written with stale values (a model saved after its claims
changed) gets them recomputed before the row is stored. The triggers live in this app's migrations, so a change to
them is a migration to review (`makemigrations --check` fails while one differs).
"""

import pgtrigger
from django.apps import apps
from django.db import connection

from sources.choices import ReviewStatus

from .rendering import STATEMENT_OPERATIONS

# The facts of the incidents `incident_ids` (an SQL array of ids), one row (id, open_provenance, restricted_sources)
# per incident, an incident with no accepted claim included. Each incident's claims, and each claim's document and
# source, are looked up by key one incident at a time (OFFSET 0 keeps the planner from turning the lookups into
# joins): with statistics taken while the claims were few (a first import, a test database), a join had it read
# every accepted claim, through their status's index, for each incident, and a 3,000-row import took 25 s, not 7.
FACTS_SQL = f"""SELECT t.id,
       COALESCE(bool_or(k.redistributable), true) AS open_provenance,
       COALESCE(array_agg(DISTINCT k.acronym ORDER BY k.acronym) FILTER (WHERE NOT k.redistributable),
                '{{}}')::varchar(40)[] AS restricted_sources
FROM unnest({{incident_ids}}) AS t(id)
LEFT JOIN LATERAL (
    SELECT c.document_id FROM (
        SELECT document_id, review_status FROM sources_claim
        WHERE incident_id = ANY(ARRAY(
            SELECT t.id UNION ALL SELECT m.id FROM events_incident m WHERE m.merged_into_id = t.id
        ))
        OFFSET 0
    ) c
    WHERE c.review_status = '{ReviewStatus.ACCEPTED}'
) c ON TRUE
LEFT JOIN LATERAL (
    SELECT s.redistributable, s.acronym
    FROM (SELECT source_id FROM sources_document WHERE id = c.document_id OFFSET 0) d
    JOIN LATERAL (SELECT redistributable, acronym FROM sources_source WHERE id = d.source_id OFFSET 0) s ON TRUE
) k ON TRUE
GROUP BY t.id"""


# As the renderings' functions do (events/rendering.py, PLANNER_SETTINGS): every lookup here is by an indexed key, which
# statistics taken while a table was nearly empty (a first import, a test database) would have the planner replace
# by a whole scan of the table for each incident. Set for the trigger's statement only, then put back.
_BY_INDEX = "PERFORM set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true);"
_PUT_BACK = "PERFORM set_config('enable_seqscan', _seqscan, true), set_config('jit', _jit, true);"
_DECLARE = [("_seqscan", "text := current_setting('enable_seqscan')"), ("_jit", "text := current_setting('jit')")]


def _by_index(statement: str) -> str:
    return f"{_BY_INDEX}\n{statement}\n{_PUT_BACK}"


def _refresh(incident_ids: str) -> str:
    """The statements writing the facts of `incident_ids` where they changed (so an unchanged incident is not
    written, nor rendered again by its own triggers); the incidents read by key, as their facts are. Only the
    incidents already written are looked at: an import writes its claims before their incidents, whose facts are
    then computed as each is inserted (TRIGGERS), not once for nothing and again by an update of every row."""
    return f"""_ids := ARRAY(SELECT i.id FROM events_incident i
              WHERE i.id = ANY(ARRAY(SELECT DISTINCT x FROM unnest({incident_ids}) AS x(x)))
              UNION SELECT i.merged_into_id FROM events_incident i
              WHERE i.id = ANY(ARRAY(SELECT DISTINCT x FROM unnest({incident_ids}) AS x(x)))
                AND i.merged_into_id IS NOT NULL);
UPDATE events_incident i
SET open_provenance = f.open_provenance, restricted_sources = f.restricted_sources
FROM ({FACTS_SQL.replace("{incident_ids}", "_ids")}) f
WHERE i.id = ANY(_ids) AND i.id = f.id
  AND (i.open_provenance, i.restricted_sources) IS DISTINCT FROM (f.open_provenance, f.restricted_sources);"""


def _statement_trigger(operation: str, incident_ids: str) -> pgtrigger.Trigger:
    """A statement-level trigger refreshing the incidents `incident_ids` (SQL over the transition tables)."""
    kind, referencing, _tables = STATEMENT_OPERATIONS[operation]
    return pgtrigger.Trigger(
        name=f"licences_{operation}",
        level=pgtrigger.Statement,
        when=pgtrigger.After,
        operation=kind,
        referencing=referencing,
        declare=[*_DECLARE, ("_ids", "bigint[]")],
        func=f"{_by_index(_refresh(incident_ids))}\nRETURN NULL;",
    )


def _changed(key: str, columns: str) -> str:
    """The keys `key` of the rows an update changed in any of `columns`."""
    pairs = " OR ".join(f"o.{column} IS DISTINCT FROM n.{column}" for column in columns.split())
    return f"SELECT n.{key} FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE {pairs}"


def _incidents_of_documents(documents: str) -> str:
    return f"ARRAY(SELECT c.incident_id FROM sources_claim c WHERE c.document_id = ANY(ARRAY({documents})))"


def _incidents_of_sources(sources: str) -> str:
    return _incidents_of_documents(f"SELECT d.id FROM sources_document d WHERE d.source_id = ANY(ARRAY({sources}))")


_COMPUTED = (
    _by_index(
        "SELECT f.open_provenance, f.restricted_sources INTO NEW.open_provenance, NEW.restricted_sources\n"
        f"FROM ({FACTS_SQL.replace('{incident_ids}', 'ARRAY[NEW.id]')}) f;"
    )
    + "\nRETURN NEW;"
)

TRIGGERS = {
    # A new incident's facts are computed as it is written: its claims can be recorded before it in a transaction
    # (the foreign keys are checked at commit; an import does so). An update recomputes them only when it writes
    # other facts than the row holds, and only when it is a statement's own: a model saved after its claims changed
    # would write stale facts back, while the refresh below writes facts it has just computed (it runs at trigger
    # depth 1). Other updates (the edits of an incident's fields) leave them alone, unread.
    "events.Incident": [
        pgtrigger.Trigger(
            name="licences_inserted",
            level=pgtrigger.Row,
            when=pgtrigger.Before,
            operation=pgtrigger.Insert,
            declare=_DECLARE,
            func=_COMPUTED,
        ),
        pgtrigger.Trigger(
            name="licences_rewritten",
            level=pgtrigger.Row,
            when=pgtrigger.Before,
            operation=pgtrigger.Update,
            condition=pgtrigger.Condition(
                "((OLD.open_provenance IS DISTINCT FROM NEW.open_provenance"
                " OR OLD.restricted_sources IS DISTINCT FROM NEW.restricted_sources) AND pg_trigger_depth() = 0)"
            ),
            declare=_DECLARE,
            func=_COMPUTED,
        ),
    ],
    # A claim's review or document may change; its incident never does (a trigger refuses it).
    "events.LicenceClaim": [
        _statement_trigger("insert", "ARRAY(SELECT incident_id FROM new_rows)"),
        _statement_trigger("update", f"ARRAY({_changed('incident_id', 'review_status document_id')})"),
        _statement_trigger("delete", "ARRAY(SELECT incident_id FROM old_rows)"),
    ],
    # A document is cited by claims only once it exists, unless a transaction writes the claim first; one cited
    # cannot be deleted (nor a source with documents), so deletes change nothing.
    "events.LicenceDocument": [
        _statement_trigger("insert", _incidents_of_documents("SELECT id FROM new_rows")),
        _statement_trigger("update", _incidents_of_documents(_changed("id", "source_id"))),
    ],
    "events.LicenceSource": [
        _statement_trigger("insert", _incidents_of_sources("SELECT id FROM new_rows")),
        _statement_trigger("update", _incidents_of_sources(_changed("id", "redistributable acronym"))),
    ],
}


def licence_facts_refresh(incident_ids: list[int]) -> None:
    """Recompute the facts of these incidents now, for the change no trigger sees: records merged into an incident,
    or taken out of it (events.services.merges)."""
    facts = FACTS_SQL.replace("{incident_ids}", "%s::bigint[]")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE events_incident i
            SET open_provenance = f.open_provenance, restricted_sources = f.restricted_sources
            FROM ({facts}) f WHERE i.id = f.id""",
            [incident_ids],
        )


def register_triggers() -> None:
    """At startup: the triggers join their models' Meta.triggers, where pgtrigger's migrations find them."""
    for label, triggers in TRIGGERS.items():
        pgtrigger.register(*triggers)(apps.get_model(label))
