"""The incident map: its page (filters, counts, legend, tile settings) and its points, by role."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from events.choices import EventType, IncidentStatus, SubEventType
from events.views import map as map_views
from tests.factories import IncidentFactory, ParticipantFactory

pytestmark = pytest.mark.django_db
MAP = "/incidents/map/"
POINTS = "/incidents/map/points/"
ROLES = ["anonymous", "researcher", "analyst", "editor", "admin_user"]
STAFF = {"analyst", "editor", "admin_user"}
GAO = {"latitude": Decimal("16.2717"), "longitude": Decimal("-0.0447")}
KIDAL = {"latitude": Decimal("18.4411"), "longitude": Decimal("1.4078")}


def published(**fields):
    return IncidentFactory(status=IncidentStatus.PUBLISHED, published_at=timezone.now(), **fields)


@pytest.fixture
def incidents():
    return {
        "battle": published(
            title="Battle at Kidal",
            event_type=EventType.BATTLES,
            sub_event_type=SubEventType.ARMED_CLASH,
            start_date=datetime.date(2024, 5, 1),
            **KIDAL,
        ),
        "attack": published(title="Attack near Gao", start_date=datetime.date(2025, 1, 5), **GAO),
        "unlocated": published(title="Somewhere in Mali"),
        "draft": IncidentFactory(title="Draft near Gao", **GAO),
        "submitted": IncidentFactory(title="Submitted near Gao", status=IncidentStatus.SUBMITTED, **GAO),
    }


def points(client, **params) -> dict:
    response = client.get(POINTS, params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def codes(collection: dict) -> set[str]:
    return {feature["properties"]["code"] for feature in collection["features"]}


def page(client, **params) -> str:
    response = client.get(MAP, params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_points_it_may_see(client_as, incidents, role):
    client = client_as(role, session=True)

    found = codes(points(client))

    expected = {"battle", "attack"} | ({"draft", "submitted"} if role in STAFF else set())
    assert found == {incidents[name].code for name in expected}


@pytest.mark.parametrize("role", ROLES)
def test_the_page_counts_what_the_role_may_see_and_says_what_has_no_coordinates(client_as, incidents, role):
    client = client_as(role, session=True)

    html = page(client)

    located = 4 if role in STAFF else 2
    assert f"Showing the {located} located incidents these filters match." in html
    assert "1 more has no coordinates and is not on the map." in html
    assert ('name="status"' in html) == (role in STAFF)
    assert "Draft near Gao" not in html  # titles only come with the points, never in the page


def test_points_carry_what_a_popup_shows_and_link_to_the_incident_page(client, incidents):
    battle = incidents["battle"]

    (feature,) = [f for f in points(client)["features"] if f["id"] == battle.code]

    assert feature["geometry"] == {"type": "Point", "coordinates": [1.4078, 18.4411]}
    assert feature["properties"] == {
        "code": battle.code,
        "title": "Battle at Kidal",
        "start_date": "2024-05-01",
        "place": "Gao",
        "event_type": "Battles",
        "css_class": "event-battles",
        "fatalities_best": 0,
        "url": reverse("events:incident-detail", args=[battle.code]),
    }
    assert client.get(feature["properties"]["url"]).status_code == 200


def test_the_filters_narrow_the_points_and_the_counts_as_they_narrow_the_list(client, incidents):
    battle = incidents["battle"]
    actor = ParticipantFactory(incident=battle).actor

    assert codes(points(client, event_type="Battles")) == {battle.code}
    assert codes(points(client, actor=actor.name)) == {battle.code}
    assert codes(points(client, bbox="-1,15,1,17")) == {incidents["attack"].code}
    assert codes(points(client, date_after="2025-01-01")) == {incidents["attack"].code}
    html = page(client, event_type="Battles")
    assert "Showing the 1 located incident these filters match." in html
    assert "no coordinates" not in html
    assert f'data-points-url="{POINTS}?event_type=Battles"' in html


def test_a_staff_member_may_narrow_to_drafts_and_the_public_asking_for_them_gets_nothing(client, editor, incidents):
    assert codes(points(client, status="draft")) == set()

    client.force_login(editor)

    assert codes(points(client, status="draft")) == {incidents["draft"].code}


def test_bad_filters_are_named_next_to_their_field_and_no_points_are_fetched(client, incidents):
    response = client.get(MAP, {"date_after": "yesterday", "country": "XXX"})
    html = response.content.decode()

    assert response.status_code == 200
    assert html.count('class="error"') >= 2
    assert 'data-points-url=""' in html
    assert "located incident" not in html
    answer = client.get(POINTS, {"date_after": "yesterday"})
    assert answer.status_code == 400
    assert set(answer.json()["error"]["fields"]) == {"date_after"}


def test_the_points_are_capped_at_the_newest_and_the_page_says_so(client, incidents, monkeypatch):
    monkeypatch.setattr(map_views, "MAX_POINTS", 1)

    assert codes(points(client)) == {incidents["attack"].code}  # 2025 before 2024
    html = page(client)
    assert "Showing 1 of the 2 located incidents these filters match" in html
    assert codes(points(client, ordering="start_date")) == {incidents["battle"].code}


def test_beyond_the_count_limit_the_page_says_more_than(client, incidents, monkeypatch):
    monkeypatch.setattr(map_views, "MAX_POINTS", 1)
    monkeypatch.setattr(map_views, "COUNT_LIMIT", 1)
    published(title="Another somewhere")

    html = page(client)

    assert "Showing 1 of the more than 1 located incidents these filters match" in html
    assert "More than 1 more have no coordinates" in html
    assert len(points(client)["features"]) == 1


def test_the_list_links_to_the_map_with_its_filters_and_the_map_back(client, incidents):
    listing = client.get("/incidents/", {"event_type": "Battles"}).content.decode()
    html = page(client, event_type="Battles", cursor="abc")

    assert f'href="{MAP}?event_type=Battles"' in listing
    assert 'href="/incidents/?event_type=Battles"' in html  # the list's page cursor is not carried over
    assert f'href="{MAP}">Map</a>' in html  # the nav


@pytest.mark.parametrize("url", [MAP, POINTS])
def test_when_anonymous_reading_is_off_anonymous_visitors_are_sent_to_sign_in(client, settings, incidents, url):
    settings.API_ANONYMOUS_READ = False

    response = client.get(url)

    if url == MAP:
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == 401
        assert "features" not in response.json()


def test_tiles_are_off_by_default_and_come_from_the_settings(client, settings):
    assert 'data-tile-url=""' in page(client)
    assert "countries-110m.json" in page(client)  # the offline outline instead

    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "© Example & contributors"

    html = page(client)
    assert 'data-tile-url="https://tiles.example.org/{z}/{x}/{y}.png"' in html
    assert 'data-tile-attribution="© Example &amp; contributors"' in html


def test_the_legend_names_every_event_type_with_its_colour_class(client):
    html = page(client)

    for value, css_class in map_views.EVENT_TYPE_CLASSES.items():
        assert f'<span class="swatch {css_class}"></span>{EventType(value).label}' in html


@pytest.mark.parametrize(("url", "queries"), [(MAP, 5), (POINTS, 4)])
def test_page_and_points_run_a_fixed_number_of_queries(client, editor, url, queries, django_assert_max_num_queries):
    client.force_login(editor)
    for count in (3, 30):
        for _ in range(count):
            published(**GAO)
            published()
        # The session, the user, the user's role groups, then the page's two bounded counts or the points' query.
        with django_assert_max_num_queries(queries):
            assert client.get(url, {"event_type": "Violence against civilians"}).status_code == 200
