"""The database itself refuses bad incidents and parts, and model validation says what is wrong."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.deletion import ProtectedError

from events.choices import SUB_EVENT_TYPES_BY_EVENT_TYPE, EventType, SubEventType
from events.models import (
    CasualtyPerpetrator,
    CasualtyRecord,
    Incident,
    IncidentParticipant,
    NamedVictim,
    PropertyHarm,
)
from tests.factories import ActorFactory, IncidentFactory

pytestmark = pytest.mark.django_db


def assert_refused(instance, message):
    """Model validation names the problem, and the database refuses the row even when validation is skipped."""
    with pytest.raises(ValidationError) as error:
        instance.full_clean()
    assert message in str(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        instance.save()


def test_acled_has_six_event_types_and_twenty_five_sub_types():
    assert len(EventType) == 6
    assert len(SubEventType) == 25
    assert sorted(s for subs in SUB_EVENT_TYPES_BY_EVENT_TYPE.values() for s in subs) == sorted(SubEventType)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"end_date": datetime.date(2025, 2, 1)}, "end date cannot come before the start date"),
        ({"latitude": Decimal("91"), "longitude": Decimal("0")}, "latitude"),
        ({"latitude": Decimal("16.27"), "longitude": None}, "Give both latitude"),
        ({"longitude": Decimal("-181"), "latitude": Decimal("0")}, "longitude"),
        ({"event_type": "Battles", "sub_event_type": "Attack"}, "does not belong to the event type"),
        ({"event_type": "", "sub_event_type": "Air/drone strike"}, "does not belong to the event type"),
        ({"country": "ML"}, "country"),
        ({"code": "MALI-1"}, "looks like MLI-2025-0042"),
    ],
)
def test_it_refuses_an_invalid_incident(changes, message):
    incident = IncidentFactory.build(created_by=IncidentFactory().created_by, **changes)
    if "code" not in changes:
        incident.code = "MLI-2025-9999"
    assert_refused(incident, message)


def test_every_event_type_sub_type_pair_is_accepted():
    incident = IncidentFactory()
    for event_type, sub_event_types in SUB_EVENT_TYPES_BY_EVENT_TYPE.items():
        for sub_event_type in sub_event_types:
            Incident.objects.filter(pk=incident.pk).update(event_type=event_type, sub_event_type=sub_event_type)


def test_incident_codes_are_unique():
    incident = IncidentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        IncidentFactory(code=incident.code)


def test_a_returned_incident_needs_a_comment_and_a_retracted_one_a_reason():
    incident = IncidentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Incident.objects.filter(pk=incident.pk).update(status="returned")
    with pytest.raises(IntegrityError), transaction.atomic():
        Incident.objects.filter(pk=incident.pk).update(status="retracted")
    with pytest.raises(IntegrityError), transaction.atomic():
        Incident.objects.filter(pk=incident.pk).update(status="vanished")


def test_an_incident_with_claims_cannot_be_deleted():
    from tests.factories import ClaimFactory

    claim = ClaimFactory()
    with pytest.raises(ProtectedError):
        claim.incident.delete()


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ({"count_low": 5, "count_best": 4, "count_high": 6}, "low estimate cannot exceed the best"),
        ({"count_low": 1, "count_best": 7, "count_high": 6}, "best estimate cannot exceed the high"),
        ({"count_low": 1, "count_best": 2, "count_high": 3, "children": 4}, "cannot exceed the high count"),
        ({"count_low": 1, "count_best": 2, "count_high": 3, "harm": "bored"}, "harm"),
        ({"count_low": 1, "count_best": 2, "count_high": 3, "victim_status": "vip"}, "victim_status"),
    ],
)
def test_it_refuses_an_invalid_casualty_record(counts, message):
    fields = {"harm": "killed", "victim_status": "civilian", **counts}
    assert_refused(CasualtyRecord(incident=IncidentFactory(), **fields), message)


def test_counts_cannot_be_negative():
    record = CasualtyRecord(
        incident=IncidentFactory(), harm="killed", victim_status="civilian", count_low=-1, count_best=0, count_high=0
    )
    assert_refused(record, "greater than or equal to 0")


def test_property_harm_counts_are_ordered():
    harm = PropertyHarm(
        incident=IncidentFactory(), kind="homes", harm="burned", count_low=100, count_best=90, count_high=120
    )
    assert_refused(harm, "low estimate cannot exceed the best")


def test_an_actor_has_one_participation_per_role():
    incident, actor = IncidentFactory(), ActorFactory()
    IncidentParticipant.objects.create(incident=incident, actor=actor, role="perpetrator")
    assert_refused(IncidentParticipant(incident=incident, actor=actor, role="perpetrator"), "already has this role")


def _record_and_participant(role="perpetrator", same_incident=True):
    incident = IncidentFactory()
    record = CasualtyRecord.objects.create(
        incident=incident, harm="killed", victim_status="civilian", count_low=1, count_best=1, count_high=1
    )
    participant = IncidentParticipant.objects.create(
        incident=incident if same_incident else IncidentFactory(), actor=ActorFactory(), role=role
    )
    return incident, record, participant


def test_the_database_refuses_a_perpetrator_from_another_incident():
    incident, record, participant = _record_and_participant(same_incident=False)
    with pytest.raises(IntegrityError, match="casualty_perpetrator_participant_same_incident"), transaction.atomic():
        CasualtyPerpetrator.objects.create(incident=incident, casualty_record=record, participant=participant)


def test_the_database_refuses_a_target_as_perpetrator():
    incident, record, participant = _record_and_participant(role="target")
    with pytest.raises(IntegrityError, match="casualty_perpetrator_participant_same_incident"), transaction.atomic():
        CasualtyPerpetrator.objects.create(incident=incident, casualty_record=record, participant=participant)


@pytest.mark.parametrize(
    ("missing", "constraint"),
    [
        ("casualty_record_id", "casualty_perpetrator_record_same_incident"),
        ("participant_id", "casualty_perpetrator_participant_same_incident"),
        ("incident_id", r"casualty_perpetrator_\w+_same_incident"),
    ],
)
def test_the_database_refuses_a_perpetrator_link_to_a_row_that_does_not_exist(missing, constraint):
    """The link's columns have no foreign key of their own: the composite keys hold each reference."""
    incident, record, participant = _record_and_participant()
    link = CasualtyPerpetrator(incident=incident, casualty_record=record, participant=participant)
    setattr(link, missing, 10**9)
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        link.save()


def test_a_perpetrator_with_attributed_harm_cannot_silently_become_a_target():
    incident, record, participant = _record_and_participant()
    CasualtyPerpetrator.objects.create(incident=incident, casualty_record=record, participant=participant)
    with pytest.raises(IntegrityError), transaction.atomic():
        IncidentParticipant.objects.filter(pk=participant.pk).update(role="target")


def test_the_database_refuses_more_named_victims_than_the_high_count():
    _, record, _ = _record_and_participant()
    NamedVictim.objects.create(casualty_record=record, name="First")
    with pytest.raises(IntegrityError, match="names more victims"), transaction.atomic():
        NamedVictim.objects.create(casualty_record=record, name="Second")
    CasualtyRecord.objects.filter(pk=record.pk).update(count_best=2, count_high=2)
    NamedVictim.objects.create(casualty_record=record, name="Second")
    with pytest.raises(IntegrityError, match="names more victims"), transaction.atomic():
        CasualtyRecord.objects.filter(pk=record.pk).update(count_low=1, count_best=1, count_high=1)


def test_a_named_victim_age_must_be_plausible():
    _, record, _ = _record_and_participant()
    assert_refused(NamedVictim(casualty_record=record, name="X", age=200), "130")
