"""Reconciliation: the same real-world event as recorded by several datasets (ACLED, UCDP GED, our analysts)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from .choices import Verdict


class MatchCandidate(models.Model):
    """Two published incidents that may record the same event, with the score and the reasons that make them so
    (derived by reconciliation.queries, rewritten with either incident)."""

    # Derived rows, rewritten with the incidents they come from: no foreign-key checks or cascades on the writes of
    # the incidents themselves. The pair is stored once, the lower id first.
    incident = models.ForeignKey(
        "events.Incident", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    other = models.ForeignKey("events.Incident", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    score = models.DecimalField(
        _("score"), max_digits=4, decimal_places=3, help_text=_("From 0 to 1: how alike the two records are.")
    )
    reasons = models.JSONField(
        _("reasons"), help_text=_("What the score rests on: dates, place, actors, types, figures.")
    )
    found_at = models.DateTimeField(_("found at"), db_default=Now())

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "other"], name="match_candidate_unique"),
            models.CheckConstraint(condition=Q(incident__lt=F("other")), name="match_candidate_ordered"),
        ]
        verbose_name = _("match candidate")
        verbose_name_plural = _("match candidates")

    def __str__(self) -> str:
        return f"{self.incident_id} ~ {self.other_id} ({self.score})"


class MatchDecision(models.Model):
    """Whether two incidents record one event, as an editor decided (or, for the clearest candidates, the import that
    found them: `automatic`). A ledger: a decision is never changed or deleted, only undone, by an undo or by a later
    decision on the same pair, so that who decided what, when and why stays readable."""

    incident = models.ForeignKey("events.Incident", on_delete=models.PROTECT, related_name="+")
    other = models.ForeignKey("events.Incident", on_delete=models.PROTECT, related_name="+")
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdict.choices)
    note = models.TextField(_("note"), blank=True)
    score = models.DecimalField(
        _("score"),
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("The candidate's, if it was one."),
    )
    automatic = models.BooleanField(
        _("automatic"), default=False, help_text=_("Decided without an editor, the candidate's score being that high.")
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField(_("decided at"), db_default=Now())
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            # One standing decision per pair, which is stored once, the lower id first.
            models.UniqueConstraint(
                fields=["incident", "other"], condition=Q(undone_at__isnull=True), name="match_decision_standing"
            ),
            models.CheckConstraint(condition=Q(incident__lt=F("other")), name="match_decision_ordered"),
            models.CheckConstraint(condition=Q(verdict__in=Verdict.values), name="match_decision_verdict"),
            models.CheckConstraint(
                condition=Q(automatic=False, by__isnull=False)
                | Q(automatic=True, by__isnull=True, verdict=Verdict.SAME),
                name="match_decision_whose",
            ),
            models.CheckConstraint(
                condition=Q(undone_at__isnull=True, undone_by__isnull=True)
                | Q(undone_at__isnull=False, undone_by__isnull=False),
                name="match_decision_undone",
            ),
        ]
        verbose_name = _("match decision")
        verbose_name_plural = _("match decisions")

    def __str__(self) -> str:
        return f"{self.incident_id} {self.verdict} {self.other_id}"
