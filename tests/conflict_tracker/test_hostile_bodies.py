"""Hostile bodies cost a 400 or a 413 in the API's one error shape, on every write operation the schema lists: JSON
nested past API_JSON_MAX_DEPTH, a body past DATA_UPLOAD_MAX_MEMORY_SIZE, a form past DATA_UPLOAD_MAX_NUMBER_FIELDS.
Never a 500 (a RecursionError), never Django's HTML page."""

from functools import cache
from io import BytesIO

import pytest
from django.conf import settings
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from drf_spectacular.generators import SchemaGenerator
from knox.models import AuthToken

from conflict_tracker.choices import ImportKind
from conflict_tracker.parsers import ORJSONParser, nested_deeper_than
from imports.models import ActorCrosswalk
from tests.factories import ClaimFactory, IncidentFactory

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
WRITE_METHODS = ("post", "put", "patch")
TOKEN_PATH = "/api/v1/auth/token/"
TEN_MB = 10 * 1024 * 1024


@cache
def write_operations() -> list[tuple[str, str, tuple[str, ...]]]:
    """(method, path, the media types its body may have) of every write operation in the schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (method, path, tuple(operation["requestBody"]["content"]))
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in WRITE_METHODS and "requestBody" in operation
    ]


def _cases(media_type: str) -> list[tuple[str, str]]:
    return [(method, path) for method, path, media_types in write_operations() if media_type in media_types]


@pytest.fixture
def objects(editor):
    """Something that exists behind each path parameter, which the editor may write to: a body is read once the
    object is found and the caller allowed, and it is the body that is under test."""
    incident = IncidentFactory(created_by=editor)
    return {
        "incidents": incident.code,
        "claims": ClaimFactory(incident=incident).pk,
        "actor-crosswalk": ActorCrosswalk.objects.create(dataset=ImportKind.ACLED, name="Wagner Group").pk,
    }


def _url(path: str, objects: dict) -> str:
    """The path with its parameter named by the object of the collection before it (`/claims/{id}/review/`)."""
    parts = path.strip("/").split("/")
    for index, part in enumerate(parts):
        if part.startswith("{"):
            parts[index] = str(objects[parts[index - 1]])
    return "/" + "/".join(parts) + "/"


def _send(editor, objects, method: str, path: str, body, content_type: str):
    """As an anonymous client to the token endpoint, otherwise as an editor with a token, as a script would."""
    headers = {}
    if path != TOKEN_PATH:
        headers["Authorization"] = f"Token {AuthToken.objects.create(user=editor)[1]}"
    client = Client(raise_request_exception=False)
    return client.generic(method.upper(), _url(path, objects), body, content_type=content_type, headers=headers)


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["status"] == status
    return error


def test_the_schema_lists_the_write_operations_including_the_anonymous_token_endpoint():
    paths = {path for _method, path, _types in write_operations()}

    assert {TOKEN_PATH, "/api/v1/incidents/", "/api/v1/incidents/{code}/", "/api/v1/imports/"} <= paths
    assert len(_cases(JSON)) >= 10 and len(_cases(MULTIPART)) == len(write_operations())


@pytest.mark.parametrize(("method", "path"), _cases(JSON))
@pytest.mark.parametrize("depth", [33, 100_000])
def test_json_nested_too_deep_is_a_400_naming_the_limit(editor, objects, method, path, depth):
    body = "[" * depth + "]" * depth

    error = error_of(_send(editor, objects, method, path, body, JSON), 400)

    assert error["message"] == "The JSON body is nested more than 32 levels deep, the most the API accepts."


@pytest.mark.parametrize(("method", "path"), _cases(JSON))
def test_a_json_body_too_large_is_a_413_naming_the_limit(editor, objects, method, path):
    body = '{"title": "' + "x" * TEN_MB + '"}'

    error = error_of(_send(editor, objects, method, path, body, JSON), 413)

    assert error["code"] == "too_large"
    assert error["message"] == "The request body is larger than 2621440 bytes, the most the API accepts."


@pytest.mark.parametrize(("method", "path"), _cases(FORM))
def test_a_form_with_too_many_fields_is_a_400_naming_the_limit(editor, objects, method, path):
    body = "&".join(f"field{number}=1" for number in range(5000))

    error = error_of(_send(editor, objects, method, path, body, FORM), 400)

    assert error["code"] == "too_many_fields"
    assert error["message"] == "The request has more than 1000 fields, the most the API accepts."


@pytest.mark.parametrize(("method", "path"), _cases(FORM))
def test_a_form_too_large_is_a_413(editor, objects, method, path):
    error = error_of(_send(editor, objects, method, path, "title=" + "x" * TEN_MB, FORM), 413)

    assert "2621440 bytes" in error["message"]


@pytest.mark.parametrize(("method", "path"), _cases(MULTIPART))
def test_a_multipart_body_with_too_many_fields_is_a_400(editor, objects, method, path):
    body = encode_multipart(BOUNDARY, {f"field{number}": "1" for number in range(5000)})

    error = error_of(_send(editor, objects, method, path, body, MULTIPART_CONTENT), 400)

    assert error["message"] == "The request has more than 1000 fields, the most the API accepts."


@pytest.mark.parametrize(("method", "path"), _cases(MULTIPART))
def test_a_multipart_field_too_large_is_a_413(editor, objects, method, path):
    # Uploaded files stream to disk and are not counted (an import may be hundreds of MB); other fields are.
    body = encode_multipart(BOUNDARY, {"notes": "x" * TEN_MB})

    error = error_of(_send(editor, objects, method, path, body, MULTIPART_CONTENT), 413)

    assert "2621440 bytes" in error["message"]


def test_the_limits_are_settings(editor, objects, settings):
    settings.API_JSON_MAX_DEPTH = 3
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100

    deep = error_of(_send(editor, objects, "post", "/api/v1/sources/", '{"a": [[[1]]]}', JSON), 400)
    large = error_of(_send(editor, objects, "post", "/api/v1/sources/", '{"name": "' + "x" * 100 + '"}', JSON), 413)

    assert deep["message"] == "The JSON body is nested more than 3 levels deep, the most the API accepts."
    assert large["message"] == "The request body is larger than 100 bytes, the most the API accepts."


def test_json_at_the_limit_reaches_the_serializer(editor, objects):
    body = '{"name": ' + "[" * 31 + "]" * 31 + "}"

    error = error_of(_send(editor, objects, "post", "/api/v1/sources/", body, JSON), 400)

    assert error["code"] == "invalid" and "name" in error["fields"]


@pytest.mark.parametrize(
    ("value", "depth"),
    [(1, 0), ("[[[", 0), ([], 1), ({}, 1), ([1, {"a": "b"}], 2), ({"a": [{"b": []}], "c": 1}, 4)],
)
def test_depth_is_measured_without_recursion(value, depth):
    assert not nested_deeper_than(value, depth)
    assert depth == 0 or nested_deeper_than(value, depth - 1)


def test_the_json_parser_is_the_default_and_reads_what_drf_reads():
    assert settings.REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"][0] == "conflict_tracker.parsers.ORJSONParser"

    parsed = ORJSONParser().parse(
        BytesIO('{"a": [1, 2.5, "é", null]}'.encode("latin-1")), JSON, {"encoding": "latin-1"}
    )

    assert parsed == {"a": [1, 2.5, "é", None]}


def test_a_host_not_allowed_under_the_api_is_a_json_400_and_elsewhere_the_html_page(db):
    api = Client().get("/api/v1/actors/", headers={"host": "attacker.example"})
    page = Client().get("/incidents/", headers={"host": "attacker.example"})

    assert error_of(api, 400)["code"] == "bad_request"
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")
