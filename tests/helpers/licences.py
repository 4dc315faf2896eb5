"""The licence rule asked the slow way, independently of the facts the incidents keep (events/licences.py)."""

from django.db.models import Exists, OuterRef, Q

from events.models import Incident
from sources.choices import ReviewStatus
from sources.models import Claim, Source


def passed_on_by_claims(settings) -> set[int]:
    """The rule through claims, documents and sources: incidents with no accepted claim from a source we may not pass
    on, or with one from a source we may."""
    licensed = Q(acronym__in=settings.REDISTRIBUTION_LICENSED) if settings.REDISTRIBUTION_LICENSED else Q()
    passed_on = Source.objects.filter(Q(redistributable=True) | licensed)
    accepted = Claim.objects.filter(incident=OuterRef("pk"), review_status=ReviewStatus.ACCEPTED)
    return set(
        Incident.objects.filter(
            ~Exists(accepted.exclude(document__source__in=passed_on))
            | Exists(accepted.filter(document__source__in=passed_on))
        ).values_list("pk", flat=True)
    )
