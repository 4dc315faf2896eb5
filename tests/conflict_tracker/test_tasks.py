"""conflict_tracker.tasks.enqueue_on_commit: once per task and arguments per transaction, and never an error for
the request when the broker is down."""

import logging

import pytest

from conflict_tracker.tasks import enqueue_on_commit
from imports.tasks import run_import_job
from tallies.tasks import rebuild_tallies


@pytest.mark.django_db
def test_a_transaction_enqueues_each_task_and_arguments_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for _ in range(3):
            enqueue_on_commit(rebuild_tallies)
            enqueue_on_commit(run_import_job, 1)
        enqueue_on_commit(run_import_job, 2)

    assert [(callback.task.name, callback.args) for callback in callbacks] == [
        ("tallies.tasks.rebuild_tallies", ()),
        ("imports.tasks.run_import_job", (1,)),
        ("imports.tasks.run_import_job", (2,)),
    ]


@pytest.mark.django_db
def test_with_the_broker_down_the_enqueue_is_logged_not_raised(
    private_redis, caplog, django_capture_on_commit_callbacks
):
    private_redis.stop()

    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True) as callbacks:
        enqueue_on_commit(run_import_job, 7)

    assert len(callbacks) == 1
    assert "Could not enqueue imports.tasks.run_import_job(7,), the broker is unavailable" in caplog.text
