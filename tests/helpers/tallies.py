"""Casualty facts and tallies as the tests read them, and an incident published through the services as editors do."""

from events.models import Incident
from events.services import (
    CasualtyData,
    IncidentParts,
    ParticipantData,
    claim_review,
    incident_create,
    incident_publish,
    incident_submit,
)
from tallies.models import CasualtyFact, CasualtySum
from tallies.selectors import TallyQuestion, tally_answer
from tests.factories import ClaimFactory

FACT_COLUMNS = (
    "record_id",
    "actor_id",
    "measure",
    "confirmed",
    "incident_id",
    "start_date",
    "date_precision",
    "country",
    "admin1",
    "harm",
    "victim_status",
    "low",
    "best",
    "high",
)


def facts() -> set[tuple]:
    """Every casualty fact, as a comparable set."""
    return set(CasualtyFact.objects.values_list(*FACT_COLUMNS))


def sums() -> set[tuple]:
    """Every stored sum of the facts, as a comparable set (none left at nothing)."""
    assert not CasualtySum.objects.filter(
        incidents=0, records=0, week_precision=0, month_precision=0, year_precision=0
    ).exists()
    columns = [field.attname for field in CasualtySum._meta.fields if field.name not in ("id", "actors")]
    return {(tuple(actors or ()), *row) for actors, *row in CasualtySum.objects.values_list("actors", *columns)}


def publish(analyst, editor, *, perpetrators, start, best) -> Incident:
    """An incident published through the services, as editors do."""
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
    return incident_publish(incident=incident, by=editor)


def all_time_cell(actor) -> dict | None:
    """The actor's own all-time total of everything it perpetrated, confirmed attributions only (None: nothing)."""
    cells = tally_answer(TallyQuestion(actor_ids=(actor.pk,), attribution="confirmed")).cells
    return cells[0] if cells else None
