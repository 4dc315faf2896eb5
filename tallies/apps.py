from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TalliesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tallies"
    verbose_name = _("Casualty tallies")

    def ready(self) -> None:
        from conflict_tracker.incident_changes import incident_changes_listen

        from .models import CasualtyFact
        from .services import casualty_facts_refresh

        # Events and imports announce their changes to published incidents; the facts follow in the same transaction.
        incident_changes_listen(casualty_facts_refresh, writes=(CasualtyFact._meta.db_table,))
