import datetime
from decimal import Decimal

import django_filters
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.backends.postgresql.psycopg_any import DateRange
from django.db.models import Exists, F, FloatField, OuterRef, Q
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from actors.filters import ActorFilter, ActorListFilter
from actors.selectors import actor_lineage_ids
from conflict_tracker.choices import AttributionLevel, Harm, Measure, VictimStatus
from conflict_tracker.filters import (
    BoundingBoxFilter,
    DatasetsFilter,
    DateWindowForm,
    ExternalIdFilter,
    FilterSet,
    IdFilter,
    PointFilter,
    StrictBooleanFilter,
    applied_elsewhere,
    date_window,
)
from conflict_tracker.geo import box_around, distance_km
from conflict_tracker.pagination import IncidentCursorPagination
from conflict_tracker.validators import validate_country_code

from .casualties import cell_records
from .choices import Attribution, IncidentStatus, ParticipantRole
from .models import Incident, IncidentParticipant, incident_period_sql

MAX_RADIUS_KM = 5000
FATALITY_MEASURES = {"low": "fatalities_low", "best": "fatalities_best", "high": "fatalities_high"}


class IncidentFilterForm(DateWindowForm):
    """Rules between parameters, each error naming the parameter to fix."""

    def clean(self):
        data = super().clean()
        low, high = data.get("fatalities_min"), data.get("fatalities_max")
        if low is not None and high is not None and low > high:
            self.add_error("fatalities_max", _("fatalities_max cannot be less than fatalities_min."))
        if data.get("near") and data.get("radius_km") is None and "radius_km" not in self.errors:
            self.add_error("radius_km", _("Give radius_km with near."))
        if data.get("radius_km") is not None and not data.get("near") and "near" not in self.errors:
            self.add_error("near", _("Give near (lat,lon) with radius_km."))
        if data.get("include_related") and not data.get("actor") and "actor" not in self.errors:
            self.add_error("actor", _("Give actor with include_related."))
        casualty = ("casualty_measure", "casualty_attribution", "casualty_harm", "casualty_victim_status")
        if any(data.get(name) for name in casualty) and not data.get("casualties_of"):
            if "casualties_of" not in self.errors:
                self.add_error("casualties_of", _("Give casualties_of with the casualty_ parameters."))
        return data


class CasualtyFilterSet(FilterSet):
    """The records behind a casualty tally, asked for with the parameters each tally cell links with: those
    counted for these actors under the tally's rules. The incidents list and the tally records list share them."""

    casualties_of = ActorListFilter(
        method=applied_elsewhere,
        help_text=_(
            "Casualty records counted for these actors (comma-separated ids, names or acronyms, each record once), "
            "as the casualty tallies count them; e.g. 1,2."
        ),
    )
    casualty_measure = django_filters.ChoiceFilter(
        method=applied_elsewhere,
        choices=Measure.choices,
        help_text=_("With casualties_of: perpetrated (default) or involved."),
    )
    casualty_attribution = django_filters.ChoiceFilter(
        method=applied_elsewhere,
        choices=AttributionLevel.choices,
        help_text=_("With casualties_of: confirmed, or alleged (confirmed and alleged, the default)."),
    )
    casualty_harm = django_filters.ChoiceFilter(
        method=applied_elsewhere,
        choices=Harm.choices,
        help_text=_("With casualties_of: the harm, e.g. killed."),
    )
    casualty_victim_status = django_filters.ChoiceFilter(
        method=applied_elsewhere,
        choices=VictimStatus.choices,
        help_text=_("With casualties_of: the victims' status, e.g. civilian."),
    )
    casualty_dataset = DatasetsFilter(
        method=applied_elsewhere,
        help_text=_(
            "With casualties_of: a dataset's own view, as the tallies' dataset counts it: acled, ucdp or own, its "
            "records (merged or not); several, e.g. acled,ucdp, the incidents merging a record of each."
        ),
    )

    def casualty_records(self):
        """The published casualty records the casualty_ parameters ask for (casualties_of must be given)."""
        data = self.form.cleaned_data
        return cell_records(
            actor_ids=data["casualties_of"],
            measure=data.get("casualty_measure") or Measure.PERPETRATED,
            attribution=data.get("casualty_attribution") or AttributionLevel.ALLEGED,
            harm=data.get("casualty_harm"),
            victim_status=data.get("casualty_victim_status"),
            datasets=data.get("casualty_dataset"),
        )


