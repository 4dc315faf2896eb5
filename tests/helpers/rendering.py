"""The stored renderings of published incidents (events/rendering.py) against what the list builds."""

import orjson
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from events.api import listing
from events.choices import IncidentStatus
from events.models import Incident, IncidentRendering


def built(ids: list[int]) -> dict[int, dict]:
    """What the list builds for the public, incident by incident, without the stored renderings."""
    with connection.cursor() as cursor:
        cursor.execute(listing.statement(listing._PAGE_SQL, AnonymousUser()), [ids, "UTC"])
        return {incident_id: row for incident_id, row in zip(ids, orjson.loads(cursor.fetchone()[0]), strict=True)}


def stored() -> dict[int, dict]:
    return {row.incident_id: orjson.loads(row.body) for row in IncidentRendering.objects.all()}


def assert_renderings_current() -> None:
    published = list(
        Incident.objects.filter(status=IncidentStatus.PUBLISHED).order_by("id").values_list("id", flat=True)
    )
    assert stored() == built(published)
