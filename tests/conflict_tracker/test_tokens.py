"""API tokens: obtained with a username and password, several per user, stored hashed, listed and revoked."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from events.choices import IncidentStatus
from tests.factories import IncidentFactory, UserFactory
from tests.helpers.api import error_of

TOKEN_URL = "/api/v1/auth/token/"
TOKENS_URL = "/api/v1/auth/tokens/"
WRONG_CREDENTIALS = "The username and password do not match an active account."


def obtain(username="researcher", password="pw", **kwargs) -> dict:
    response = APIClient().post(TOKEN_URL, {"username": username, "password": password}, **kwargs)
    assert response.status_code == 201, response.content
    return response.json()


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def closed_api(settings):
    """Anonymous reads off, so that a 200 proves the token authenticated the request."""
    settings.API_ANONYMOUS_READ = False


@pytest.mark.parametrize("body_format", ["json", "multipart"])
def test_good_credentials_give_a_token_shown_once_with_its_key_and_expiry(researcher, body_format):
    body = obtain(format=body_format)

    assert set(body) == {"token", "token_key", "created", "expiry"}
    assert body["token"].startswith(body["token_key"])
    assert len(body["token"]) > len(body["token_key"])
    assert body["expiry"] is not None
    row = AuthToken.objects.get(user=researcher)
    assert row.token_key == body["token_key"]
    assert body["token"] not in [str(value) for value in AuthToken.objects.values_list(named=True).get()]


def test_a_token_lasts_the_configured_time_or_until_revoked(researcher, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": datetime.timedelta(days=7)}
    before = timezone.now()
    expiry = datetime.datetime.fromisoformat(obtain()["expiry"])
    after = timezone.now()

    assert before + datetime.timedelta(days=7) <= expiry <= after + datetime.timedelta(days=7)

    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": None}
    assert obtain()["expiry"] is None


@pytest.mark.parametrize(
    ("username", "password"),
    [("researcher", "wrong"), ("nobody", "pw"), ("nobody", "wrong"), ("inactive", "pw")],
)
def test_wrong_credentials_are_a_400_that_does_not_say_whether_the_user_exists(researcher, username, password):
    UserFactory(username="inactive", is_active=False)

    response = APIClient().post(TOKEN_URL, {"username": username, "password": password}, format="json")

    error = error_of(response, 400)
    assert (error["code"], error["message"]) == ("invalid", WRONG_CREDENTIALS)
    assert username not in response.content.decode()
    assert not AuthToken.objects.exists()


def test_a_missing_password_is_a_400_naming_it(researcher):
    error = error_of(APIClient().post(TOKEN_URL, {"username": "researcher"}, format="json"), 400)

    assert error["message"].startswith("password: ")
    assert list(error["fields"]) == ["password"]


def test_a_stale_token_sent_along_does_not_stop_signing_in(researcher):
    stale = obtain()["token"]
    AuthToken.objects.all().delete()

    response = client_with(stale).post(TOKEN_URL, {"username": "researcher", "password": "pw"}, format="json")

    assert response.status_code == 201


def test_a_researchers_token_reads_published_incidents_only(closed_api, researcher):
    published = IncidentFactory(status=IncidentStatus.PUBLISHED, published_at=timezone.now())
    draft = IncidentFactory(status=IncidentStatus.DRAFT)
    client = client_with(obtain()["token"])

    response = client.get("/api/v1/incidents/")

    assert response.status_code == 200
    assert [row["code"] for row in response.json()["results"]] == [published.code]
    assert error_of(client.get(f"/api/v1/incidents/{draft.code}/"), 404)["code"] == "not_found"


def test_a_token_authenticates_as_its_own_user(closed_api, analyst):
    draft = IncidentFactory(status=IncidentStatus.DRAFT)
    client = client_with(obtain("analyst")["token"])

    assert client.get(f"/api/v1/incidents/{draft.code}/").json()["status"] == IncidentStatus.DRAFT


def test_signing_in_twice_gives_two_independent_tokens(closed_api, researcher):
    first, second = obtain(), obtain()

    assert first["token"] != second["token"]
    assert first["token_key"] != second["token_key"]
    assert client_with(first["token"]).get("/api/v1/actors/").status_code == 200
    assert client_with(second["token"]).get("/api/v1/actors/").status_code == 200
    assert AuthToken.objects.filter(user=researcher).count() == 2


def test_the_list_shows_only_the_callers_tokens_and_no_secret(researcher, analyst):
    first, second = obtain(), obtain()
    someone_elses = obtain("analyst")

    response = client_with(second["token"]).get(TOKENS_URL)

    assert response.status_code == 200
    tokens = response.json()
    assert {token["token_key"]: token["current"] for token in tokens} == {
        first["token_key"]: False,
        second["token_key"]: True,
    }
    assert all(set(token) == {"token_key", "created", "expiry", "current"} for token in tokens)
    for secret in (first["token"], second["token"], someone_elses["token"]):
        assert secret not in response.content.decode()
    assert someone_elses["token_key"] not in response.content.decode()


def test_a_browser_session_lists_and_revokes_its_users_tokens(researcher):
    token = obtain()
    client = APIClient()
    client.force_login(researcher)

    assert [row["token_key"] for row in client.get(TOKENS_URL).json()] == [token["token_key"]]
    assert client.delete(f"{TOKENS_URL}{token['token_key']}/").status_code == 204
    assert client.get(TOKENS_URL).json() == []


def test_revoking_one_token_stops_it_and_leaves_the_other_working(closed_api, researcher):
    kept, revoked = obtain(), obtain()
    client = client_with(kept["token"])

    assert client.delete(f"{TOKENS_URL}{revoked['token_key']}/").status_code == 204

    assert error_of(client_with(revoked["token"]).get("/api/v1/actors/"), 401)["code"] == "authentication_failed"
    assert client.get("/api/v1/actors/").status_code == 200
    assert [row["token_key"] for row in client.get(TOKENS_URL).json()] == [kept["token_key"]]


def test_revoking_the_token_in_use_signs_that_script_out_only(closed_api, researcher):
    other, current = obtain(), obtain()
    client = client_with(current["token"])

    assert client.delete(TOKEN_URL).status_code == 204

    assert error_of(client.get("/api/v1/actors/"), 401)["code"] == "authentication_failed"
    assert client_with(other["token"]).get("/api/v1/actors/").status_code == 200


def test_revoking_the_token_in_use_needs_a_token(researcher):
    client = APIClient()
    assert error_of(client.delete(TOKEN_URL), 401)["code"] == "not_authenticated"

    client.force_login(researcher)
    response = client.delete(TOKEN_URL)
    assert error_of(response, 401)["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


def test_revoking_all_tokens_stops_every_one_of_them(closed_api, researcher, analyst):
    tokens = [obtain()["token"] for _ in range(3)]
    someone_elses = obtain("analyst")["token"]

    assert client_with(tokens[0]).delete(TOKENS_URL).status_code == 204

    for token in tokens:
        assert error_of(client_with(token).get("/api/v1/actors/"), 401)["code"] == "authentication_failed"
    assert not AuthToken.objects.filter(user=researcher).exists()
    assert client_with(someone_elses).get("/api/v1/actors/").status_code == 200


def test_an_expired_token_is_a_401_and_leaves_the_list(closed_api, researcher):
    live, expired = obtain(), obtain()
    AuthToken.objects.filter(token_key=expired["token_key"]).update(expiry=timezone.now() - datetime.timedelta(days=1))

    assert error_of(client_with(expired["token"]).get("/api/v1/actors/"), 401)["code"] == "authentication_failed"
    client = client_with(live["token"])
    assert client.get("/api/v1/actors/").status_code == 200
    assert [row["token_key"] for row in client.get(TOKENS_URL).json()] == [live["token_key"]]


def test_someone_elses_token_key_is_a_404_and_their_token_keeps_working(closed_api, researcher, analyst):
    mine = obtain()
    theirs = obtain("analyst")

    response = client_with(mine["token"]).delete(f"{TOKENS_URL}{theirs['token_key']}/")

    assert error_of(response, 404)["code"] == "not_found"
    assert client_with(theirs["token"]).get("/api/v1/actors/").status_code == 200
    unknown = client_with(mine["token"]).delete(f"{TOKENS_URL}0123456789abcde/")
    assert error_of(unknown, 404) == error_of(response, 404)


@pytest.mark.parametrize(
    ("method", "url"), [("get", TOKENS_URL), ("delete", TOKENS_URL), ("delete", f"{TOKENS_URL}0123456789abcde/")]
)
def test_anonymous_callers_get_a_401_from_the_token_list(db, method, url):
    response = getattr(APIClient(), method)(url)

    assert error_of(response, 401)["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


def test_a_user_holds_a_limited_number_of_tokens(researcher, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 2}
    first, _second = obtain(), obtain()

    error = error_of(APIClient().post(TOKEN_URL, {"username": "researcher", "password": "pw"}), 403)
    assert error["code"] == "permission_denied"

    client_with(first["token"]).delete(TOKEN_URL)
    assert obtain()["token"]


def test_guessing_passwords_is_throttled_with_the_api_error_shape(researcher, monkeypatch):
    # DRF reads the rates once into a class attribute, so overriding the setting would not reach the throttles.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"auth": "2/minute", "anon": None, "user": None})
    client = APIClient()
    for _ in range(2):
        assert client.post(TOKEN_URL, {"username": "researcher", "password": "guess"}).status_code == 400

    response = client.post(TOKEN_URL, {"username": "researcher", "password": "pw"})

    assert error_of(response, 429)["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    assert not AuthToken.objects.exists()


def test_the_schema_documents_the_token_endpoints_and_scheme(db):
    schema = APIClient().get("/api/v1/schema/", {"format": "json"}).json()
    paths = schema["paths"]

    obtain_op = paths["/api/v1/auth/token/"]["post"]
    assert obtain_op["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/TokenRequest")
    assert obtain_op["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith("/NewAuthToken")
    assert set(paths["/api/v1/auth/token/"]) >= {"post", "delete"}
    listed = paths["/api/v1/auth/tokens/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert listed["type"] == "array"
    assert listed["items"]["$ref"].endswith("/AuthToken")
    assert set(paths["/api/v1/auth/tokens/"]) >= {"get", "delete"}
    assert "delete" in paths["/api/v1/auth/tokens/{token_key}/"]

    components = schema["components"]["schemas"]
    assert "token" in components["NewAuthToken"]["properties"]
    assert "token" not in components["AuthToken"]["properties"]
    assert components["TokenRequest"]["required"] == ["password", "username"]
    scheme = schema["components"]["securitySchemes"]["knoxApiToken"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert {"knoxApiToken": []} in paths["/api/v1/auth/tokens/"]["get"]["security"]


# -- one query per request, and every change to the token or its user in force at the next request ---------------


def test_a_token_costs_one_query_with_its_user_and_roles(closed_api, editor, django_assert_num_queries):
    draft = IncidentFactory(status=IncidentStatus.DRAFT)
    client = client_with(obtain("editor")["token"])

    # The token with its user and roles, then the incident: the role check (staff see drafts) needs no query.
    with django_assert_num_queries(2):
        assert client.get(f"/api/v1/incidents/{draft.code}/").status_code == 200


def _used(token: str) -> APIClient:
    """A client whose token has just been accepted, so that nothing about it is new to the server."""
    client = client_with(token)
    assert client.get("/api/v1/actors/").status_code == 200
    return client


def test_a_token_in_use_stops_at_once_when_revoked(closed_api, researcher):
    token = obtain()
    client = _used(token["token"])

    _used(obtain()["token"]).delete(f"{TOKENS_URL}{token['token_key']}/")

    assert error_of(client.get("/api/v1/actors/"), 401)["code"] == "authentication_failed"


def test_a_token_in_use_stops_at_once_when_it_expires(closed_api, researcher):
    token = obtain()
    client = _used(token["token"])

    AuthToken.objects.filter(token_key=token["token_key"]).update(expiry=timezone.now())

    assert error_of(client.get("/api/v1/actors/"), 401)["code"] == "authentication_failed"


def test_a_token_in_use_stops_at_once_when_its_user_is_deactivated(closed_api, researcher):
    client = _used(obtain()["token"])

    researcher.is_active = False
    researcher.save()

    assert error_of(client.get("/api/v1/actors/"), 401)["code"] == "authentication_failed"


def test_a_role_given_or_taken_counts_from_the_next_request(closed_api, researcher):
    draft = IncidentFactory(status=IncidentStatus.DRAFT)
    client = _used(obtain()["token"])
    assert client.get(f"/api/v1/incidents/{draft.code}/").status_code == 404

    researcher.groups.set([Group.objects.get(name="editor")])
    assert client.get(f"/api/v1/incidents/{draft.code}/").status_code == 200

    researcher.groups.set([Group.objects.get(name="researcher")])
    assert client.get(f"/api/v1/incidents/{draft.code}/").status_code == 404


def test_signing_in_deletes_the_users_expired_tokens(researcher):
    expired, live = obtain(), obtain()
    AuthToken.objects.filter(token_key=expired["token_key"]).update(expiry=timezone.now())

    new = obtain()

    assert set(AuthToken.objects.filter(user=researcher).values_list("token_key", flat=True)) == {
        live["token_key"],
        new["token_key"],
    }


@pytest.mark.parametrize("header", ["Token caf\u00e9", "Token 0123456789abcdef0123"])
def test_a_token_that_matches_nothing_is_a_401(closed_api, db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    assert error_of(client.get("/api/v1/actors/"), 401)["code"] == "authentication_failed"
