import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from conflict_tracker.choices import Dataset
from conflict_tracker.filters import FilterSet, StrictBooleanFilter
from conflict_tracker.validators import validate_country_code

from .choices import DatasetPair, Verdict
from .models import MatchCandidate, MatchDecision


def _standing(**conditions) -> Exists:
    """Whether the candidate's pair has a standing decision (with `conditions`)."""
    return Exists(
        MatchDecision.objects.filter(
            incident=OuterRef("incident"), other=OuterRef("other"), undone_at__isnull=True, **conditions
        )
    )


def _either_incident(queryset, name, value):
    """The pairs (candidates or decisions) with the incident of this code on either side."""
    return queryset.filter(Q(incident__code=value) | Q(other__code=value))


def _of_dataset(side: str, dataset: str) -> Q:
    return Q(**{f"{side}__datasets": [dataset]})


class MatchCandidateFilterSet(FilterSet):
    score_min = django_filters.NumberFilter(
        label=_("Score at least"),
        field_name="score",
        lookup_expr="gte",
        help_text=_("Candidates scored this much or more (0 to 1)."),
    )
    incident = django_filters.CharFilter(method=_either_incident, help_text=_("An incident's code, on either side."))
    dataset = django_filters.ChoiceFilter(
        label=_("Datasets"),
        empty_label=_("any"),
        choices=[*Dataset.choices, *DatasetPair.choices],
        method="filter_dataset",
        help_text=_("Pairs with an incident of this dataset, or of these two datasets (acled,ucdp)."),
    )
    # Both incidents of a candidate are in one country (reconciliation.queries compares no other).
    country = django_filters.CharFilter(
        label=_("Country"),
        field_name="incident__country",
        validators=[validate_country_code],
        help_text=_("Pairs in this country: ISO 3166-1 alpha-3, e.g. MLI."),
    )
    decided = StrictBooleanFilter(
        label=_("Decided"), method="filter_decided", help_text=_("Pairs with a standing decision, or without.")
    )
    verdict = django_filters.ChoiceFilter(
        choices=Verdict.choices, method="filter_verdict", help_text=_("Pairs whose standing decision is this.")
    )

    examples = {
        "score_min": "0.8",
        "incident": "MLI-2024-0012",
        "dataset": "acled,ucdp",
        "country": "MLI",
        "decided": "false",
    }

    class Meta:
        model = MatchCandidate
        fields = []

    def filter_dataset(self, queryset, name, value):
        first, _comma, second = value.partition(",")
        if not second:
            return queryset.filter(_of_dataset("incident", first) | _of_dataset("other", first))
        return queryset.filter(
            (_of_dataset("incident", first) & _of_dataset("other", second))
            | (_of_dataset("incident", second) & _of_dataset("other", first))
        )

    def filter_decided(self, queryset, name, value):
        return queryset.filter(_standing()) if value else queryset.exclude(_standing())

    def filter_verdict(self, queryset, name, value):
        return queryset.filter(_standing(verdict=value))


class MatchDecisionFilterSet(FilterSet):
    incident = django_filters.CharFilter(method=_either_incident, help_text=_("An incident's code, on either side."))
    verdict = django_filters.ChoiceFilter(choices=Verdict.choices)
    automatic = StrictBooleanFilter(help_text=_("Decisions made without an editor, or by one."))
    standing = StrictBooleanFilter(
        field_name="undone_at", lookup_expr="isnull", help_text=_("Decisions not undone, or undone ones.")
    )

    examples = {"incident": "MLI-2024-0012", "automatic": "false", "standing": "true"}

    class Meta:
        model = MatchDecision
        fields = []
