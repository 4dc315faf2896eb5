"""Per-actor casualty tallies, answered on request from one narrow fact table.

A fact is one published casualty record counted for one actor under one measure, with what the filters and the
counting rules need (the incident, its start date and precision, its place, the harm, the victims' status and the
counts). Its size grows with the records, not with the product of the tallies' dimensions; the services keep it in
the transaction of every change to a published incident, so a tally is never behind the data. The tallies
themselves are read from their sums (CasualtySum), kept in the same transactions: summing a fact table of millions
of rows on request is too slow for the largest actors.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from conflict_tracker.choices import Harm, Measure, VictimStatus


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


class CasualtyFact(models.Model):
    """One casualty record of a published incident (or of a record merged into one) counted for one actor under one
    measure (derived; see services)."""

    # Derived rows, rewritten with the incident they come from: no foreign-key checks or cascades on the writes
    # of the records, participants and incidents themselves.
    # Identified by the actor, measure and record: its primary key, which is also the index of a tally (one actor's
    # or a set's facts in one measure, record by record). Indexed by it and the index below, not one index per key.
    pk = models.CompositePrimaryKey("actor", "measure", "record")
    record = models.ForeignKey(
        "events.CasualtyRecord", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    actor = models.ForeignKey(
        "actors.Actor", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    measure = models.CharField(max_length=12, choices=Measure.choices)
    confirmed = models.BooleanField(
        help_text=_("Counted at the confirmed level too (else only with alleged attributions).")
    )
    incident = models.ForeignKey(
        "events.Incident", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    start_date = models.DateField()
    date_precision = models.CharField(max_length=5)
    country = models.CharField(max_length=3)
    admin1 = models.CharField(max_length=100)
    harm = models.CharField(max_length=20, choices=Harm.choices)
    victim_status = models.CharField(max_length=10, choices=VictimStatus.choices)
    low = models.PositiveIntegerField()
    best = models.PositiveIntegerField()
    high = models.PositiveIntegerField()
    # The datasets' own views (a tally's `dataset`): the records merged into an incident have facts too, not counted
    # in the tallies, where the incident merging them (`merge`) is counted instead.
    counted = models.BooleanField(help_text=_("Of a published incident: counted in the tallies."))
    merge = models.BooleanField(help_text=_("Of an incident merging the records of one event."))
    datasets = ArrayField(models.CharField(max_length=10), help_text=_("The incident's datasets."))

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(measure__in=Measure.values), name="casualty_fact_measure"),
        ]
        indexes = [models.Index(fields=["incident"], name="casualty_fact_incident")]

    def __str__(self) -> str:
        return f"record {self.record_id} for actor {self.actor_id} ({self.measure})"


class CasualtySum(models.Model):
    """The casualty facts summed per actor, measure, attribution level, month, place (admin1, country, everywhere:
    None), harm and victims' status: what a tally adds up on request, a few thousand rows for the largest actor
    (derived; see services).

    Incidents are counted once per actor under each harm and status filter, so that an incident with several
    records counts once. A None harm or status holds what the rows of one harm and status miscount of "any": an
    incident counted under two statuses of one harm is one incident of that harm (queries._SUMS_SQL); a tally adds
    every row its filter matches. A set of actors adds its members' sums, then corrects what is credited to several
    of them with the sums of the groups of actors credited together (`actors`, two or more), each stored under
    every pair of its members (`actor` < `partner`): a group holding n of the set's members was counted n times, so
    it counts 1 - n times more, read under the pair of its first two members in the set (queries._set_rows). A
    single actor reads only its own rows.
    """

    actor = models.ForeignKey(
        "actors.Actor", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    partner = models.ForeignKey(
        "actors.Actor", null=True, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    actors = ArrayField(models.BigIntegerField(), null=True, help_text=_("Actors credited together, in order."))
    measure = models.CharField(max_length=12, choices=Measure.choices)
    confirmed_only = models.BooleanField(help_text=_("Counted at the confirmed level (else at the alleged level)."))
    month = models.DateField()
    country = models.CharField(max_length=3, null=True)
    admin1 = models.CharField(max_length=100, null=True)
    harm = models.CharField(max_length=20, choices=Harm.choices, null=True)
    victim_status = models.CharField(max_length=10, choices=VictimStatus.choices, null=True)
    incidents = models.IntegerField()
    week_precision = models.IntegerField()
    month_precision = models.IntegerField()
    year_precision = models.IntegerField()
    records = models.IntegerField()
    low = models.BigIntegerField()
    best = models.BigIntegerField()
    high = models.BigIntegerField()

    class Meta:
        constraints = [
            # Also the index of a tally: one actor's sums in one measure and level, place by place, month by month.
            models.UniqueConstraint(
                fields=[
                    "actor",
                    "partner",
                    "measure",
                    "confirmed_only",
                    "country",
                    "admin1",
                    "harm",
                    "victim_status",
                    "month",
                    "actors",
                ],
                name="casualty_sum_unique",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=Q(partner__isnull=True, actors__isnull=True)
                | Q(partner__gt=F("actor"), actors__isnull=False),
                name="casualty_sum_whose",
            ),
        ]
        indexes = [
            # The sums a change has brought to nothing, found at once to be dropped (usually none).
            models.Index(
                fields=["month"],
                name="casualty_sum_spent",
                condition=Q(incidents=0, records=0, week_precision=0, month_precision=0, year_precision=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.actors or self.actor_id} {self.measure} {self.month}"
