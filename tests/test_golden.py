"""The demo data as every public surface renders it, compared byte for byte with the files in tests/golden/.

A refactoring must not change what the API, the exports and the pages answer: this test catches any change, even
one no other test asserts on. What legitimately varies between runs is replaced before comparing, each by one named
substitution below (SUBSTITUTIONS): timestamps of the run (when rows were created, changed or computed), the id of a
pghistory context (a random UUID) and CSRF tokens. Database ids do not vary: the sequences are set from the tables'
contents before the demo is loaded, so the demo's rows get the same ids whatever ran before in the session.

When an answer changes on purpose, rewrite the files and review their diff:

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_golden.py
"""

import datetime
import json
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.core.management.color import no_style
from django.db import connection
from django.test import Client
from django.utils import formats, timezone

from demo.actors import FAMA, WAGNER
from events.choices import IncidentStatus
from events.models import Incident

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
ROLES = ["anonymous", "editor"]
EXPORT_FORMATS = ["csv", "acled", "ucdp", "acled-hxl", "ucdp-hxl", "geojson"]
TALLY_QUERIES = {
    "wagner-quarters-killed": {"actor": WAGNER, "period": "quarter", "harm": "killed"},
    "wagner-lineage-years": {"actor": WAGNER, "include_related": "true", "period": "year"},
    "fama-and-wagner-once": {"actors": f"{FAMA},{WAGNER}", "period": "all"},
    "fama-victims-of-civilians": {"actor": FAMA, "measure": "perpetrated", "victim_status": "civilian"},
}
ISO_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?")


def run_timestamps(started: datetime.datetime):
    """Timestamps of the run become `<run-time>`: ISO ones at or after the module's start (created_at, updated_at,
    published_at, computed_at …), Unix ones since then (ACLED's `timestamp`) and the pages' dates with a time of day on
    the days of the run (revisions). The demo's own dates and times are years older and stay."""

    def replace(match: re.Match) -> str:
        text = match.group(0)
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T"))
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, datetime.UTC)
        return "<run-time>" if moment >= started else text

    run_days = {
        formats.date_format(timezone.localdate(started) + datetime.timedelta(days=n), "DATE_FORMAT")
        for n in range((timezone.localdate() - timezone.localdate(started)).days + 2)
    }

    def replace_on_page(match: re.Match) -> str:
        return "<run-time>" if match.group("date") in run_days else match.group(0)

    def replace_unix(match: re.Match) -> str:
        return "<run-time>" if int(match.group(0)) >= started.timestamp() else match.group(0)

    return lambda text: UNIX_TIMESTAMP.sub(
        replace_unix, PAGE_DATETIME.sub(replace_on_page, ISO_TIMESTAMP.sub(replace, text))
    )


# A date and time of day as the pages write them (DATETIME_FORMAT, "Dec. 7, 2026, 3:21 a.m."): only revisions have
# one; the demo's own dates have no time of day.
PAGE_DATETIME = re.compile(
    r"(?P<date>[A-Z][a-z]{2,4}\.? \d{1,2}, \d{4}), (?:\d{1,2}(?::\d\d)? [ap]\.m\.|noon|midnight)"
)
# Django masks the CSRF token afresh for each response: in forms and in the header htmx sends.
SUBSTITUTIONS = {
    "csrf token": (re.compile(r'((?:name="csrfmiddlewaretoken" value=|"X-CSRFToken": )")[^"]+'), r"\1<csrf>"),
}
# The ACLED exports' `timestamp` column: the incident's last change in Unix seconds, a 10-digit number at a row's end.
# A CSV cell of ten digits (ACLED's `timestamp`, before ACLED's ids); replaced only if at or after the run's start.
UNIX_TIMESTAMP = re.compile(r"(?<=,)\d{10}(?=,|\r?$)", re.MULTILINE)


@pytest.fixture(scope="module", autouse=True)
def stable_ids(django_db_setup, django_db_blocker):
    """Every sequence restarts after its table's highest id (autouse: before the demo loads), so the demo's rows get
    the same ids whether this module runs alone or after others whose rolled-back rows still advanced them."""
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), apps.get_models(include_auto_created=True)):
            cursor.execute(statement)


@pytest.fixture(scope="module", autouse=True)
def started(stable_ids):
    """When the module began, before the demo loaded; a minute earlier allows for the database's clock."""
    return timezone.now() - datetime.timedelta(minutes=1)


