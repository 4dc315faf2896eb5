from django.core.management.base import BaseCommand

from tallies.services import tallies_rebuild


class Command(BaseCommand):
    help = "Rewrite the casualty facts that every tally is counted from, from the published casualty records."

    def handle(self, *args, **options):
        facts = tallies_rebuild()
        self.stdout.write(self.style.SUCCESS(f"{facts} casualty facts written."))
