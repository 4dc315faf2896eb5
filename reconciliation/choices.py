from django.db import models
from django.utils.translation import gettext_lazy as _

from conflict_tracker.choices import ImportKind


class Dataset(models.TextChoices):
    """Where an incident's record comes from: an external dataset's import, or our own analysts."""

    ACLED = ImportKind.ACLED.value, _("ACLED")
    UCDP = ImportKind.UCDP.value, _("UCDP GED")
    OWN = "own", _("our own records")


class Verdict(models.TextChoices):
    """An answer to whether two incidents record one event."""

    SAME = "same", _("same event")
    DIFFERENT = "different", _("different events")
    UNSURE = "unsure", _("unsure")
