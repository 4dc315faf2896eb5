import pytest

from actors.choices import RelationKind
from actors.models import ActorRelation
from actors.selectors import actor_lineage_ids
from tests.factories import ActorFactory


def relate(subject, kind, object):
    ActorRelation.objects.create(subject=subject, kind=kind, object=object)


@pytest.fixture
def actors(db):
    names = ["fama", "battalion", "company", "wagner", "africa_corps", "precursor", "ally", "splinter", "other"]
    cast = {name: ActorFactory(name=name) for name in names}
    relate(cast["battalion"], RelationKind.PART_OF, cast["fama"])
    relate(cast["company"], RelationKind.PART_OF, cast["battalion"])
    relate(cast["precursor"], RelationKind.SUCCEEDED_BY, cast["wagner"])
    relate(cast["wagner"], RelationKind.SUCCEEDED_BY, cast["africa_corps"])
    relate(cast["ally"], RelationKind.ALLIED_WITH, cast["wagner"])
    relate(cast["splinter"], RelationKind.SPLINTER_OF, cast["wagner"])
    return cast


def ids(actors, *names):
    return {actors[name].pk for name in names}


def test_a_force_brings_its_units_at_any_depth(actors):
    assert actor_lineage_ids([actors["fama"].pk]) == ids(actors, "fama", "battalion", "company")


def test_a_unit_does_not_bring_the_force_it_belongs_to(actors):
    assert actor_lineage_ids([actors["battalion"].pk]) == ids(actors, "battalion", "company")


def test_succession_runs_both_ways_and_transitively(actors):
    expected = ids(actors, "precursor", "wagner", "africa_corps")
    assert actor_lineage_ids([actors["wagner"].pk]) == expected
    assert actor_lineage_ids([actors["africa_corps"].pk]) == expected
    assert actor_lineage_ids([actors["precursor"].pk]) == expected


def test_alliances_and_splinters_are_not_lineage(actors):
    assert actors["ally"].pk not in actor_lineage_ids([actors["wagner"].pk])
    assert actors["splinter"].pk not in actor_lineage_ids([actors["wagner"].pk])
    assert actor_lineage_ids([actors["other"].pk]) == ids(actors, "other")


def test_units_of_a_successor_belong_to_the_lineage(actors):
    unit = ActorFactory(name="unit")
    relate(unit, RelationKind.PART_OF, actors["africa_corps"])

    assert unit.pk in actor_lineage_ids([actors["wagner"].pk])


def test_several_actors_and_cycles(actors):
    relate(actors["africa_corps"], RelationKind.SUCCEEDED_BY, actors["precursor"])  # a cycle: the query still ends

    assert actor_lineage_ids([actors["fama"].pk, actors["wagner"].pk]) == ids(
        actors, "fama", "battalion", "company", "precursor", "wagner", "africa_corps"
    )


def test_no_actors_no_query(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert actor_lineage_ids([]) == set()


def test_one_query_whatever_the_depth(actors, django_assert_num_queries):
    previous = actors["company"]
    for depth in range(10):
        unit = ActorFactory(name=f"level {depth}")
        relate(unit, RelationKind.PART_OF, previous)
        previous = unit

    with django_assert_num_queries(1):
        lineage = actor_lineage_ids([actors["fama"].pk])

    assert previous.pk in lineage and len(lineage) == 13
