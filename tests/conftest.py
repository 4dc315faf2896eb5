"""The fixed cast of users every test may draw on: one per role, and anonymous; `client_as` signs a client in as
one of them. Helpers shared by several modules live in tests/helpers/, never in a test module."""

import uuid

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.utils import translation
from rest_framework.test import APIClient

from tests.factories import UserFactory

# The real Celery worker and its broker, and the test database as another process reaches it.
pytest_plugins = ["tests.helpers.worker"]


def pytest_collection_modifyitems(items):
    """Refuse a transactional test (a `transaction=True` mark, `transactional_db`, `live_server`) that does not restore
    the migrated rows: its flush lets post_migrate recreate content types, and the next serialized_rollback test then
    fails to restore its own copy of them (a duplicate key)."""
    unserialized = []
    for item in items:
        marker = item.get_closest_marker("django_db")
        transactional = bool({"transactional_db", "live_server"} & set(item.fixturenames)) or bool(
            marker and marker.kwargs.get("transaction")
        )
        serialized = "django_db_serialized_rollback" in item.fixturenames or bool(
            marker and marker.kwargs.get("serialized_rollback")
        )
        if transactional and not serialized:
            unserialized.append(item.nodeid)
    if unserialized:
        raise pytest.UsageError(
            "Mark these transactional tests with serialized_rollback=True (or request django_db_serialized_rollback): "
            + ", ".join(unserialized)
        )


@pytest.fixture
def analyst(db):
    return UserFactory(username="analyst", role="analyst")


@pytest.fixture
def editor(db):
    return UserFactory(username="editor", role="editor")


@pytest.fixture
def researcher(db):
    return UserFactory(username="researcher", role="researcher", is_staff=False)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", is_superuser=True)


@pytest.fixture
def anonymous():
    return AnonymousUser()


@pytest.fixture
def client_as(request):
    """client_as(who, *, session=False): a new client signed in as `who`, one of the cast named by its fixture
    ("analyst", "editor", "researcher", "admin_user"; "anonymous" for nobody) or a given user. By default DRF's
    APIClient, authenticated directly, for the API; with session=True Django's test client holding a login
    session, as a browser does, for the pages. The cast's users are got or created by username, so where the demo
    is loaded they are the demo's own (the demo's "admin" is `admin_user`)."""

    def sign_in(who: str | User, *, session: bool = False) -> Client:
        user = request.getfixturevalue(who) if isinstance(who, str) else who
        if session:
            client = Client()
            if user.is_authenticated:
                client.force_login(user)
            return client
        client = APIClient()
        if user.is_authenticated:
            client.force_authenticate(user)
        return client

    return sign_in


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hashing passwords properly takes ~0.5 s per user; tests need users, not strong hashes."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def private_cache(settings):
    """Each test gets its own key prefix in the real Redis cache, so throttle counters never leak between tests."""
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"},
    }


@pytest.fixture(autouse=True)
def private_media_root(settings, tmp_path_factory):
    """Uploads (import files, document snapshots) land in the run's temporary directory, never in var/media."""
    settings.MEDIA_ROOT = tmp_path_factory.getbasetemp() / "media"


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the default language: LocaleMiddleware activates a request's language in the thread and
    leaves it there, so a French page requested by one test would otherwise make the next test's output French."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The Mali demo data (with its users, created only with DEBUG on, and its tallies), loaded once for the
    module and rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(DEBUG=True, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            call_command("load_demo", verbosity=0)
        yield
        transaction.set_rollback(True)
