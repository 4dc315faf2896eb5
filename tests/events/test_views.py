"""The browser pages of incidents: the home page by role, the incident list, signing in."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from events.choices import IncidentStatus
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db
LIST = "/incidents/"


def published(**fields):
    return IncidentFactory(status=IncidentStatus.PUBLISHED, published_at=timezone.now(), **fields)


@pytest.fixture
def incidents(analyst):
    return {
        "draft": IncidentFactory(title="My draft incident", created_by=analyst),
        "returned": IncidentFactory(
            title="My returned incident",
            status=IncidentStatus.RETURNED,
            return_comment="Add the second source.",
            created_by=analyst,
        ),
        "submitted": IncidentFactory(
            title="Submitted incident", status=IncidentStatus.SUBMITTED, submitted_at=timezone.now()
        ),
        "published": published(title="Published incident"),
    }


def page(client, url: str, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_public_home_page_shows_publications_only(client, incidents):
    html = page(client, reverse("home"))

    assert "Published incident" in html
    assert "My draft incident" not in html and "Submitted incident" not in html


def test_an_analyst_sees_their_drafts_and_what_came_back(client, analyst, incidents):
    client.force_login(analyst)

    html = page(client, reverse("home"))

    assert "My draft incident" in html
    assert "My returned incident" in html and "Add the second source." in html
    assert "Waiting for your review" not in html


def test_an_editor_sees_the_review_queue(client, editor, incidents):
    client.force_login(editor)

    html = page(client, reverse("home"))

    assert "Waiting for your review" in html
    assert "Submitted incident" in html


@pytest.mark.parametrize("role", ["anonymous", "researcher"])
def test_the_public_list_holds_published_incidents_only(client, request, incidents, role):
    user = request.getfixturevalue(role)
    if user.is_authenticated:
        client.force_login(user)

    html = page(client, LIST)

    assert "Published incident" in html
    assert "My draft incident" not in html
    assert 'name="status"' not in html


@pytest.mark.parametrize("role", ["analyst", "editor", "admin_user"])
def test_staff_list_every_state_and_may_filter_by_it(client, request, incidents, role):
    client.force_login(request.getfixturevalue(role))

    assert "Submitted incident" in page(client, LIST)
    html = page(client, LIST, status="draft")
    assert "My draft incident" in html and "Published incident" not in html


def test_the_filters_narrow_the_list_and_the_exports_carry_them(client, incidents):
    published(title="Ambush near Ansongo", admin1="Gao", start_date=datetime.date(2024, 3, 1))
    published(title="Clash at Bankass", admin1="Mopti", start_date=datetime.date(2024, 3, 1))

    html = page(client, LIST, admin1="Gao", date_after="2024-01-01", date_before="2024-12-31")

    assert "Ambush near Ansongo" in html and "Clash at Bankass" not in html
    assert "/api/v1/incidents/?admin1=Gao&amp;date_after=2024-01-01&amp;date_before=2024-12-31&amp;format=acled" in html


def test_a_bad_filter_is_shown_next_to_its_field(client, incidents):
    html = page(client, LIST, date_after="2024-13-01")

    assert "Enter a valid date." in html
    assert "Published incident" not in html


def test_pages_follow_the_cursor(client):
    for day in range(1, 56):
        published(title=f"Incident of day {day}", start_date=datetime.date(2024, 1, 1) + datetime.timedelta(days=day))

    first = client.get(LIST)
    next_url = first.context["next_url"]
    second = page(client, next_url)

    assert "Incident of day 55" in first.content.decode()
    assert "Incident of day 5<" in second and "Incident of day 55" not in second


def test_the_list_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    for count in (3, 30):
        for _ in range(count):
            published()
        with django_assert_max_num_queries(3):
            page(client, LIST)


def test_the_home_page_runs_a_fixed_number_of_queries(client, editor, django_assert_max_num_queries):
    client.force_login(editor)
    for count in (3, 12):
        for _ in range(count):
            published()
            IncidentFactory(status=IncidentStatus.SUBMITTED, submitted_at=timezone.now())
        with django_assert_max_num_queries(12):
            page(client, reverse("home"))


def test_signing_in_leads_home_with_the_role_named(client, analyst):
    assert client.get(reverse("login")).status_code == 200

    response = client.post(reverse("login"), {"username": "analyst", "password": "pw"}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("home")
    assert "analyst · Analyst" in response.content.decode()


def test_a_wrong_password_is_refused_with_a_message(client, analyst):
    response = client.post(reverse("login"), {"username": "analyst", "password": "nope"})

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_every_filter_on_the_form_has_a_label(client):
    html = page(client, LIST)

    assert "[invalid name]" not in html
    for label in ("Search", "From", "Until", "Country", "Actor (name or alias)"):
        assert f">{label}" in html
