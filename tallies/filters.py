import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from actors.filters import ActorFilter, ActorListFilter
from conflict_tracker.choices import AttributionLevel, Harm, Measure, PeriodType, VictimStatus
from conflict_tracker.filters import (
    DatasetsFilter,
    DateWindowForm,
    FilterSet,
    StrictBooleanFilter,
    applied_elsewhere,
    date_window,
)
from conflict_tracker.validators import validate_country_code
from events.filters import CasualtyFilterSet
from events.models import CasualtyRecord

from .models import CasualtyFact


class TallyFilterForm(DateWindowForm):
    """Rules between parameters, each error naming the parameter to fix."""

    def clean(self):
        data = super().clean()
        if bool(data.get("actor")) == bool(data.get("actors")) and not {"actor", "actors"} & set(self.errors):
            self.add_error("actor", _("Give either actor (one actor) or actors (a set, comma-separated)."))
        if data.get("admin1") and not data.get("country") and "country" not in self.errors:
            self.add_error("country", _("Give country with admin1."))
        dated = data.get("date_after") or data.get("date_before")
        if dated and (data.get("period") or PeriodType.ALL) == PeriodType.ALL and "period" not in self.errors:
            self.add_error("period", _("A date range needs period year, quarter or month."))
        return data


class TallyFilterSet(FilterSet):
    """Which tallies to read. None of these filters a queryset directly: selectors.tally_answer reads them."""

    actor = ActorFilter(
        method=applied_elsewhere,
        help_text=_("One actor: its id, or any of its names or its acronym, e.g. Wagner Group or FAMa."),
    )
    actors = ActorListFilter(
        method=applied_elsewhere,
        help_text=_(
            "A set of actors counted together, each casualty record once: ids, names or acronyms, comma-separated."
        ),
    )
    include_related = StrictBooleanFilter(
        method=applied_elsewhere,
        help_text=_("Also the actors' units, predecessors and successors (Wagner -> Africa Corps)."),
    )
    measure = django_filters.ChoiceFilter(
        method=applied_elsewhere,
        choices=Measure.choices,
        help_text=_("perpetrated (default): records attributed to the actors; involved: ACLED's convention."),
    )
    attribution = django_filters.ChoiceFilter(
        method=applied_elsewhere,
        choices=AttributionLevel.choices,
        help_text=_("confirmed: confirmed attributions only; alleged (default): confirmed and alleged."),
    )
    period = django_filters.ChoiceFilter(
        method=applied_elsewhere, choices=PeriodType.choices, help_text=_("all (default), year, quarter or month.")
    )
    date_after, date_before = date_window(
        after_help=_("Periods starting on or after this date (YYYY-MM-DD)."),
        before_help=_("Periods starting on or before this date (YYYY-MM-DD)."),
    )
    country = django_filters.CharFilter(
        method=applied_elsewhere,
        validators=[validate_country_code],
        help_text=_("ISO 3166-1 alpha-3; default: all countries."),
    )
    admin1 = django_filters.CharFilter(method=applied_elsewhere, help_text=_("With country: one region, e.g. Gao."))
    harm = django_filters.ChoiceFilter(
        method=applied_elsewhere, choices=Harm.choices, help_text=_("One harm, e.g. killed; default: every harm.")
    )
    victim_status = django_filters.ChoiceFilter(
        method=applied_elsewhere,
        choices=VictimStatus.choices,
        help_text=_("civilian, combatant or unknown; default: all."),
    )
    dataset = DatasetsFilter(
        method=applied_elsewhere,
        help_text=_(
            "A dataset's own view: acled, ucdp or own (our analysts') counts that dataset's records with its own "
            "figures, merged or not; several, e.g. acled,ucdp, count the incidents merging a record of each. "
            "Default: every event once."
        ),
    )

    examples = {
        "actor": "Wagner Group",
        "actors": "Malian Armed Forces,Wagner Group",
        "include_related": True,
        "measure": "perpetrated",
        "attribution": "alleged",
        "period": "quarter",
        "date_after": "2024-01-01",
        "date_before": "2024-12-31",
        "country": "MLI",
        "admin1": "Gao",
        "harm": "killed",
        "victim_status": "civilian",
        "dataset": "ucdp",
    }

    class Meta:
        model = CasualtyFact
        fields = []
        form = TallyFilterForm


class TallyRecordFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        if not data.get("casualties_of") and "casualties_of" not in self.errors:
            self.add_error("casualties_of", _("Give the actors whose tally the records make up."))
        return data


class TallyRecordFilterSet(CasualtyFilterSet):
    """The casualty records behind a tally cell: the same parameters as the incidents query it links to."""

    country = django_filters.CharFilter(
        field_name="incident__country", validators=[validate_country_code], help_text=_("ISO 3166-1 alpha-3.")
    )
    admin1 = django_filters.CharFilter(field_name="incident__admin1", help_text=_("Region, e.g. Gao."))
    started_after = django_filters.DateFilter(
        field_name="incident__start_date", lookup_expr="gte", help_text=_("Incidents begun on or after (YYYY-MM-DD).")
    )
    started_before = django_filters.DateFilter(
        field_name="incident__start_date", lookup_expr="lte", help_text=_("Incidents begun on or before (YYYY-MM-DD).")
    )

    examples = {
        "casualties_of": "1,2",
        "casualty_measure": "perpetrated",
        "casualty_attribution": "alleged",
        "casualty_harm": "killed",
        "casualty_victim_status": "civilian",
        "casualty_dataset": "ucdp",
        "country": "MLI",
        "admin1": "Gao",
        "started_after": "2024-01-01",
        "started_before": "2024-03-31",
    }

    class Meta:
        model = CasualtyRecord
        fields = []
        form = TallyRecordFilterForm

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset.filter(pk__in=self.casualty_records().values("pk")))
