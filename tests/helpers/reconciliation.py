"""Published incidents of a dataset (an ACLED or UCDP import's, or our own), for the reconciliation tests."""

import datetime
from decimal import Decimal

from events.choices import EventType, GeoPrecision, ParticipantRole
from events.models import CasualtyClaim, CasualtyPerpetrator, CasualtyRecord, IncidentParticipant
from imports.models import ImportedEvent
from tests.factories import ClaimFactory, ParticipantFactory, ReviewedClaimFactory, SourceFactory
from tests.helpers.incidents import incident

DAY = datetime.date(2024, 3, 12)
GAO = (Decimal("16.27170"), Decimal("-0.04470"))


def record(
    dataset: str,
    *actors,
    day=DAY,
    place=GAO,
    precision=GeoPrecision.EXACT,
    killed: tuple[int, int, int] | None = None,
    victims: str = "civilian",
    perpetrators=(),
    source=None,
    **fields,
):
    """A published incident of `dataset` (an import's, or our own), with `actors` as its participants; with `killed`
    (low, best, high), a killed record of `victims` by `perpetrators` (among `actors`) resting on its accepted claim,
    from `source` (a new one when None)."""
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
    claim = None
    if killed is not None:
        low, best, high = killed
        claim = ReviewedClaimFactory(
            incident=made,
            victim_status=victims,
            figure_low=low,
            figure_best=best,
            figure_high=high,
            **({"document__source": source} if source else {"document__source": SourceFactory()}),
        )
        casualties = CasualtyRecord.objects.create(
            incident=made, harm="killed", victim_status=victims, count_low=low, count_best=best, count_high=high
        )
        CasualtyClaim.objects.create(casualty_record=casualties, claim=claim)
        for actor in perpetrators:
            participant = IncidentParticipant.objects.get(incident=made, actor=actor, role=ParticipantRole.PERPETRATOR)
            CasualtyPerpetrator.objects.create(incident=made, casualty_record=casualties, participant=participant)
        made.fatalities_low, made.fatalities_best, made.fatalities_high = killed
        made.save(update_fields=["fatalities_low", "fatalities_best", "fatalities_high"])
    if dataset != "own":
        made.datasets, made.external_ids = [dataset], [f"{dataset}:{dataset}-{made.pk}"]
        made.save(update_fields=["datasets", "external_ids"])
        claim = claim or ClaimFactory(incident=made)
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
