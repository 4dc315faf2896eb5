"""The import page in a real browser: an editor uploads an ACLED export, watches the job's progress bar (htmx polls
its status) go from pending to done without reloading the page, reads the counts, and downloads the error report
of a file with bad rows."""

import csv
import threading
from pathlib import Path

import pytest
from django.db import connection
from playwright.sync_api import expect

from imports.models import ImportJob
from imports.tasks import run_import_job

pytestmark = pytest.mark.browser

FILES = Path(__file__).parent.parent / "imports" / "files"


@pytest.fixture
def worker(monkeypatch):
    """Stands in for the Celery worker: each enqueued job runs in a thread of its own (a connection of its own, as
    a worker has), once `worker.gate` is set, so a test can look at the job while it is still pending."""

    class Worker:
        gate = threading.Event()
        threads: list[threading.Thread] = []

        def run(self, job_id):
            self.gate.wait(timeout=60)
            try:
                run_import_job(job_id)
            finally:
                connection.close()

        def delay(self, job_id):
            thread = threading.Thread(target=self.run, args=(job_id,), daemon=True)
            self.threads.append(thread)
            thread.start()

    fake = Worker()
    fake.threads = []
    fake.gate = threading.Event()
    monkeypatch.setattr(run_import_job, "delay", fake.delay)
    yield fake
    fake.gate.set()
    for thread in fake.threads:
        thread.join(timeout=60)


def upload(page, name: str) -> None:
    page.goto("/imports/")
    page.get_by_label("CSV file").set_input_files(str(FILES / name))
    page.get_by_label("Dataset", exact=True).select_option("acled")
    page.get_by_role("button", name="Upload and import").click()


def test_an_editor_uploads_a_file_and_watches_it_import(live_demo, page_as, worker, screenshot, tmp_path):
    editor = page_as("editor")
    editor.goto("/")
    editor.locator("header nav").get_by_role("link", name="Import").click()
    expect(editor.get_by_role("heading", name="Import", exact=True)).to_be_visible()
    screenshot(editor, "import-page")

    upload(editor, "acled_current.csv")

    job = ImportJob.objects.get(file_name="acled_current.csv")
    expect(editor.get_by_role("heading", name=f"Import {job.pk}: acled_current.csv")).to_be_visible()
    status = editor.locator("#import-status")
    expect(status.locator(".status")).to_have_text("Pending")
    expect(editor.locator("#import-progress")).to_have_attribute("value", "0")
    screenshot(editor, "import-job-pending")

    # The worker takes the job; the page follows it by polling, without being reloaded (the marker survives).
    editor.evaluate("window.importMarker = 1")
    worker.gate.set()
    expect(status.locator(".status")).to_have_text("Succeeded", timeout=30_000)
    expect(editor.locator("#import-progress")).to_have_attribute("value", "100")
    expect(editor.locator("#count-created")).to_have_text("3")
    expect(editor.locator("#count-errors")).to_have_text("0")
    assert editor.evaluate("window.importMarker") == 1
    expect(status).not_to_have_attribute("hx-trigger", "every 1s")  # done: polling stopped
    screenshot(editor, "import-job-done")

    # A file with bad rows: the good ones are imported, the bad ones are in the report.
    upload(editor, "acled_errors.csv")
    expect(editor.locator("#import-status .status")).to_have_text("Succeeded", timeout=30_000)
    expect(editor.locator("#count-errors")).to_have_text("4")
    with editor.expect_download() as download_info:
        editor.get_by_role("link", name="Download the error report (CSV)").click()
    path = tmp_path / "errors.csv"
    download_info.value.save_as(path)
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    assert rows[0] == ["row", "event_id", "message"]
    assert [row[1] for row in rows[1:]] == ["MLI5002", "MLI5003", "MLI5004", "MLI5006"]
    screenshot(editor, "import-job-errors")
