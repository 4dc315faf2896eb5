"""Browser tests: Playwright drives Debian's chromium (never a downloaded browser) against pytest-django's
`live_server`, on the real PostgreSQL.

    pytestmark = pytest.mark.browser

    def test_an_editor_sees_the_revisions(live_demo, page_as, screenshot):
        page = page_as("editor")
        page.goto("/incidents/MLI-2024-0001/")
        expect(page.get_by_role("heading", name="Revisions")).to_be_visible()
        screenshot(page, "incident-detail-editor")

Fixtures (each documented below): `browser` (one per run), `page` (anonymous, fresh context), `page_as(role)`
(a fresh context signed in as analyst, editor, researcher or admin), `live_demo` (the Mali demo data, committed),
`page_errors` (console and page errors: any of them fails the test unless allowed), `screenshot(page, name)`.

Every test here commits (the live server reads the database from its own thread), so each starts from what the
migrations wrote (`serialized_rollback`: the role groups) and its tables are emptied when it ends. Tests that need
no chromium-only behaviour belong in the Django test client tests, which are much faster.

Without chromium at CHROMIUM_PATH (/usr/bin/chromium) the tests are skipped and the run's summary says so;
with BROWSER_TESTS_REQUIRED=1 (CI) a missing chromium fails them instead.
"""

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connections
from django.test import Client, override_settings
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from actors.models import Actor
from conflict_tracker.celery import app as celery_app
from events.models import Incident
from tests.helpers.browser import role_user
from tests.helpers.snapshot import Snapshot

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # The network here is closed: without these chromium keeps retrying refused connections and hangs.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MISSING_BROWSER = (
    f"browser tests did not run: chromium not found at {CHROMIUM_PATH}; install it with `apt-get install -y chromium`"
)
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
PASSWORD = "browser-test-password"
# Short enough that a missing element fails in seconds, long enough for a page of the demo on a busy 2-core machine.
TIMEOUT_MS = 10_000
VIEWPORT = {"width": 1280, "height": 900}

not_run = pytest.StashKey[int]()


def chromium_found() -> bool:
    return os.path.isfile(CHROMIUM_PATH) and os.access(CHROMIUM_PATH, os.X_OK)


def pytest_collection_modifyitems(config, items):
    """A test that uses the browser is a browser test, marked or not: `-m "not browser"` leaves them all out."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()) and not item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Skip (or, with BROWSER_TESTS_REQUIRED=1, fail) browser tests before their database is set up."""
    if item.get_closest_marker("browser") is None or chromium_found():
        return
    item.config.stash[not_run] = item.config.stash.get(not_run, 0) + 1
    if os.environ.get("BROWSER_TESTS_REQUIRED") == "1":
        pytest.fail(f"{MISSING_BROWSER} (BROWSER_TESTS_REQUIRED=1)", pytrace=False)
    pytest.skip(MISSING_BROWSER)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Outermost, so the line comes after the short test summary, right above the final counts."""
    result = yield
    count = config.stash.get(not_run, 0)
    if count:
        terminalreporter.write_sep("=", f"{count} {MISSING_BROWSER}", red=True, bold=True)
    return result


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Chromium, launched once for all the tests of this package and closed after the last of them.

    Playwright's sync API keeps an asyncio event loop running in the test thread for as long as it is started,
    and Django refuses ORM calls from a thread with a running loop (SynchronousOnlyOperation), as it would in
    async code. The ORM calls of these tests are plain synchronous ones in the test thread (the live server has
    threads of its own), so DJANGO_ALLOW_ASYNC_UNSAFE is set exactly while Playwright runs; package scope (not
    session) stops Playwright, and lifts the setting, before the tests of other packages run with the guard on.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        before = {alias: connections[alias] for alias in connections}
        with sync_playwright() as playwright:
            # With a loop running, Django looks its connections up in a context-local store instead of the
            # thread's, so the test thread would open a second connection, one without what pytest-django put on
            # the first (the serialized database a serialized_rollback test starts from): keep using the first.
            for alias, connection in before.items():
                connections[alias] = connection
            chromium = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS, headless=True)
            yield chromium
            chromium.close()


@pytest.fixture(autouse=True)
def eager_tasks() -> Iterator[None]:
    """Tasks run inline instead of going to the shared Redis: these tests commit, so what they enqueue on commit (an
    import's job) really runs, against the test database like everything else here."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


class PageErrors:
    """Console errors and uncaught exceptions of every page a test opens. Any of them fails the test at its end
    (a CSP violation, a 404 for a script or stylesheet, a JavaScript exception), unless a pattern allows it:

        page_errors.allow(r"status of 404")   # this test opens a page that is not found, on purpose
    """

    def __init__(self):
        self.errors: list[str] = []
        self.allowed: list[re.Pattern] = []
        self.pages: list[Page] = []

    def allow(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))

    def watch(self, page: Page) -> Page:
        self.pages.append(page)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught {error.name}: {error.message} ({page.url})"))
        return page

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console error: {message.text} ({message.location.get('url') or 'no url'})")

    def unexpected(self) -> list[str]:
        for page in self.pages:  # a round trip delivers the events chromium sent before it
            if not page.is_closed():
                with contextlib.suppress(PlaywrightError):  # a page mid-navigation or crashed: nothing to wait for
                    page.evaluate("0")
        return [error for error in self.errors if not any(pattern.search(error) for pattern in self.allowed)]


