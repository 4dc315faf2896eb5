import django_filters
from django import forms
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef
from django.utils.translation import gettext_lazy as _

from actors.models import Actor
from conflict_tracker.validators import validate_country_code

from .choices import IncidentStatus
from .models import Incident, IncidentParticipant


def validate_actor_exists(value: int) -> None:
    # Actors are public, so saying that one does not exist reveals nothing.
    if not Actor.objects.filter(pk=value).exists():
        raise ValidationError(_("No actor has the id %(value)s."), code="unknown_actor", params={"value": value})


class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class StrictBooleanField(forms.NullBooleanField):
    """true/false (or 1/0); anything else is a 400, where Django's field would quietly ignore the filter."""

    widget = forms.TextInput  # NullBooleanSelect would turn an unknown value into None before validation.

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value in (True, "true", "True", "1"):
            return True
        if value in (False, "false", "False", "0"):
            return False
        raise ValidationError(_("Give true or false."), code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class IncidentFilterSet(django_filters.FilterSet):
    """The incidents' filters, for the API and the browser list alike.

    They narrow what the caller may already see (`Incident.objects.visible_to`); none widens it. So `status`
    needs no rule of its own: the public asking for drafts gets an empty list, not an error that would hint
    at what exists.
    """

    date_after = django_filters.DateFilter(
        field_name="end_date",
        lookup_expr="gte",
        help_text=_("Incidents still going on at or after this date (YYYY-MM-DD): end date >= date_after."),
    )
    date_before = django_filters.DateFilter(
        field_name="start_date",
        lookup_expr="lte",
        help_text=_("Incidents begun at or before this date (YYYY-MM-DD): start date <= date_before."),
    )
    country = django_filters.CharFilter(validators=[validate_country_code], help_text=_("ISO 3166-1 alpha-3, e.g. MLI"))
    admin1 = django_filters.CharFilter(help_text=_("Region, exactly as spelled, e.g. Gao"))
    admin2 = django_filters.CharFilter(help_text=_("Cercle, exactly as spelled, e.g. Ansongo"))
    fatalities_min = django_filters.NumberFilter(
        field_name="fatalities_best", lookup_expr="gte", min_value=0, help_text=_("Best fatality estimate at least.")
    )
    fatalities_max = django_filters.NumberFilter(
        field_name="fatalities_best", lookup_expr="lte", min_value=0, help_text=_("Best fatality estimate at most.")
    )
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text=_("Incidents changed at or after this time (ISO 8601, e.g. 2025-03-01T00:00:00Z)."),
    )
    status = django_filters.ChoiceFilter(
        choices=IncidentStatus.choices,
        help_text=_("Workflow state. Only analysts, editors and admins see states other than published."),
    )
    actor = IdFilter(
        method="filter_actor",
        validators=[validate_actor_exists],
        min_value=1,
        help_text=_("Id of an actor taking part in the incident, in any role."),
    )
    civilian_targeting = StrictBooleanFilter(help_text=_("Civilians targeted (true) or not (false)."))
    search = django_filters.CharFilter(
        method="filter_search",
        help_text=_('Full-text search over title, notes and place name, ranked; web-search syntax ("a b" -c or d).'),
    )

    class Meta:
        model = Incident
        fields = ["country", "admin1", "admin2", "event_type", "sub_event_type", "civilian_targeting", "status"]

    def filter_actor(self, queryset, name, value):
        # EXISTS rather than a join, so that an actor with two roles in an incident lists it once.
        participations = IncidentParticipant.objects.filter(incident=OuterRef("pk"), actor_id=value)
        return queryset.filter(Exists(participations))

    def filter_search(self, queryset, name, value):
        query = SearchQuery(value, config="simple", search_type="websearch")
        ordering = queryset.query.order_by or Incident._meta.ordering
        return (
            queryset.filter(search_vector=query)
            .annotate(rank=SearchRank(F("search_vector"), query))
            .order_by("-rank", *ordering)
        )
