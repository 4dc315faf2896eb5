"""The match candidates against each rule of reconciliation.queries: datasets, dates, places, actors and types, the
score and its reasons, kept in the transaction of a change and equal to a full rebuild."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command

from actors.choices import RelationKind
from actors.models import ActorRelation
from conflict_tracker.choices import ImportKind
from events.choices import EventType, GeoPrecision, IncidentStatus, ViolenceType
from events.services import incident_retract
from reconciliation.models import MatchCandidate
from reconciliation.services import match_candidates_rebuild, match_candidates_refresh
from tests.factories import ActorFactory
from tests.helpers.geo import great_circle
from tests.helpers.reconciliation import DAY, GAO, record

pytestmark = pytest.mark.django_db


def pairs() -> dict[tuple[int, int], MatchCandidate]:
    return {(c.incident_id, c.other_id): c for c in MatchCandidate.objects.all()}


def found(*incidents) -> dict[tuple[int, int], MatchCandidate]:
    """The candidates after the incidents were announced as changed, checked equal to a full rebuild's."""
    match_candidates_refresh(sorted(i.pk for i in incidents))
    announced = {key: (c.score, c.reasons) for key, c in pairs().items()}
    match_candidates_rebuild()
    assert {key: (c.score, c.reasons) for key, c in pairs().items()} == announced
    return pairs()


def key(a, b) -> tuple[int, int]:
    return tuple(sorted((a.pk, b.pk)))


def test_the_same_killing_in_acled_and_ucdp_a_day_apart_and_3_km_away_is_a_candidate_with_its_reasons():
    army = ActorFactory(name="Malian Armed Forces")
    ucdp = record(ImportKind.UCDP, army, event_type="", violence_type=ViolenceType.ONE_SIDED)
    acled = record(
        ImportKind.ACLED, army, day=DAY + datetime.timedelta(days=1), place=(Decimal("16.29870"), Decimal("-0.04470"))
    )
    type(ucdp).objects.filter(pk=ucdp.pk).update(fatalities_low=10, fatalities_best=10, fatalities_high=10)
    type(acled).objects.filter(pk=acled.pk).update(fatalities_low=8, fatalities_best=8, fatalities_high=8)

    candidate = found(ucdp, acled)[key(ucdp, acled)]

    km = great_circle(16.27170, -0.04470, 16.29870, -0.04470)
    assert candidate.reasons["datasets"] == ["ucdp", "acled"]
    assert candidate.reasons["days_apart"] == 1
    assert candidate.reasons["km"] == pytest.approx(km, abs=0.06)
    assert candidate.reasons["shared_actors"] == [army.pk]
    assert candidate.reasons["types_compatible"] is True
    assert candidate.reasons["killed"] == [10, 8]
    parts = {"date": 1 - 1 / 3, "place": 1 - km / 25, "actors": 1, "types": 1, "figures": 1 - 2 / 10}
    assert candidate.reasons["parts"] == pytest.approx(parts, abs=0.001)
    weights = {"date": 0.3, "place": 0.25, "actors": 0.25, "types": 0.1, "figures": 0.1}
    assert float(candidate.score) == pytest.approx(sum(weights[p] * parts[p] for p in parts), abs=0.001)


def test_records_of_one_external_dataset_are_never_paired_but_our_own_are():
    army = ActorFactory()
    acled_one, acled_two = record(ImportKind.ACLED, army), record(ImportKind.ACLED, army)
    own_one, own_two = record("own", army), record("own", army)

    candidates = found(acled_one, acled_two, own_one, own_two)

    assert key(acled_one, acled_two) not in candidates
    assert key(own_one, own_two) in candidates
    assert {key(acled_one, own_one), key(acled_two, own_two)} <= candidates.keys()
    assert candidates[key(own_one, own_two)].reasons["datasets"] == ["own", "own"]


@pytest.mark.parametrize(
    ("days", "is_candidate"),
    [(0, True), (1, True), (2, True), (3, False), (10, False)],
)
def test_dates_may_miss_each_other_by_the_tolerance_and_no_more(days, is_candidate):
    """RECONCILE_DAYS is 2."""
    army = ActorFactory()
    one = record(ImportKind.UCDP, army)
    other = record(ImportKind.ACLED, army, day=DAY + datetime.timedelta(days=days))

    candidates = found(one, other)

    assert (key(one, other) in candidates) is is_candidate
    if is_candidate:
        assert candidates[key(one, other)].reasons["days_apart"] == days


def test_a_date_known_to_the_month_meets_any_day_of_it():
    army = ActorFactory()
    monthly = record(ImportKind.UCDP, army, day=datetime.date(2024, 3, 1), date_precision="month")
    daily = record(ImportKind.ACLED, army, day=datetime.date(2024, 3, 28))

    assert found(monthly, daily)[key(monthly, daily)].reasons["days_apart"] == 0


