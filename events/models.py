import datetime
import functools
import re

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField, DateRangeField
from django.contrib.postgres.indexes import GinIndex, GistIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, models
from django.db.models import Case, F, Func, Q, Value, When
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actors.models import Actor
from conflict_tracker.choices import Dataset, Harm, PropertyHarmKind, PropertyKind, VictimStatus
from conflict_tracker.constraints import not_greater
from conflict_tracker.roles import is_staff_member
from conflict_tracker.validators import validate_country_code
from sources.models import Claim, Document, Source

from .choices import (
    SUB_EVENT_TYPES_BY_EVENT_TYPE,
    AgeBand,
    Attribution,
    DatePrecision,
    EventType,
    GeoPrecision,
    IncidentStatus,
    ParticipantRole,
    Sex,
    Side,
    SubEventType,
    ViolenceType,
)


def _ordered_range(prefix: str, low: str, best: str, high: str) -> list[models.CheckConstraint]:
    """low <= best <= high, each >= 0 (the UCDP convention every count here follows)."""
    return [
        models.CheckConstraint(
            condition=Q(**{f"{low}__gte": 0}),
            name=f"{prefix}_{low}_non_negative",
            violation_error_message=_("Counts cannot be negative."),
        ),
        not_greater(f"{prefix}_{low}_lte_{best}", low, best, _("The low estimate cannot exceed the best estimate.")),
        not_greater(f"{prefix}_{best}_lte_{high}", best, high, _("The best estimate cannot exceed the high estimate.")),
    ]


def _valid_sub_event_types() -> Q:
    condition = Q(event_type="", sub_event_type="")
    for event_type, sub_event_types in SUB_EVENT_TYPES_BY_EVENT_TYPE.items():
        condition |= Q(event_type=event_type, sub_event_type="") | Q(
            event_type=event_type, sub_event_type__in=sub_event_types
        )
    return condition


# The first and last day of the week (ISO, from Monday), month or year holding a date. The explicit cast to
# timestamp picks date_trunc's immutable variant, which an index expression needs.
_PERIOD_BOUNDS = {
    DatePrecision.WEEK: "week",
    DatePrecision.MONTH: "month",
    DatePrecision.YEAR: "year",
}
_FIRST_DAY = "date_trunc('{unit}', %(expressions)s::timestamp)::date"
_LAST_DAY = "(date_trunc('{unit}', %(expressions)s::timestamp) + interval '1 {unit}' - interval '1 day')::date"


def _bound(date, precision: str, template: str):
    """`date` (an expression) moved to the first or last day (`template`) of the period `precision` names."""
    unit = _PERIOD_BOUNDS.get(precision)
    return Func(date, template=template.format(unit=unit)) if unit else date


def _widened(field: str, template: str) -> Case:
    return Case(
        *(When(date_precision=precision, then=_bound(F(field), precision, template)) for precision in _PERIOD_BOUNDS),
        default=F(field),
        output_field=models.DateField(),
    )


# Incidents are recorded from 1900 on: codes carry a four-digit year, and no source of ours goes further back.
EARLIEST_DATE = datetime.date(1900, 1, 1)

# MLI-2025-0042: the country, the start year, a number within them (four digits at least).
INCIDENT_CODE = re.compile(r"[A-Z]{3}-[0-9]{4}-[0-9]{4,}")


def incident_period() -> Func:
    """When an incident may have happened, as one closed range: from its start to its end, widened to the whole
    week, month or year its date precision says is known. The date filters compare this range and the GiST
    index holds it, so a window of 3-10 May finds an incident known only to have happened in May."""
    return Func(
        _widened("start_date", _FIRST_DAY),
        _widened("end_date", _LAST_DAY),
        Value("[]"),
        function="daterange",
        output_field=DateRangeField(),
    )


