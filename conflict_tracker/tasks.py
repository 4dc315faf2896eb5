"""Enqueueing from requests, and the worker's heartbeat.

Every task a request starts goes through `enqueue_on_commit`, so that an outage of the broker costs a log line,
never a request: the settings bound the wait (REDIS_TIMEOUT, one publish attempt) and the publish error stops here.
"""

import logging
import time
from dataclasses import dataclass

from celery import Task, shared_task
from django.core.cache import cache
from django.db import connection, transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# Where the worker's heartbeat is kept (in the cache, that is Redis); read by conflict_tracker.health.
HEARTBEAT_KEY = "health:worker-heartbeat"


@dataclass(frozen=True)
class _Publish:
    """One task with its arguments, published when called; two equal ones are the same job."""

    task: Task
    args: tuple

    def __call__(self) -> None:
        try:
            self.task.delay(*self.args)
        except OperationalError as error:
            logger.warning("Could not enqueue %s%r, the broker is unavailable: %s", self.task.name, self.args, error)


def enqueue_on_commit(task: Task, *args: object) -> None:
    """Have `task(*args)` run once the current transaction commits (a worker could not see its rows before), once
    however often a transaction asks (an import notes thousands of tally changes, batch by batch).

    The data is committed by then: a broker that is down is logged and the request answers as usual."""
    publish = _Publish(task, args)
    if not any(callback == publish for _savepoints, callback, _robust in connection.run_on_commit):
        # Robust: whatever else a publish raises is logged by Django, not raised to the user after the commit.
        transaction.on_commit(publish, robust=True)


@shared_task(ignore_result=True)
def worker_heartbeat() -> float:
    """Note that a worker runs and takes tasks from the queue (beat sends this every WORKER_HEARTBEAT_SECONDS);
    /health/ready/ reports it stale when it is older than HEALTH_HEARTBEAT_MAX_AGE. Overwrites, so idempotent."""
    now = time.time()
    cache.set(HEARTBEAT_KEY, now, timeout=None)
    return now
