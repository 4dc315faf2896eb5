"""Logs: a refused, missing or malformed request is one warning line without a traceback, a server error keeps its
traceback; each request gets a request id, taken from X-Request-ID when it is a UUID, returned and on every line of
the request; one line per request with its method, path, status and duration.

The tests read what the configured console handler writes (plain text here, as with DEBUG on); the JSON lines are
checked on the real server, in tests/test_production_server.py.
"""

import io
import logging
import uuid
from collections.abc import Iterator

import pytest
from django.urls import path


def _fails(request):
    raise RuntimeError("a bug")


# This module is also the URLconf of the server-error test.
urlpatterns = [path("fails/", _fails)]


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """What the root logger's console handler (settings.LOGGING) writes during the test."""
    [handler] = [handler for handler in logging.getLogger().handlers if handler.name == "console"]
    output = io.StringIO()
    previous = handler.setStream(output)
    yield output
    handler.setStream(previous)


def _records(caplog, logger: str) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == logger]


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        # A researcher on the page that logs a new incident: the view raises PermissionDenied.
        ("get", "/incidents/new/", 403),
        ("post", "/incidents/new/", 403),
        ("get", "/incidents/NO-SUCH-CODE/", 404),
        ("get", "/no-such-page/", 404),
        ("get", "/api/v1/no-such-route/", 404),
        # A researcher writing through the API: DRF's 403.
        ("post", "/api/v1/sources/", 403),
    ],
)
def test_a_client_error_is_one_warning_line_without_traceback(client, researcher, console, method, url, status):
    client.force_login(researcher)
    # Signing in is logged too (django-axes notes each successful sign-in); only the request's own lines count here.
    console.seek(0)
    console.truncate()
    response = getattr(client, method)(url)
    assert response.status_code == status
    # Django logs the refusal where it turns the exception into a response: before or after the request's line.
    lines = sorted(console.getvalue().splitlines(), key=lambda line: line.split()[3])
    assert [line.split()[2:4] for line in lines] == [
        ["INFO", "conflict_tracker.request"],
        ["WARNING", "django.request"],
    ]
    assert all(f"[{response['X-Request-ID']}]" in line for line in lines)
    assert lines[0].endswith(f"{method.upper()} {url} {status}")


def test_a_host_not_allowed_is_a_warning_without_traceback(client, db, console):
    assert client.get("/", headers={"host": "attacker.example"}).status_code == 400
    [warning] = [line for line in console.getvalue().splitlines() if "django.security.DisallowedHost" in line]
    assert warning.split()[2] == "WARNING"
    assert "Traceback" not in console.getvalue()


@pytest.mark.urls(__name__)
def test_a_server_error_keeps_its_traceback(client, console):
    client.raise_request_exception = False
    assert client.get("/fails/").status_code == 500
    output = console.getvalue()
    assert " ERROR django.request " in output
    assert "Traceback" in output
    assert "RuntimeError: a bug" in output


def test_each_request_gets_a_new_request_id(client, db):
    first, second = client.get("/no-such-page/"), client.get("/no-such-page/")
    assert uuid.UUID(first["X-Request-ID"]) != uuid.UUID(second["X-Request-ID"])


def test_a_uuid_from_the_proxy_is_the_request_id(client, db):
    given = str(uuid.uuid4())
    assert client.get("/no-such-page/", headers={"X-Request-ID": given})["X-Request-ID"] == given


@pytest.mark.parametrize("given", ["not-a-uuid", "x" * 5000, '{"level": "CRITICAL"}'])
def test_any_other_request_id_is_replaced(client, db, given):
    returned = client.get("/no-such-page/", headers={"X-Request-ID": given})["X-Request-ID"]
    assert returned != given
    uuid.UUID(returned)


def test_a_streamed_export_is_logged_once_it_is_sent(client, db, caplog):
    with caplog.at_level(logging.INFO):
        response = client.get("/api/v1/incidents/?format=csv")
        assert response.status_code == 200
        assert _records(caplog, "conflict_tracker.request") == []
        b"".join(response.streaming_content)
    [line] = _records(caplog, "conflict_tracker.request")
    assert (line.path, line.status) == ("/api/v1/incidents/", 200)