@pytest.mark.parametrize(
    ("north_km", "precisions", "is_candidate"),
    [
        (20, (GeoPrecision.EXACT, GeoPrecision.EXACT), True),
        (30, (GeoPrecision.EXACT, GeoPrecision.EXACT), False),
        (30, (GeoPrecision.EXACT, GeoPrecision.NEAR), True),
        (60, (GeoPrecision.NEAR, GeoPrecision.NEAR), False),
    ],
)
def test_places_must_lie_within_the_distance_their_precisions_allow(north_km, precisions, is_candidate):
    army = ActorFactory()
    north = (GAO[0] + Decimal(north_km / 111.195).quantize(Decimal("0.00001")), GAO[1])
    one = record(ImportKind.UCDP, army, precision=precisions[0])
    other = record(ImportKind.ACLED, army, place=north, precision=precisions[1])

    assert (key(one, other) in found(one, other)) is is_candidate


def test_a_record_known_to_its_region_only_meets_the_records_of_that_region_whatever_ucdp_calls_it():
    army = ActorFactory()
    region_only = record(ImportKind.UCDP, army, place=None, precision=GeoPrecision.REGION, admin1="Gao region")
    in_gao = record(ImportKind.ACLED, army, admin1="Gao")
    in_mopti = record(ImportKind.ACLED, army, admin1="Mopti")

    candidates = found(region_only, in_gao, in_mopti)

    assert key(region_only, in_gao) in candidates
    assert key(region_only, in_mopti) not in candidates
    assert candidates[key(region_only, in_gao)].reasons["km"] is None
    assert candidates[key(region_only, in_gao)].reasons["parts"]["place"] == 0.5


def test_another_country_is_never_the_same_event():
    army = ActorFactory()
    mali = record(ImportKind.UCDP, army)
    niger = record(ImportKind.ACLED, army, country="NER")

    assert key(mali, niger) not in found(mali, niger)


def test_a_successor_counts_as_the_same_actor_and_types_need_not_agree():
    wagner, africa_corps = ActorFactory(name="Wagner Group"), ActorFactory(name="Africa Corps")
    ActorRelation.objects.create(subject=wagner, kind=RelationKind.SUCCEEDED_BY, object=africa_corps)
    ucdp = record(ImportKind.UCDP, wagner, event_type="", violence_type=ViolenceType.STATE_BASED)
    acled = record(ImportKind.ACLED, africa_corps, event_type=EventType.VIOLENCE_AGAINST_CIVILIANS)
    stranger = record(ImportKind.ACLED, ActorFactory(), event_type=EventType.VIOLENCE_AGAINST_CIVILIANS)

    candidates = found(ucdp, acled, stranger)

    reasons = candidates[key(ucdp, acled)].reasons
    assert reasons["shared_actors"] == sorted([wagner.pk, africa_corps.pk])
    assert reasons["types_compatible"] is False
    # No actor in common and a state's fighting is not violence against civilians.
    assert key(ucdp, stranger) not in candidates


def test_a_unit_counts_as_its_force_and_compatible_types_pair_strangers():
    army, unit = ActorFactory(name="Malian Armed Forces"), ActorFactory(name="33rd Parachute Regiment")
    ActorRelation.objects.create(subject=unit, kind=RelationKind.PART_OF, object=army)
    ucdp = record(ImportKind.UCDP, army, event_type="", violence_type=ViolenceType.STATE_BASED)
    acled = record(ImportKind.ACLED, unit, event_type=EventType.BATTLES)
    stranger = record(ImportKind.ACLED, ActorFactory(), event_type=EventType.EXPLOSIONS_REMOTE_VIOLENCE)

    candidates = found(ucdp, acled, stranger)

    assert candidates[key(ucdp, acled)].reasons["shared_actors"] == sorted([army.pk, unit.pk])
    stranger_reasons = candidates[key(ucdp, stranger)].reasons
    assert (stranger_reasons["shared_actors"], stranger_reasons["types_compatible"]) == ([], True)


def test_a_retracted_incident_leaves_the_candidates_in_the_transaction_of_its_retraction(editor, settings):
    settings.RECONCILE_AUTO_SAME = 2  # not merged, so that it can be retracted
    army = ActorFactory()
    ucdp, acled = record(ImportKind.UCDP, army), record(ImportKind.ACLED, army)
    assert key(ucdp, acled) in found(ucdp, acled)

    incident_retract(incident=acled, by=editor, reason="The same event as the UCDP one.")

    assert key(ucdp, acled) not in pairs()


def test_drafts_are_not_reconciled():
    army = ActorFactory()
    ucdp, draft = record(ImportKind.UCDP, army), record("own", army, status=IncidentStatus.DRAFT)

    assert key(ucdp, draft) not in found(ucdp, draft)


def test_the_command_finds_every_candidate_anew(capsys):
    army = ActorFactory()
    ucdp, acled = record(ImportKind.UCDP, army), record(ImportKind.ACLED, army)
    MatchCandidate.objects.all().delete()

    call_command("reconcile")

    assert key(ucdp, acled) in pairs()
    assert "1 match candidates found." in capsys.readouterr().out
