"""The incident list's rows, shaped exactly as the incident serializers render them, without the serializers.

A ModelSerializer builds a model instance and walks a tree of fields for every incident and every part of it;
on a page of a few hundred rows that is most of the response time. The JSON list reads its page's ids (the
paginator's query), then one prepared query in which PostgreSQL writes the whole page as JSON: each incident's
columns as DRF writes them and its nested parts (participants with their actors' names, casualty records with
their perpetrators' and claims' ids, property harms with their claims' ids, the incident's claims, and for staff
the records' notes and named victims). Python neither reads a column nor builds a row: the JSON goes out as it
came (`incident_page_json`). For readers who are not staff, PostgreSQL does not even build the JSON: each published
incident is stored as they see it (IncidentRendering, kept by triggers from the same SQL: events/rendering.py).
The exports, which need values to write CSV, read the columns with values() and the parts as JSON from the same
SQL, and build the rows in Python (`incident_list_rows`).

`IncidentSerializer` and `StaffIncidentSerializer` stay the description of a row: the schema is generated from
them and the detail view renders with them. tests/events/api/test_listing.py compares the renderings field by
field with them, for the public and for staff, so that none can drift from the others.
"""

import datetime
import functools
import hashlib
import weakref
from decimal import Decimal

import orjson
from django.conf import settings
from django.db import connection
from django.db.models import DateTimeField, DecimalField
from django.utils import timezone

from conflict_tracker.renderers import RawJSON
from conflict_tracker.roles import is_staff_member
from events.models import Incident
from sources.models import Claim

from .serializers import IncidentSerializer

# The incident's own columns, in the serializer's order (its nested parts come from the parts query); `id` only
# joins the parts and is not shown.
PARTS = ("participants", "casualty_records", "property_harms", "claims")
INCIDENT_FIELDS = tuple(name for name in IncidentSerializer.Meta.fields if name not in PARTS)
PAGE_FIELDS = ("id", *INCIDENT_FIELDS)

# DRF renders a DecimalField as a string with the field's decimal places ("14.49000").
_COORDINATE_EXPONENT = Decimal(1).scaleb(-Incident._meta.get_field("latitude").decimal_places)


def _date(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def _datetime(value: datetime.datetime | None, zone) -> str | None:
    """As DRF's DateTimeField: in the current time zone, ISO 8601, UTC written as Z."""
    if not value:
        return None
    if zone is not None:
        value = value.astimezone(zone)
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.quantize(_COORDINATE_EXPONENT):f}"


