"""The API throttle (conflict_tracker/throttling.py): DRF's sliding window, decided by Redis in one round trip."""

import json
import pickle
import random
import threading
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import RequestFactory
from rest_framework.request import Request
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from conflict_tracker.throttling import RoleRateThrottle
from tests.helpers.api import error_of

RATES = {"anon": "3/minute", "user": "5/minute"}


class Clock:
    def __init__(self, now: float = 1_700_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


class DRFThrottle(SimpleRateThrottle):
    """DRF's own throttle on a local-memory cache: the behaviour to match."""

    scope = "anon"

    def __init__(self, backend):
        super().__init__()
        self.cache = backend

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def anonymous_request(address: str = "10.1.2.3") -> Request:
    request = Request(RequestFactory().get("/api/v1/actors/", REMOTE_ADDR=address))
    request.user = None
    return request


@pytest.fixture
def rates(monkeypatch):
    # DRF reads the rates once into a class attribute, so overriding the setting would not reach the throttles.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", RATES)


def test_the_window_slides_as_drfs_does(rates, monkeypatch):
    """The same requests at the same times, through this throttle on Redis and DRF's on a local cache: the same
    answers and the same Retry-After, request for request."""
    from django.core.cache.backends.locmem import LocMemCache

    clock = Clock()
    monkeypatch.setattr(RoleRateThrottle, "timer", clock)
    monkeypatch.setattr(DRFThrottle, "timer", clock)
    local = LocMemCache("drf-throttle", {})
    steps = random.Random(3)
    ours, theirs = [], []
    for _ in range(60):
        clock.now += steps.choice([0.5, 3, 7, 15, 25, 61])
        for log, throttle in ((ours, RoleRateThrottle()), (theirs, DRFThrottle(local))):
            allowed = throttle.allow_request(anonymous_request(), None)
            log.append((allowed, None if allowed else round(throttle.wait(), 6)))

    assert ours == theirs
    assert {allowed for allowed, _wait in ours} == {True, False}


def test_one_check_is_one_round_trip_to_redis(rates, monkeypatch):
    RoleRateThrottle().allow_request(anonymous_request(), None)  # the script, loaded once per server
    commands = []
    send = redis.Redis.execute_command
    monkeypatch.setattr(
        redis.Redis,
        "execute_command",
        lambda self, *args, **options: commands.append(args[0]) or send(self, *args, **options),
    )

    RoleRateThrottle().allow_request(anonymous_request(), None)

    assert commands == ["EVALSHA"]


def test_drfs_own_throttle_keeps_working_beside_it(db, rates):
    """During a deploy, servers still on DRF's throttle share the cache: neither reads the other's keys."""
    drf_key = cache.make_and_validate_key("throttle_anon_127.0.0.1")
    server = cache._cache.get_client(drf_key, write=True)
    cache.set("throttle_anon_127.0.0.1", [1.0, 2.0])
    client = APIClient()

    assert [client.get("/api/v1/actors/").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert cache.get("throttle_anon_127.0.0.1") == [1.0, 2.0]
    window = cache.make_and_validate_key("throttle_window_anon_127.0.0.1")
    assert server.type(window) == b"zset" and server.zcard(window) == 3


def test_a_key_of_another_type_is_replaced(db, rates):
    key = cache.make_and_validate_key("throttle_window_anon_127.0.0.1")
    cache._cache.get_client(key, write=True).set(key, pickle.dumps([1.0, 2.0]))
    client = APIClient()

    assert [client.get("/api/v1/actors/").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_with_another_cache_it_throttles_as_drf_does(db, rates, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    client = APIClient()

    statuses = [client.get("/api/v1/actors/").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]


def test_a_throttled_caller_is_told_when_to_come_back(db, rates, monkeypatch):
    clock = Clock()
    monkeypatch.setattr(RoleRateThrottle, "timer", clock)
    client = APIClient()
    for _ in range(3):
        client.get("/api/v1/actors/")
        clock.now += 10

    response = client.get("/api/v1/actors/")

    assert error_of(response, 429)["code"] == "throttled"
    # The first of the three leaves the one-minute window 30 s from now.
    assert response["Retry-After"] == "30"
    clock.now += 30
    assert client.get("/api/v1/actors/").status_code == 200


def test_rotating_x_forwarded_for_does_not_escape_the_throttle(db, rates):
    client = APIClient()

    statuses = [client.get("/api/v1/actors/", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code for n in range(4)]

    assert statuses == [200, 200, 200, 429]


def test_behind_one_proxy_the_throttle_counts_the_address_the_proxy_saw(db, rates, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    client = APIClient(REMOTE_ADDR="10.0.0.2")

    def get(forwarded_for):
        return client.get("/api/v1/actors/", HTTP_X_FORWARDED_FOR=forwarded_for).status_code

    assert [get(f"192.0.2.{n}, 203.0.113.7") for n in range(4)] == [200, 200, 200, 429]
    assert get("203.0.113.7, 198.51.100.1") == 200


def test_parallel_sign_ins_cannot_pass_the_auth_rate_together(live_server, django_db_serialized_rollback, monkeypatch):
    """Fifty password guesses sent at once: the throttle decides and counts each in one step, so no more than the
    rate get to the password check, however they interleave."""
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"auth": "10/hour", "anon": None, "user": None})
    start = threading.Barrier(50)

    def guess(n: int) -> str:
        # A username each: the login lockout, which counts per username, stays out of the way of the throttle.
        body = json.dumps({"username": f"nobody{n}", "password": "guess"}).encode()
        request = urllib.request.Request(
            f"{live_server.url}/api/v1/auth/token/", body, {"Content-Type": "application/json"}
        )
        start.wait()
        while True:
            try:
                urllib.request.urlopen(request, timeout=60)
            except urllib.error.HTTPError as error:
                return json.load(error)["error"]["code"]
            except ConnectionResetError:
                # The test server queues 10 connections and resets the others, before any reaches the app.
                continue
            return "signed in"

    with ThreadPoolExecutor(max_workers=50) as pool:
        codes = Counter(pool.map(guess, range(50)))

    assert codes == {"invalid": 10, "throttled": 40}
    # Each guess that reached the password check is a failure on record.
    assert AccessAttempt.objects.count() == 10