@functools.cache
def incident_period_sql() -> RawSQL:
    """incident_period() of the incidents' own table (a query whose base table they are), compiled once: Django would
    resolve and compile its two CASE expressions again for every query, a third of a date-filtered page's Python time.
    The same SQL, so the GiST index serves it as it serves incident_period()."""
    query = Incident.objects.all().query
    sql, params = query.get_compiler(connection=connection).compile(incident_period().resolve_expression(query))
    return RawSQL(sql, tuple(params), output_field=DateRangeField())


def dates_period(start: datetime.date, end: datetime.date, precision: str, *, margin_days: int = 0) -> Func:
    """incident_period of given dates (an incident's, say), `margin_days` wider on each side, computed by PostgreSQL
    with the same functions: a constant range to compare with the incidents' periods, which their index serves."""

    def shifted(date, days: int) -> Func:
        return Func(date, template=f"(%(expressions)s + {int(days)})", output_field=models.DateField())

    return Func(
        shifted(_bound(Value(start), precision, _FIRST_DAY), -margin_days),
        shifted(_bound(Value(end), precision, _LAST_DAY), margin_days),
        Value("[]"),
        function="daterange",
        output_field=DateRangeField(),
    )


# What an incident says happened (when, where, what kind of violence), in the order the API, the form, the admin
# and the CSV export give them: one list, so a new fact cannot reach one of them and not the others.
INCIDENT_FACTS = (
    "start_date",
    "end_date",
    "date_precision",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location_name",
    "latitude",
    "longitude",
    "geo_precision",
    "event_type",
    "sub_event_type",
    "violence_type",
    "civilian_targeting",
)


def _own_dataset() -> list[str]:
    return [Dataset.OWN.value]


class IncidentQuerySet(models.QuerySet):
    def visible_to(self, user) -> "IncidentQuerySet":
        """The one rule for who sees which incidents: staff see every state, everyone else only published ones that
        we may pass on (`redistributable`)."""
        if is_staff_member(user):
            return self
        return self.published().redistributable()

    def published(self) -> "IncidentQuerySet":
        return self.filter(status=IncidentStatus.PUBLISHED)

    def reported(self) -> "IncidentQuerySet":
        """The published incidents and the records merged into one of them (events.services.merges): what a
        published incident's evidence may come from."""
        return self.filter(status__in=[IncidentStatus.PUBLISHED, IncidentStatus.MERGED])

    def evidence_visible_to(self, user) -> "IncidentQuerySet":
        """`visible_to`, for the incidents whose evidence (claims) a reader may see: a merged record's too, which
        is the evidence of the published incident merging it."""
        if is_staff_member(user):
            return self
        return self.reported().redistributable()

    def redistributable(self) -> "IncidentQuerySet":
        """The incidents we may pass on: all but those whose accepted claims all come from sources whose records we
        may not pass on. A source's records may be passed on if its licence allows it (Source.redistributable), or if
        this deployment holds a licence for it (settings.REDISTRIBUTION_LICENSED, by acronym: a licensed deployment
        may serve ACLED's events). An event known only from ACLED, whose terms forbid redistributing its event data,
        is left out; one our analysts documented too stays, as does one with no accepted claim at all. Tallies count
        them all the same. Read from the facts each incident keeps (events/licences.py), the setting compared here."""
        passed_on = Q(open_provenance=True)
        if settings.REDISTRIBUTION_LICENSED:
            passed_on |= Q(restricted_sources__overlap=list(settings.REDISTRIBUTION_LICENSED))
        return self.filter(passed_on)


