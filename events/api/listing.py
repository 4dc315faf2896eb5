"""The incident list's rows, read with values() and shaped exactly as the incident serializers render them.

A ModelSerializer builds a model instance and walks a tree of fields for every incident and every part of it;
on a page of a few hundred rows that is most of the response time. The list reads plain rows instead, in two
queries whatever the size of the page: the page itself (the paginator's query, which reads the incident's own
columns), then one query in which PostgreSQL builds each incident's nested parts as JSON (participants with
their actors' names, casualty records with their perpetrators' and claims' ids, property harms with their
claims' ids, the incident's claims, and for staff the records' notes and named victims). Python then only
decodes that JSON, with orjson, and never builds a row object per part.

`IncidentSerializer` and `StaffIncidentSerializer` stay the description of a row: the schema is generated from
them and the detail view renders with them. tests/events/api/test_listing.py compares both renderings field by
field, for the public and for staff, so that neither can drift from the other.
"""

import datetime
from decimal import Decimal

import orjson
from django.conf import settings
from django.db import connection
from django.utils import timezone

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
# property harm lists only the claims its reader may see, as on the detail: {visible_claims} is the SQL of
# Claim.objects.visible_to(user). The incident's own claims need no such test: the page's incidents are visible
# to the user, and so, by that same rule, are all their claims.
_PARTS_SQL = """
SELECT page.id,
    (SELECT COALESCE(json_agg(json_build_object(
            'id', p.id, 'actor', p.actor_id, 'actor_name', (SELECT a.name FROM actors_actor a WHERE a.id = p.actor_id),
            'role', p.role, 'side', p.side, 'attribution', p.attribution
        ) ORDER BY p.side, p.id), '[]')
     FROM events_incidentparticipant p
     WHERE p.incident_id = page.id)::text,
    (SELECT COALESCE(json_agg(json_build_object(
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
     WHERE r.incident_id = page.id)::text,
    (SELECT COALESCE(json_agg(json_build_object(
            'id', h.id, 'kind', h.kind, 'harm', h.harm,
            'count_low', h.count_low, 'count_best', h.count_best, 'count_high', h.count_high, 'note', h.note,
            'claims', ARRAY(
                SELECT link.claim_id FROM events_propertyharmclaim link
                WHERE link.property_harm_id = h.id AND link.claim_id IN ({visible_claims}) ORDER BY link.id)
        ) ORDER BY h.kind, h.id), '[]')
     FROM events_propertyharm h
     WHERE h.incident_id = page.id)::text,
    (SELECT COALESCE(json_agg(json_build_object(
            'id', c.id, 'document', c.document_id, 'review_status', c.review_status
        ) ORDER BY c.id), '[]')
     FROM sources_claim c
     WHERE c.incident_id = page.id)::text
FROM unnest(%s::bigint[]) AS page(id)
"""
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


def incident_parts(ids: list[int], user) -> dict[int, tuple[list, list, list, list]]:
    """Participants, casualty records, property harms and claims of each incident of `ids` (visible to `user`),
    as the serializers render them, in one query."""
    staff = is_staff_member(user)
    visible_sql, visible_params = Claim.objects.visible_to(user).order_by().values("pk").query.sql_with_params()
    sql = _PARTS_SQL.format(visible_claims=visible_sql, staff_record_fields=_STAFF_RECORD_FIELDS if staff else "")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*visible_params, *visible_params, ids])
        return {
            row[0]: (orjson.loads(row[1]), orjson.loads(row[2]), orjson.loads(row[3]), orjson.loads(row[4]))
            for row in cursor.fetchall()
        }


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
