"""The import pages: who may use them, the upload (job, stored file, task enqueued on commit), what a bad file is
told, the job's page and its polled status fragment, and the per-row error report."""

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from actors.models import Actor
from conflict_tracker.celery import app as celery_app
from conflict_tracker.choices import ImportKind
from events.models import Incident
from imports.choices import ImportStatus
from imports.models import MAX_STORED_ERRORS, ImportJob
from imports.tasks import run_import_job
from tests.factories import UserFactory
from tests.helpers.imports import FILES

pytestmark = pytest.mark.django_db
LIST = "/imports/"
ROLES = ("anonymous", "researcher", "analyst", "editor", "admin_user")


def upload(name="acled_current.csv", content=None, **fields):
    content = (FILES / name).read_bytes() if content is None else content
    return {"file": SimpleUploadedFile(name, content, content_type="text/csv"), "kind": "acled", **fields}


def make_job(**fields):
    fields.setdefault("user", UserFactory(role="editor"))
    fields.setdefault("kind", ImportKind.ACLED)
    fields.setdefault("file_name", "acled.csv")
    return ImportJob.objects.create(**fields)


@pytest.fixture
def enqueued(monkeypatch):
    """The job ids handed to Celery (instead of the shared Redis broker)."""
    calls = []
    monkeypatch.setattr(run_import_job, "delay", calls.append)
    return calls


@pytest.fixture
def eager():
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


# -- who may use the pages --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", ["list", "job", "errors"])
def test_only_editors_and_admins_may_open_the_import_pages(client_as, role, page):
    job = make_job()
    url = {"list": LIST, "job": f"/imports/{job.pk}/", "errors": f"/imports/{job.pk}/errors.csv"}[page]

    response = client_as(role, session=True).get(url)

    expected = {"anonymous": 302, "researcher": 403, "analyst": 403, "editor": 200, "admin_user": 200}[role]
    assert response.status_code == expected
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ["anonymous", "researcher", "analyst"])
def test_no_one_but_an_editor_can_upload(client_as, role, enqueued):
    response = client_as(role, session=True).post(LIST, upload())

    assert response.status_code in (302, 403)
    assert not ImportJob.objects.exists() and enqueued == []


@pytest.mark.parametrize("role", ["researcher", "analyst", "editor", "admin_user"])
def test_the_import_link_is_in_the_menu_of_editors_only(client_as, role):
    html = client_as(role, session=True).get(reverse("home")).content.decode()

    assert (f'href="{LIST}"' in html) == (role in ("editor", "admin_user"))


def test_a_missing_job_is_a_404(client, editor):
    client.force_login(editor)

    assert client.get("/imports/999999/").status_code == 404
    assert client.get("/imports/999999/errors.csv").status_code == 404


# -- uploading --------------------------------------------------------------------------------------------------


def test_an_upload_stores_the_file_in_a_job_and_enqueues_it_once_committed(
    client, editor, enqueued, django_capture_on_commit_callbacks, settings
):
    client.force_login(editor)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(LIST, upload(dry_run="on"))
        assert enqueued == []  # not before the job row is committed: the worker could not find it

    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/"
    assert (job.user, job.kind, job.file_name, job.dry_run, job.status) == (
        editor,
        ImportKind.ACLED,
        "acled_current.csv",
        True,
        ImportStatus.PENDING,
    )
    assert job.file.path.startswith(str(settings.MEDIA_ROOT))
    with job.file.open("rb") as stored:
        assert stored.read() == (FILES / "acled_current.csv").read_bytes()
    # Stored, never served: no URL leads to an uploaded file.
    assert client.get(f"/{settings.MEDIA_URL}{job.file.name}").status_code == 404
    for callback in callbacks:
        callback()
    assert enqueued == [job.pk]


def test_an_uploaded_file_is_imported_and_its_page_shows_what_it_did(
    client, editor, known_actors, eager, django_capture_on_commit_callbacks
):
    client.force_login(editor)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(LIST, upload())

    job = ImportJob.objects.get()
    assert job.status == ImportStatus.SUCCEEDED
    assert Incident.objects.count() == 3
    html = client.get(response["Location"]).content.decode()
    assert 'id="count-created">3<' in html
    assert 'id="count-actors">4<' in html
    assert '<progress id="import-progress" max="100" value="100">' in html
    assert "hx-trigger" not in html  # finished: nothing to poll
    assert "Schema: current" in html  # the reader's notes
    flagged = Actor.objects.filter(needs_review=True)
    assert flagged.count() == 4
    for actor in flagged:
        assert f'href="/actors/{actor.pk}/"' in html
    link = re.search(r'href="(/incidents/\?updated_since=[^"]+)"', html)[1]
    listed = client.get(link.replace("&amp;", "&"))
    assert listed.status_code == 200
    for incident in Incident.objects.all():
        assert incident.code in listed.content.decode()


