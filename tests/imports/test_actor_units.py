"""ACLED's units of state forces, dated in the middle of their label ("Military Forces of Mali (2021-) Special
Forces"): one actor per unit whatever the government, part of its force, each dated label an alias for its years."""

import datetime

import pytest

from actors.choices import RelationKind
from actors.models import Actor, ActorRelation
from actors.selectors import actor_lineage_ids
from imports.models import ImportedEvent
from imports.services.actor_resolver import undated

pytestmark = pytest.mark.django_db


def aliases(actor: Actor) -> set[tuple[str, datetime.date | None, datetime.date | None]]:
    return set(actor.aliases.values_list("name", "valid_from", "valid_until"))


def test_undated_removes_the_period_wherever_it_is():
    assert undated("Military Forces of Mali (2021-) Special Forces") == "Military Forces of Mali Special Forces"
    assert undated("Military Forces of Mali (2013-2020)") == "Military Forces of Mali"
    assert undated("Katiba Serma") == "Katiba Serma"


def test_a_unit_stays_one_actor_across_relabels_part_of_its_known_force(known_actors, run_import):
    job = run_import("acled_units.csv")

    assert job.error_count == 0
    special = Actor.objects.get(name="Military Forces of Mali Special Forces")
    assert special.needs_review
    assert aliases(special) == {
        ("Military Forces of Mali (2013-2020) Special Forces", datetime.date(2013, 1, 1), datetime.date(2020, 12, 31)),
        ("Military Forces of Mali (2021-) Special Forces", datetime.date(2021, 1, 1), None),
    }
    assert ActorRelation.objects.filter(
        subject=special, kind=RelationKind.PART_OF, object=known_actors["fama"]
    ).exists()
    for event in ("MLI9201", "MLI9202"):
        incident = ImportedEvent.objects.get(external_id=event).incident
        assert set(incident.participants.values_list("actor_id", flat=True)) >= {special.pk}
    # The army's lineage takes in its unit: include_related finds the unit's events under every label.
    assert special.pk in actor_lineage_ids([known_actors["fama"].pk])


def test_a_unit_of_an_unknown_force_creates_the_force_too(known_actors, run_import):
    run_import("acled_units.csv")

    gendarmerie = Actor.objects.get(name="Police Forces of Mali Gendarmerie")
    police = Actor.objects.get(name="Police Forces of Mali")
    assert police.needs_review and gendarmerie.needs_review
    assert ActorRelation.objects.filter(subject=gendarmerie, kind=RelationKind.PART_OF, object=police).count() == 1
    assert {name for name, _start, _end in aliases(gendarmerie)} == {
        "Police Forces of Mali (2020-2021) Gendarmerie",
        "Police Forces of Mali (2021-) Gendarmerie",
    }
    assert ("Police Forces of Mali (2020-2021)", datetime.date(2020, 1, 1), datetime.date(2021, 12, 31)) in aliases(
        police
    )
    assert not Actor.objects.filter(name__contains="(20").exists()  # no dated label became an actor of its own


def test_the_incident_filter_with_related_finds_the_units_events(known_actors, run_import, client_as):
    run_import("acled_units.csv")

    listed = client_as("editor").get("/api/v1/incidents/", {"actor": "FAMa", "include_related": "true"}).json()
    codes = {item["code"] for item in listed["results"]}
    expected = set(
        ImportedEvent.objects.filter(external_id__in=["MLI9201", "MLI9202"]).values_list("incident__code", flat=True)
    )
    assert expected <= codes and len(expected) == 2


def test_importing_the_units_again_creates_nothing(known_actors, run_import):
    run_import("acled_units.csv")
    actors = Actor.objects.count()

    job = run_import("acled_units.csv")

    assert (job.created, job.updated, job.actors_created) == (0, 0, 0)
    assert Actor.objects.count() == actors
