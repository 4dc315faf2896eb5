"""manage.py load_demo: a second run writes nothing, a failure half way leaves nothing, and without DEBUG it creates
no user and writes only as an existing superuser. What it writes: test_demo_records.py."""

import io
import re

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from actors.models import Actor
from events.choices import IncidentStatus
from events.models import Incident
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def load_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def debug(settings):
    settings.DEBUG = True
    # The demo users' passwords are hashed on every load; the default hasher would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings


def test_a_second_run_changes_no_row_in_any_table(debug):
    def every_row():
        return {
            model._meta.label: list(model._default_manager.order_by("pk").values_list())
            for model in apps.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy
        }

    load_demo()
    before = every_row()
    output = load_demo()

    assert every_row() == before
    assert len(before["events.IncidentEvent"]) > 0 and len(before["pghistory.Context"]) > 0
    assert set(re.findall(r"(\d+) created", output)) == {"0"}


def test_without_debug_it_refuses_demo_users_and_writes_nothing(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--as-user"):
        load_demo()

    assert not User.objects.exists()
    assert not Actor.objects.exists()


def test_without_debug_it_loads_as_an_existing_superuser_and_creates_no_users(settings):
    settings.DEBUG = False
    owner = UserFactory(username="owner", is_superuser=True)

    load_demo("--as-user", "owner")

    assert list(User.objects.all()) == [owner]
    assert Incident.objects.filter(status=IncidentStatus.PUBLISHED, created_by=owner).exists()


@pytest.mark.parametrize("username", ["nobody", "plain"])
def test_it_refuses_an_author_who_is_not_an_existing_superuser(settings, username):
    settings.DEBUG = False
    UserFactory(username="plain", role="editor")

    with pytest.raises(CommandError, match=username):
        load_demo("--as-user", username)

    assert not Actor.objects.exists()


def test_a_failure_half_way_leaves_nothing_written(debug, monkeypatch):
    def fail(**kwargs):
        raise RuntimeError("publishing failed")

    monkeypatch.setattr("demo.loader.incident_publish", fail)

    with pytest.raises(RuntimeError):
        load_demo()

    assert not Incident.objects.exists()
    assert not Actor.objects.exists()
    assert not User.objects.exists()
