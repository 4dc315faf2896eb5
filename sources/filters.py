import django_filters
from django.utils.translation import gettext_lazy as _

from conflict_tracker.filters import FilterSet
from conflict_tracker.redaction import names_regex, withholder
from conflict_tracker.roles import is_staff_member
from conflict_tracker.validators import validate_country_code

from .models import Claim, Document, Source


class SourceFilterSet(FilterSet):
    country = django_filters.CharFilter(
        validators=[validate_country_code], help_text=_("The source's country, ISO 3166-1 alpha-3, e.g. MLI.")
    )
    language = django_filters.CharFilter(help_text=_("The source's language, ISO 639-1, e.g. fr."))

    # One example value per filter, shown in the API schema.
    examples = {"country": "MLI", "language": "fr", "kind": "news_media", "reliability": "B"}

    class Meta:
        model = Source
        fields = ["kind", "reliability", "country", "language"]


class DocumentFilterSet(FilterSet):
    published_after = django_filters.DateFilter(
        field_name="published_on", lookup_expr="gte", help_text=_("Published on or after this date (YYYY-MM-DD).")
    )
    published_before = django_filters.DateFilter(
        field_name="published_on", lookup_expr="lte", help_text=_("Published on or before this date (YYYY-MM-DD).")
    )
    source = django_filters.ModelChoiceFilter(queryset=Source.objects.all(), help_text=_("The source's id, e.g. 3."))
    language = django_filters.CharFilter(help_text=_("The document's language, ISO 639-1, e.g. fr."))

    # One example value per filter, shown in the API schema.
    examples = {"published_after": "2025-01-01", "published_before": "2025-12-31", "source": 3, "language": "fr"}

    class Meta:
        model = Document
        fields = ["source", "language"]


class ClaimFilterSet(FilterSet):
    q = django_filters.CharFilter(method="filter_quote", help_text=_("Part of the quote."))
    # Plain ids, not choices: a choice list would render every incident in the browsable API's filter form, and
    # 400 for an unknown id versus 200 for a draft's would tell whether a draft exists.
    document = django_filters.NumberFilter(help_text=_("The id of the document making the claim, e.g. 7."))
    source = django_filters.NumberFilter(
        field_name="document__source", help_text=_("The id of the source whose documents make the claim, e.g. 3.")
    )
    incident = django_filters.NumberFilter(help_text=_("The id of the incident the claim is about, e.g. 42."))
    actor = django_filters.NumberFilter(
        field_name="attributed_actors", help_text=_("The id of an actor the claim attributes harm to, e.g. 12.")
    )
    aggregate = django_filters.BooleanFilter(
        field_name="incident",
        lookup_expr="isnull",
        help_text=_("Only aggregate claims, about no single incident (true), or only the others (false)."),
    )
    country = django_filters.CharFilter(help_text=_("The country the claim is about, ISO 3166-1 alpha-3, e.g. MLI."))

    # One example value per filter, shown in the API schema.
    examples = {
        "q": "killed",
        "document": 7,
        "source": 3,
        "incident": 42,
        "actor": 12,
        "aggregate": False,
        "review_status": "accepted",
        "measure": "casualties",
        "harm": "killed",
        "country": "MLI",
    }

    class Meta:
        model = Claim
        fields = ["review_status", "measure", "harm", "country"]

    def filter_quote(self, queryset, name, value):
        """Claims whose quote holds `value`. Readers who may not see victims' names read quotes without them
        (conflict_tracker/redaction.py), so they must not find a claim by one either: when the text searched
        could cover part of a name, a claim whose quote holds one of those names' words is left out for them."""
        matching = queryset.filter(quote__icontains=value)
        if is_staff_member(self.request.user):
            return matching
        touched = withholder().touched_by(value)
        return matching.exclude(quote__iregex=names_regex(touched)) if touched else matching
