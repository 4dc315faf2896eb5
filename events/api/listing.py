"""The incident list's JSON, written by PostgreSQL from the column tables (events/columns.py), without the serializers.

A ModelSerializer builds a model instance and walks a tree of fields for every incident and every part of it;
on a page of a few hundred rows that is most of the response time. The JSON list reads its page's ids (the
paginator's query), then one prepared query in which PostgreSQL writes the whole page as JSON: each incident's
columns as DRF writes them and its nested parts (participants with their actors' names, casualty records with
their perpetrators' and claims' ids, property harms with their claims' ids, the incident's claims, and for staff
the records' notes and named victims). Python neither reads a column nor builds a row: the JSON goes out as it
came (`incident_page_json`). For readers who are not staff, PostgreSQL does not even build the JSON: each published
incident is stored as they see it (IncidentRendering, kept by triggers from the same SQL: events/rendering.py), and
the paginator's query reads the page's renderings with its ids (`with_stored_renderings`): one query per page.

The detail (`incident_detail_json`) is the same rendering of one incident, looked up by its code among those its
reader may see (`Incident.objects.visible_to`), in one query: the stored rendering for readers who are not staff,
written by PostgreSQL for staff.

`IncidentSerializer` and `StaffIncidentSerializer` take their fields from the same tables: the schema is generated
from them and the writes answer with them. tests/events/test_columns.py compares every rendering column by
column, for the public and for staff, so that none can drift from the others.
"""

from django.conf import settings
from django.db import connection
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.models import BooleanField, QuerySet, TextField
from django.db.models.expressions import RawSQL
from django.utils import timezone
from psycopg.types.numeric import Int8

from conflict_tracker.renderers import RawJSON
from conflict_tracker.roles import is_staff_member
from events.columns import incident_object_sql
from events.models import Incident, IncidentRendering
from sources.models import Claim

# The whole page as one JSON array, in the page's order.
_PAGE_SQL = """SELECT COALESCE(json_agg({incident} ORDER BY page.n), '[]')::text
FROM unnest(%s::bigint[]) WITH ORDINALITY AS page(id, n)
JOIN events_incident i ON i.id = page.id
CROSS JOIN (SELECT %s::text AS name) zone"""
# The same page for readers who are not staff, from the stored renderings (in UTC); an incident without one, which
# the triggers leave to no published incident, is rendered here as above rather than left out.
_STORED_PAGE_SQL = """SELECT '[' || string_agg(COALESCE(r.body, (SELECT ({incident})::text
        FROM events_incident i CROSS JOIN (SELECT 'UTC'::text AS name) zone WHERE i.id = page.id)), ',' ORDER BY page.n)
    || ']'
FROM unnest(%s::bigint[]) WITH ORDINALITY AS page(id, n)
LEFT JOIN events_incidentrendering r ON r.incident_id = page.id"""
# One incident by its code, if its reader may see it ({visible_incidents}); for readers who are not staff (in UTC) its
# stored rendering, rendered here if it has none, as the page does.
_DETAIL_SQL = """SELECT ({incident})::text
FROM events_incident i CROSS JOIN (SELECT %s::text AS name) zone
WHERE i.code = %s AND i.id IN ({visible_incidents})"""
_STORED_DETAIL_SQL = """SELECT COALESCE(r.body, (SELECT ({incident})::text FROM (SELECT 'UTC'::text AS name) zone))
FROM events_incident i LEFT JOIN events_incidentrendering r ON r.incident_id = i.id
WHERE i.code = %s AND i.id IN ({visible_incidents})"""


def _visible_sql(queryset) -> str:
    """The SQL of the ids of `queryset`, its parameters written in (percent signs escaped)."""
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    return connection.ops.compose_sql(sql, params).replace("%", "%%")


def _rule_key(user) -> tuple[bool, tuple[str, ...]]:
    """What the visibility rules (Incident.objects.visible_to, Claim.objects.of_visible_incident) read of the reader
    and of the settings: whether the reader is staff, and which sources this deployment may pass on (a setting, which
    tests change). SQL compiled from the rules is kept under this key."""
    return is_staff_member(user), tuple(settings.REDISTRIBUTION_LICENSED)


def statement(template: str, user) -> str:
    """A template's SQL for what `user` may see: the incident as staff or as anyone else sees it ({incident}), with
    the claims they may see, and the incidents they may see ({visible_incidents})."""
    staff, licensed = _rule_key(user)
    key = (template, staff, licensed)
    if key not in _statements:
        # Claim.objects.of_visible_incident and Incident.objects.visible_to depend on the reader only through
        # is_staff_member; their parameters are written into the SQL, so that every statement takes only the page's
        # ids (and zone).
        claims = _visible_sql(Claim.objects.of_visible_incident(user))
        incident = incident_object_sql(staff).replace("{visible_claims}", claims)
        _statements[key] = template.replace("{incident}", incident).replace(
            "{visible_incidents}", _visible_sql(Incident.objects.visible_to(user))
        )
    return _statements[key]


# statement()'s SQL per key: compiling the claims' visibility took a fifth of a page's Python time.
_statements: dict[tuple[str, bool, tuple[str, ...]], str] = {}


