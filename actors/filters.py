import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from conflict_tracker.filters import FilterSet
from conflict_tracker.validators import validate_country_code

from .models import Actor, ActorAlias, normalize_actor_name


class ActorFilterSet(FilterSet):
    q = django_filters.CharFilter(
        method="filter_q", label=_("Name or alias"), help_text=_("Part of a name or alias, ignoring case and accents.")
    )
    country = django_filters.CharFilter(
        validators=[validate_country_code], help_text=_("Country of origin, ISO 3166-1 alpha-3, e.g. MLI.")
    )
    needs_review = django_filters.BooleanFilter(
        help_text=_("Only actors whose identity or lineage is still to be checked (true), or only the others.")
    )

    # One example value per filter, shown in the API schema.
    examples = {"q": "wagner", "country": "MLI", "kind": "state_forces", "needs_review": False}

    class Meta:
        model = Actor
        fields = ["kind", "country", "needs_review"]

    def filter_q(self, queryset, name, value):
        normalized = normalize_actor_name(value)
        # EXISTS rather than a join, so that an actor with two matching aliases is listed once.
        aliases = ActorAlias.objects.filter(actor=OuterRef("pk"), normalized_name__contains=normalized)
        return queryset.filter(Q(normalized_name__contains=normalized) | Exists(aliases))
