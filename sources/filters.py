import django_filters
from django.utils.translation import gettext_lazy as _

from conflict_tracker.validators import validate_country_code

from .models import Claim, Document, Source


class SourceFilterSet(django_filters.FilterSet):
    country = django_filters.CharFilter(validators=[validate_country_code], help_text=_("ISO 3166-1 alpha-3"))

    class Meta:
        model = Source
        fields = ["kind", "reliability", "country", "language"]


class DocumentFilterSet(django_filters.FilterSet):
    published_after = django_filters.DateFilter(field_name="published_on", lookup_expr="gte")
    published_before = django_filters.DateFilter(field_name="published_on", lookup_expr="lte")

    class Meta:
        model = Document
        fields = ["source", "language"]


class ClaimFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="quote", lookup_expr="icontains", help_text=_("Part of the quote."))
    # Plain ids, not choices: a choice list would render every incident in the browsable API's filter form, and
    # 400 for an unknown id versus 200 for a draft's would tell whether a draft exists.
    document = django_filters.NumberFilter()
    source = django_filters.NumberFilter(field_name="document__source")
    incident = django_filters.NumberFilter()
    actor = django_filters.NumberFilter(field_name="attributed_actors")
    aggregate = django_filters.BooleanFilter(
        field_name="incident", lookup_expr="isnull", help_text=_("Only aggregate claims (true) or only others.")
    )

    class Meta:
        model = Claim
        fields = ["review_status", "measure", "harm", "country"]
