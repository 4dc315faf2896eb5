from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    """The datasets an import reads; also the namespace of their event ids."""

    ACLED = "acled", _("ACLED CSV")
    UCDP = "ucdp", _("UCDP GED CSV")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