def visible_incidents(user) -> QuerySet:
    """`Incident.objects.visible_to(user)` for the list's own query: the same condition, compiled once per rule
    (`_rule_key`) rather than built and compiled again at every page, which took half of a page's Python time
    (the redistribution rule is two correlated EXISTS). The condition names the incidents' table itself, as the stored
    renderings' RawSQL and the cursor's do: for a query on that table, whose SQL other queries may embed as text (the
    exports do) but never as a subquery of the ORM, which would alias the table."""
    key = _rule_key(user)
    if key not in _conditions:
        query = Incident.objects.visible_to(user).query
        _conditions[key] = _where(query) if query.where else None
    condition = _conditions[key]
    if condition is None:
        return Incident.objects.all()
    return Incident.objects.filter(RawSQL(*condition, output_field=BooleanField()))


def _where(query) -> tuple[str, tuple]:
    sql, params = query.get_compiler(connection=connection).compile(query.where)
    return sql, tuple(params)


# visible_incidents()'s condition per key, as SQL and parameters; None where the rule hides nothing.
_conditions: dict[tuple[bool, tuple[str, ...]], tuple[str, list] | None] = {}


class _PreparingCursor(ServerBindingCursor):
    """Binds its parameters on the server, which a statement psycopg prepares needs (Django's own cursors bind them
    on the client and are never prepared), and asks psycopg to prepare what it runs, as the setting allows."""

    def execute(self, query, params=None, **kwargs):
        return super().execute(query, params, prepare=settings.DATABASE_PREPARED_STATEMENTS, **kwargs)

    def _convert_query(self, query, params=None):
        # Kept where Django's query log looks for a client-binding cursor's query (last_executed_query), so that the
        # page's query is logged with its SQL ($1 for its parameters) rather than as None.
        self._query = super()._convert_query(query, params)
        return self._query


def _execute_prepared(sql: str, params: list) -> str | None:
    """The one text `sql` answers (None for no row), run as a statement psycopg prepares once per connection, so
    that PostgreSQL plans it once rather than at every page: the page's plan, a dozen correlated subqueries per
    incident, took longer to make (about 2 ms on 2M incidents) than to run. psycopg prepares it with its first run,
    in the same round trip, and forgets what a rollback may have lost. The cursor is wrapped as Django's are, so the
    query is logged and counted as any other."""
    connection.ensure_connection()
    with connection._prepare_cursor(_PreparingCursor(connection.connection)) as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        return None if row is None else row[0]


def _zone() -> str:
    return timezone.get_current_timezone_name() if settings.USE_TZ else "UTC"


def _reads_stored(user) -> bool:
    """Whether `user` is served the stored renderings (in UTC, not staff)."""
    return _zone() == "UTC" and not is_staff_member(user)


# An incident's stored rendering, for the page's query. Written as SQL rather than as a Subquery of a queryset, which
# Django would build, resolve and compile again at every page.
_STORED_RENDERING = RawSQL(
    f"SELECT r.body FROM {IncidentRendering._meta.db_table} r WHERE r.incident_id = {Incident._meta.db_table}.id",
    (),
    output_field=TextField(),
)


def with_stored_renderings(queryset: QuerySet, user) -> tuple[QuerySet, tuple[str, ...]]:
    """The page's query and the fields it reads (`id`, and `rendering` for readers served the stored renderings):
    their page's ids and renderings then come in one query, the page's own, rather than the ids first and the
    renderings in a second round trip."""
    if not _reads_stored(user):
        return queryset, ("id",)
    return queryset.annotate(rendering=_STORED_RENDERING), ("id", "rendering")


def incident_page_json(page: list[dict], user) -> RawJSON:
    """The JSON list's page: every incident of `page` (rows with an `id`, already visible to `user`), in the
    page's order, rendered as the serializers render it, by PostgreSQL in one prepared query. Python then neither
    reads the incidents' columns nor builds a row: the page comes back as one JSON text, which the renderer writes
    out as it is. Rows read with their stored renderings (`with_stored_renderings`) need no query, unless one has
    none (which the triggers leave to no published incident): that page is rendered as any other."""
    if not page:
        return RawJSON(b"[]")
    if all(row.get("rendering") is not None for row in page):
        return RawJSON(("[" + ",".join(row["rendering"] for row in page) + "]").encode())
    # As bigints whatever their size: psycopg keys a prepared statement by its parameters' types too.
    ids = [Int8(row["id"]) for row in page]
    if _reads_stored(user):
        return RawJSON(_execute_prepared(statement(_STORED_PAGE_SQL, user), [ids]).encode())
    return RawJSON(_execute_prepared(statement(_PAGE_SQL, user), [ids, _zone()]).encode())


def incident_detail_json(code: str, user) -> str | None:
    """The incident `code` as the serializers render it for `user`, in one prepared query; None if there is none
    that `user` may see."""
    if _reads_stored(user):
        return _execute_prepared(statement(_STORED_DETAIL_SQL, user), [code])
    return _execute_prepared(statement(_DETAIL_SQL, user), [_zone(), code])
