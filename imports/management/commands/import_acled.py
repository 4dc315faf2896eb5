"""manage.py import_acled FILE [--dry-run] [--as-user USERNAME]: import an ACLED CSV export, then print what
it did (or, with --dry-run, what it would do)."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from conflict_tracker.choices import ImportKind
from imports.choices import ImportStatus
from imports.services import import_job_create, import_job_run


class Command(BaseCommand):
    help = "Import an ACLED CSV export: new events are created, changed ones updated, absent ones reported."
    kind = ImportKind.ACLED  # import_ucdp is this command for UCDP files

    def add_arguments(self, parser):
        parser.add_argument("file", help=f"The {self.kind.label} file.")
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; write nothing.")
        if self.kind == ImportKind.UCDP:
            parser.add_argument(
                "--dataset-version",
                default="",
                help="The GED release the file is (24.1), when its name (ged241.csv, GEDEvent_v24_1.csv) does not say.",
            )
        parser.add_argument(
            "--as-user",
            default=None,
            help="The editor the import is recorded as (default: the only superuser, if there is exactly one).",
        )

    def handle(self, *args, file, dry_run, as_user, dataset_version="", **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        user = self._user(as_user)
        try:
            job = import_job_create(
                by=user, kind=self.kind, file_name=path.name, dry_run=dry_run, dataset_version=dataset_version
            )
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        with path.open("rb") as stream:
            job = import_job_run(job=job, stream=stream)
        self._report(job)
        if job.status != ImportStatus.SUCCEEDED:
            raise CommandError(job.failure)

    def _user(self, username):
        users = get_user_model().objects
        if username:
            user = users.filter(username=username).first()
            if user is None:
                raise CommandError(f"No user {username}.")
            return user
        superusers = list(users.filter(is_superuser=True, is_active=True)[:2])
        if len(superusers) != 1:
            raise CommandError("Say whom the import is recorded as: --as-user USERNAME (an editor).")
        return superusers[0]

    def _report(self, job):
        write = self.stdout.write
        heading = f"{job.get_kind_display()} import job {job.pk} of {job.file_name}"
        write(f"{heading} (dry run: nothing written)" if job.dry_run else heading)
        for note in job.notes:
            write(f"  {note}")
        write(f"rows read: {job.rows_read}; events: {job.events_total}")
        write(
            f"created: {job.created}  updated: {job.updated}  unchanged: {job.unchanged}  "
            f"absent: {job.absent}  left alone (edited here): {job.conflicts}  "
            f"older than ours (not applied): {job.older}  actors created (flagged for review): {job.actors_created}"
        )
        write(f"row errors: {job.error_count}")
        for error in job.errors:
            event = f" ({error['event_id']})" if error["event_id"] else ""
            write(f"  row {error['row']}{event}: {error['message']}")
        if job.error_count > len(job.errors):
            write(f"  ... and {job.error_count - len(job.errors)} more")
        if job.absent_ids:
            write("absent from this file: " + ", ".join(job.absent_ids))
