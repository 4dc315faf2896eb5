from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TalliesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tallies"
    verbose_name = _("Casualty tallies")

    def ready(self) -> None:
        from conflict_tracker.incident_changes import incident_changes_listen

        from . import health  # noqa: F401  (registers the tallies' check of /health/ready/)
        from .models import TallyChange
        from .services import tally_changes_record

        # Events and imports announce their changes to published incidents; the tallies note them in their outbox.
        incident_changes_listen(tally_changes_record, writes=(TallyChange._meta.db_table,))
