"""Per-actor casualty tallies, kept as cells computed in PostgreSQL from the published casualty records.

A cell is one subject (an actor, an actor with its lineage, or a named set of actors), one measure, one
attribution level, one period, one place and one kind of harm, with its incident count and low/best/high sums.
`None` in a dimension means "all of them" (every harm, the whole country, all time), so a question about a
coarser grouping reads one cell instead of adding up finer ones, which would count an incident with two kinds of
harm twice.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from conflict_tracker.choices import AttributionLevel, Harm, Measure, PeriodType, VictimStatus

from .choices import SubjectKind


class ActorSet(models.Model):
    """A named group of actors tallied together, each casualty record once (e.g. FAMa + Wagner/Africa Corps)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    members = models.ManyToManyField("actors.Actor", related_name="actor_sets", verbose_name=_("actors"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("actor set")
        verbose_name_plural = _("actor sets")

    def __str__(self) -> str:
        return self.name


class TallySubject(models.Model):
    """Whom a row of cells is about, with the actors it stands for (kept in step by the rebuild)."""

    kind = models.CharField(max_length=10, choices=SubjectKind.choices)
    actor = models.ForeignKey(
        "actors.Actor", on_delete=models.CASCADE, null=True, blank=True, related_name="tally_subjects"
    )
    actor_set = models.ForeignKey(ActorSet, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    members = models.ManyToManyField("actors.Actor", through="TallySubjectMember", related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "actor"], condition=Q(actor__isnull=False), name="subject_actor"),
            models.UniqueConstraint(fields=["actor_set"], condition=Q(actor_set__isnull=False), name="subject_set"),
            models.CheckConstraint(
                condition=(Q(kind=SubjectKind.SET) & Q(actor_set__isnull=False, actor__isnull=True))
                | (
                    Q(kind__in=[SubjectKind.ACTOR, SubjectKind.LINEAGE])
                    & Q(actor__isnull=False, actor_set__isnull=True)
                ),
                name="subject_kind_matches",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.actor or self.actor_set}"


class TallySubjectMember(models.Model):
    """One actor a subject stands for."""

    subject = models.ForeignKey(TallySubject, on_delete=models.CASCADE, related_name="member_links")
    actor = models.ForeignKey("actors.Actor", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subject", "actor"], name="subject_member_unique")]
        indexes = [models.Index(fields=["actor", "subject"], name="subject_member_actor")]

    def __str__(self) -> str:
        return f"{self.subject_id} <- {self.actor_id}"


class TallyChange(models.Model):
    """A change to a published (or formerly published) incident whose cells are still to be recomputed.

    Written in the transaction of the change itself, so it exists exactly when the change does: a cell whose
    subjects a pending change names is stale until the change is applied.
    """

    incident = models.ForeignKey("events.Incident", on_delete=models.PROTECT, related_name="+")
    subjects = ArrayField(models.BigIntegerField(), help_text=_("The subjects whose cells the change touches."))
    start_dates = ArrayField(models.DateField(), help_text=_("The incident's start dates before and after."))
    enqueued_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["id"], condition=Q(applied_at__isnull=True), name="tally_change_pending")]

    def __str__(self) -> str:
        return f"change {self.pk} of incident {self.incident_id}"


class TallyCell(models.Model):
    """One tally: a subject's casualties in one measure, attribution level, period, place and harm."""

    subject = models.ForeignKey(TallySubject, on_delete=models.CASCADE, related_name="cells")
    measure = models.CharField(max_length=12, choices=Measure.choices)
    attribution = models.CharField(max_length=10, choices=AttributionLevel.choices)
    period_type = models.CharField(max_length=8, choices=PeriodType.choices)
    period_start = models.DateField(null=True, blank=True, help_text=_("None for all time."))
    country = models.CharField(max_length=3, null=True, blank=True, help_text=_("None: every country."))
    admin1 = models.CharField(max_length=100, null=True, blank=True, help_text=_("None: the whole country."))
    harm = models.CharField(max_length=20, choices=Harm.choices, null=True, blank=True, help_text=_("None: all."))
    victim_status = models.CharField(
        max_length=10, choices=VictimStatus.choices, null=True, blank=True, help_text=_("None: all.")
    )
    incidents = models.PositiveIntegerField()
    records = models.PositiveIntegerField()
    low = models.PositiveBigIntegerField()
    best = models.PositiveBigIntegerField()
    high = models.PositiveBigIntegerField()
    week_precision = models.PositiveIntegerField(help_text=_("Incidents whose date is known only to the week."))
    month_precision = models.PositiveIntegerField(help_text=_("Incidents whose date is known only to the month."))
    year_precision = models.PositiveIntegerField(help_text=_("Incidents whose date is known only to the year."))
    computed_at = models.DateTimeField()
    reflects_change = models.BigIntegerField(
        null=True, blank=True, help_text=_("The latest change applied when the cell was computed.")
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "subject",
                    "measure",
                    "attribution",
                    "period_type",
                    "period_start",
                    "country",
                    "admin1",
                    "harm",
                    "victim_status",
                ],
                name="tally_cell_unique",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=Q(period_type=PeriodType.ALL, period_start__isnull=True)
                | (~Q(period_type=PeriodType.ALL) & Q(period_start__isnull=False)),
                name="tally_cell_period",
            ),
            models.CheckConstraint(
                condition=Q(country__isnull=False) | Q(admin1__isnull=True), name="tally_cell_place"
            ),
            models.CheckConstraint(
                condition=Q(low__lte=models.F("best"), best__lte=models.F("high")), name="tally_cell_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject}: {self.best}"
