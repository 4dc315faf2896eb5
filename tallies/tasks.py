"""Tally tasks. All are idempotent (they recompute and replace cells), so the late ack and the redelivery of a
task whose worker died (settings: CELERY_TASK_ACKS_LATE, CELERY_TASK_REJECT_ON_WORKER_LOST) are safe."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from . import services


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def refresh_tallies() -> int:
    """Apply the pending changes (all of them: changes that piled up are applied together)."""
    return services.tallies_refresh()


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def rebuild_tallies() -> int:
    """Recompute every cell."""
    return services.tallies_rebuild()


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def sweep_tally_changes() -> int:
    """Apply the changes whose refresh has not come for TALLY_SWEEP_SECONDS (beat sends this as often)."""
    return services.tallies_refresh_overdue(older_than=timedelta(seconds=settings.TALLY_SWEEP_SECONDS))
