"""The incident list's rows, read with values() and shaped exactly as the incident serializers render them.

A ModelSerializer builds a model instance and walks a tree of fields for every incident and every part of it;
on a page of a few hundred rows that is most of the response time. The list reads plain rows instead, with a
fixed number of queries whatever the size of the page: the page itself (the paginator's query, which reads the
incident's own columns), then participants with their actors' names, casualty records with their perpetrators'
and claims' ids, property harms with their claims' ids, the incidents' claims, and for staff the named victims.

`IncidentSerializer` and `StaffIncidentSerializer` stay the description of a row: the schema is generated from
them and the detail view renders with them. tests/events/api/test_listing.py compares both renderings field by
field, for the public and for staff, so that neither can drift from the other.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef
from django.utils import timezone

from conflict_tracker.roles import is_staff_member
from events.models import (
    CasualtyClaim,
    CasualtyPerpetrator,
    CasualtyRecord,
    Incident,
    IncidentParticipant,
    NamedVictim,
    PropertyHarm,
    PropertyHarmClaim,
)
from sources.models import Claim

# The incident's own columns, in the serializer's order; `id` only joins the parts and is not shown.
INCIDENT_FIELDS = (
    "code",
    "title",
    "notes",
    "status",
    "start_date",
    "end_date",
    "date_precision",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location_name",
    "latitude",
    "longitude",
    "geo_precision",
    "event_type",
    "sub_event_type",
    "violence_type",
    "civilian_targeting",
    "fatalities_low",
    "fatalities_best",
    "fatalities_high",
    "version",
    "published_at",
    "updated_at",
)
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


def _grouped(rows, key: str) -> dict[int, list[dict]]:
    groups = defaultdict(list)
    for row in rows:
        groups[row.pop(key)].append(row)
    return groups


def incident_list_rows(page: list[dict], user) -> list[dict]:
    """The serializers' rendering of every incident of `page` (rows with PAGE_FIELDS, already visible to
    `user`), in the page's order."""
    if not page:
        return []
    ids = [row["id"] for row in page]
    staff = is_staff_member(user)
    # Casualty and property records may cite any claim; only those the user may see are listed, as on the detail.
    visible_claims = Claim.objects.visible_to(user).values("pk")

    participants = _grouped(
        IncidentParticipant.objects.filter(incident_id__in=ids)
        .order_by("incident_id", "side", "id")
        .values("incident_id", "id", "actor", "actor__name", "role", "side", "attribution"),
        "incident_id",
    )

    record_fields = [
        "id",
        "incident_id",
        "harm",
        "victim_status",
        "count_low",
        "count_best",
        "count_high",
        "children",
        "women",
        "elderly",
        "perpetrator_ids",
        "claim_ids",
    ]
    if staff:
        record_fields.append("note")
    records = _grouped(
        CasualtyRecord.objects.filter(incident_id__in=ids)
        .annotate(
            perpetrator_ids=ArraySubquery(
                CasualtyPerpetrator.objects.filter(casualty_record=OuterRef("pk"))
                .order_by("id")
                .values("participant__actor_id")
            ),
            claim_ids=ArraySubquery(
                CasualtyClaim.objects.filter(casualty_record=OuterRef("pk"), claim__in=visible_claims)
                .order_by("id")
                .values("claim_id")
            ),
        )
        .order_by("incident_id", "harm", "victim_status", "id")
        .values(*record_fields),
        "incident_id",
    )
    victims = {}
    if staff:
        # Read only for those who may see them: for anyone else the names never leave the database.
        victims = _grouped(
            NamedVictim.objects.filter(casualty_record__incident_id__in=ids)
            .order_by("casualty_record_id", "name", "id")
            .values("casualty_record_id", "id", "name", "sex", "age", "age_band", "community", "fate"),
            "casualty_record_id",
        )

    harms = _grouped(
        PropertyHarm.objects.filter(incident_id__in=ids)
        .annotate(
            claim_ids=ArraySubquery(
                PropertyHarmClaim.objects.filter(property_harm=OuterRef("pk"), claim__in=visible_claims)
                .order_by("id")
                .values("claim_id")
            )
        )
        .order_by("incident_id", "kind", "id")
        .values("id", "incident_id", "kind", "harm", "count_low", "count_best", "count_high", "note", "claim_ids"),
        "incident_id",
    )
    # The page's incidents are visible to the user, and so, by Claim.objects.visible_to, are all their claims.
    claims = _grouped(
        Claim.objects.filter(incident_id__in=ids)
        .order_by("id")
        .values("id", "incident_id", "document", "review_status"),
        "incident_id",
    )

    zone = timezone.get_current_timezone() if settings.USE_TZ else None
    return [
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
            "participants": [
                {
                    "id": part["id"],
                    "actor": part["actor"],
                    "actor_name": part["actor__name"],
                    "role": part["role"],
                    "side": part["side"],
                    "attribution": part["attribution"],
                }
                for part in participants.get(row["id"], ())
            ],
            "casualty_records": [_casualty_record(record, victims, staff) for record in records.get(row["id"], ())],
            "property_harms": [
                {
                    "id": harm["id"],
                    "kind": harm["kind"],
                    "harm": harm["harm"],
                    "count_low": harm["count_low"],
                    "count_best": harm["count_best"],
                    "count_high": harm["count_high"],
                    "note": harm["note"],
                    "claims": harm["claim_ids"],
                }
                for harm in harms.get(row["id"], ())
            ],
            "claims": claims.get(row["id"], []),
            "version": row["version"],
            "published_at": _datetime(row["published_at"], zone),
            "updated_at": _datetime(row["updated_at"], zone),
        }
        for row in page
    ]


def _casualty_record(record: dict, victims: dict[int, list[dict]], staff: bool) -> dict:
    shown = {
        "id": record["id"],
        "harm": record["harm"],
        "victim_status": record["victim_status"],
        "count_low": record["count_low"],
        "count_best": record["count_best"],
        "count_high": record["count_high"],
        "children": record["children"],
        "women": record["women"],
        "elderly": record["elderly"],
        "perpetrators": record["perpetrator_ids"],
        "claims": record["claim_ids"],
    }
    if staff:
        shown["note"] = record["note"]
        shown["named_victims"] = victims.get(record["id"], [])
    return shown
