"""Import jobs: creating them and running them (pipeline.py says how a file is written, acled_import.py and
ucdp_import.py what each dataset's rows become)."""

import logging
from contextlib import contextmanager
from typing import IO

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conflict_tracker.choices import ImportKind
from conflict_tracker.roles import Role, has_role
from conflict_tracker.tasks import enqueue_on_commit

from ..choices import ImportStatus
from ..models import ImportJob
from ..readers.csvfile import FileError
from ..versions import is_version
from .acled_import import AcledImport
from .ucdp_import import UcdpImport

logger = logging.getLogger(__name__)

# The first key of the two-key advisory lock each running job holds (the second is the job's id).
JOB_LOCK = 7_402_203
_IMPORTS = {ImportKind.ACLED: AcledImport, ImportKind.UCDP: UcdpImport}


def import_job_create(
    *, by: User, kind: str, file_name: str, dry_run: bool = False, file=None, dataset_version: str = ""
) -> ImportJob:
    """A pending job; imported events are published data, so only editors (and admins) may import.
    `dataset_version` is the UCDP GED release the file is, when its name does not say (imports/versions.py)."""
    if not has_role(by, Role.EDITOR):
        raise PermissionDenied(_("Only editors may import data: imported events are published."))
    if kind not in ImportKind.values:
        raise ValidationError({"kind": _("%(kind)s is not a kind of import.") % {"kind": kind}})
    dataset_version = dataset_version.strip()
    if dataset_version and kind != ImportKind.UCDP:
        raise ValidationError(
            {
                "dataset_version": _(
                    "Only a UCDP file takes a dataset version: an ACLED file gives each event's version in its "
                    "timestamp column."
                )
            }
        )
    if dataset_version and not is_version(dataset_version):
        raise ValidationError(
            {
                "dataset_version": _(
                    "%(value)s is not a GED version: give it as UCDP numbers its releases, e.g. 24.1 (or 24.0.3 "
                    "for a candidate release)."
                )
                % {"value": dataset_version[:40]}
            }
        )
    job = ImportJob(kind=kind, file_name=file_name[:255], dry_run=dry_run, user=by, dataset_version=dataset_version)
    if file is not None:
        job.file = file
    job.save()
    return job


def import_job_start(*, by: User, kind: str, file: UploadedFile, dry_run: bool, dataset_version: str = "") -> ImportJob:
    """A pending job holding its file, handed to a worker once the job row is committed (before that the worker
    could not see it). A broker that is down leaves the job pending and logged, not the upload a server error;
    running the task again later is harmless."""
    from ..tasks import run_import_job  # the task calls these services; the services only enqueue it

    with transaction.atomic():
        job = import_job_create(
            by=by, kind=kind, file_name=file.name or "", dry_run=dry_run, file=file, dataset_version=dataset_version
        )
        enqueue_on_commit(run_import_job, job.pk)
    return job


def import_job_run(*, job: ImportJob, stream: IO[bytes] | None = None) -> ImportJob:
    """Run a pending (or interrupted) job over its file, or over `stream` when given. A finished job is left as
    it is, and so is a job another worker is running, so a redelivered or duplicated task does nothing.

    The import is one transaction: on any failure nothing it wrote stays, and the job says why.
    """
    with _running(job.pk) as alone:
        job.refresh_from_db()
        if not alone or job.status not in (ImportStatus.PENDING, ImportStatus.RUNNING):
            return job
        # A job still marked running whose lock was free was interrupted (its worker died, its transaction rolled
        # back): it starts over, which the import's idempotence makes safe.
        ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, started_at=timezone.now(), failure="")
        job.refresh_from_db()
        importer = _IMPORTS.get(job.kind)
        if importer is None:
            return _finish(job, failure=_("Files of kind %(kind)s cannot be imported.") % {"kind": job.kind})
        try:
            if stream is None:
                with job.file.open("rb") as stored:
                    importer(job, stored).run()
            else:
                importer(job, stream).run()
        except FileError as error:
            return _finish(job, failure=str(error))
        except OperationalError:
            # The database went away: the job stays running (nothing was written) and the task's retry runs it.
            raise
        except Exception as error:
            logger.exception("%s import job %s failed", job.kind, job.pk)
            return _finish(job, failure=_("The import failed and wrote nothing: %(error)s") % {"error": error})
        return _finish(job)


@contextmanager
def _running(job_id: int):
    """Whether this worker holds the job's lock: a session advisory lock, which PostgreSQL releases by itself
    when a worker's connection dies, so an interrupted job can be taken over and a running one cannot."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [JOB_LOCK, job_id])
        (acquired,) = cursor.fetchone()
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [JOB_LOCK, job_id])


def _finish(job: ImportJob, failure: str = "") -> ImportJob:
    job.status = ImportStatus.FAILED if failure else ImportStatus.SUCCEEDED
    job.failure = failure
    if failure:
        # Nothing was written, so nothing was created or updated, whatever the counters had reached.
        job.created = job.updated = job.actors_created = 0
    job.finished_at = timezone.now()
    job.save()
    return job
