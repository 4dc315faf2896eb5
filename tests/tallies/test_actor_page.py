"""The actor page on the Mali demo data: names, relations, tallies, quarterly charts and sources' figures."""

import re
from html import unescape

import pytest
from django.test import Client, override_settings

from actors.models import Actor
from demo.actors import AFRICA_CORPS, WAGNER
from demo.incidents import INCIDENTS


def page(client: Client, name: str, **params) -> str:
    response = client.get(f"/actors/{Actor.objects.get(name=name).pk}/", params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("role", ["anonymous", "researcher", "analyst", "editor", "admin_user"])
def test_every_role_sees_the_actor_page(demo, db, client_as, role):
    client = client_as(role, session=True)

    html = page(client, WAGNER)

    assert "<h1>Wagner Group" in html
    assert f">{AFRICA_CORPS}</a>" in html  # the succeeded_by relation, linked
    assert "more than 900" in html  # ACLED's toll beside ours


def test_the_charts_link_each_bar_to_exactly_its_incidents(demo, db):
    client = Client()
    html = page(client, WAGNER, measure="involved")

    queries = [unescape(query) for query in re.findall(r'<a href="/incidents/\?([^"]+)"><rect', html)]
    titles = re.findall(r"<title>[^<]*?, (\d+) incidents?</title>", html)
    assert queries and len(queries) == len(titles)
    for query, incidents in zip(queries, titles, strict=True):
        listed = client.get(f"/api/v1/incidents/?{query}&page_size=500").json()["results"]
        assert len(listed) == int(incidents)
        shown = client.get(f"/incidents/?{query}").content.decode()  # the page the bar opens lists the same
        assert all(f">{item['code']}<" in shown for item in listed)


def test_no_victim_identity_reaches_the_page(demo, db):
    html = page(Client(), WAGNER, include_related="true")

    for spec in INCIDENTS:
        for record in spec.casualties:
            for victim in record.named_victims:
                assert victim.name not in html


@override_settings(API_ANONYMOUS_READ=False)
def test_anonymous_visitors_sign_in_first_when_public_reading_is_off(demo, db):
    response = Client().get(f"/actors/{Actor.objects.get(name=WAGNER).pk}/")

    assert response.status_code == 302
    assert "login" in response["Location"]


def test_an_unknown_actor_is_a_404(db):
    assert Client().get("/actors/999999/").status_code == 404


def test_the_page_runs_a_fixed_number_of_queries(demo, db, django_assert_max_num_queries):
    client = Client()
    for name in (AFRICA_CORPS, WAGNER):  # no casualties, then several quarters and a source's toll
        url = f"/actors/{Actor.objects.get(name=name).pk}/?include_related=true"
        with django_assert_max_num_queries(13):
            assert client.get(url).status_code == 200


def test_the_charts_draw_the_empty_quarters_between_casualties(demo, db):
    html = page(Client(), WAGNER, measure="involved")

    chart = html.split('<figure class="chart">')[1].split("</figure>")[0]  # the first harm's chart
    ticks = re.findall(r'class="tick">(\d\dQ\d)</text>', chart)
    quarters = [(2000 + int(tick[:2]), int(tick[-1])) for tick in ticks]
    assert len(quarters) >= 2
    expected, (year, quarter) = [], quarters[0]
    while (year, quarter) <= quarters[-1]:
        expected.append((year, quarter))
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    assert quarters == expected  # one bar per quarter, none skipped
    assert re.search(r'class="tick">0</text>', chart)  # at least one of them empty in the demo data
