"""The Celery task runs a stored job by id; running it twice (a redelivery) changes nothing more."""

import pytest
from django.core.files.base import ContentFile
from django.db import connections

from conflict_tracker.choices import ImportKind
from events.models import Incident
from imports import services
from imports.choices import ImportStatus
from imports.models import ImportJob
from imports.services import import_job_create
from imports.tasks import run_import_job
from tests.helpers.imports import FILES

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored_job(editor, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    content = ContentFile((FILES / "acled_current.csv").read_bytes(), name="acled_current.csv")
    return import_job_create(by=editor, kind=ImportKind.ACLED, file_name="acled_current.csv", file=content)


def test_it_runs_the_job_over_its_stored_file(known_actors, stored_job):
    assert run_import_job(stored_job.pk) == ImportStatus.SUCCEEDED

    stored_job.refresh_from_db()
    assert (stored_job.created, stored_job.events_done, stored_job.progress) == (3, 3, 100)
    assert stored_job.started_at <= stored_job.finished_at
    assert Incident.objects.count() == 3


def test_running_it_twice_imports_once(known_actors, stored_job):
    run_import_job(stored_job.pk)
    finished_at = ImportJob.objects.get().finished_at

    assert run_import_job(stored_job.pk) == ImportStatus.SUCCEEDED

    assert Incident.objects.count() == 3
    assert ImportJob.objects.get().finished_at == finished_at


def test_an_interrupted_job_starts_over_without_duplicates(known_actors, stored_job):
    # A worker killed mid-run leaves the job running and (its transaction rolled back) nothing written; the
    # redelivered task runs it again.
    ImportJob.objects.filter(pk=stored_job.pk).update(status=ImportStatus.RUNNING)

    assert run_import_job(stored_job.pk) == ImportStatus.SUCCEEDED
    assert Incident.objects.count() == 3


def test_a_missing_job_is_no_error(db):
    assert run_import_job(999_999) == "missing"


def test_a_job_another_worker_is_running_is_left_to_it(known_actors, stored_job):
    other = connections.create_connection("default")  # the other worker's connection, holding the job's lock
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [services.JOB_LOCK, stored_job.pk])

        assert run_import_job(stored_job.pk) == ImportStatus.PENDING
        assert Incident.objects.count() == 0

        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [services.JOB_LOCK, stored_job.pk])
    finally:
        other.close()
    # Once that worker is gone, the job can run.
    assert run_import_job(stored_job.pk) == ImportStatus.SUCCEEDED
    assert Incident.objects.count() == 3
