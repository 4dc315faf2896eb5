"""Logs: a refusal or a missing page is one warning line without a traceback, a server error keeps its traceback;
each request gets a request id, taken from X-Request-ID when it is a UUID, and returns it.

The JSON lines themselves are checked on the real server, in tests/test_production_server.py.
"""

import logging
import uuid

import pytest
from django.urls import path


def _fails(request):
    raise RuntimeError("a bug")


# This module is also the URLconf of the server-error test.
urlpatterns = [path("fails/", _fails)]


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
def test_a_client_error_is_one_warning_without_traceback(client, researcher, caplog, method, url, status):
    client.force_login(researcher)
    with caplog.at_level(logging.INFO):
        response = getattr(client, method)(url)
    assert response.status_code == status
    [warning] = _records(caplog, "django.request")
    assert (warning.levelname, warning.status_code) == ("WARNING", status)
    assert (warning.exc_info, warning.exc_text) == (None, None)
    [line] = _records(caplog, "conflict_tracker.request")
    assert (line.levelname, line.method, line.path, line.status) == ("INFO", method.upper(), url, status)


@pytest.mark.urls(__name__)
def test_a_server_error_keeps_its_traceback(client, caplog):
    client.raise_request_exception = False
    with caplog.at_level(logging.INFO):
        response = client.get("/fails/")
    assert response.status_code == 500
    [error] = _records(caplog, "django.request")
    assert error.levelname == "ERROR"
    assert error.exc_info[0] is RuntimeError


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
