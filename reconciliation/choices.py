from django.db import models
from django.utils.translation import gettext_lazy as _

from conflict_tracker.choices import Dataset


class Verdict(models.TextChoices):
    """An answer to whether two incidents record one event."""

    SAME = "same", _("same event")
    DIFFERENT = "different", _("different events")
    UNSURE = "unsure", _("unsure")


class DatasetPair(models.TextChoices):
    """The datasets of a candidate's two records, as reconciliation.queries pairs them: two external datasets never
    the same one twice (a file never lists one event under two ids), our own records with any."""

    ACLED_UCDP = f"{Dataset.ACLED},{Dataset.UCDP}", _("ACLED and UCDP GED")
    ACLED_OWN = f"{Dataset.ACLED},{Dataset.OWN}", _("ACLED and our own records")
    UCDP_OWN = f"{Dataset.UCDP},{Dataset.OWN}", _("UCDP GED and our own records")
    OWN_OWN = f"{Dataset.OWN},{Dataset.OWN}", _("our own records twice")