# Each incident's parts as JSON arrays, every object's keys in its serializer's order (json_build_object keeps
# them; jsonb would sort them) and every list in the order the detail view gives it. A casualty record or a
# property harm, and the incident itself, list only the claims its reader may see, as on the detail:
# {visible_claims} is the SQL of Claim.objects.visible_to(user) (a published incident's claims still in review
# are not public). {incident} is the incident's id.
_PART_SQL = {
    "participants": """(SELECT COALESCE(json_agg(json_build_object(
            'id', p.id, 'actor', p.actor_id, 'actor_name', (SELECT a.name FROM actors_actor a WHERE a.id = p.actor_id),
            'role', p.role, 'side', p.side, 'attribution', p.attribution
        ) ORDER BY p.side, p.id), '[]')
     FROM events_incidentparticipant p
     WHERE p.incident_id = {incident})""",
    "casualty_records": """(SELECT COALESCE(json_agg(json_build_object(
            'id', r.id, 'harm', r.harm, 'victim_status', r.victim_status,
            'count_low', r.count_low, 'count_best', r.count_best, 'count_high', r.count_high,
            'children', r.children, 'women', r.women, 'elderly', r.elderly,
            'perpetrators', ARRAY(
                SELECT perpetrator.actor_id
                FROM events_casualtyperpetrator link
                JOIN events_incidentparticipant perpetrator ON perpetrator.id = link.participant_id
                WHERE link.casualty_record_id = r.id ORDER BY link.id),
            'claims', ARRAY(
                SELECT link.claim_id FROM events_casualtyclaim link
                WHERE link.casualty_record_id = r.id AND link.claim_id IN ({visible_claims}) ORDER BY link.id)
            {staff_record_fields}
        ) ORDER BY r.harm, r.victim_status, r.id), '[]')
     FROM events_casualtyrecord r
     WHERE r.incident_id = {incident})""",
    "property_harms": """(SELECT COALESCE(json_agg(json_build_object(
            'id', h.id, 'kind', h.kind, 'harm', h.harm,
            'count_low', h.count_low, 'count_best', h.count_best, 'count_high', h.count_high, 'note', h.note,
            'claims', ARRAY(
                SELECT link.claim_id FROM events_propertyharmclaim link
                WHERE link.property_harm_id = h.id AND link.claim_id IN ({visible_claims}) ORDER BY link.id)
        ) ORDER BY h.kind, h.id), '[]')
     FROM events_propertyharm h
     WHERE h.incident_id = {incident})""",
    "claims": """(SELECT COALESCE(json_agg(json_build_object(
            'id', c.id, 'document', c.document_id, 'review_status', c.review_status
        ) ORDER BY c.id), '[]')
     FROM sources_claim c
     WHERE c.incident_id = {incident} AND c.id IN ({visible_claims}))""",
}
_PARTS_SQL = (
    "SELECT page.id, "
    + ", ".join(f"{_PART_SQL[part].replace('{incident}', 'page.id')}::text" for part in PARTS)
    + " FROM unnest(%s::bigint[]) AS page(id)"
)

# A datetime as DRF writes it: in the current time zone (`zone.name`), ISO 8601 with microseconds only when there are
# some, and the offset written Z when it is zero. Percent signs are doubled for the parameter binding.
_DATETIME_SQL = """CASE WHEN {c} IS NOT NULL THEN
        to_char({c} AT TIME ZONE zone.name, CASE WHEN date_part('microseconds', {c})::bigint %% 1000000 = 0
            THEN 'YYYY-MM-DD"T"HH24:MI:SS' ELSE 'YYYY-MM-DD"T"HH24:MI:SS.US' END)
        || (SELECT CASE WHEN offset_seconds = 0 THEN 'Z' ELSE
                CASE WHEN offset_seconds < 0 THEN '-' ELSE '+' END
                || lpad((abs(offset_seconds) / 3600)::text, 2, '0') || ':'
                || lpad((abs(offset_seconds) %% 3600 / 60)::text, 2, '0')
                || CASE WHEN abs(offset_seconds) %% 60 = 0 THEN ''
                    ELSE ':' || lpad((abs(offset_seconds) %% 60)::text, 2, '0') END
            END
            FROM (SELECT date_part('epoch', ({c} AT TIME ZONE zone.name) - ({c} AT TIME ZONE 'UTC'))::int
                AS offset_seconds) o)
    END"""


def _column_sql(name: str) -> str:
    """An incident column as the serializer writes it: a date as YYYY-MM-DD (JSON's own rendering of a date), a
    decimal as a string with the field's decimal places (its column's scale), a datetime by _DATETIME_SQL."""
    if name in PARTS:
        return _PART_SQL[name].replace("{incident}", "i.id")
    field = Incident._meta.get_field(name)
    column = f'i."{field.column}"'
    if isinstance(field, DecimalField):
        return f"{column}::text"
    if isinstance(field, DateTimeField):
        return _DATETIME_SQL.format(c=column)
    return column


