import pytest
from rest_framework.test import APIClient

from actors.choices import ActorKind, RelationKind
from actors.models import ActorRelation
from tests.factories import ActorAliasFactory, ActorFactory

ROLES = ["anonymous", "researcher", "analyst", "editor", "admin_user"]
# Read-only endpoint: the public may not write (401 without credentials, 403 with), staff find no such method.
WRITE_STATUS = {"anonymous": 401, "researcher": 403, "analyst": 405, "editor": 405, "admin_user": 405}


@pytest.fixture
def wagner(db):
    wagner = ActorFactory(name="Wagner Group", kind=ActorKind.EXTERNAL_OTHER, country="RUS")
    ActorAliasFactory(actor=wagner, name="Groupe Wagner")
    africa_corps = ActorFactory(name="Africa Corps", kind=ActorKind.EXTERNAL_OTHER, country="RUS")
    ActorRelation.objects.create(subject=wagner, kind=RelationKind.SUCCEEDED_BY, object=africa_corps)
    return wagner


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_actors_and_nobody_writes(client_as, wagner, role):
    client = client_as(role)
    detail_url = f"/api/v1/actors/{wagner.pk}/"

    assert client.get("/api/v1/actors/").status_code == 200
    assert client.get(detail_url).status_code == 200
    assert client.post("/api/v1/actors/", {"name": "New"}, format="json").status_code == WRITE_STATUS[role]
    assert client.put(detail_url, {"name": "New"}, format="json").status_code == WRITE_STATUS[role]
    assert client.patch(detail_url, {"name": "New"}, format="json").status_code == WRITE_STATUS[role]
    assert client.delete(detail_url).status_code == WRITE_STATUS[role]


def test_an_actor_carries_its_aliases_and_relations_both_ways(wagner):
    client = APIClient()

    body = client.get(f"/api/v1/actors/{wagner.pk}/").json()
    successor = client.get(f"/api/v1/actors/{body['relations'][0]['object']}/").json()

    assert [alias["name"] for alias in body["aliases"]] == ["Groupe Wagner"]
    assert body["relations"][0] | {"object": None} == {
        "kind": "succeeded_by",
        "object": None,
        "object_name": "Africa Corps",
        "valid_from": None,
        "valid_until": None,
        "note": "",
    }
    assert successor["inverse_relations"][0]["subject_name"] == "Wagner Group"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "groupe wagner"}, ["Wagner Group"]),
        ({"q": "GROUPE WÄGNER"}, ["Wagner Group"]),
        ({"q": "corps"}, ["Africa Corps"]),
        ({"kind": "external_other", "country": "RUS"}, ["Africa Corps", "Wagner Group"]),
        ({"country": "MLI"}, ["Katiba Macina"]),
        ({"kind": "rebel_group"}, ["Katiba Macina"]),
    ],
)
def test_actors_filter_by_name_or_alias_kind_and_country(wagner, params, expected):
    ActorFactory(name="Katiba Macina", kind=ActorKind.REBEL_GROUP, country="MLI")

    results = APIClient().get("/api/v1/actors/", params).json()["results"]

    assert [actor["name"] for actor in results] == expected


def test_an_actor_matching_through_two_aliases_is_listed_once(wagner):
    ActorAliasFactory(actor=wagner, name="Wagner PMC")

    results = APIClient().get("/api/v1/actors/", {"q": "wagner"}).json()["results"]

    assert [actor["name"] for actor in results] == ["Wagner Group"]


def test_actors_list_runs_a_fixed_number_of_queries(db, django_assert_max_num_queries):
    client = APIClient()
    for added in (2, 10):
        actors = ActorFactory.create_batch(added)
        for actor, ally in zip(actors, actors[1:] + actors[:1], strict=True):
            ActorAliasFactory(actor=actor)
            ActorRelation.objects.create(subject=actor, kind=RelationKind.ALLIED_WITH, object=ally)
        # Count, page, and one query each for aliases, relations and inverse relations.
        with django_assert_max_num_queries(5):
            assert client.get("/api/v1/actors/").status_code == 200
