from django.core.management.base import BaseCommand

from tallies.services import tallies_rebuild


class Command(BaseCommand):
    help = "Recompute every casualty tally from the published casualty records."

    def handle(self, *args, **options):
        cells = tallies_rebuild()
        self.stdout.write(self.style.SUCCESS(f"{cells} tally cells computed."))
