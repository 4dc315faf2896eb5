"""Tally cells and changes as the tests read them, and an incident published through the services as editors do."""

import datetime

from django.db.models import F

from events.services import (
    CasualtyData,
    IncidentParts,
    ParticipantData,
    claim_review,
    incident_create,
    incident_publish,
    incident_submit,
)
from tallies.models import TallyCell, TallyChange
from tests.factories import ClaimFactory

CELL_COLUMNS = (
    "subject_id",
    "measure",
    "attribution",
    "period_type",
    "period_start",
    "country",
    "admin1",
    "harm",
    "victim_status",
    "incidents",
    "records",
    "low",
    "best",
    "high",
    "week_precision",
    "month_precision",
    "year_precision",
)


def cells() -> set[tuple]:
    """Every cell's key and figures (not when it was computed)."""
    return set(TallyCell.objects.values_list(*CELL_COLUMNS))


def pending_changes() -> list[int]:
    return list(TallyChange.objects.filter(applied_at__isnull=True).values_list("pk", flat=True))


def publish(analyst, editor, *, perpetrators, start, best) -> TallyChange:
    """An incident published through the services, as editors do; returns the change it records."""
    participants = [
        ParticipantData(actor=actor, role="perpetrator", side="A", attribution="confirmed") for actor in perpetrators
    ]
    record = CasualtyData(
        harm="killed",
        victim_status="civilian",
        count_low=best,
        count_best=best,
        count_high=best + 4,
        perpetrators=list(perpetrators),
    )
    fields = {
        "title": "Market attacked",
        "start_date": start,
        "end_date": start,
        "country": "MLI",
        "admin1": "Mopti",
        "event_type": "Violence against civilians",
        "sub_event_type": "Attack",
    }
    incident = incident_create(
        by=analyst, fields=fields, parts=IncidentParts(participants=participants, casualty_records=[record])
    )
    ClaimFactory(incident=incident)
    incident = incident_submit(incident=incident, by=analyst)
    claim_review(claim=incident.claims.get(), by=editor, status="accepted")
    incident_publish(incident=incident, by=editor)
    return TallyChange.objects.filter(incident=incident).latest("pk")


def all_time_cell(actor) -> TallyCell:
    """The actor's own all-time total of everything it perpetrated, confirmed attributions only."""
    return TallyCell.objects.get(
        subject__kind="actor",
        subject__actor=actor,
        measure="perpetrated",
        attribution="confirmed",
        period_type="all",
        country=None,
        harm=None,
        victim_status=None,
    )


def age_pending_changes(settings) -> None:
    """Make the pending changes older than the sweep waits for, as the minutes after a broker outage would."""
    TallyChange.objects.filter(applied_at__isnull=True).update(
        enqueued_at=F("enqueued_at") - datetime.timedelta(seconds=settings.TALLY_SWEEP_SECONDS + 1)
    )
