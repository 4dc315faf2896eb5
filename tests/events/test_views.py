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
    for label in ("Search", "From", "Until", "Country", "Actor (name, alias or acronym)"):
        assert f">{label}" in html


# -- the incident page ------------------------------------------------------------------------------------------------


@pytest.fixture
def logged(analyst, editor):
    """A published incident made through the services: two versions, a named victim, a reviewed claim."""
    from events.services import (
        CasualtyData,
        IncidentParts,
        ParticipantData,
        VictimData,
        claim_review,
        incident_create,
        incident_publish,
        incident_submit,
        incident_update,
    )
    from tests.factories import ActorFactory, ClaimFactory

    army = ActorFactory(name="Malian Armed Forces")
    incident = incident_create(
        by=analyst,
        fields={
            "title": "Killings at Moura",
            "start_date": datetime.date(2022, 3, 27),
            "end_date": datetime.date(2022, 3, 31),
            "country": "MLI",
            "admin1": "Mopti",
            "event_type": "Violence against civilians",
            "sub_event_type": "Attack",
        },
    )
    claim = ClaimFactory(incident=incident, quote="Soldiers executed about 300 men.")
    parts = IncidentParts(
        participants=[ParticipantData(actor=army, role="perpetrator", attribution="alleged")],
        casualty_records=[
            CasualtyData(
                harm="killed",
                victim_status="civilian",
                count_low=300,
                count_best=500,
                count_high=500,
                perpetrators=[army],
                claims=[claim],
                named_victims=[VictimData(name="Amadou Barry", age=40)],
            )
        ],
    )
    incident = incident_update(incident=incident, by=analyst, expected_version=1, parts=parts)
    incident = incident_submit(incident=incident, by=analyst)
    claim_review(claim=claim, by=editor, status="disputed", note="The army denies it; HRW confirms.")
    claim_review(claim=ClaimFactory(incident=incident, quote="HRW: at least 300 killed."), by=editor, status="accepted")
    return incident_publish(incident=incident, by=editor)


def detail(incident) -> str:
    return reverse("events:incident-detail", args=[incident.code])


@pytest.mark.parametrize("role", ["anonymous", "researcher"])
def test_the_public_sees_the_incident_without_identities_reviews_or_history(client, request, logged, role):
    user = request.getfixturevalue(role)
    if user.is_authenticated:
        client.force_login(user)

    html = page(client, detail(logged))

    assert "Killings at Moura" in html and "Soldiers executed about 300 men." in html
    assert "Malian Armed Forces" in html and ">500<" in html
    assert "Amadou Barry" not in html
    assert "The army denies it" not in html
    assert "Revisions" not in html


def test_staff_see_victims_review_notes_and_revisions(client, analyst, logged):
    client.force_login(analyst)

    html = page(client, detail(logged))

    assert "Amadou Barry" in html and "The army denies it" in html
    assert "incident.publish" in html and "Bring back" not in html  # analysts do not revert


def test_an_unpublished_incident_is_not_found_for_the_public(client, researcher, incidents):
    client.force_login(researcher)

    assert client.get(detail(incidents["draft"])).status_code == 404


def test_an_editor_brings_back_an_earlier_version(client, editor, logged):
    client.force_login(editor)

    response = client.post(detail(logged), {"to_version": 1, "version": logged.version}, follow=True)

    logged.refresh_from_db()
    assert logged.casualty_records.count() == 0  # version 1 had no parts
    assert "Version 1 was brought back" in response.content.decode()


def test_a_revert_from_a_stale_page_changes_nothing(client, editor, logged):
    client.force_login(editor)

    response = client.post(detail(logged), {"to_version": 1, "version": logged.version - 1}, follow=True)

    logged.refresh_from_db()
    assert logged.casualty_records.count() == 1
    assert "changed by someone else" in response.content.decode()


def test_analysts_may_not_revert(client, analyst, logged):
    client.force_login(analyst)

    assert client.post(detail(logged), {"to_version": 1, "version": logged.version}).status_code == 403


def test_the_incident_page_runs_a_fixed_number_of_queries(client, editor, logged, django_assert_max_num_queries):
    from tests.factories import ClaimFactory

    client.force_login(editor)
    for _ in range(2):
        with django_assert_max_num_queries(16):
            page(client, detail(logged))
        for _ in range(3):
            ClaimFactory(incident=logged)


# -- languages --------------------------------------------------------------------------------------------------------


def test_a_first_visit_follows_the_browsers_language(client):
    french = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9").content.decode()
    english = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-GB").content.decode()

    assert '<html lang="fr">' in french and "Se connecter" in french and "Incidents" in french
    assert '<html lang="en">' in english and "Sign in" in english


def test_the_language_switch_keeps_the_choice(client):
    response = client.post("/i18n/setlang/", {"language": "fr", "next": LIST}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 302 and response["Location"] == LIST
    html = client.get(LIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="fr">' in html
    assert "Filtrer" in html


def test_the_home_page_lists_no_publication_to_anonymous_visitors_when_public_reading_is_off(
    client, settings, incidents
):
    settings.API_ANONYMOUS_READ = False

    response = client.get(reverse("home"))

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert b"Published incident" not in response.content
