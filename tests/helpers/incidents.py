"""Incidents for the API tests: published or in any state, bare or with every part, and the fields of a new one."""

from types import SimpleNamespace

from django.utils import timezone

from conflict_tracker.renderers import ORJSONRenderer
from events.api.views import IncidentViewSet
from events.choices import IncidentStatus, ParticipantRole, Side
from events.models import (
    CasualtyClaim,
    CasualtyPerpetrator,
    CasualtyRecord,
    IncidentParticipant,
    NamedVictim,
    PropertyHarm,
    PropertyHarmClaim,
)
from tests.factories import ActorFactory, IncidentFactory, ReviewedClaimFactory

VICTIM = "Hamadoun Kassambara"


def incident(status=IncidentStatus.PUBLISHED, **fields):
    if status == IncidentStatus.PUBLISHED:
        fields.setdefault("published_at", timezone.now())
    return IncidentFactory(status=status, **fields)


def full_incident(status=IncidentStatus.PUBLISHED, **fields):
    """An incident with every part: a perpetrator, a killed record naming a victim, burned homes, a reviewed claim."""
    record = incident(status, **fields)
    perpetrator = IncidentParticipant.objects.create(
        incident=record, actor=ActorFactory(), role=ParticipantRole.PERPETRATOR, side=Side.A
    )
    claim = ReviewedClaimFactory(incident=record)
    killed = CasualtyRecord.objects.create(
        incident=record, harm="killed", victim_status="civilian", count_low=3, count_best=5, count_high=8, children=1
    )
    CasualtyPerpetrator.objects.create(incident=record, casualty_record=killed, participant=perpetrator)
    CasualtyClaim.objects.create(casualty_record=killed, claim=claim)
    NamedVictim.objects.create(casualty_record=killed, name=VICTIM, age=34, community="Dogon")
    homes = PropertyHarm.objects.create(
        incident=record, kind="homes", harm="burned", count_low=10, count_best=12, count_high=15
    )
    PropertyHarmClaim.objects.create(property_harm=homes, claim=claim)
    return record


def incident_fields(**overrides) -> dict:
    """The body of a new incident posted to the API, with `overrides`."""
    return {
        "title": "Convoy attacked near Gao",
        "notes": "A supply convoy was ambushed on the road north of Gao.",
        "start_date": "2024-06-03",
        "end_date": "2024-06-03",
        "country": "MLI",
        "admin1": "Gao",
        "location_name": "Gao",
        "latitude": "16.27170",
        "longitude": "-0.04470",
        "event_type": "Violence against civilians",
        "sub_event_type": "Attack",
        "civilian_targeting": True,
        **overrides,
    }


def serialized(record, user) -> bytes:
    """The incident as the serializers write it for `user` (the public's or staff's, with the claims `user` may see),
    through the API's renderer: what the detail answered before PostgreSQL wrote it."""
    view = IncidentViewSet(action="retrieve", request=SimpleNamespace(user=user))
    serializer = view.get_serializer_class()
    return ORJSONRenderer().render(serializer(view.get_queryset().get(pk=record.pk)).data)