@pytest.fixture
def page_errors() -> PageErrors:
    """The collector of console and page errors; request it to `allow()` some or to assert on `.errors`."""
    return PageErrors()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After the test body, a console or page error makes the test fail (not just error at teardown)."""
    result = yield
    collector = getattr(item, "funcargs", {}).get("page_errors")
    if collector is not None and (unexpected := collector.unexpected()):
        pytest.fail("errors in the browser:\n" + "\n".join(unexpected), pytrace=False)
    return result


@pytest.fixture
def new_context(browser, live_server, django_db_serialized_rollback, page_errors) -> Iterator[Callable]:
    """new_context(locale="en-US", **options) -> BrowserContext: a fresh context (cookies, storage) pointed at the
    live server, so `page.goto("/incidents/")` works; `locale` also sets Accept-Language. Closed at the end."""
    contexts: list[BrowserContext] = []

    def make(locale: str = "en-US", **options) -> BrowserContext:
        context = browser.new_context(base_url=live_server.url, locale=locale, viewport=VIEWPORT, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context, page_errors) -> Page:
    """An anonymous visitor's page, English, in a fresh context; its console errors fail the test."""
    return page_errors.watch(new_context().new_page())


def sign_in(page: Page, username: str, password: str) -> None:
    """Sign in through /accounts/login/ as a person does (in any language), and wait for the page it leads to."""
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


@pytest.fixture
def page_as(new_context, page_errors, live_server) -> Callable[..., Page]:
    """page_as(role, *, locale="en-US", via_form=False) -> Page, in a fresh context of its own, so one test may
    hold an analyst's and an editor's page side by side. role: "analyst", "editor", "researcher", "admin", or
    None for an anonymous visitor. The user is the one named after the role (created with it unless the demo
    made it); by default the session cookie is set directly (fast); via_form=True gives the user PASSWORD and signs
    in through the form.
    The page starts blank: goto() where the test begins."""

    def make(role: str | None, *, locale: str = "en-US", via_form: bool = False) -> Page:
        context = new_context(locale=locale)
        page = page_errors.watch(context.new_page())
        if role is None:
            return page
        user = role_user(role)
        if via_form:
            user.set_password(PASSWORD)
            user.save(update_fields=["password"])
            sign_in(page, user.username, PASSWORD)
            return page
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
        return page

    return make


@pytest.fixture
def demo():
    """tests/conftest.py's `demo` loads the data in a transaction that is rolled back: the live server, with a
    connection of its own, would never see it."""
    pytest.fail("browser tests use `live_demo`, not `demo`: the live server cannot see uncommitted data")


@pytest.fixture(scope="package")
def demo_snapshot(django_db_setup, django_db_blocker) -> Iterator[Snapshot]:
    """The tables as the first test asking for `live_demo` had them right after loading the demo."""
    snapshot = Snapshot()
    yield snapshot
    if snapshot.taken:
        with django_db_blocker.unblock():
            snapshot.drop()


@pytest.fixture
def live_demo(transactional_db, django_db_serialized_rollback, demo_snapshot) -> None:
    """The Mali demo data and its users (analyst, editor, researcher, admin, password "demo"), committed so the
    live server sees it, and emptied at the end of the test with everything else. The first test loads it (several
    seconds) and keeps a copy of the tables; the next ones get the copy back in a fraction of that. Ask for it
    first, before fixtures that write: the copy is only taken of a database that held nothing else."""
    if demo_snapshot.taken and demo_snapshot.restore():
        return
    untouched = not (User.objects.exists() or Incident.objects.exists() or Actor.objects.exists())
    with override_settings(DEBUG=True):  # the demo creates its users only with DEBUG on
        call_command("load_demo", verbosity=0)
    if untouched and not demo_snapshot.taken:
        demo_snapshot.take()


@pytest.fixture
def screenshot() -> Callable[[Page, str], Path]:
    """screenshot(page, name) -> path: the whole page as var/screenshots/<name>.png (git-ignored), for a person
    to look at; a later run overwrites it."""

    def take(page: Page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
