import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from actors.filters import ActorFilter
from actors.models import normalize_actor_name
from conflict_tracker.choices import ImportKind
from conflict_tracker.filters import FilterSet, StrictBooleanFilter

from .models import ActorCrosswalk


class ActorCrosswalkFilterSet(FilterSet):
    dataset = django_filters.ChoiceFilter(choices=ImportKind.choices, help_text=_("The dataset whose names to list."))
    unmatched = StrictBooleanFilter(
        field_name="matched",
        exclude=True,
        help_text=_(
            "The names an import could tie to no vetted actor, which an editor has still to tie (true); or the names "
            "an editor tied (false)."
        ),
    )
    search = django_filters.CharFilter(
        method="filter_search",
        help_text=_("Part of the dataset's name or of our actor's name (case and accents ignored), or a UCDP id."),
    )
    actor = ActorFilter(help_text=_("Our actor, by id, name, alias or acronym: the dataset names tied to it."))

    examples = {"dataset": "ucdp", "unmatched": "true", "search": "JNIM", "actor": "Wagner Group"}

    class Meta:
        model = ActorCrosswalk
        fields = []

    def filter_search(self, queryset, name, value):
        normalized = normalize_actor_name(value)
        return queryset.filter(
            Q(normalized_name__contains=normalized)
            | Q(actor__normalized_name__contains=normalized)
            | Q(external_id=value.strip())
        )
