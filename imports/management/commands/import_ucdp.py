"""manage.py import_ucdp FILE [--dry-run] [--as-user USERNAME] [--dataset-version 24.1]: import a UCDP GED CSV file
(current or pre-2018 schema), then print what it did (or, with --dry-run, what it would do). import_acled with UCDP's
kind, and the GED release the file is when its name does not say."""

from conflict_tracker.choices import ImportKind

from .import_acled import Command as AcledCommand


class Command(AcledCommand):
    help = "Import a UCDP GED CSV file: new events are created, changed ones updated, absent ones reported."
    kind = ImportKind.UCDP
