import unicodedata

import pghistory
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from conflict_tracker.constraints import not_greater
from conflict_tracker.validators import validate_country_code

from .choices import ActorKind, RelationKind


def normalize_actor_name(name: str) -> str:
    """Fold case, accents, typographic quotes and spacing: "Jama’at Nusrat" finds "JAMA'AT NUSRAT"."""
    decomposed = unicodedata.normalize("NFKD", name.replace("’", "'").replace("‘", "'"))
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.casefold().split())


def _period_constraint(name: str, start: str, end: str) -> models.CheckConstraint:
    return not_greater(name, start, end, _("The end of the period cannot come before its start."), nullable=True)


@pghistory.track()
class Actor(models.Model):
    """An armed force, group or population that takes part in incidents."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    normalized_name = models.CharField(max_length=200, editable=False, db_index=True)
    acronym = models.CharField(_("acronym"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ActorKind.choices)
    country = models.CharField(
        _("country"), max_length=3, blank=True, validators=[validate_country_code], help_text=_("ISO 3166-1 alpha-3")
    )
    active_from = models.DateField(_("active from"), null=True, blank=True)
    active_until = models.DateField(_("active until"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    needs_review = models.BooleanField(
        _("needs review"),
        default=False,
        help_text=_("Created from an unknown name during an import, or given another type by an imported file."),
    )
    review_note = models.TextField(
        _("review note"), blank=True, help_text=_("What an import found that needs review, one finding a line.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            _period_constraint("actor_active_period_ordered", "active_from", "active_until"),
            models.CheckConstraint(
                condition=Q(country="") | Q(country__regex=r"^[A-Z]{3}$"), name="actor_country_iso3"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    def save(self, *args, **kwargs):
        self.normalized_name = normalize_actor_name(self.name)
        super().save(*args, **kwargs)


@pghistory.track()
class ActorAlias(models.Model):
    """Another name of an actor, possibly valid only for a period (Africa Corps from 2024 for the Wagner lineage)."""

    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(_("name"), max_length=200)
    normalized_name = models.CharField(max_length=200, editable=False, db_index=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name_plural = "actor aliases"
        ordering = ["actor", "valid_from", "name"]
        constraints = [
            models.UniqueConstraint(fields=["actor", "normalized_name"], name="actor_alias_unique_per_actor"),
            _period_constraint("actor_alias_period_ordered", "valid_from", "valid_until"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.normalized_name = normalize_actor_name(self.name)
        super().save(*args, **kwargs)


@pghistory.track()
class ActorRelation(models.Model):
    """A dated link between two actors: a unit part of a force, an alliance, a successor, a splinter."""

    subject = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="relations")
    kind = models.CharField(_("kind"), max_length=20, choices=RelationKind.choices)
    object = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="inverse_relations")
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["subject", "kind", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(subject=F("object")),
                name="actor_relation_not_reflexive",
                violation_error_message=_("An actor cannot be related to itself."),
            ),
            models.UniqueConstraint(fields=["subject", "kind", "object"], name="actor_relation_unique"),
            _period_constraint("actor_relation_period_ordered", "valid_from", "valid_until"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.get_kind_display()} {self.object}"
