"""An actor asked for by name in the filters (incidents and tallies): its id, name, alias or acronym; an acronym two
actors share is a 400 naming both, never a silent choice."""

import pytest
from rest_framework.test import APIClient

from actors.choices import ActorKind
from actors.models import Actor
from demo.actors import CMA, FAMA, FLA, ISGS, JNIM

ENDPOINTS = {"incidents": ("/api/v1/incidents/", "actor"), "tallies": ("/api/v1/tallies/", "actor")}


def _get(endpoint: str, value: str):
    url, parameter = ENDPOINTS[endpoint]
    return APIClient().get(url, {parameter: value})


def _answer(response) -> list[dict]:
    """The answer without the moment it was computed at, which differs between two requests."""
    rows = response.json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    return [{key: value for key, value in row.items() if key != "computed_at"} for row in rows]


def _field_errors(response) -> dict:
    return response.json()["error"]["fields"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(("acronym", "name"), [("FAMa", FAMA), ("JNIM", JNIM), ("cma", CMA), ("ISGS", ISGS)])
def test_an_acronym_reads_as_its_actor(demo, db, endpoint, acronym, name):
    by_acronym, by_name = _get(endpoint, acronym), _get(endpoint, name)

    assert by_acronym.status_code == 200, by_acronym.content
    assert _answer(by_acronym) == _answer(by_name)


def test_the_tallies_set_takes_acronyms(demo, db):
    by_acronym = APIClient().get("/api/v1/tallies/", {"actors": "FAMa, JNIM", "harm": "killed"})
    by_id = APIClient().get(
        "/api/v1/tallies/",
        {"actors": ",".join(str(Actor.objects.get(name=n).pk) for n in (FAMA, JNIM)), "harm": "killed"},
    )

    assert by_acronym.status_code == 200, by_acronym.content
    assert _answer(by_acronym) == _answer(by_id)
    assert by_acronym.json()[0]["subject"]["actors"] == sorted(
        Actor.objects.filter(acronym__in=["FAMa", "JNIM"]).values_list("pk", flat=True)
    )


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_shared_acronym_is_refused_naming_every_actor_it_may_be(demo, db, endpoint):
    # FLA: an acronym no actor has as a name or alias (UCDP calls the CMA "CMA", an alias that wins, see below).
    other = Actor.objects.create(name="Forces Libres de l'Adrar", acronym="FLA", kind=ActorKind.EXTERNAL_OTHER)
    fla = Actor.objects.get(name=FLA)

    response = _get(endpoint, "FLA")

    assert response.status_code == 400
    [message] = _field_errors(response)[ENDPOINTS[endpoint][1]]
    assert f"{FLA} (id {fla.pk})" in message
    assert f"{other.name} (id {other.pk})" in message


def test_a_name_or_alias_wins_over_another_actor_s_acronym(demo, db):
    Actor.objects.create(name="Shadow", acronym="Malian Armed Forces", kind=ActorKind.EXTERNAL_OTHER)
    fama = Actor.objects.get(name=FAMA)

    response = APIClient().get("/api/v1/tallies/", {"actor": FAMA, "harm": "killed"})

    assert response.status_code == 200, response.content
    assert response.json()[0]["subject"]["actors"] == [fama.pk]


def test_an_unknown_acronym_is_still_unknown(demo, db):
    response = APIClient().get("/api/v1/incidents/", {"actor": "XYZ"})

    assert response.status_code == 400
    assert _field_errors(response)["actor"] == ["No actor is called XYZ."]
