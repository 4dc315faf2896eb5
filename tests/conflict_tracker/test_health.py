"""/health/ and /health/ready/ (conflict_tracker/health.py), and the compose health check that asks them."""

import shlex
import subprocess
import sys
import threading
import time

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from conflict_tracker.tasks import HEARTBEAT_KEY, worker_heartbeat
from tests.helpers.deploy import REPO_DIR, compose_services

LIVE, READY = "/health/", "/health/ready/"
CHECKS = {"database", "redis", "worker"}


def checks_of(response) -> dict[str, dict]:
    return response.json()["checks"]


def test_live_answers_without_the_database_or_a_session(client):
    # No database marker: a query would fail the test.
    response = client.get(LIVE)

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]
    assert not response.cookies


@pytest.mark.django_db
def test_ready_is_200_when_every_check_passes(client):
    worker_heartbeat()

    response = client.get(READY)

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "ok"
    assert set(checks_of(response)) == CHECKS
    assert {result["status"] for result in checks_of(response).values()} == {"ok"}


@pytest.mark.django_db
def test_ready_is_503_without_a_worker_heartbeat(client):
    response = client.get(READY)

    assert response.status_code == 503
    assert response.json()["status"] == "failed"
    assert checks_of(response)["worker"] == {"status": "failed", "reason": "no heartbeat from a worker yet"}
    assert checks_of(response)["database"] == {"status": "ok"}


@pytest.mark.django_db
def test_ready_is_503_when_the_heartbeat_is_stale(client):
    cache.set(HEARTBEAT_KEY, time.time() - settings.HEALTH_HEARTBEAT_MAX_AGE - 30, timeout=None)

    response = client.get(READY)

    assert response.status_code == 503
    worker = checks_of(response)["worker"]
    assert worker["status"] == "failed"
    assert "old (more than" in worker["reason"]


@pytest.mark.django_db
def test_with_redis_stopped_ready_is_503_naming_it_without_secrets_and_live_is_200(client, private_redis):
    worker_heartbeat()
    assert client.get(READY).status_code == 200
    private_redis.stop()

    ready = client.get(READY)
    live = client.get(LIVE)

    assert (ready.status_code, live.status_code) == (503, 200)
    checks = checks_of(ready)
    assert checks["database"] == {"status": "ok"}
    assert checks["redis"] == {"status": "failed", "reason": "unavailable (ConnectionError)"}
    assert checks["worker"]["status"] == "failed"
    body = ready.content.decode()
    database = connection.settings_dict
    for secret in (private_redis.password, str(private_redis.port), "redis://", database["NAME"], database["HOST"]):
        assert secret not in body


def test_the_health_endpoints_answer_plain_http_for_any_caller_in_production(client, settings):
    settings.DEBUG = False
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["conflicts.example.org"]

    health = client.get(LIVE, HTTP_HOST="conflicts.example.org")
    page = client.get("/", HTTP_HOST="conflicts.example.org")

    assert health.status_code == 200
    assert page.status_code == 301 and page["Location"].startswith("https://")


@pytest.mark.django_db
def test_the_heartbeat_run_twice_and_side_by_side_leaves_a_fresh_one(client):
    first = worker_heartbeat()
    assert worker_heartbeat() >= first
    threads = [threading.Thread(target=worker_heartbeat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert cache.get(HEARTBEAT_KEY) >= first
    assert checks_of(client.get(READY))["worker"]["status"] == "ok"


def test_every_scheduled_task_exists():
    from conflict_tracker.celery import app

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert scheduled <= set(app.tasks)
    assert {"tallies.tasks.verify_tallies", "conflict_tracker.tasks.worker_heartbeat"} <= scheduled


def compose_health_check(service: str, port: int) -> list[str]:
    """The command compose runs in the service's container, pointed at `port` instead of the container's 8000."""
    kind, program, *arguments = compose_services()[service]["healthcheck"]["test"]
    assert (kind, program) == ("CMD", "python")
    return [sys.executable, *(part.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for part in arguments)]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_compose_health_check_of_web_passes_against_production_settings(app_server, test_database):
    server = app_server(DATABASE_URL=test_database.url, REDIS_URL=settings.REDIS_URL)
    command = compose_health_check("web", server.port)
    env = {"ALLOWED_HOSTS": f"{server.host},other.example.org", "PATH": "/usr/bin:/bin"}

    passed = subprocess.run(command, cwd=REPO_DIR, env=env, capture_output=True, text=True, timeout=60)
    server.process.terminate()
    server.process.wait(timeout=30)
    failed = subprocess.run(command, cwd=REPO_DIR, env=env, capture_output=True, text=True, timeout=60)

    assert passed.returncode == 0, f"{shlex.join(command)}\n{passed.stderr}\n{server.log()}"
    assert failed.returncode != 0


def test_compose_checks_that_the_worker_answers():
    command = " ".join(compose_services()["worker"]["healthcheck"]["test"])

    assert "inspect ping" in command
