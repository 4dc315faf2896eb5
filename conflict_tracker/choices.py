"""Choices that more than one app uses, kept below them all so that none imports another for a list of values.

Each app's own choices stay in its choices.py; one moves here once an app beside or below its owner needs it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Harm(models.TextChoices):
    KILLED = "killed", _("Killed")
    INJURED = "injured", _("Injured")
    DISAPPEARED = "disappeared", _("Disappeared")
    ABDUCTED = "abducted", _("Abducted")
    DETAINED = "detained", _("Detained")
    TORTURED = "tortured", _("Tortured")
    SEXUAL_VIOLENCE = "sexual_violence", _("Sexual violence")


class VictimStatus(models.TextChoices):
    CIVILIAN = "civilian", _("Civilian")
    COMBATANT = "combatant", _("Combatant")
    UNKNOWN = "unknown", _("Unknown")


class PropertyKind(models.TextChoices):
    HOMES = "homes", _("Homes")
    SHOPS = "shops", _("Shops and markets")
    VEHICLES = "vehicles", _("Vehicles")
    LIVESTOCK = "livestock", _("Livestock")
    CROPS = "crops", _("Crops and granaries")
    PUBLIC_BUILDINGS = "public_buildings", _("Schools, clinics and public buildings")
    OTHER = "other", _("Other")


class PropertyHarmKind(models.TextChoices):
    BURNED = "burned", _("Burned")
    DESTROYED = "destroyed", _("Destroyed")
    DAMAGED = "damaged", _("Damaged")
    LOOTED = "looted", _("Looted")


class FigureQualifier(models.TextChoices):
    """How a source words a figure: "at least 20", "more than 900", "about 400"."""

    EXACT = "exact", _("exactly")
    AT_LEAST = "at_least", _("at least")
    MORE_THAN = "more_than", _("more than")
    ABOUT = "about", _("about")
    AT_MOST = "at_most", _("at most")
    RANGE = "range", _("between")


class Measure(models.TextChoices):
    """Whose casualties an actor's tally holds."""

    PERPETRATED = "perpetrated", _("Perpetrated (records attributed to the actor)")
    INVOLVED = "involved", _("Involved (every record of the incidents it took part in, as ACLED counts)")


class AttributionLevel(models.TextChoices):
    """How firmly the actor's part must be attributed for a record to count."""

    CONFIRMED = "confirmed", _("Confirmed only")
    ALLEGED = "alleged", _("Confirmed and alleged")


class PeriodType(models.TextChoices):
    ALL = "all", _("All time")
    YEAR = "year", _("Year")
    QUARTER = "quarter", _("Quarter")
    MONTH = "month", _("Month")


class ImportKind(models.TextChoices):
    """The datasets an import reads; also the namespace of their event ids."""

    ACLED = "acled", _("ACLED CSV")
    UCDP = "ucdp", _("UCDP GED CSV")


class Dataset(models.TextChoices):
    """Where an incident's record comes from: an external dataset's import, or our own analysts."""

    ACLED = ImportKind.ACLED.value, _("ACLED")
    UCDP = ImportKind.UCDP.value, _("UCDP GED")
    OWN = "own", _("our own records")
