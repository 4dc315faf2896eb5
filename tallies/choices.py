from django.db import models
from django.utils.translation import gettext_lazy as _


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


class SubjectKind(models.TextChoices):
    ACTOR = "actor", _("One actor")
    LINEAGE = "lineage", _("An actor with its units, predecessors and successors")
    SET = "set", _("A named set of actors")
