from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReconciliationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reconciliation"
    verbose_name = _("Reconciliation")

    def ready(self) -> None:
        from conflict_tracker.incident_changes import incident_changes_listen

        from .models import MatchCandidate
        from .services import match_candidates_refresh

        # Events and imports announce their changes to published incidents (an import: all it wrote, at its end);
        # the candidates follow in the same transaction.
        incident_changes_listen(match_candidates_refresh, writes=(MatchCandidate._meta.db_table,))