# The incident `i` as one JSON object, as the serializers render it, its times in the time zone `zone.name`.
INCIDENT_OBJECT_SQL = (
    "json_build_object(" + ", ".join(f"'{name}', {_column_sql(name)}" for name in IncidentSerializer.Meta.fields) + ")"
)
# The whole page as one JSON array, in the page's order.
_PAGE_SQL = (
    "SELECT COALESCE(json_agg("
    + INCIDENT_OBJECT_SQL
    + """ ORDER BY page.n), '[]')::text
FROM unnest(%s::bigint[]) WITH ORDINALITY AS page(id, n)
JOIN events_incident i ON i.id = page.id
CROSS JOIN (SELECT %s::text AS name) zone"""
)
# The same page for readers who are not staff, from the stored renderings (in UTC); an incident without one, which
# the triggers leave to no published incident, is rendered here as above rather than left out.
_STORED_PAGE_SQL = (
    "SELECT '[' || string_agg(COALESCE(r.body, (SELECT ("
    + INCIDENT_OBJECT_SQL
    + """)::text
        FROM events_incident i CROSS JOIN (SELECT 'UTC'::text AS name) zone WHERE i.id = page.id)), ',' ORDER BY page.n)
    || ']'
FROM unnest(%s::bigint[]) WITH ORDINALITY AS page(id, n)
LEFT JOIN events_incidentrendering r ON r.incident_id = page.id"""
)
# Staff only: the record's note and its named victims. For anyone else they are not even read.
_STAFF_RECORD_FIELDS = """,
            'note', r.note,
            'named_victims', (
                SELECT COALESCE(json_agg(json_build_object(
                        'id', v.id, 'name', v.name, 'sex', v.sex, 'age', v.age, 'age_band', v.age_band,
                        'community', v.community, 'fate', v.fate
                    ) ORDER BY v.name, v.id), '[]')
                FROM events_namedvictim v
                WHERE v.casualty_record_id = r.id)"""


# The statements prepared on each database connection (psycopg's connection object: a new one starts with none);
# a connection on which a prepared run failed is in the set `_unsure`, as what it holds is then unknown.
_prepared: "weakref.WeakKeyDictionary[object, set[str]]" = weakref.WeakKeyDictionary()
_unsure: "weakref.WeakSet[object]" = weakref.WeakSet()


def statement(template: str, user) -> str:
    """A template's SQL for what `user` may see: its visible claims and, for staff, the records' own fields."""
    staff = is_staff_member(user)
    key = (template, staff)
    if key not in _statements:
        # Claim.objects.visible_to depends on the reader only through is_staff_member; its parameters are written
        # into the SQL (percent signs escaped), so that every statement takes only the page's ids (and zone).
        sql, params = Claim.objects.visible_to(user).order_by().values("pk").query.sql_with_params()
        visible_claims = connection.ops.compose_sql(sql, params).replace("%", "%%")
        _statements[key] = template.format(
            visible_claims=visible_claims, staff_record_fields=_STAFF_RECORD_FIELDS if staff else ""
        )
    return _statements[key]


# statement()'s SQL per (template, staff): compiling the claims' visibility took a fifth of a page's Python time.
_statements: dict[tuple[str, bool], str] = {}


@functools.lru_cache(maxsize=64)
def _statement_name(sql: str) -> str:
    return "incident_list_" + hashlib.sha256(sql.encode()).hexdigest()[:20]


def _execute_prepared(cursor, sql: str, params: list) -> None:
    """Run `sql` (with %s placeholders) as a statement prepared on this connection, so that PostgreSQL plans it once
    rather than at every page: the parts query's plan, a dozen correlated subqueries, took longer to make (about
    2 ms on 2M incidents) than to run. The first run on a connection sends PREPARE and EXECUTE together, so every
    run is one round trip and one query; `cursor` is Django's, so the query is logged and counted as any other."""
    if not settings.DATABASE_PREPARED_STATEMENTS:
        cursor.execute(sql, params)
        return
    raw = connection.connection
    name = _statement_name(sql)
    execute = f"EXECUTE {name}({', '.join(['%s'] * len(params))})"
    done = _prepared.setdefault(raw, set())
    preparing = name not in done
    if preparing:
        # The body's placeholders become $1, $2...; its literal percent signs are escaped again for the client-side
        # binding of EXECUTE's arguments. After a failed run nobody knows what the session holds: start afresh.
        body = (sql % tuple(f"${number}" for number in range(1, len(params) + 1))).replace("%", "%%")
        execute = f"{'DEALLOCATE ALL; ' if raw in _unsure else ''}PREPARE {name} AS {body}; {execute}"
    try:
        cursor.execute(execute, params)
    except Exception:
        _prepared.pop(raw, None)
        _unsure.add(raw)
        raise
    if preparing:
        _unsure.discard(raw)
        done.add(name)
        while cursor.nextset() and not cursor.description:  # on to EXECUTE's rows
            pass


