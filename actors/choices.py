from django.db import models
from django.utils.translation import gettext_lazy as _


class ActorKind(models.TextChoices):
    """ACLED's eight actor types, the value being the label of ACLED's inter code; and unknown, for an actor no source
    has given a type yet (one an import first met as an associated actor, whose inter code is its main actor's)."""

    STATE_FORCES = "state_forces", _("State forces")
    REBEL_GROUP = "rebel_group", _("Rebel group")
    POLITICAL_MILITIA = "political_militia", _("Political militia")
    IDENTITY_MILITIA = "identity_militia", _("Identity militia")
    RIOTERS = "rioters", _("Rioters")
    PROTESTERS = "protesters", _("Protesters")
    CIVILIANS = "civilians", _("Civilians")
    EXTERNAL_OTHER = "external_other", _("External/other forces")
    UNKNOWN = "unknown", _("Unknown")


# ACLED's inter1/inter2 codes, 1-8, in the order of ActorKind; unknown has none.
ACLED_INTER_CODES = {index: kind for index, kind in enumerate(ActorKind, start=1) if kind != ActorKind.UNKNOWN}


class RelationKind(models.TextChoices):
    PART_OF = "part_of", _("part of")
    ALLIED_WITH = "allied_with", _("allied with")
    SUCCEEDED_BY = "succeeded_by", _("succeeded by")
    SPLINTER_OF = "splinter_of", _("splinter of")
