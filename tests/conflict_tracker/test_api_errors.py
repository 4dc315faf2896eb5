"""The API's one error shape, its auth (anonymous reads, throttling) and its documentation; tokens: test_tokens.py."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from conflict_tracker.exceptions import EditConflict, api_exception_handler
from tallies.api.actors import ActorViewSet
from tests.factories import ActorFactory, IncidentFactory
from tests.helpers.api import error_of


def test_a_bad_filter_value_is_a_400_naming_the_parameter(db):
    error = error_of(APIClient().get("/api/v1/actors/", {"kind": "wizards"}), 400)

    assert error["code"] == "invalid"
    assert error["message"].startswith("kind: ")
    assert list(error["fields"]) == ["kind"]


def test_a_bad_token_is_a_401_that_names_the_token_scheme(db):
    response = APIClient().get("/api/v1/actors/", HTTP_AUTHORIZATION="Token not-a-token")

    assert error_of(response, 401)["code"] == "authentication_failed"
    assert response["WWW-Authenticate"] == "Token"


def test_writing_without_the_right_is_a_403_and_without_credentials_a_401(researcher):
    client = APIClient()

    assert error_of(client.post("/api/v1/actors/", {}), 401)["code"] == "not_authenticated"
    client.force_authenticate(researcher)
    assert error_of(client.post("/api/v1/actors/", {}), 403)["code"] == "permission_denied"


def test_an_unknown_object_is_a_404(db):
    assert error_of(APIClient().get("/api/v1/actors/0/"), 404)["code"] == "not_found"


def test_an_unknown_api_path_is_a_json_404_and_other_paths_keep_the_html_page(db):
    assert error_of(Client().get("/api/v1/no-such-thing/"), 404)["code"] == "not_found"
    assert Client().get("/no-such-page/")["Content-Type"].startswith("text/html")


def test_an_unsupported_method_is_a_405(analyst):
    client = APIClient()
    client.force_authenticate(analyst)

    assert error_of(client.delete("/api/v1/actors/"), 405)["code"] == "method_not_allowed"


def test_too_many_requests_is_a_429_with_retry_after(db, monkeypatch):
    # DRF reads the rates once into a class attribute, so overriding the setting would not reach the throttles.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/minute", "user": "2/minute"})
    client = APIClient()
    client.get("/api/v1/actors/")
    client.get("/api/v1/actors/")

    response = client.get("/api/v1/actors/")

    assert error_of(response, 429)["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


def test_a_crash_under_the_api_is_a_json_500_without_internals(db, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("password=hunter2 in /srv/app/secret.py")

    monkeypatch.setattr(ActorViewSet, "list", crash)

    response = Client(raise_request_exception=False).get("/api/v1/actors/")

    assert error_of(response, 500)["code"] == "server_error"
    assert b"hunter2" not in response.content
    assert b"Traceback" not in response.content


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (ValidationError({"figure_low": ["The low figure cannot exceed the best figure."]}), 400, "invalid"),
        (ValidationError("Only editors may publish."), 400, "invalid"),
        (PermissionDenied("Only editors may publish."), 403, "permission_denied"),
        (Http404("No such incident."), 404, "not_found"),
    ],
)
def test_errors_raised_by_services_keep_the_shape(exc, status, code):
    response = api_exception_handler(exc, {})

    assert response.status_code == status
    assert response.data["error"]["code"] == code
    assert response.data["error"]["message"]


def test_a_django_validation_error_names_its_fields():
    exc = ValidationError({"figure_low": ["The low figure cannot exceed the best figure."]})

    error = api_exception_handler(exc, {}).data["error"]

    assert error["fields"] == {"figure_low": ["The low figure cannot exceed the best figure."]}


def test_an_edit_conflict_is_a_409_with_the_current_version(db):
    incident = IncidentFactory(version=3)

    error = api_exception_handler(EditConflict(incident, expected_version=2), {}).data["error"]

    assert (error["status"], error["code"], error["current_version"]) == (409, "conflict", 3)


def test_anonymous_reads_can_be_switched_off(settings, researcher):
    settings.API_ANONYMOUS_READ = False
    actor = ActorFactory()
    client = APIClient()

    assert error_of(client.get("/api/v1/actors/"), 401)["code"] == "not_authenticated"
    assert error_of(client.get(f"/api/v1/actors/{actor.pk}/"), 401)["code"] == "not_authenticated"
    client.force_authenticate(researcher)
    assert client.get("/api/v1/actors/").status_code == 200


def test_the_schema_is_openapi_3_and_lists_every_endpoint(db):
    schema = APIClient().get("/api/v1/schema/", {"format": "json"}).json()

    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/auth/token/",
        "/api/v1/actors/",
        "/api/v1/actors/{id}/",
        "/api/v1/sources/",
        "/api/v1/sources/{id}/",
        "/api/v1/documents/",
        "/api/v1/documents/{id}/",
        "/api/v1/claims/",
        "/api/v1/claims/{id}/",
    } <= set(schema["paths"])


def test_the_docs_load_nothing_from_another_site(db, settings):
    client = Client()
    page = client.get("/api/v1/docs/").content.decode()

    assets = re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', page)
    assert assets
    assert not [url for url in assets if re.match(r"(https?:)?//", url)]
    assert "<script>" not in page
    for url in assets:
        if url.startswith(settings.STATIC_URL):
            assert finders.find(url.removeprefix(settings.STATIC_URL)), url
        else:
            assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/api/v1/incidents/", {"date_afer": "2024-01-01"}),
        ("/api/v1/incidents/", {"page": "2"}),  # numbered pages belong to the other lists
        ("/api/v1/actors/", {"search": "Wagner"}),
        ("/api/v1/claims/", {"cursor": "abc"}),
    ],
)
def test_an_unknown_parameter_is_a_400_naming_it(db, url, params):
    response = APIClient().get(url, params)

    assert response.status_code == 400
    (name,) = params
    assert name in response.json()["error"]["fields"]
    assert response.json()["error"]["message"].startswith(f"{name}: Unknown parameter")


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/api/v1/incidents/", {"page_size": "10", "with_total": "true", "ordering": "-start_date"}),
        ("/api/v1/incidents/", {"format": "csv", "country": "MLI"}),
        ("/api/v1/actors/", {"q": "wagner", "page": "1", "page_size": "5"}),
    ],
)
def test_the_parameters_a_list_takes_are_accepted(db, url, params):
    assert APIClient().get(url, params).status_code == 200


def test_each_caller_is_throttled_once_at_the_rate_of_its_kind(researcher, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/minute", "user": "4/minute"})
    anonymous, signed_in = APIClient(), APIClient()
    signed_in.force_authenticate(researcher)

    assert [anonymous.get("/api/v1/actors/").status_code for _ in range(3)] == [200, 200, 429]
    # Signed in from the same address: its own allowance, at the user rate.
    assert [signed_in.get("/api/v1/actors/").status_code for _ in range(5)] == [200, 200, 200, 200, 429]
