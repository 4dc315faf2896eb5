"""The tallies' check of /health/ready/ (conflict_tracker.health): changes that wait too long to be applied mean
the worker or the sweep does not keep up."""

from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from conflict_tracker.health import Unready, register

from .models import TallyChange


@register("tally_changes")
def pending_changes() -> dict:
    oldest = TallyChange.objects.filter(applied_at__isnull=True).aggregate(oldest=Min("enqueued_at"))["oldest"]
    age = round((timezone.now() - oldest).total_seconds()) if oldest else 0
    if age > settings.HEALTH_TALLY_CHANGE_MAX_AGE:
        raise Unready(f"the oldest pending change is {age} s old (more than {settings.HEALTH_TALLY_CHANGE_MAX_AGE} s)")
    return {"oldest_pending_age_seconds": age}