def test_an_upload_on_the_page_that_lists_recent_jobs(client, editor):
    make_job(file_name="acled-2023.csv", status=ImportStatus.SUCCEEDED, created=12, error_count=2)
    client.force_login(editor)

    html = client.get(LIST).content.decode()

    assert "acled-2023.csv" in html and 'enctype="multipart/form-data"' in html
    assert "UCDP GED CSV" in html  # offered; the job says whether it can be read


def upload_errors(client, editor, enqueued, data) -> str:
    client.force_login(editor)
    response = client.post(LIST, data)
    assert response.status_code == 200
    assert not ImportJob.objects.exists() and enqueued == []
    return response.content.decode()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "The file is empty"),
        ("events.xlsx", b"PK\x03\x04" + b"\x00" * 100, "This is an Excel workbook or a zip archive, not a CSV file"),
        ("report.pdf", b"%PDF-1.7\n...", "This is a PDF, not a CSV file"),
        ("latin1.csv", "event_id_cnty,notes\nMLI1,Tombouctou é\n".encode("latin-1"), "not UTF-8 text"),
        ("notes.txt", b"Just some text\nwithout any separator\n", "The first line has no commas"),
        ("binary.csv", b"a,b\n\x00\x01\x02", "binary"),
    ],
)
def test_a_file_that_is_no_csv_export_is_refused_next_to_the_field(client, editor, enqueued, name, content, message):
    html = upload_errors(client, editor, enqueued, upload(name, content))

    assert 'id="id_file_errors"' in html
    assert message in html


def test_a_file_over_the_size_limit_is_refused_with_the_limit(client, editor, enqueued, settings):
    settings.IMPORT_MAX_UPLOAD_MB = 1
    content = b"event_id_cnty,notes\n" + b"MLI1,x\n" * 200_000  # 1.4 MB

    html = upload_errors(client, editor, enqueued, upload("big.csv", content))

    assert "The file is 1.3 MB; the largest file an import takes is 1 MB" in html


def test_no_file_and_an_unknown_dataset_are_refused_next_to_their_fields(client, editor, enqueued):
    html = upload_errors(client, editor, enqueued, {"kind": "gdelt"})

    assert "Choose the CSV file to import." in html
    assert "gdelt is not a dataset we import" in html


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"dataset_version": "24.1"}, "Only a UCDP file takes a dataset version"),
        ({"kind": "ucdp", "dataset_version": "latest"}, "latest is not a GED version"),
    ],
)
def test_a_wrong_dataset_version_is_refused_next_to_its_field(client, editor, enqueued, fields, message):
    client.force_login(editor)

    response = client.post(LIST, upload(**fields))

    assert response.status_code == 200
    field = re.search(r'id="id_dataset_version_errors">([^<]*)<', response.content.decode())
    assert field is not None and message in field.group(1)
    assert (ImportJob.objects.count(), enqueued) == (0, [])


def test_a_ucdp_upload_keeps_the_dataset_version_given(client, editor, enqueued, django_capture_on_commit_callbacks):
    client.force_login(editor)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(LIST, upload("ucdp_current.csv", kind="ucdp", dataset_version=" 24.1 "))

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert (job.kind, job.dataset_version, enqueued) == (ImportKind.UCDP, "24.1", [job.pk])


# -- the job's page and its progress ----------------------------------------------------------------------------


def test_a_pending_job_polls_its_status_fragment(client, editor):
    job = make_job()
    client.force_login(editor)

    page = client.get(f"/imports/{job.pk}/").content.decode()
    fragment = client.get(f"/imports/{job.pk}/", headers={"HX-Request": "true"}).content.decode()

    assert "<html" in page and "<html" not in fragment
    for html in (page, fragment):
        assert f'hx-get="/imports/{job.pk}/"' in html and 'hx-trigger="every 1s"' in html
        assert '<progress id="import-progress" max="100" value="0">' in html
        assert "Waiting for a worker" in html


