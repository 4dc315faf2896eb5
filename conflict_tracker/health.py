"""Health endpoints for compose, load balancers and monitoring, as JSON.

- `/health/`: the process answers; it touches neither the database nor Redis.
- `/health/ready/`: every check below, each `ok` or `failed` with a short reason; 200 when all are ok, else 503.

Both are public: plain views (no API authentication or throttling), exempt from the HTTPS redirect
(SECURE_REDIRECT_EXEMPT), so a health check inside the container can ask over plain HTTP. What they say is public
too: names and ages, never a host, a URL or an error's text (the log has those).

Checks are registered by name; a higher layer may add its own, since this module may not import it.
"""

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .tasks import HEARTBEAT_KEY

logger = logging.getLogger(__name__)

# A check returns public details (such as an age) or None, and raises Unready, or any error, when it fails.
Check = Callable[[], dict | None]
CHECKS: dict[str, Check] = {}


class Unready(Exception):
    """A check failed for a reason that may be shown to anyone: a few words, no host, URL or secret."""


def register(name: str) -> Callable[[Check], Check]:
    def add(check: Check) -> Check:
        CHECKS[name] = check
        return check

    return add


@register("database")
def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


@register("redis")
def _redis() -> None:
    # A write: a Redis that answers but refuses writes (full, read-only replica) cannot throttle nor queue.
    cache.set("health:probe", 1, timeout=60)


@register("worker")
def _worker() -> dict:
    beat = cache.get(HEARTBEAT_KEY)
    if beat is None:
        raise Unready("no heartbeat from a worker yet")
    age = round(time.time() - beat)
    if age > settings.HEALTH_HEARTBEAT_MAX_AGE:
        raise Unready(f"the last heartbeat is {age} s old (more than {settings.HEALTH_HEARTBEAT_MAX_AGE} s)")
    return {"heartbeat_age_seconds": age}


def _run(name: str, check: Check) -> dict:
    try:
        details = check() or {}
    except Unready as reason:
        return {"status": "failed", "reason": str(reason)}
    except Exception as error:
        # The error's text may hold a host or a URL: it goes to the log only.
        logger.warning("Health check %s failed: %r", name, error)
        return {"status": "failed", "reason": f"unavailable ({type(error).__name__})"}
    return {"status": "ok", **details}


@never_cache
@require_safe
def live(request: HttpRequest) -> JsonResponse:
    """The process answers requests."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def ready(request: HttpRequest) -> JsonResponse:
    """Everything the app relies on answers: 200 if every check is ok, else 503."""
    checks = {name: _run(name, check) for name, check in CHECKS.items()}
    healthy = all(result["status"] == "ok" for result in checks.values())
    return JsonResponse({"status": "ok" if healthy else "failed", "checks": checks}, status=200 if healthy else 503)
