"""The changes feed: what each role learns about incidents changed since a timestamp."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from events.models import Incident
from events.services import (
    claim_review,
    incident_create,
    incident_publish,
    incident_retract,
    incident_submit,
    incident_update,
)
from tests.factories import ClaimFactory, IncidentFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "researcher", "analyst", "editor", "admin_user"]
PUBLIC = ["anonymous", "researcher"]
STAFF = ["analyst", "editor", "admin_user"]
# Read-only endpoint: the public may not write (401 without credentials, 403 with), staff find no such method.
WRITE_STATUS = {"anonymous": 401, "researcher": 403, "analyst": 405, "editor": 405, "admin_user": 405}
URL = "/api/v1/changes/"
REASON = "Duplicate of another incident"

FIELDS = {
    "start_date": datetime.date(2025, 2, 7),
    "end_date": datetime.date(2025, 2, 7),
    "country": "MLI",
    "admin1": "Gao",
    "event_type": "Violence against civilians",
    "sub_event_type": "Attack",
}


def create(analyst, title):
    return incident_create(by=analyst, fields={**FIELDS, "title": title})


def submit(incident, analyst):
    ClaimFactory(incident=incident)
    return incident_submit(incident=incident, by=analyst)


def publish(incident, analyst, editor):
    incident = submit(incident, analyst)
    claim_review(claim=incident.claims.get(), by=editor, status="accepted")
    return incident_publish(incident=incident, by=editor)


def feed(client, since, **params):
    response = client.get(URL, {"updated_since": since.isoformat(), **params})
    assert response.status_code == 200, response.content
    return response


def entries(client, since, **params) -> dict[str, dict]:
    return {entry["code"]: entry for entry in feed(client, since, **params).json()["results"]}


@pytest.fixture
def history(analyst, editor):
    """Incidents with a past before `since` and changes after it, all made through the services."""
    old_published = publish(create(analyst, "Published before, edited after"), analyst, editor)
    old_retracted = publish(create(analyst, "Published before, edited then retracted after"), analyst, editor)
    untouched = publish(create(analyst, "Published before, untouched"), analyst, editor)
    old_draft = create(analyst, "Draft before, edited after")
    since = timezone.now()

    edited = incident_update(
        incident=old_published, by=editor, expected_version=old_published.version, fields={"notes": "New source"}
    )
    old_retracted = incident_update(
        incident=old_retracted, by=editor, expected_version=old_retracted.version, fields={"notes": "Doubtful"}
    )
    retracted = incident_retract(incident=old_retracted, by=editor, reason=REASON)
    draft_edited = incident_update(
        incident=old_draft, by=analyst, expected_version=old_draft.version, fields={"notes": "Secret draft note"}
    )
    new_published = publish(create(analyst, "Created and published after"), analyst, editor)
    new_submitted = submit(create(analyst, "Created and submitted after"), analyst)
    new_draft = create(analyst, "Created after, still a draft")
    return {
        "since": since,
        "edited": edited,
        "retracted": retracted,
        "untouched": untouched,
        "draft_edited": draft_edited,
        "new_published": new_published,
        "new_submitted": new_submitted,
        "new_draft": new_draft,
    }


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_and_nobody_writes(client_as, history, role):
    client = client_as(role)

    assert feed(client, history["since"]).status_code == 200
    assert client.post(URL, {}, format="json").status_code == WRITE_STATUS[role]
    assert client.put(URL, {}, format="json").status_code == WRITE_STATUS[role]
    assert client.patch(URL, {}, format="json").status_code == WRITE_STATUS[role]
    assert client.delete(URL).status_code == WRITE_STATUS[role]


@pytest.mark.parametrize("role", PUBLIC)
def test_the_public_sees_only_publication_history(client_as, history, role):
    client = client_as(role)
    response = feed(client, history["since"])
    listed = entries(client, history["since"])

    assert set(listed) == {history[name].code for name in ("edited", "retracted", "new_published")}
    for name in ("draft_edited", "new_submitted", "new_draft"):
        assert history[name].code not in response.content.decode()
    assert "Secret draft note" not in response.content.decode()
    assert history["untouched"].code not in listed


@pytest.mark.parametrize("role", PUBLIC)
def test_the_public_sees_edits_and_publications_with_a_link(client_as, history, role):
    listed = entries(client_as(role), history["since"])

    for name, change in (("edited", "updated"), ("new_published", "published")):
        incident = history[name]
        entry = listed[incident.code]
        assert entry["change"] == change
        assert entry["version"] == incident.version
        assert entry["url"].endswith(f"/api/v1/incidents/{incident.code}/")
        assert entry["changed_at"] == incident.updated_at.isoformat().replace("+00:00", "Z")
        assert set(entry) == {"code", "change", "changed_at", "version", "url"}


@pytest.mark.parametrize("role", PUBLIC)
def test_a_published_incident_edited_then_retracted_is_retracted_with_its_reason_only(client_as, history, role):
    incident = history["retracted"]
    entry = entries(client_as(role), history["since"])[incident.code]

    assert entry["change"] == "retracted"
    assert entry["retraction_reason"] == REASON
    assert entry["retracted_at"] == incident.retracted_at.isoformat().replace("+00:00", "Z")
    assert set(entry) == {"code", "change", "changed_at", "version", "retracted_at", "retraction_reason"}


@pytest.mark.parametrize("role", STAFF)
def test_staff_see_every_change(client_as, history, role):
    listed = entries(client_as(role), history["since"])

    assert {code: entry["change"] for code, entry in listed.items()} == {
        history["edited"].code: "updated",
        history["retracted"].code: "retracted",
        history["draft_edited"].code: "updated",
        history["new_published"].code: "created",
        history["new_submitted"].code: "created",
        history["new_draft"].code: "created",
    }
    draft = listed[history["new_draft"].code]
    assert draft["status"] == "draft"
    assert draft["url"].endswith(f"/api/v1/incidents/{history['new_draft'].code}/")
    assert listed[history["retracted"].code]["retraction_reason"] == REASON


@pytest.mark.parametrize("role", STAFF)
def test_staff_see_transitions_of_incidents_created_earlier(client_as, analyst, editor, role):
    submitted = create(analyst, "Submitted after")
    published = submit(create(analyst, "Published after"), analyst)
    since = timezone.now()
    submitted = submit(submitted, analyst)
    claim_review(claim=published.claims.get(), by=editor, status="accepted")
    published = incident_publish(incident=published, by=editor)

    listed = entries(client_as(role), since)

    assert listed[submitted.code]["change"] == "submitted"
    assert listed[published.code]["change"] == "published"


def test_entries_come_in_change_order_across_cursor_pages(client_as, history):
    client = client_as("analyst")
    codes, url = [], None
    response = feed(client, history["since"], page_size=2)
    while True:
        body = response.json()
        codes += [entry["code"] for entry in body["results"]]
        url = body["next"]
        if not url:
            break
        response = client.get(url)
        assert response.status_code == 200

    expected = sorted(
        (history[name] for name in history if name not in ("since", "untouched")),
        key=lambda incident: (incident.updated_at, incident.code),
    )
    assert codes == [incident.code for incident in expected]


def test_a_later_timestamp_narrows_the_feed(analyst, editor):
    first = publish(create(analyst, "First"), analyst, editor)
    middle = timezone.now()
    second = publish(create(analyst, "Second"), analyst, editor)

    assert set(entries(APIClient(), middle)) == {second.code}
    assert set(entries(APIClient(), middle - datetime.timedelta(days=1))) == {first.code, second.code}
    assert entries(APIClient(), timezone.now()) == {}


@pytest.mark.parametrize(
    "value", ["2025-01-01", "2025-01-01T00:00:00", "2025-01-01T00:00:00Z", "2025-01-01T01:00:00 01:00"]
)
def test_it_accepts_iso_timestamps_and_dates(db, value):
    response = APIClient().get(URL, {"updated_since": value})

    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"updated_since": ""},
        {"updated_since": "yesterday"},
        {"updated_since": "2024-13-01"},
        {"updated_since": "9999-12-31T23:59:59-23:59"},
        {"updated_since": "0001-01-01T00:00:00+23:00"},
    ],
)
def test_a_missing_or_bad_timestamp_is_a_400_naming_it(db, params):
    response = APIClient().get(URL, params)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == ["updated_since"]
    assert error["message"].startswith("updated_since: ")


@pytest.mark.parametrize("role", ["anonymous", "analyst"])
def test_the_query_count_does_not_grow_with_the_page(client_as, analyst, editor, role):
    since = timezone.now()

    def count(incidents: int) -> int:
        while len(entries(client_as("analyst"), since)) < incidents:
            publish(create(analyst, "Another"), analyst, editor)
        client = client_as(role)
        with CaptureQueriesContext(connection) as queries:
            assert len(feed(client, since, page_size=incidents).json()["results"]) == incidents
        return len(queries)

    assert count(2) == count(12)


def test_a_mangled_cursor_is_a_bad_parameter(db):
    response = APIClient().get("/api/v1/changes/", {"updated_since": "2025-01-01T00:00:00Z", "cursor": "x"})

    assert response.status_code == 400
    assert "cursor" in response.json()["error"]["fields"]


TIED = datetime.datetime(2025, 3, 1, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def tied(db):
    """23 incidents changed at the very same instant (as an import's are), and one changed just after."""
    incidents = IncidentFactory.create_batch(23)
    Incident.objects.update(updated_at=TIED)
    later = IncidentFactory()
    Incident.objects.filter(pk=later.pk).update(updated_at=TIED + datetime.timedelta(microseconds=1))
    return [incident.code for incident in sorted(incidents, key=lambda incident: incident.code)] + [later.code]


def walk(client, params: dict, *, on_page=None) -> list[str]:
    """The codes of every page from the first, following `next` to the end; `on_page(n)` runs after page n."""
    codes, pages = [], 0
    response = client.get(URL, params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        codes += [entry["code"] for entry in body["results"]]
        pages += 1
        if on_page:
            on_page(pages)
        if not body["next"]:
            return codes
        response = client.get(body["next"])


def test_rows_sharing_a_timestamp_are_walked_page_by_page_without_repeats_or_gaps(client_as, tied):
    client = client_as("analyst")
    params = {"updated_since": TIED.isoformat(), "page_size": 5}

    forward = walk(client, params)

    assert forward == tied  # in order: changed_at, then code
    last_page = client.get(URL, params).json()
    while last_page["next"]:
        last_page = client.get(last_page["next"]).json()
    # And back from the last page, following `previous`.
    link, pages = last_page["previous"], [[entry["code"] for entry in last_page["results"]]]
    while link:
        body = client.get(link).json()
        pages.insert(0, [entry["code"] for entry in body["results"]])
        link = body["previous"]
    backward = [code for page in pages for code in page]

    assert backward == tied


def test_a_row_changed_at_the_same_instant_during_the_walk_shifts_no_other(client_as, tied):
    client = client_as("analyst")

    def meanwhile(pages: int):
        if pages == 1:  # an incident whose code sorts before the first page's, changed at the same instant
            early = IncidentFactory(code="MLI-2024-0001")
            Incident.objects.filter(pk=early.pk).update(updated_at=TIED)

    codes = walk(client, {"updated_since": TIED.isoformat(), "page_size": 5}, on_page=meanwhile)

    assert codes == tied  # behind the cursor: not seen, and nothing seen twice


def test_the_feed_pages_keep_their_shape(client_as, tied):
    body = client_as("analyst").get(URL, {"updated_since": TIED.isoformat(), "page_size": 5}).json()

    assert list(body) == ["next", "previous", "results"]
    assert body["previous"] is None and body["next"].startswith("http://testserver/api/v1/changes/?")
    assert "updated_since=" in body["next"] and "page_size=5" in body["next"]


@pytest.mark.parametrize("size", ["0", "many"])
def test_a_bad_page_size_is_a_400_naming_it(db, size):
    response = APIClient().get(URL, {"updated_since": "2025-01-01T00:00:00Z", "page_size": size})

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["page_size"]