def test_a_running_job_shows_how_far_it_got(client, editor):
    job = make_job(status=ImportStatus.RUNNING, rows_read=400, events_total=400, events_done=100)
    client.force_login(editor)

    fragment = client.get(f"/imports/{job.pk}/", headers={"HX-Request": "true"}).content.decode()

    assert '<progress id="import-progress" max="100" value="25">' in fragment
    assert "100 of 400 events merged" in fragment
    assert 'hx-trigger="every 1s"' in fragment


def test_the_fragment_stops_polling_when_the_job_has_finished(client, editor):
    job = make_job(status=ImportStatus.FAILED, failure="No event_date in the file is a date in a format ACLED uses.")
    client.force_login(editor)

    fragment = client.get(f"/imports/{job.pk}/", headers={"HX-Request": "true"}).content.decode()

    assert "hx-trigger" not in fragment and "hx-get" not in fragment
    assert "No event_date in the file is a date" in fragment
    assert "Failed" in fragment


def test_a_dry_run_says_nothing_was_written(client, editor, known_actors, run_import):
    job = run_import("acled_current.csv", dry_run=True)
    client.force_login(editor)

    html = client.get(f"/imports/{job.pk}/").content.decode()

    assert "nothing was written" in html
    assert 'id="count-created">3<' in html
    assert "updated_since" not in html  # nothing to list: no incident came of it


def test_an_unknown_dataset_job_fails_and_says_why(client, editor, eager, django_capture_on_commit_callbacks):
    """UCDP is offered before its reader is there: whatever the job makes of it, the page tells, never a 500."""
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(LIST, upload(kind="ucdp"))
    response = client.get(f"/imports/{ImportJob.objects.get().pk}/")

    assert response.status_code == 200
    job = ImportJob.objects.get()
    assert job.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED)
    if job.status == ImportStatus.FAILED:
        assert job.failure and job.failure in response.content.decode()


# -- the error report -------------------------------------------------------------------------------------------


def test_the_error_report_lists_every_row_error_of_the_file(client, editor, known_actors, run_import):
    job = run_import("acled_errors.csv")
    client.force_login(editor)

    page = client.get(f"/imports/{job.pk}/").content.decode()
    response = client.get(f"/imports/{job.pk}/errors.csv")

    assert f'href="/imports/{job.pk}/errors.csv"' in page and 'id="count-errors">4<' in page
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="import-{job.pk}-errors.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["row", "event_id", "message"]
    assert [(row[0], row[1]) for row in rows[1:]] == [
        ("3", "MLI5002"),
        ("4", "MLI5003"),
        ("5", "MLI5004"),
        ("7", "MLI5006"),
    ]
    assert "fatalities is many" in rows[2][2]


def test_the_error_report_says_how_many_errors_were_not_kept(client, editor):
    errors = [
        {"row": 2, "event_id": "MLI1", "message": "bad date"},
        {"row": 3, "event_id": "=HYPERLINK(1)", "message": "-x"},
    ]
    job = make_job(status=ImportStatus.SUCCEEDED, errors=errors, error_count=MAX_STORED_ERRORS + 250)
    client.force_login(editor)

    rows = list(csv.reader(io.StringIO(client.get(f"/imports/{job.pk}/errors.csv").content.decode())))
    page = client.get(f"/imports/{job.pk}/").content.decode()

    assert rows[1] == ["2", "MLI1", "bad date"]
    # A cell a spreadsheet would run as a formula is quoted.
    assert rows[2] == ["3", "'=HYPERLINK(1)", "'-x"]
    assert rows[3][:2] == ["", ""] and f"{MAX_STORED_ERRORS + 248} more row errors" in rows[3][2]
    assert f"{MAX_STORED_ERRORS + 248} more were counted but not kept" in page


# -- queries ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("jobs", [1, 30])
def test_the_job_list_takes_the_same_queries_however_many_jobs(client, editor, django_assert_max_num_queries, jobs):
    for number in range(jobs):
        make_job(file_name=f"file-{number}.csv", user=UserFactory(role="editor"))
    client.force_login(editor)

    # The session, the user, their roles, the jobs with their users.
    with django_assert_max_num_queries(4):
        response = client.get(LIST)

    assert response.content.decode().count('href="/imports/') >= min(jobs, 25)


def test_the_job_page_takes_a_fixed_number_of_queries(
    client, editor, known_actors, run_import, django_assert_max_num_queries
):
    job = run_import("acled_current.csv")
    client.force_login(editor)

    # The session, the user, their roles, the job with its user, the actors it flagged.
    with django_assert_max_num_queries(5):
        assert client.get(f"/imports/{job.pk}/").status_code == 200
