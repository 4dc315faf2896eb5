"""Reconciliation: the same real-world event as recorded by several datasets (ACLED, UCDP GED, our analysts)."""

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


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
