from django.core.management.base import BaseCommand

from reconciliation.services import match_candidates_rebuild


class Command(BaseCommand):
    help = (
        "Find anew every pair of published incidents that may record the same event (in another dataset, or twice "
        "in our own records). Imports and edits find their own as they commit; run this after changing the "
        "actors' relations or the RECONCILE_* settings."
    )

    def handle(self, *args, **options):
        candidates = match_candidates_rebuild()
        self.stdout.write(self.style.SUCCESS(f"{candidates} match candidates found."))
