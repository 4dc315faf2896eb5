import datetime

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone

from actors.choices import ActorKind
from actors.models import Actor, ActorAlias
from events.choices import EventType, IncidentStatus, ParticipantRole, Side, SubEventType
from events.models import Incident, IncidentCodeSequence, IncidentParticipant
from sources.choices import Reliability, ReviewStatus, SourceKind
from sources.models import Claim, Document, Source


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw")
    is_staff = True

    @factory.post_generation
    def role(user, create, extracted, **kwargs):
        if extracted:
            user.groups.add(Group.objects.get(name=extracted))


class ActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Actor

    name = factory.Sequence(lambda n: f"Armed group {n}")
    kind = ActorKind.REBEL_GROUP
    country = "MLI"


class ActorAliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActorAlias

    actor = factory.SubFactory(ActorFactory)
    name = factory.Sequence(lambda n: f"Alias {n}")


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    name = factory.Sequence(lambda n: f"Source {n}")
    kind = SourceKind.NEWS_MEDIA
    reliability = Reliability.B


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    source = factory.SubFactory(SourceFactory)
    title = factory.Sequence(lambda n: f"Report {n}")
    url = factory.Sequence(lambda n: f"https://example.org/report/{n}")
    published_on = datetime.date(2025, 3, 1)


def _next_code(incident) -> str:
    sequence, _ = IncidentCodeSequence.objects.get_or_create(country=incident.country, year=incident.start_date.year)
    sequence.last_number += 1
    sequence.save()
    return f"{incident.country}-{incident.start_date.year}-{sequence.last_number:04d}"


class IncidentFactory(factory.django.DjangoModelFactory):
    """A draft incident written directly (tests of the services create theirs through the services), by the cast's
    analyst (the `analyst` fixture is the same user), so that analyst may work on it as its author."""

    class Meta:
        model = Incident

    title = factory.Sequence(lambda n: f"Attack on village {n}")
    start_date = datetime.date(2025, 2, 10)
    end_date = factory.SelfAttribute("start_date")
    country = "MLI"
    admin1 = "Gao"
    event_type = EventType.VIOLENCE_AGAINST_CIVILIANS
    sub_event_type = SubEventType.ATTACK
    status = IncidentStatus.DRAFT
    created_by = factory.SubFactory(UserFactory, username="analyst", role="analyst")
    code = factory.LazyAttribute(_next_code)


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    document = factory.SubFactory(DocumentFactory)
    incident = factory.SubFactory(IncidentFactory)
    quote = "At least 20 people were killed."
    harm = "killed"
    victim_status = "civilian"
    figure_qualifier = "at_least"
    figure_low = 20
    figure_best = 20


class ReviewedClaimFactory(ClaimFactory):
    """A claim an editor has reviewed (accepted unless told otherwise)."""

    review_status = ReviewStatus.ACCEPTED
    reviewed_by = factory.SubFactory(UserFactory, username="factory-editor", role="editor")
    reviewed_at = factory.LazyFunction(timezone.now)


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IncidentParticipant

    incident = factory.SubFactory(IncidentFactory)
    actor = factory.SubFactory(ActorFactory)
    role = ParticipantRole.PERPETRATOR
    side = Side.A