def incident_parts(ids: list[int], user) -> dict[int, tuple[list, list, list, list]]:
    """Participants, casualty records, property harms and claims of each incident of `ids` (visible to `user`),
    as the serializers render them, in one query."""
    with connection.cursor() as cursor:
        _execute_prepared(cursor, statement(_PARTS_SQL, user), [ids])
        return {
            row[0]: (orjson.loads(row[1]), orjson.loads(row[2]), orjson.loads(row[3]), orjson.loads(row[4]))
            for row in cursor.fetchall()
        }


def incident_page_json(page: list[dict], user) -> RawJSON:
    """The JSON list's page: every incident of `page` (rows with an `id`, already visible to `user`), in the
    page's order, rendered as the serializers render it, by PostgreSQL in one prepared query. Python then neither
    reads the incidents' columns nor builds a row: the page comes back as one JSON text, which the renderer writes
    out as it is. incident_list_rows renders the same rows in Python (for the exports), and both are checked
    against the serializers (tests/events/api/test_listing.py)."""
    if not page:
        return RawJSON(b"[]")
    ids = [row["id"] for row in page]
    zone = timezone.get_current_timezone_name() if settings.USE_TZ else "UTC"
    with connection.cursor() as cursor:
        if zone == "UTC" and not is_staff_member(user):
            _execute_prepared(cursor, statement(_STORED_PAGE_SQL, user), [ids])
        else:
            _execute_prepared(cursor, statement(_PAGE_SQL, user), [ids, zone])
        return RawJSON(cursor.fetchone()[0].encode())


def incident_list_rows(page: list[dict], user) -> list[dict]:
    """The serializers' rendering of every incident of `page` (rows with PAGE_FIELDS, already visible to
    `user`), in the page's order."""
    if not page:
        return []
    parts = incident_parts([row["id"] for row in page], user)
    zone = timezone.get_current_timezone() if settings.USE_TZ else None
    rows = []
    for row in page:
        participants, casualty_records, property_harms, claims = parts[row["id"]]
        rows.append(
            {
                "code": row["code"],
                "title": row["title"],
                "notes": row["notes"],
                "status": row["status"],
                "start_date": _date(row["start_date"]),
                "end_date": _date(row["end_date"]),
                "date_precision": row["date_precision"],
                "country": row["country"],
                "admin1": row["admin1"],
                "admin2": row["admin2"],
                "admin3": row["admin3"],
                "location_name": row["location_name"],
                "latitude": _decimal(row["latitude"]),
                "longitude": _decimal(row["longitude"]),
                "geo_precision": row["geo_precision"],
                "event_type": row["event_type"],
                "sub_event_type": row["sub_event_type"],
                "violence_type": row["violence_type"],
                "civilian_targeting": row["civilian_targeting"],
                "fatalities_low": row["fatalities_low"],
                "fatalities_best": row["fatalities_best"],
                "fatalities_high": row["fatalities_high"],
                "participants": participants,
                "casualty_records": casualty_records,
                "property_harms": property_harms,
                "claims": claims,
                "version": row["version"],
                "published_at": _datetime(row["published_at"], zone),
                "updated_at": _datetime(row["updated_at"], zone),
            }
        )
    return rows
