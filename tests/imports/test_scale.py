"""ACLED imports at scale: a generated 200,000-row file imports in bounded memory, with exact counts, and a
file runs as one Celery job on a real worker, its progress visible while it runs.

The file is written row by row (never held in memory) by tests/helpers/acled_file.py, which
bench/import_bench.py uses too. The import runs in a process of its own, started through a bare interpreter (see
MEASURING_SCRIPT), so the peak RSS measured is the import's and not pytest's.
"""

import csv
import io
import os
import re
import resource
import secrets
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files import File

from actors.models import Actor, ActorAlias
from conflict_tracker.choices import ImportKind
from events.models import CasualtyRecord, Incident, IncidentParticipant
from imports.choices import ImportStatus
from imports.models import MAX_STORED_ERRORS, ImportedEvent, ImportJob
from imports.services import import_job_create
from imports.services.history import event_model
from imports.tasks import run_import_job
from sources.models import Claim
from tallies.services import tallies_verify
from tests.helpers.acled_file import COUNTRIES, HEADER, write_acled_file
from tests.helpers.worker import wait_until

SCALE_ROWS = int(os.environ.get("SCALE_ROWS", "200000"))
MAX_RSS_MB = 300
# serialized_rollback: the flush after each test empties the tables, the roles of the data migrations included.
transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_generated_file_holds_what_it_says(tmp_path):
    path = tmp_path / "acled.csv"
    written = write_acled_file(path, 5000)

    with path.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.reader(stream))[1:]
    assert len(rows) == written.rows == 5000
    assert len(rows[-1]) < len(HEADER)  # the truncated last row
    ids = [row[0] for row in rows[:-1]]
    assert sum(event_id.startswith("BAD") for event_id in ids) + 1 == written.bad_rows
    assert len({event_id for event_id in ids if not event_id.startswith("BAD")}) == written.events
    assert len(ids) - written.bad_rows + 1 - written.events == written.monadic_events > 500
    assert {row[17] for row in rows[:-1]} == {country[2] for country in COUNTRIES} | {"Atlantis"}


# `manage.py import_acled FILE`, its tally refresh enqueued on the test's queue.
IMPORT_SCRIPT = textwrap.dedent(
    """
    import sys
    import django
    django.setup()
    from conflict_tracker.celery import app
    app.conf.task_default_queue = sys.argv[1]
    from django.core.management import call_command
    call_command("import_acled", sys.argv[2], as_user="editor")
    """
)
# Linux starts a new process's ru_maxrss at its parent's peak: the high-water mark comes with the address space
# at fork and is kept at exec. A direct child of pytest therefore reports at least pytest's own peak (158 MB
# alone, 411 MB at the end of the full suite), whatever the import itself uses. This bare interpreter in between
# peaks at about 10 MB, so the figure it reads with wait4 for the import (its child) is the import's.
MEASURING_SCRIPT = textwrap.dedent(
    """
    import os, subprocess, sys
    child = subprocess.Popen(sys.argv[1:])
    _pid, status, usage = os.wait4(child.pid, 0)
    print(f"peak RSS of the import: {usage.ru_maxrss} KiB")
    sys.exit(os.waitstatus_to_exitcode(status))
    """
)
PEAK_LINE = re.compile(r"^peak RSS of the import: (\d+) KiB$", re.MULTILINE)


