"""Import tasks. Running a job again is harmless: a finished job is left as it is, one another worker is running
is left to it (services._running), and an interrupted one (its worker killed, its transaction rolled back)
starts over from its file, the import being idempotent by event id; hence the late ack and
reject-on-worker-lost of the settings."""

from celery import shared_task
from django.db import OperationalError

from . import services
from .models import ImportJob


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, acks_late=True)
def run_import_job(job_id: int) -> str:
    """Run the import job `job_id` over its stored file; returns its final status."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return "missing"
    return services.import_job_run(job=job).status