@pghistory.track(exclude=["search_vector", "open_provenance", "restricted_sources", "datasets", "external_ids"])
class Incident(models.Model):
    """One violent event at one place and time, as reconstructed from its sources."""

    code = models.CharField(
        _("code"), max_length=20, unique=True, editable=False, help_text=_("Stable readable id, e.g. MLI-2025-0042.")
    )
    title = models.CharField(_("title"), max_length=300)
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=IncidentStatus.choices, default=IncidentStatus.DRAFT, editable=False
    )
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text=_("Raised by every change; a save based on an older version is refused.")
    )

    start_date = models.DateField(_("start date"), validators=[MinValueValidator(EARLIEST_DATE)])
    end_date = models.DateField(_("end date"), validators=[MinValueValidator(EARLIEST_DATE)])
    date_precision = models.CharField(
        _("date precision"), max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )

    country = models.CharField(
        _("country"), max_length=3, validators=[validate_country_code], help_text=_("ISO 3166-1 alpha-3")
    )
    admin1 = models.CharField(_("admin1 (region)"), max_length=100, blank=True)
    admin2 = models.CharField(_("admin2 (cercle)"), max_length=100, blank=True)
    admin3 = models.CharField(_("admin3 (commune)"), max_length=100, blank=True)
    location_name = models.CharField(_("place name"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    geo_precision = models.PositiveSmallIntegerField(
        _("geo precision"), choices=GeoPrecision.choices, default=GeoPrecision.NEAR
    )

    event_type = models.CharField(_("event type"), max_length=40, choices=EventType.choices, blank=True)
    sub_event_type = models.CharField(_("sub-event type"), max_length=40, choices=SubEventType.choices, blank=True)
    violence_type = models.PositiveSmallIntegerField(
        _("UCDP type of violence"), choices=ViolenceType.choices, null=True, blank=True
    )
    civilian_targeting = models.BooleanField(_("civilians targeted"), default=False)

    # Sums of the killed casualty records, kept by the services so the fatalities filter needs no join.
    fatalities_low = models.PositiveIntegerField(default=0, editable=False)
    fatalities_best = models.PositiveIntegerField(default=0, editable=False)
    fatalities_high = models.PositiveIntegerField(default=0, editable=False)

    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="merged_records",
        verbose_name=_("merged into"),
        help_text=_("The incident that counts this record together with the other records of the same event."),
    )
    return_comment = models.TextField(_("comment when returned"), blank=True, editable=False)
    retraction_reason = models.TextField(_("reason for retraction"), blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="incidents_created", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    retracted_at = models.DateTimeField(null=True, blank=True, editable=False)

    # What the public's licence rule reads (`IncidentQuerySet.redistributable`), kept by triggers from the sources
    # of its accepted claims (events/licences.py): not revisions of the incident, so not in its history.
    open_provenance = models.BooleanField(
        default=True,
        db_default=True,
        editable=False,
        help_text=_("No accepted claim, or one from a source that may be passed on."),
    )
    restricted_sources = ArrayField(
        models.CharField(max_length=40),
        default=list,
        db_default=Value([], output_field=ArrayField(models.CharField(max_length=40))),
        blank=True,
        editable=False,
        help_text=_("The acronyms of the other sources of its accepted claims."),
    )

    # Where the record comes from, and the datasets' own ids of the event ("acled:MLI2612", "ucdp:123456"), written
    # by the imports; an incident merging records (events.services.merges) carries all of theirs.
    datasets = ArrayField(
        models.CharField(max_length=10, choices=Dataset.choices),
        default=_own_dataset,
        db_default=Value([Dataset.OWN.value], output_field=ArrayField(models.CharField(max_length=10))),
        editable=False,
        help_text=_("acled, ucdp, own: the datasets whose records it holds."),
    )
    external_ids = ArrayField(
        models.CharField(max_length=80),
        default=list,
        db_default=Value([], output_field=ArrayField(models.CharField(max_length=80))),
        blank=True,
        editable=False,
        help_text=_('The datasets\' ids of the event: "acled:MLI2612", "ucdp:123456".'),
    )

    search_vector = models.GeneratedField(
        expression=SearchVector("title", "notes", "location_name", config="simple"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=f"^{INCIDENT_CODE.pattern}$"),
                name="incident_code_format",
                violation_error_message=_("An incident code looks like MLI-2025-0042."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=IncidentStatus.values),
                name="incident_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(start_date__gte=EARLIEST_DATE),
                name="incident_dates_recent",
                violation_error_message=_("Incidents are recorded from 1900 on."),
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="incident_dates_ordered",
                violation_error_message=_("The end date cannot come before the start date."),
            ),
            models.CheckConstraint(
                condition=Q(country__regex=r"^[A-Z]{3}$"),
                name="incident_country_iso3",
                violation_error_message=_("The country must be an ISO 3166-1 alpha-3 code."),
            ),
            models.CheckConstraint(
                # Explicit isnull: a comparison with NULL is unknown, which a CHECK lets through.
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(
                    latitude__isnull=False,
                    longitude__isnull=False,
                    latitude__gte=-90,
                    latitude__lte=90,
                    longitude__gte=-180,
                    longitude__lte=180,
                ),
                name="incident_coordinates_valid",
                violation_error_message=_("Give both latitude (-90 to 90) and longitude (-180 to 180), or neither."),
            ),
            models.CheckConstraint(
                condition=Q(geo_precision__in=GeoPrecision.values),
                name="incident_geo_precision_valid",
            ),
            models.CheckConstraint(
                condition=_valid_sub_event_types(),
                name="incident_sub_event_type_matches_type",
                violation_error_message=_("This sub-event type does not belong to the event type."),
            ),
            models.CheckConstraint(
                condition=Q(violence_type__isnull=True) | Q(violence_type__in=ViolenceType.values),
                name="incident_violence_type_valid",
            ),
            *_ordered_range("incident", "fatalities_low", "fatalities_best", "fatalities_high"),
            models.CheckConstraint(
                condition=~Q(status=IncidentStatus.PUBLISHED) | Q(published_at__isnull=False),
                name="incident_published_has_date",
            ),
            models.CheckConstraint(
                condition=Q(status=IncidentStatus.MERGED, merged_into__isnull=False)
                | (~Q(status=IncidentStatus.MERGED) & Q(merged_into__isnull=True)),
                name="incident_merged_has_merge",
                violation_error_message=_("A merged record names the incident it is merged into, and only it does."),
            ),
            models.CheckConstraint(
                condition=~Q(status=IncidentStatus.RETURNED) | ~Q(return_comment=""),
                name="incident_returned_has_comment",
                violation_error_message=_("A returned incident carries the editor's comment."),
            ),
            models.CheckConstraint(
                condition=~Q(status=IncidentStatus.RETRACTED)
                | (~Q(retraction_reason="") & Q(retracted_at__isnull=False)),
                name="incident_retracted_has_reason",
                violation_error_message=_("A retracted incident keeps the reason for its retraction."),
            ),
        ]
        indexes = [
            # One index per filter and ordering of the list (README, "Indexes"): the filter's equality first, then the
            # keyset's (field, id), so that a page, however deep, is one index range read in order and stopped at
            # its 51st row, with neither a sort nor an offset. The cursor runs the field and id in one direction, so
            # a backward scan serves a descending order: no DESC index is needed.
            # The orderings, for staff (every state) and the public alike: the public's reads skip the unpublished
            # rows, which are few (the work in progress), so an index led by the status would only double these.
            models.Index(fields=["start_date", "id"], name="incident_start_id"),
            models.Index(fields=["fatalities_best", "id"], name="incident_fatalities_id"),
            models.Index(fields=["updated_at", "id"], name="incident_updated_id"),
            # That work in progress, found by its state (staff's status filter, drafts, the review queue) without
            # reading the published.
            models.Index(
                fields=["status", "start_date", "id"],
                condition=~Q(status=IncidentStatus.PUBLISHED),
                name="incident_unpublished",
            ),
            # A date window (date_after / date_before) is an overlap of ranges: a btree can bound only one end.
            GistIndex(incident_period(), name="incident_period"),
            # The incidents of one country that may have happened in a window: where reconciliation looks for the same
            # event in another dataset (btree_gist puts the country in the GiST index).
            GistIndex(F("country"), incident_period(), name="incident_country_period"),
            # Each filter in the default order (newest first). Before PostgreSQL 18 (and its skip scan) a btree is read
            # from its first column on, so each filter leads an index of its own.
            models.Index(fields=["country", "start_date", "id"], name="incident_country_start"),
            models.Index(fields=["admin1", "start_date", "id"], name="incident_admin1_start"),
            models.Index(fields=["admin2", "start_date", "id"], name="incident_admin2_start"),
            models.Index(fields=["event_type", "start_date", "id"], name="incident_event_type_start"),
            models.Index(fields=["sub_event_type", "start_date", "id"], name="incident_sub_event_type_start"),
            models.Index(fields=["civilian_targeting", "start_date", "id"], name="incident_civilian_start"),
            # The deadliest first within a region or an event type, and an event type with at least N killed.
            models.Index(fields=["admin1", "fatalities_best", "id"], name="incident_admin1_fatalities"),
            models.Index(fields=["event_type", "fatalities_best", "id"], name="incident_event_type_fatalities"),
            models.Index(fields=["fatalities_low"], name="incident_fatalities_low"),
            models.Index(fields=["fatalities_high"], name="incident_fatalities_high"),
            # bbox and near: a latitude range read from the index, longitude checked on the index entries.
            models.Index(fields=["latitude", "longitude"], name="incident_coordinates"),
            GinIndex(fields=["search_vector"], name="incident_search"),
            # external_id=acled:MLI2612 and dataset=acled,ucdp.
            GinIndex(fields=["external_ids"], name="incident_external_ids"),
            GinIndex(fields=["datasets"], name="incident_datasets"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def clean(self):
        # Not a database constraint: "today" moves. An incident is recorded once it has happened.
        if self.start_date and self.start_date > timezone.localdate():
            raise ValidationError({"start_date": _("An incident cannot start in the future.")})


class IncidentCodeSequence(models.Model):
    """The last number given to an incident code of one country and year (MLI-2025-0042 -> 42)."""

    country = models.CharField(max_length=3)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["country", "year"], name="incident_code_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.country}-{self.year}: {self.last_number}"


class IncidentRendering(models.Model):
    """A published incident as the public list renders it (JSON text, its parts included), kept by database
    triggers in the same transaction as every write it depends on (events/rendering.py), so that a page of the
    public list reads its rows rather than joining a dozen tables for each of them. Not tracked: it is derived."""

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, primary_key=True, related_name="+")
    body = models.TextField()

    def __str__(self) -> str:
        return f"rendering of incident {self.incident_id}"


@pghistory.track()
class IncidentParticipant(models.Model):
    """An actor's part in an incident: its role, its side and how firmly the sources attribute it."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="participants")
    # Looked up by actor through participant_actor_incident, which leads with it: no index of its own.
    actor = models.ForeignKey("actors.Actor", on_delete=models.PROTECT, related_name="participations", db_index=False)
    role = models.CharField(_("role"), max_length=12, choices=ParticipantRole.choices)
    side = models.CharField(_("side"), max_length=1, choices=Side.choices, blank=True)
    attribution = models.CharField(
        _("attribution"), max_length=10, choices=Attribution.choices, default=Attribution.ALLEGED
    )

    class Meta:
        ordering = ["incident", "side", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "actor", "role"],
                name="participant_unique_role",
                violation_error_message=_("This actor already has this role in the incident."),
            ),
            # Targets of the composite foreign key from CasualtyPerpetrator.
            models.UniqueConstraint(fields=["incident", "id", "role"], name="participant_incident_id_role"),
            models.CheckConstraint(condition=Q(role__in=ParticipantRole.values), name="participant_role_valid"),
            models.CheckConstraint(condition=Q(side__in=["", *Side.values]), name="participant_side_valid"),
            models.CheckConstraint(
                condition=Q(attribution__in=Attribution.values), name="participant_attribution_valid"
            ),
        ]
        indexes = [
            # The actor filter: an actor's (or lineage's) incidents, narrowed by role and attribution, read from
            # the index alone. (incident, ...) lookups use the unique constraints.
            models.Index(fields=["actor", "role", "attribution", "incident"], name="participant_actor_incident"),
        ]

    def __str__(self) -> str:
        return f"{self.actor} ({self.get_role_display()}, {self.get_attribution_display()})"


@pghistory.track()
class CasualtyRecord(models.Model):
    """People harmed in one way (killed, injured ...) with one status in an incident, with low/best/high counts."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="casualty_records")
    harm = models.CharField(_("harm"), max_length=20, choices=Harm.choices)
    victim_status = models.CharField(_("victim status"), max_length=10, choices=VictimStatus.choices)
    count_low = models.PositiveIntegerField(_("low"))
    count_best = models.PositiveIntegerField(_("best"))
    count_high = models.PositiveIntegerField(_("high"))
    children = models.PositiveIntegerField(_("of whom children"), null=True, blank=True)
    women = models.PositiveIntegerField(_("of whom women"), null=True, blank=True)
    elderly = models.PositiveIntegerField(_("of whom elderly"), null=True, blank=True)
    perpetrators = models.ManyToManyField(
        IncidentParticipant,
        through="CasualtyPerpetrator",
        related_name="casualty_records",
        blank=True,
        help_text=_("Among the incident's perpetrators; none means unattributed."),
    )
    claims = models.ManyToManyField(
        "sources.Claim", through="CasualtyClaim", related_name="casualty_records", blank=True
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["incident", "harm", "victim_status", "id"]
        constraints = [
            *_ordered_range("casualty", "count_low", "count_best", "count_high"),
            models.CheckConstraint(condition=Q(harm__in=Harm.values), name="casualty_harm_valid"),
            models.CheckConstraint(
                condition=Q(victim_status__in=VictimStatus.values), name="casualty_victim_status_valid"
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{group}__isnull": True}) | Q(**{f"{group}__lte": F("count_high")}),
                    name=f"casualty_{group}_within_count",
                    violation_error_message=_("A breakdown (children, women, elderly) cannot exceed the high count."),
                )
                for group in ("children", "women", "elderly")
            ],
            # Target of the composite foreign key from CasualtyPerpetrator.
            models.UniqueConstraint(fields=["incident", "id"], name="casualty_incident_id"),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="named_victims_within_count",
                operation=pgtrigger.Update,
                when=pgtrigger.After,
                condition=pgtrigger.Q(new__count_high__lt=pgtrigger.F("old__count_high")),
                func="""
                IF (SELECT count(*) FROM events_namedvictim WHERE casualty_record_id = NEW.id) > NEW.count_high THEN
                    RAISE EXCEPTION 'casualty record % names more victims than its high count %', NEW.id, NEW.count_high
                        USING ERRCODE = 'check_violation';
                END IF;
                RETURN NULL;
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_harm_display()} ({self.get_victim_status_display()}): {self.count_best}"


@pghistory.track()
class CasualtyPerpetrator(models.Model):
    """Attributes a casualty record to one of its incident's perpetrators.

    Composite foreign keys (added in the migration) make the database refuse a perpetrator from another
    incident, or a participant whose role is not perpetrator. They also hold each column's own reference (the
    record's and the participant's ids exist with that incident, whose id the record's own key holds), so these
    columns have no foreign key of their own: it was three more checks per row at every commit, for nothing.
    """

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    casualty_record = models.ForeignKey(
        CasualtyRecord, on_delete=models.CASCADE, related_name="perpetrator_links", db_constraint=False
    )
    participant = models.ForeignKey(
        IncidentParticipant, on_delete=models.CASCADE, related_name="perpetrator_links", db_constraint=False
    )
    participant_role = models.CharField(max_length=12, default=ParticipantRole.PERPETRATOR, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["casualty_record", "participant"], name="casualty_perpetrator_unique"),
            models.CheckConstraint(
                condition=Q(participant_role=ParticipantRole.PERPETRATOR),
                name="casualty_perpetrator_is_perpetrator",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.casualty_record_id} <- {self.participant_id}"


@pghistory.track()
class CasualtyClaim(models.Model):
    """A claim that a casualty record rests on."""

    casualty_record = models.ForeignKey(CasualtyRecord, on_delete=models.CASCADE, related_name="claim_links")
    claim = models.ForeignKey("sources.Claim", on_delete=models.PROTECT, related_name="casualty_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["casualty_record", "claim"], name="casualty_claim_unique")]

    def __str__(self) -> str:
        return f"{self.casualty_record_id} <- claim {self.claim_id}"


@pghistory.track()
class NamedVictim(models.Model):
    """A person harmed, named by a source. Sensitive: only analysts, editors and admins see it.

    Belongs to exactly one casualty record and is never counted on top of it.
    """

    casualty_record = models.ForeignKey(CasualtyRecord, on_delete=models.CASCADE, related_name="named_victims")
    name = models.CharField(_("name"), max_length=200)
    sex = models.CharField(_("sex"), max_length=7, choices=Sex.choices, default=Sex.UNKNOWN)
    age = models.PositiveSmallIntegerField(_("age"), null=True, blank=True, validators=[MaxValueValidator(130)])
    age_band = models.CharField(_("age band"), max_length=7, choices=AgeBand.choices, default=AgeBand.UNKNOWN)
    community = models.CharField(_("community"), max_length=200, blank=True)
    fate = models.TextField(_("fate"), blank=True, help_text=_("What is known of what happened to this person."))

    class Meta:
        ordering = ["casualty_record", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(age__isnull=True) | Q(age__lte=130),
                name="named_victim_age_plausible",
                violation_error_message=_("An age must be between 0 and 130."),
            ),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="named_victims_within_count",
                operation=pgtrigger.Insert | pgtrigger.Update,
                when=pgtrigger.After,
                func="""
                IF (SELECT count(*) FROM events_namedvictim WHERE casualty_record_id = NEW.casualty_record_id)
                   > (SELECT count_high FROM events_casualtyrecord WHERE id = NEW.casualty_record_id) THEN
                    RAISE EXCEPTION 'casualty record % names more victims than its high count', NEW.casualty_record_id
                        USING ERRCODE = 'check_violation';
                END IF;
                RETURN NULL;
                """,
            ),
        ]

    def __str__(self) -> str:
        return self.name


@pghistory.track()
class PropertyHarm(models.Model):
    """Property destroyed, burned or looted in an incident (e.g. at least 100 homes burned)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="property_harms")
    kind = models.CharField(_("property"), max_length=20, choices=PropertyKind.choices)
    harm = models.CharField(_("harm"), max_length=10, choices=PropertyHarmKind.choices)
    count_low = models.PositiveIntegerField(_("low"))
    count_best = models.PositiveIntegerField(_("best"))
    count_high = models.PositiveIntegerField(_("high"))
    claims = models.ManyToManyField(
        "sources.Claim", through="PropertyHarmClaim", related_name="property_harms", blank=True
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["incident", "kind", "id"]
        constraints = [*_ordered_range("property_harm", "count_low", "count_best", "count_high")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.get_harm_display()}: {self.count_best}"


@pghistory.track()
class PropertyHarmClaim(models.Model):
    """A claim that a property harm record rests on."""

    property_harm = models.ForeignKey(PropertyHarm, on_delete=models.CASCADE, related_name="claim_links")
    claim = models.ForeignKey("sources.Claim", on_delete=models.PROTECT, related_name="property_harm_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["property_harm", "claim"], name="property_harm_claim_unique")]

    def __str__(self) -> str:
        return f"{self.property_harm_id} <- claim {self.claim_id}"


class RenderedClaim(Claim):
    """The claims as the stored renderings watch them: it carries their triggers (events/rendering.py), so that
    these live in this app's migrations, beside the functions they call."""

    class Meta:
        proxy = True


class LicenceClaim(Claim):
    """The claims as the incidents' licence facts watch them: it carries their triggers (events/licences.py), so
    that these live in this app's migrations."""

    class Meta:
        proxy = True


class LicenceDocument(Document):
    """The documents as the incidents' licence facts watch them (their source): see LicenceClaim."""

    class Meta:
        proxy = True


class LicenceSource(Source):
    """The sources as the incidents' licence facts watch them (their licence, their acronym): see LicenceClaim."""

    class Meta:
        proxy = True


class RenderedActor(Actor):
    """The actors as the stored renderings watch them (their names): see RenderedClaim."""

    class Meta:
        proxy = True
