"""The login lockout (django-axes, conflict_tracker/lockout.py) on every sign-in door: the sign-in page, the admin's
and the API token endpoint; per username and address, from the address the proxy setting says to trust."""

import logging

import pytest
import redis
from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tests.helpers.api import error_of

TOKEN_URL = "/api/v1/auth/token/"
# Each door: where to post, and the answers to a right and a wrong password.
DOORS = {
    "page": ("/accounts/login/", 302, 200),
    "admin": ("/admin/login/", 302, 200),
    "api": (TOKEN_URL, 201, 400),
}
LIMIT = 3
ATTACKER = "203.0.113.7"


@pytest.fixture(autouse=True)
def lockout(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT


def sign_in(door: str, password: str, username: str = "admin", address: str = ATTACKER, **headers):
    url = DOORS[door][0]
    client = APIClient() if door == "api" else Client()
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address, **headers)


def assert_locked_out(response, door: str) -> None:
    if door == "api":
        error = error_of(response, 429)
        assert error["code"] == "locked_out"
        assert "Too many failed sign-ins with this username from your address" in error["message"]
    else:
        assert response.status_code == 429
        assert "Too many failed sign-ins with this username from your address" in response.content.decode()
    # The cool-off, 15 minutes unless AXES_COOLOFF_MINUTES says otherwise.
    assert response["Retry-After"] == "900"


@pytest.mark.parametrize("door", DOORS)
def test_each_door_locks_a_username_and_address_out_after_the_limit(admin_user, door):
    _url, signed_in, refused = DOORS[door]
    assert [sign_in(door, "guess").status_code for _ in range(LIMIT - 1)] == [refused] * (LIMIT - 1)

    assert_locked_out(sign_in(door, "guess"), door)
    # Even the right password, from there, for that username.
    assert_locked_out(sign_in(door, "pw"), door)


@pytest.mark.parametrize("door", DOORS)
def test_before_the_limit_the_right_password_signs_in_and_forgets_the_failures(admin_user, door):
    _url, signed_in, _refused = DOORS[door]
    for _ in range(LIMIT - 1):
        sign_in(door, "guess")

    assert sign_in(door, "pw").status_code == signed_in
    assert not AccessAttempt.objects.exists()
    assert sign_in(door, "guess").status_code != 429


def test_failures_count_across_doors(admin_user):
    sign_in("page", "guess")
    sign_in("api", "guess")
    sign_in("admin", "guess")

    assert_locked_out(sign_in("page", "pw"), "page")


@pytest.mark.parametrize("door", DOORS)
def test_the_lock_holds_one_username_at_one_address(admin_user, editor, door):
    _url, signed_in, _refused = DOORS[door]
    for _ in range(LIMIT):
        sign_in(door, "guess")

    assert_locked_out(sign_in(door, "pw"), door)
    # The same user from elsewhere: an attacker cannot lock the admin out of the site.
    assert sign_in(door, "pw", address="198.51.100.1").status_code == signed_in
    # Another user from the attacker's address (an office behind one NAT).
    assert sign_in(door, "pw", username="editor").status_code == signed_in


@pytest.mark.parametrize("door", DOORS)
def test_rotating_x_forwarded_for_does_not_escape_the_lockout_without_a_trusted_proxy(admin_user, door):
    for n in range(LIMIT):
        sign_in(door, "guess", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")

    assert_locked_out(sign_in(door, "pw", HTTP_X_FORWARDED_FOR="192.0.2.99"), door)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}


@pytest.mark.parametrize("door", DOORS)
def test_behind_one_proxy_the_lockout_counts_the_address_the_proxy_saw(admin_user, settings, door):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    _url, signed_in, _refused = DOORS[door]
    proxy = "10.0.0.2"
    # The client writes what it likes left of the address the proxy appends.
    for n in range(LIMIT):
        sign_in(door, "guess", address=proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {ATTACKER}")

    assert_locked_out(sign_in(door, "pw", address=proxy, HTTP_X_FORWARDED_FOR=ATTACKER), door)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    # Another client through the same proxy is not the attacker.
    assert sign_in(door, "pw", address=proxy, HTTP_X_FORWARDED_FOR=f"{ATTACKER}, 198.51.100.1").status_code == signed_in


def test_the_lockout_holds_with_redis_down(admin_user, settings, free_tcp_port):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_tcp_port}/0",
        }
    }
    with pytest.raises(redis.ConnectionError):
        cache.get("anything")
    for _ in range(LIMIT):
        sign_in("page", "guess")

    assert_locked_out(sign_in("page", "pw"), "page")


def test_an_admin_unlocks_a_locked_out_user_in_the_admin(admin_user):
    for _ in range(LIMIT):
        sign_in("page", "guess")
    assert_locked_out(sign_in("page", "pw"), "page")
    attempt = AccessAttempt.objects.get()
    other_admin = Client()
    other_admin.force_login(type(admin_user).objects.create_superuser("root", password="pw"))

    listing = other_admin.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200
    assert ATTACKER in listing.content.decode()
    deleted = other_admin.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})

    assert deleted.status_code == 302
    assert sign_in("page", "pw").status_code == 302


def test_only_admins_see_the_lockouts(editor):
    client = Client()
    client.force_login(editor)

    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403


def test_each_failure_is_logged_with_the_username_and_address(admin_user, caplog):
    with caplog.at_level(logging.WARNING, logger="axes"):
        sign_in("page", "s3cret-guess")
        sign_in("api", "s3cret-guess")

    failures = [record.getMessage() for record in caplog.records if "login failure" in record.getMessage()]
    assert len(failures) == 2
    for message in failures:
        assert 'username: "admin"' in message
        assert f'ip_address: "{ATTACKER}"' in message
    assert "s3cret-guess" not in caplog.text


def test_a_username_longer_than_any_is_a_400_naming_it(db):
    error = error_of(APIClient().post(TOKEN_URL, {"username": "x" * 151, "password": "pw"}, format="json"), 400)

    assert list(error["fields"]) == ["username"]
    assert not AccessAttempt.objects.exists()
