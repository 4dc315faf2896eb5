"""Decisions on match candidates, a ledger: who decided what and when, undone but never changed, refused when made
over a decision the editor did not see; and the clearest candidates decided without an editor."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conflict_tracker.choices import ImportKind
from conflict_tracker.exceptions import ChangedMeanwhile
from events.choices import IncidentStatus
from events.services import incident_retract
from reconciliation.models import MatchDecision
from reconciliation.services import (
    match_candidates_rebuild,
    match_candidates_refresh,
    match_decide,
    match_decision_undo,
)
from tests.factories import ActorFactory
from tests.helpers.reconciliation import DAY, record

pytestmark = pytest.mark.django_db


def standing():
    return {(d.incident_id, d.other_id): d for d in MatchDecision.objects.filter(undone_at__isnull=True)}


@pytest.fixture
def pair():
    army = ActorFactory()
    return record(ImportKind.UCDP, army), record(ImportKind.ACLED, army, day=DAY + datetime.timedelta(days=2))


def test_an_editor_decides_and_a_later_decision_undoes_the_one_it_replaces(pair, editor):
    ucdp, acled = pair
    match_candidates_refresh([ucdp.pk, acled.pk])

    first = match_decide(incident=acled, other=ucdp, verdict="unsure", note=" Dates differ. ", by=editor)
    assert (first.incident_id, first.other_id) == tuple(sorted((ucdp.pk, acled.pk)))
    assert (first.verdict, first.note, first.by, first.automatic) == ("unsure", "Dates differ.", editor, False)
    assert first.score is not None

    second = match_decide(incident=ucdp, other=acled, verdict="same", by=editor, replaces=first.pk)

    first.refresh_from_db()
    assert (first.undone_by, first.undone_at) == (editor, second.at)
    assert list(standing().values()) == [second]
    assert MatchDecision.objects.count() == 2


def test_a_decision_made_over_one_the_editor_did_not_see_is_refused(pair, editor):
    ucdp, acled = pair
    seen = match_decide(incident=ucdp, other=acled, verdict="different", by=editor)

    with pytest.raises(ChangedMeanwhile, match="meanwhile"):
        match_decide(incident=ucdp, other=acled, verdict="same", by=editor)  # saw no decision
    match_decision_undo(decision=seen.pk, by=editor)
    with pytest.raises(ChangedMeanwhile, match="meanwhile"):
        match_decide(incident=ucdp, other=acled, verdict="same", by=editor, replaces=seen.pk)  # undone since
    with pytest.raises(ChangedMeanwhile, match="undone already"):
        match_decision_undo(decision=seen.pk, by=editor)

    assert standing() == {}
    assert MatchDecision.objects.get().verdict == "different"


@pytest.mark.parametrize("role", ["analyst", "researcher"])
def test_only_editors_decide_and_undo(pair, editor, role, request):
    ucdp, acled = pair
    user = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        match_decide(incident=ucdp, other=acled, verdict="same", by=user)
    decision = match_decide(incident=ucdp, other=acled, verdict="same", by=editor)
    with pytest.raises(PermissionDenied):
        match_decision_undo(decision=decision.pk, by=user)


def test_only_two_published_incidents_are_decided_on(pair, editor):
    ucdp, acled = pair
    draft = record("own", ActorFactory(), status=IncidentStatus.DRAFT)
    with pytest.raises(ValidationError, match="published"):
        match_decide(incident=ucdp, other=draft, verdict="same", by=editor)
    with pytest.raises(ValidationError, match="itself"):
        match_decide(incident=ucdp, other=ucdp, verdict="same", by=editor)
    with pytest.raises(ValidationError, match="Choose one of"):
        match_decide(incident=ucdp, other=acled, verdict="maybe", by=editor)
    assert not MatchDecision.objects.exists()


def test_the_only_clear_candidate_of_both_incidents_is_decided_same_without_an_editor_once(settings, editor):
    settings.RECONCILE_AUTO_SAME = 0.9
    army = ActorFactory()
    ucdp, acled = record(ImportKind.UCDP, army), record(ImportKind.ACLED, army)
    # A third record of one day and place: each of its two twins has two clear candidates, an editor chooses.
    mopti = (Decimal("14.49340"), Decimal("-4.19420"))
    crowded = [
        record(dataset, army, place=mopti, admin1="Mopti") for dataset in (ImportKind.UCDP, ImportKind.ACLED, "own")
    ]

    match_candidates_refresh([ucdp.pk, acled.pk, *(r.pk for r in crowded)])

    (decision,) = MatchDecision.objects.all()
    assert (decision.incident_id, decision.other_id) == (ucdp.pk, acled.pk)
    assert (decision.verdict, decision.automatic, decision.by, decision.score) == ("same", True, None, Decimal("1"))

    # Undone by an editor, it is not made again, by a change or a rebuild.
    match_decision_undo(decision=decision.pk, by=editor)
    match_candidates_refresh([ucdp.pk])
    match_candidates_rebuild()
    assert standing() == {}


def test_decisions_outlive_the_candidates_and_the_retraction_of_their_incidents(pair, editor):
    ucdp, acled = pair
    match_candidates_refresh([ucdp.pk, acled.pk])
    decision = match_decide(incident=ucdp, other=acled, verdict="unsure", by=editor)

    incident_retract(incident=acled, by=editor, reason="Counted with the UCDP event.")
    match_candidates_rebuild()

    assert list(standing().values()) == [decision]