def _import_in_a_child(path: Path, test_database, broker) -> tuple[int, int, str]:
    """Run `manage.py import_acled` on the file in a process of its own, with production settings (DEBUG off,
    which keeps no query log) on the test database; the refresh it enqueues goes to the test's queue. Returns the
    exit status, the import process's own peak RSS in KiB and its output."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "conflict_tracker.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "DATABASE_URL": test_database.url,
        "REDIS_URL": broker.url,
    }
    log = path.with_suffix(".log")
    with log.open("wb") as out:
        status = subprocess.call(
            [sys.executable, "-c", MEASURING_SCRIPT, sys.executable, "-c", IMPORT_SCRIPT, broker.queue, str(path)],
            cwd=settings.BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    output = log.read_text(errors="replace")
    peak = PEAK_LINE.search(output)
    assert peak, output
    return status, int(peak[1]), output


@pytest.mark.slow
@transactional
def test_a_200000_row_file_imports_in_bounded_memory_with_exact_counts(tmp_path, editor, test_database, broker):
    path = tmp_path / "acled.csv"
    written = write_acled_file(path, SCALE_ROWS)

    started = time.monotonic()
    status, peak_kib, output = _import_in_a_child(path, test_database, broker)
    seconds = time.monotonic() - started

    pytest_peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # for comparison: not the import's
    measured = f"peak RSS {peak_kib / 1024:.0f} MB (pytest's own: {pytest_peak_kib / 1024:.0f} MB)"
    print(f"{written.rows} rows imported in {seconds:.0f} s, {measured}")
    assert status == 0, output
    assert peak_kib < MAX_RSS_MB * 1024, measured
    job = ImportJob.objects.get()
    assert (job.status, job.rows_read, job.events_total) == (ImportStatus.SUCCEEDED, written.rows, written.events)
    assert (job.created, job.updated, job.unchanged) == (written.events, 0, 0)
    assert job.error_count == written.bad_rows
    assert len(job.errors) == min(written.bad_rows, MAX_STORED_ERRORS)
    assert job.errors[-1]["row"] == written.rows + 1  # the truncated last row (the header is row 1)
    # Every event once (a monadic event's two rows merged), with its claim, record and import key.
    assert Incident.objects.count() == written.events
    assert Incident.objects.exclude(status="published").count() == 0
    assert Claim.objects.filter(review_status="accepted").count() == written.events
    assert CasualtyRecord.objects.count() == written.events
    assert ImportedEvent.objects.filter(kind=ImportKind.ACLED).count() == written.events
    # Each incident has its revision, by the import; the tallies count each already (its facts were written with it,
    # nothing is left for a worker).
    assert (
        event_model(Incident).objects.filter(pgh_label="insert", pgh_context__metadata__import_job=job.pk).count()
        == written.events
    )
    assert tallies_verify() == 0
    assert broker.purge() == 0
    # Each army's dated labels are one actor; the militias nobody knew are new actors flagged for review.
    for country in COUNTRIES:
        army = country[6][0][0].rsplit(" (", 1)[0]
        assert Actor.objects.filter(name=army).count() == 1, army
        assert not Actor.objects.filter(name__startswith=f"{army} (").exists(), army
        # Each of its labels is its alias, so the API finds it by the name the file gives.
        assert set(ActorAlias.objects.filter(actor__name=army).values_list("name", flat=True)) == {
            label for label, _until in country[6]
        }, army
        assert IncidentParticipant.objects.filter(actor__name=army).exists(), army
    assert job.actors_created == Actor.objects.filter(needs_review=True).count() > 60


@pytest.mark.slow
@transactional
def test_a_file_runs_as_one_job_on_a_real_worker_and_its_page_shows_the_progress(
    tmp_path, editor, client, settings, monkeypatch, broker, start_worker
):
    """The issue's 100,000 rows, uploaded as a job, run by a worker, followed on its page to the end, with its
    per-row error report."""
    settings.MEDIA_ROOT = tmp_path / "media"
    path = tmp_path / "acled.csv"
    written = write_acled_file(path, 100_000)
    with path.open("rb") as stream:
        job = import_job_create(by=editor, kind=ImportKind.ACLED, file_name=path.name, file=File(stream, path.name))
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))  # the worker reads the file where it was stored
    worker = start_worker()
    client.force_login(editor)
    seen: set[int] = set()

    def finished():
        fragment = client.get(f"/imports/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
        seen.add(int(re.search(r'<progress id="import-progress" max="100" value="(\d+)">', fragment)[1]))
        return ImportJob.objects.get(pk=job.pk).finished_at

    run_import_job.delay(job.pk)
    wait_until(finished, "the worker finishes the import", worker.log, timeout=600)

    job.refresh_from_db()
    assert (job.status, job.created, job.error_count) == (ImportStatus.SUCCEEDED, written.events, written.bad_rows)
    assert Incident.objects.count() == written.events
    assert any(0 < value < 100 for value in seen), seen  # the bar moved while the worker merged
    assert max(seen) == 100
    report = client.get(f"/imports/{job.pk}/errors.csv")
    assert report.status_code == 200
    errors = list(csv.reader(io.StringIO(report.content.decode())))
    assert errors[0] == ["row", "event_id", "message"]
    assert len(errors) - 1 == written.bad_rows  # each refused row, with its number and what is wrong with it
    assert errors[-1][0] == str(written.rows + 1) and "cut short" in errors[-1][2]
