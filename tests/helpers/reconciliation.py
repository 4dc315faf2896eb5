"""Published incidents of a dataset (an ACLED or UCDP import's, or our own), for the reconciliation tests."""

import datetime
from decimal import Decimal

from events.choices import EventType, GeoPrecision
from imports.models import ImportedEvent
from tests.factories import ClaimFactory, ParticipantFactory
from tests.helpers.incidents import incident

DAY = datetime.date(2024, 3, 12)
GAO = (Decimal("16.27170"), Decimal("-0.04470"))


def record(dataset: str, *actors, day=DAY, place=GAO, precision=GeoPrecision.EXACT, **fields):
    """A published incident of `dataset` (an import's, or our own), with `actors` as its participants."""
    latitude, longitude = place if place else (None, None)
    fields.setdefault("event_type", EventType.VIOLENCE_AGAINST_CIVILIANS)
    fields.setdefault(
        "sub_event_type", "Attack" if fields["event_type"] == EventType.VIOLENCE_AGAINST_CIVILIANS else ""
    )
    made = incident(
        start_date=day,
        end_date=day,
        latitude=latitude,
        longitude=longitude,
        geo_precision=precision,
        **fields,
    )
    for actor in actors:
        ParticipantFactory(incident=made, actor=actor)
    if dataset != "own":
        claim = ClaimFactory(incident=made)
        ImportedEvent.objects.create(
            kind=dataset,
            external_id=f"{dataset}-{made.pk}",
            incident=made,
            document=claim.document,
            claim=claim,
            digest="0" * 64,
            incident_version=made.version,
        )
    return made
