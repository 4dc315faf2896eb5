import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from actors.models import ActorAlias, ActorRelation, normalize_actor_name
from actors.selectors import actor_resolve
from tests.factories import ActorAliasFactory, ActorFactory

pytestmark = pytest.mark.django_db


def test_names_are_compared_without_case_accents_or_typographic_quotes():
    assert normalize_actor_name("Jama’at  Nusrat al-Islam") == normalize_actor_name("JAMA'AT NUSRAT AL-ISLAM")
    assert normalize_actor_name("Forces Armées Maliennes") == "forces armees maliennes"


def test_resolve_finds_an_actor_by_name_or_alias_ignoring_case_and_accents():
    fama = ActorFactory(name="Forces Armées Maliennes", acronym="FAMa", kind="state_forces")
    ActorAliasFactory(actor=fama, name="Military Forces of Mali (2021-)", valid_from=datetime.date(2021, 5, 24))
    assert actor_resolve("forces armees maliennes") == fama
    assert actor_resolve("MILITARY FORCES OF MALI (2021-)") == fama
    assert actor_resolve("Unknown militia") is None


def test_resolve_asks_once_and_prefers_an_alias_to_another_actor_s_name(django_assert_num_queries):
    dozo = ActorFactory(name="Dozo hunters", kind="identity_militia")
    ActorAliasFactory(actor=dozo, name="Dan Na Ambassagou")
    ActorFactory(name="Dan Na Ambassagou", kind="identity_militia")
    for name, found in (("dan na ambassagou", dozo), ("DOZO HUNTERS", dozo), ("Unknown militia", None)):
        with django_assert_num_queries(1):
            assert actor_resolve(name) == found


def test_resolve_respects_alias_validity_periods():
    wagner = ActorFactory(name="Wagner Group", kind="external_other")
    africa_corps = ActorFactory(name="Africa Corps", kind="external_other")
    ActorAliasFactory(actor=wagner, name="Russian instructors", valid_until=datetime.date(2023, 12, 31))
    ActorAliasFactory(actor=africa_corps, name="Russian instructors", valid_from=datetime.date(2024, 1, 1))
    assert actor_resolve("Russian instructors", on=datetime.date(2023, 5, 1)) == wagner
    assert actor_resolve("Russian instructors", on=datetime.date(2024, 7, 25)) == africa_corps


def test_an_alias_is_unique_per_actor_whatever_its_case():
    alias = ActorAliasFactory(name="Wagner")
    with pytest.raises(IntegrityError), transaction.atomic():
        ActorAlias.objects.create(actor=alias.actor, name="WAGNER")


def test_an_alias_period_cannot_end_before_it_starts():
    alias = ActorAliasFactory.build(
        actor=ActorFactory(), valid_from=datetime.date(2024, 1, 1), valid_until=datetime.date(2023, 1, 1)
    )
    with pytest.raises(ValidationError, match="cannot come before its start"):
        alias.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        alias.save()


def test_an_actor_cannot_be_related_to_itself():
    actor = ActorFactory()
    relation = ActorRelation(subject=actor, kind="succeeded_by", object=actor)
    with pytest.raises(ValidationError, match="cannot be related to itself"):
        relation.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        relation.save()


def test_a_relation_is_recorded_once():
    wagner, africa_corps = ActorFactory(), ActorFactory()
    ActorRelation.objects.create(subject=wagner, kind="succeeded_by", object=africa_corps)
    with pytest.raises(IntegrityError), transaction.atomic():
        ActorRelation.objects.create(subject=wagner, kind="succeeded_by", object=africa_corps)


def test_an_actor_country_must_be_iso3():
    actor = ActorFactory.build(country="mli")
    with pytest.raises(ValidationError, match="country"):
        actor.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        actor.save()