class IncidentFilterSet(CasualtyFilterSet):
    """The incidents' filters, for the API and the browser list alike.

    They narrow what the caller may already see (`Incident.objects.visible_to`); none widens it. So `status`
    needs no rule of its own: the public asking for drafts gets an empty list, not an error that would hint
    at what exists.
    """

    date_after, date_before = date_window(
        after_help=_(
            "Incidents still going on at or after this date (YYYY-MM-DD); a date known only to the week, month or "
            "year counts as all of it."
        ),
        before_help=_(
            "Incidents begun at or before this date (YYYY-MM-DD); a date known only to the week, month or year "
            "counts as all of it."
        ),
    )
    country = django_filters.CharFilter(validators=[validate_country_code], help_text=_("ISO 3166-1 alpha-3, e.g. MLI"))
    admin1 = django_filters.CharFilter(help_text=_("Region, exactly as spelled, e.g. Gao"))
    admin2 = django_filters.CharFilter(help_text=_("Cercle, exactly as spelled, e.g. Ansongo"))
    fatalities_min = IdFilter(
        method=applied_elsewhere,
        min_value=0,
        help_text=_("Fatalities at least, on the estimate fatalities_measure names (best by default), e.g. 10."),
    )
    fatalities_max = IdFilter(
        method=applied_elsewhere,
        min_value=0,
        help_text=_("Fatalities at most, on the estimate fatalities_measure names (best by default), e.g. 100."),
    )
    fatalities_measure = django_filters.ChoiceFilter(
        method=applied_elsewhere,
        choices=[(name, name) for name in FATALITY_MEASURES],
        help_text=_("Which estimate fatalities_min and fatalities_max apply to: low, best (default) or high."),
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
    actor = ActorFilter(
        label=_("Actor (name, alias or acronym)"),
        method=applied_elsewhere,
        help_text=_(
            "An actor taking part in the incident: its id (e.g. 12), or any of its names, aliases or its acronym "
            "(e.g. Wagner Group, FAMa)."
        ),
    )
    include_related = StrictBooleanFilter(
        method=applied_elsewhere,
        help_text=_(
            "With actor: also its units (part of it, at any depth), its predecessors and its successors "
            "(e.g. Wagner Group finds Africa Corps)."
        ),
    )
    role = django_filters.ChoiceFilter(
        method=applied_elsewhere,
        choices=ParticipantRole.choices,
        help_text=_("The participant's role (of the actor, when actor is given), e.g. perpetrator."),
    )
    attribution = django_filters.ChoiceFilter(
        method=applied_elsewhere,
        choices=Attribution.choices,
        help_text=_("How firmly the participation (of the actor, when given) is attributed, exactly, e.g. confirmed."),
    )
    bbox = BoundingBoxFilter(
        method="filter_bbox",
        help_text=_("Bounding box min_lon,min_lat,max_lon,max_lat in degrees, e.g. -5.5,10,4.5,25."),
    )
    near = PointFilter(
        method=applied_elsewhere,
        help_text=_("With radius_km: incidents within that great-circle distance of lat,lon, e.g. 16.27,-0.04."),
    )
    radius_km = django_filters.NumberFilter(
        method=applied_elsewhere,
        min_value=0,
        max_value=MAX_RADIUS_KM,
        help_text=_("With near: the radius in kilometres, e.g. 50."),
    )
    civilian_targeting = StrictBooleanFilter(help_text=_("Civilians targeted (true) or not (false)."))
    started_after = django_filters.DateFilter(
        field_name="start_date",
        lookup_expr="gte",
        help_text=_("Incidents whose start date is on or after this date (YYYY-MM-DD), as tallies bucket them."),
    )
    started_before = django_filters.DateFilter(
        field_name="start_date",
        lookup_expr="lte",
        help_text=_("Incidents whose start date is on or before this date (YYYY-MM-DD), as tallies bucket them."),
    )
    dataset = DatasetsFilter(
        field_name="datasets",
        lookup_expr="contains",
        label=_("Datasets"),
        help_text=_(
            "The events these datasets record (acled, ucdp, own: our analysts'), separated by commas: acled,ucdp "
            "gives the incidents merging an ACLED and a UCDP record of one event. Each merged record's own figures "
            "are in the incident's merged_records."
        ),
    )
    external_id = ExternalIdFilter(
        field_name="external_ids",
        method="filter_external_id",
        label=_("Dataset's event id"),
        help_text=_("The incident that counts this event of a dataset: its dataset and id, e.g. acled:MLI2612."),
    )
    search = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        help_text=_('Full-text search over title, notes and place name, ranked; web-search syntax ("a b" -c or d).'),
    )

    ordering = django_filters.ChoiceFilter(
        method=applied_elsewhere,
        choices=[(name, name) for name in IncidentCursorPagination.orderings],
        help_text=_("Order of the list (ties broken by id, in the same direction), e.g. -fatalities_best."),
    )

    # One example value per filter, shown in the API schema.
    examples = {
        "date_after": "2024-01-01",
        "date_before": "2024-12-31",
        "country": "MLI",
        "admin1": "Gao",
        "admin2": "Ansongo",
        "event_type": "Violence against civilians",
        "sub_event_type": "Attack",
        "fatalities_min": 10,
        "fatalities_max": 100,
        "fatalities_measure": "best",
        "updated_since": "2025-03-01T00:00:00Z",
        "status": "published",
        "actor": "Wagner Group",
        "include_related": True,
        "role": "perpetrator",
        "attribution": "confirmed",
        "bbox": "-5.5,10,4.5,25",
        "near": "16.27,-0.04",
        "radius_km": 50,
        "civilian_targeting": True,
        "search": "Moura market",
        "dataset": "acled,ucdp",
        "external_id": "acled:MLI2612",
        "casualties_of": "1,2",
        "casualty_measure": "perpetrated",
        "casualty_attribution": "alleged",
        "casualty_harm": "killed",
        "casualty_victim_status": "civilian",
        "casualty_dataset": "ucdp",
        "started_after": "2024-01-01",
        "started_before": "2024-03-31",
        "ordering": "-fatalities_best",
    }

    class Meta:
        model = Incident
        fields = ["country", "admin1", "admin2", "event_type", "sub_event_type", "civilian_targeting", "status"]
        form = IncidentFilterForm

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        if data.get("date_after") or data.get("date_before"):
            # Dates that overlap the window, as ranges, so that the GiST index bounds both of its ends.
            after, before = data.get("date_after"), data.get("date_before")
            queryset = queryset.alias(period=incident_period_sql()).filter(
                period__overlap=DateRange(after, before, "[]")
            )
            # Widening moves a date at most to its year's ends or by six days (a week across New Year), so these
            # plain bounds keep every match and let a btree on the dates (the list's ordering index) stop near the
            # window instead of reading every year beyond it.
            week = datetime.timedelta(days=6)
            if before:
                queryset = queryset.filter(start_date__lte=max(datetime.date(before.year, 12, 31), before + week))
            if after:
                queryset = queryset.filter(end_date__gte=min(datetime.date(after.year, 1, 1), after - week))
        queryset = self._filter_participants(queryset, data)
        if data.get("casualties_of"):
            # A dataset's own record may be merged into the incident listed: the incident is the one counting it.
            records = self.casualty_records().filter(
                Q(incident=OuterRef("pk")) | Q(incident__merged_into=OuterRef("pk"))
            )
            queryset = queryset.filter(Exists(records))
        queryset = self._filter_fatalities(queryset, data)
        if data.get("near") and data.get("radius_km") is not None:
            queryset = self._filter_near(queryset, *data["near"], float(data["radius_km"]))
        if data.get("ordering"):
            queryset = queryset.order_by(*IncidentCursorPagination.sort(data["ordering"]))
        return queryset

    def _filter_participants(self, queryset, data):
        """One EXISTS over the participant rows: actor, role and attribution hold for the same row, and an
        incident with several matching rows is listed once."""
        conditions = {}
        if data.get("actor"):
            if data.get("include_related"):
                conditions["actor_id__in"] = sorted(actor_lineage_ids([data["actor"]]))
            else:
                conditions["actor_id"] = data["actor"]
        for name in ("role", "attribution"):
            if data.get(name):
                conditions[name] = data[name]
        if not conditions:
            return queryset
        return queryset.filter(Exists(IncidentParticipant.objects.filter(incident=OuterRef("pk"), **conditions)))

    def _filter_fatalities(self, queryset, data):
        column = FATALITY_MEASURES[data.get("fatalities_measure") or "best"]
        if data.get("fatalities_min") is not None:
            queryset = queryset.filter(**{f"{column}__gte": data["fatalities_min"]})
        if data.get("fatalities_max") is not None:
            queryset = queryset.filter(**{f"{column}__lte": data["fatalities_max"]})
        return queryset

    def _filter_near(self, queryset, lat: float, lon: float, radius_km: float):
        # A box around the circle first, on the indexed coordinates; then the great-circle distance on what is left.
        queryset = queryset.filter(box_around(lat, lon, radius_km))
        return queryset.alias(distance_km=distance_km(lat, lon)).filter(distance_km__lte=radius_km)

    def filter_bbox(self, queryset, name, value):
        min_lon, min_lat, max_lon, max_lat = (Decimal(f"{number:.6f}") for number in value)
        return queryset.filter(
            latitude__gte=min_lat, latitude__lte=max_lat, longitude__gte=min_lon, longitude__lte=max_lon
        )

    def filter_external_id(self, queryset, name, value):
        return queryset.filter(external_ids__contains=[value])

    def filter_search(self, queryset, name, value):
        query = SearchQuery(value, config="simple", search_type="websearch")
        ordering = queryset.query.order_by or Incident._meta.ordering
        return (
            queryset.filter(search_vector=query)
            # float8, so that the rank survives a round trip through a cursor exactly.
            .annotate(rank=Cast(SearchRank(F("search_vector"), query), FloatField()))
            .order_by("-rank", *ordering)
        )
