"""The import API: editors upload a file (202 with the pending job), a worker runs it, and the job says how it
went; everyone else is refused; bad files are 400s naming the field."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from conflict_tracker.choices import ImportKind
from events.models import Incident
from imports.choices import ImportStatus
from imports.models import ImportJob
from imports.tasks import run_import_job
from tests.factories import UserFactory
from tests.helpers.imports import FILES

pytestmark = pytest.mark.django_db
IMPORTS = "/api/v1/imports/"
ROLES = ("anonymous", "researcher", "analyst", "editor", "admin_user")
REFUSED = {"anonymous": 401, "researcher": 403, "analyst": 403}


def upload(name="acled_current.csv", content=None, **fields):
    content = (FILES / name).read_bytes() if content is None else content
    return {"file": SimpleUploadedFile(name, content, content_type="text/csv"), "kind": "acled", **fields}


@pytest.fixture
def enqueued(monkeypatch):
    calls = []
    monkeypatch.setattr(run_import_job, "delay", calls.append)
    return calls


@pytest.fixture
def job(db):
    return ImportJob.objects.create(kind=ImportKind.ACLED, file_name="a.csv", user=UserFactory(role="editor"))


@pytest.mark.parametrize("role", ROLES)
def test_only_editors_and_admins_may_list_and_read_jobs(client_as, role, job):
    client = client_as(role)

    listed = client.get(IMPORTS)
    read = client.get(f"{IMPORTS}{job.pk}/")

    expected = REFUSED.get(role, 200)
    assert (listed.status_code, read.status_code) == (expected, expected)
    if expected == 200:
        assert [item["id"] for item in listed.json()["results"]] == [job.pk]
        assert read.json()["status"] == "pending"
    else:
        assert listed.json()["error"]["status"] == expected


@pytest.mark.parametrize("role", ROLES)
def test_only_editors_and_admins_may_upload(client_as, role, enqueued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(role).post(IMPORTS, upload(), format="multipart")

    expected = REFUSED.get(role, 202)
    assert response.status_code == expected, response.content
    assert ImportJob.objects.count() == (1 if expected == 202 else 0)
    assert len(enqueued) == (1 if expected == 202 else 0)


def test_an_upload_is_a_pending_job_that_a_worker_runs(
    client, editor, known_actors, django_capture_on_commit_callbacks
):
    api = APIClient()
    api.force_authenticate(editor)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api.post(IMPORTS, upload("acled_errors.csv", dry_run="false"), format="multipart")

    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["progress"], body["kind"], body["file_name"], body["user"], body["dry_run"]) == (
        "pending",
        0,
        "acled",
        "acled_errors.csv",
        "editor",
        False,
    )
    assert len(callbacks) == 1  # the task is enqueued when the job row is committed

    run_import_job(body["id"])  # what the worker does with it
    job = api.get(f"{IMPORTS}{body['id']}/").json()

    assert (job["status"], job["progress"], job["created"], job["error_count"]) == ("succeeded", 100, 2, 4)
    assert [(error["row"], error["event_id"]) for error in job["errors"]] == [
        (3, "MLI5002"),
        (4, "MLI5003"),
        (5, "MLI5004"),
        (7, "MLI5006"),
    ]
    assert job["errors_not_stored"] == 0
    assert job["notes"][0].startswith("Schema:")
    assert job["started_at"] and job["finished_at"]


def test_a_dry_run_upload_writes_nothing(editor, known_actors, django_capture_on_commit_callbacks):
    api = APIClient()
    api.force_authenticate(editor)
    response = api.post(IMPORTS, upload(dry_run="true"), format="multipart")

    run_import_job(response.json()["id"])

    job = ImportJob.objects.get()
    assert (job.dry_run, job.status, job.created) == (True, ImportStatus.SUCCEEDED, 3)
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "acled"}, "file", "No file was submitted."),
        (upload("empty.csv", b""), "file", "empty"),
        (upload("x.pdf", b"%PDF-1.4"), "file", "This is a PDF, not a CSV file"),
        (upload("x.csv", b"no commas here\n"), "file", "The first line has no commas"),
        (upload(kind="gdelt"), "kind", "not a valid choice"),
    ],
)
def test_a_bad_upload_is_a_400_naming_the_field(editor, enqueued, data, field, message):
    api = APIClient()
    api.force_authenticate(editor)

    response = api.post(IMPORTS, data, format="multipart")

    assert response.status_code == 400
    error = response.json()["error"]
    assert message in " ".join(error["fields"][field])
    assert not ImportJob.objects.exists() and enqueued == []


def test_a_file_over_the_limit_is_a_400(editor, enqueued, settings):
    settings.IMPORT_MAX_UPLOAD_MB = 0
    api = APIClient()
    api.force_authenticate(editor)

    response = api.post(IMPORTS, upload(), format="multipart")

    assert response.status_code == 400
    assert "the largest file an import takes is 0 MB" in response.json()["error"]["fields"]["file"][0]


def test_a_file_larger_than_the_api_takes_in_a_body_still_uploads(editor, enqueued, settings):
    # The body limit (DATA_UPLOAD_MAX_MEMORY_SIZE) counts the form's fields, not the file, which streams to disk.
    content = (FILES / "acled_current.csv").read_bytes()
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = len(content) // 10
    api = APIClient()
    api.force_authenticate(editor)

    response = api.post(IMPORTS, upload(content=content), format="multipart")

    assert response.status_code == 202, response.content
    assert ImportJob.objects.get().file.size == len(content)


def test_a_json_body_is_refused_as_the_wrong_media_type(editor):
    api = APIClient()
    api.force_authenticate(editor)

    response = api.post(IMPORTS, {"kind": "acled"}, format="json")

    assert response.status_code == 415


def test_the_list_leaves_the_row_errors_to_the_job(editor, job):
    ImportJob.objects.filter(pk=job.pk).update(errors=[{"row": 2, "event_id": "", "message": "x"}], error_count=3)
    api = APIClient()
    api.force_authenticate(editor)

    listed = api.get(IMPORTS).json()["results"][0]
    detail = api.get(f"{IMPORTS}{job.pk}/").json()

    assert "errors" not in listed and listed["error_count"] == 3
    assert detail["errors"] == [{"row": 2, "event_id": "", "message": "x"}] and detail["errors_not_stored"] == 2


@pytest.mark.parametrize("jobs", [1, 40])
def test_the_list_takes_the_same_queries_however_many_jobs(editor, django_assert_max_num_queries, jobs):
    for number in range(jobs):
        ImportJob.objects.create(kind=ImportKind.ACLED, file_name=f"{number}.csv", user=UserFactory(role="editor"))
    api = APIClient()
    api.force_authenticate(editor)

    # The caller's roles, the count, the page of jobs with their users.
    with django_assert_max_num_queries(3):
        response = api.get(IMPORTS)

    assert response.json()["count"] == jobs


def test_the_schema_documents_the_upload_as_multipart_with_a_binary_file(db):
    schema = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    create = schema["paths"][IMPORTS]["post"]
    assert list(create["requestBody"]["content"]) == ["multipart/form-data"]
    assert {"202", "400", "401", "403"} <= set(create["responses"])
    body = schema["components"]["schemas"]["ImportJobInput"]
    assert body["properties"]["file"]["format"] == "binary"
    assert "403" in schema["paths"][IMPORTS + "{id}/"]["get"]["responses"]
