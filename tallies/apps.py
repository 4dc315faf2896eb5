from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TalliesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tallies"
    verbose_name = _("Casualty tallies")

    def ready(self) -> None:
        from . import health  # noqa: F401  (registers the tallies' check of /health/ready/)
