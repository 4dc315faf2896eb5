"""Tally tasks. Both are idempotent (the rebuild replaces every fact; the verification reads, and rebuilds only when
the facts disagree), so the late ack and the redelivery of a task whose worker died (settings:
CELERY_TASK_ACKS_LATE, CELERY_TASK_REJECT_ON_WORKER_LOST) are safe."""

from celery import shared_task
from django.db import OperationalError

from . import services


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def rebuild_tallies() -> int:
    """Rewrite every casualty fact from the published records."""
    return services.tallies_rebuild()


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def verify_tallies() -> int:
    """Count the records independently and report the sums the facts disagree on."""
    return services.tallies_verify()
