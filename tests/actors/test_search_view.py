"""The actor search behind the incident form's actor fields: by name, acronym or alias, whatever the case and
accents; staff only."""

import pytest
from django.urls import reverse

from tests.factories import ActorAliasFactory, ActorFactory

pytestmark = pytest.mark.django_db
SEARCH = reverse("actors:search")


@pytest.fixture
def actors():
    fama = ActorFactory(name="Malian Armed Forces", acronym="FAMa")
    ActorAliasFactory(actor=fama, name="Forces armées maliennes")
    wagner = ActorFactory(name="Wagner Group")
    ActorAliasFactory(actor=wagner, name="PMC Wagner")
    africa_corps = ActorFactory(name="Africa Corps")
    jnim = ActorFactory(name="Jama'at Nusrat al-Islam wal-Muslimin", acronym="JNIM")
    return {"fama": fama, "wagner": wagner, "africa_corps": africa_corps, "jnim": jnim}


def suggestions(client, query: str) -> set[int]:
    response = client.get(SEARCH, {"q": query}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    return {int(part.split('"')[0]) for part in html.split('data-actor-id="')[1:]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("africa corps", {"africa_corps"}),
        ("ÁFRICA", {"africa_corps"}),
        ("famA", {"fama"}),
        ("wagner", {"wagner"}),
        ("pmc", {"wagner"}),
        ("armees maliennes", {"fama"}),
        ("jnim", {"jnim"}),
    ],
)
def test_it_finds_actors_by_name_acronym_or_alias_ignoring_case_and_accents(client, analyst, actors, query, expected):
    client.force_login(analyst)

    assert suggestions(client, query) == {actors[name].pk for name in expected}


def test_it_names_the_alias_that_matched(client, analyst, actors):
    client.force_login(analyst)

    html = client.get(SEARCH, {"q": "maliennes"}).content.decode()

    assert "Malian Armed Forces" in html and "Forces armées maliennes" in html
    assert f'data-actor-id="{actors["fama"].pk}"' in html


def test_an_empty_query_or_no_match_gives_no_suggestion(client, analyst, actors):
    client.force_login(analyst)

    assert suggestions(client, "") == set()
    response = client.get(SEARCH, {"q": "nobody by this name"})
    assert "No actor goes by this name." in response.content.decode()


def test_it_reads_a_fixed_number_of_queries_however_many_match(client, analyst, django_assert_max_num_queries):
    for number in range(12):
        actor = ActorFactory(name=f"Katiba {number}")
        ActorAliasFactory(actor=actor, name=f"Katiba alias {number}")
    client.force_login(analyst)

    with django_assert_max_num_queries(5):
        assert len(suggestions(client, "katiba")) == 12


@pytest.mark.parametrize(
    ("role", "status"), [("researcher", 403), ("analyst", 200), ("editor", 200), ("admin_user", 200)]
)
def test_only_staff_may_search(client, request, actors, role, status):
    client.force_login(request.getfixturevalue(role))

    assert client.get(SEARCH, {"q": "wagner"}).status_code == status


def test_an_anonymous_visitor_is_sent_to_sign_in(client, actors):
    response = client.get(SEARCH, {"q": "wagner"})

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
