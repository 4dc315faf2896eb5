from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TalliesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tallies"
    verbose_name = _("Casualty tallies")