@pytest.fixture
def normalise(started):
    at_run_time = run_timestamps(started)

    def apply(text: str) -> str:
        text = at_run_time(text)
        for pattern, replacement in SUBSTITUTIONS.values():
            text = pattern.sub(replacement, text)
        return text

    return apply


@pytest.fixture
def check(normalise):
    """Compares (or with UPDATE_GOLDEN=1 writes) one golden file."""

    def compare(name: str, content: bytes | str) -> None:
        text = content.decode() if isinstance(content, bytes) else content
        text = normalise(text)
        path = GOLDEN / name
        if UPDATE:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode())
            return
        assert path.exists(), f"{path} is missing: run with UPDATE_GOLDEN=1 to write it"
        # Bytes, not text: reading text would turn the CSV exports' \r\n into \n and hide a change of line ending.
        expected = path.read_bytes().decode()
        assert text == expected, f"{name} differs from its golden file (UPDATE_GOLDEN=1 rewrites it)"

    return compare


def get(client: Client, url: str, params: dict | None = None):
    response = client.get(url, params or {})
    assert response.status_code == 200, (url, response.status_code)
    return b"".join(response.streaming_content) if response.streaming else response.content


def pretty(content: bytes) -> str:
    """JSON as it came, key order included, one value per line so that a difference is easy to read."""
    return json.dumps(json.loads(content), indent=1, ensure_ascii=False) + "\n"


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


@pytest.mark.parametrize("role", ROLES)
def test_the_incident_list_pages_and_details(demo, db, role, check, client_as):
    client = client_as(role, session=True)
    url, page, codes = "/api/v1/incidents/?page_size=3", 1, []
    while url:
        body = get(client, url)
        check(f"{role}/incidents/page-{page}.json", pretty(body))
        data = json.loads(body)
        codes += [row["code"] for row in data["results"]]
        url, page = data["next"] and path_of(data["next"]), page + 1
    assert page > 2, "the walk should cross several pages"
    check(f"{role}/incidents/default-page.json", pretty(get(client, "/api/v1/incidents/")))
    for code in codes:
        check(f"{role}/incidents/{code}.json", pretty(get(client, f"/api/v1/incidents/{code}/")))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("export_format", EXPORT_FORMATS)
def test_every_export(demo, db, role, export_format, check, client_as):
    extension = "geojson" if export_format == "geojson" else "csv"
    body = get(client_as(role, session=True), "/api/v1/incidents/", {"format": export_format})
    check(f"{role}/exports/incidents-{export_format}.{extension}", body)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("resource", ["actors", "claims", "sources", "documents"])
def test_the_other_lists_and_their_details(demo, db, role, resource, check, client_as):
    client = client_as(role, session=True)
    url, page, ids = f"/api/v1/{resource}/", 1, []
    while url:
        body = get(client, url)
        check(f"{role}/{resource}/page-{page}.json", pretty(body))
        data = json.loads(body)
        ids += [row["id"] for row in data["results"]]
        url, page = data["next"] and path_of(data["next"]), page + 1
    for pk in ids:
        check(f"{role}/{resource}/{pk}.json", pretty(get(client, f"/api/v1/{resource}/{pk}/")))


@pytest.mark.parametrize("role", ROLES)
def test_the_changes_feed(demo, db, role, check, client_as):
    client = client_as(role, session=True)
    url, page = "/api/v1/changes/?updated_since=2000-01-01T00:00:00Z", 1
    while url:
        body = get(client, url)
        check(f"{role}/changes/page-{page}.json", pretty(body))
        url, page = json.loads(body)["next"], page + 1
        url = url and path_of(url)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", TALLY_QUERIES)
def test_tallies(demo, db, role, name, check, client_as):
    body = get(client_as(role, session=True), "/api/v1/tallies/", TALLY_QUERIES[name])
    check(f"{role}/tallies/{name}.json", pretty(body))


@pytest.mark.parametrize("role", ROLES)
def test_the_pages(demo, db, role, check, client_as):
    client = client_as(role, session=True)
    published = Incident.objects.filter(status=IncidentStatus.PUBLISHED).order_by("code")
    first, last = published.first(), published.last()
    wagner = apps.get_model("actors", "Actor").objects.get(name=WAGNER)
    pages = {
        "home.html": "/",
        "incident-list.html": "/incidents/",
        f"incident-{first.code}.html": f"/incidents/{first.code}/",
        f"incident-{last.code}.html": f"/incidents/{last.code}/",
        "actor-wagner.html": f"/actors/{wagner.pk}/",
    }
    for name, url in pages.items():
        check(f"{role}/pages/{name}", get(client, url))
