"""Writing and reviewing claims (events.services.claims): who may change a claim, and how a review is kept."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from pghistory.models import Events

from events.choices import IncidentStatus
from events.services import claim_create, claim_review, claim_update
from sources.models import Claim
from tests.factories import ClaimFactory, DocumentFactory, IncidentFactory, ReviewedClaimFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_editor_accepts_a_claim_and_the_review_is_recorded(editor):
    claim = claim_review(claim=ClaimFactory(), by=editor, status="accepted", note="Matches the HRW report")
    assert (claim.review_status, claim.reviewed_by, claim.review_note) == ("accepted", editor, "Matches the HRW report")
    assert claim.reviewed_at is not None
    review = Events.objects.tracks(claim).filter(pgh_label="update").get()
    assert review.pgh_context["user"] == editor.pk
    assert review.pgh_diff["review_status"] == ["pending", "accepted"]


@pytest.mark.parametrize("status", ["rejected", "disputed"])
def test_rejecting_or_disputing_needs_a_note(editor, status):
    claim = ClaimFactory()
    with pytest.raises(ValidationError, match="Say why"):
        claim_review(claim=claim, by=editor, status=status)
    assert claim_review(claim=claim, by=editor, status=status, note="Contradicted by MINUSMA").review_status == status


def test_a_review_status_must_be_a_verdict(editor):
    with pytest.raises(ValidationError, match="not pending"):
        claim_review(claim=ClaimFactory(), by=editor, status="pending")


@pytest.mark.parametrize("role", ["analyst", "researcher", "anonymous"])
def test_only_editors_review_claims(role, request):
    with pytest.raises(PermissionDenied):
        claim_review(claim=ClaimFactory(), by=request.getfixturevalue(role), status="accepted")


# Correcting claims, documents and sources (claim_update, document_update, source_update)


def _incident(status: str, **fields):
    stamps = {
        IncidentStatus.PUBLISHED: {"submitted_at": timezone.now(), "published_at": timezone.now()},
        IncidentStatus.RETURNED: {"submitted_at": timezone.now(), "return_comment": "Add a second source."},
    }
    return IncidentFactory(status=status, **stamps.get(status, {}), **fields)


@pytest.fixture
def other_analyst(db):
    return UserFactory(username="other-analyst", role="analyst")


def test_an_editor_changing_an_accepted_quote_reviews_it_anew(editor):
    """The public never reads changed text under a verdict no editor gave to that text."""
    claim = ReviewedClaimFactory(incident=_incident(IncidentStatus.PUBLISHED), quote="Twenty killed.")
    reviewed_before = claim.reviewed_at

    claim = claim_update(claim=claim, by=editor, fields={"quote": "Thirty killed."})

    assert (claim.quote, claim.review_status, claim.reviewed_by) == ("Thirty killed.", "accepted", editor)
    assert claim.reviewed_at > reviewed_before
    change = Events.objects.tracks(claim).filter(pgh_label="update").get()
    assert change.pgh_context["action"] == "claim.update"
    assert (change.pgh_context["user"], change.pgh_context["review"]) == (editor.pk, "accepted")
    assert change.pgh_diff["quote"] == ["Twenty killed.", "Thirty killed."]


@pytest.mark.parametrize("status", [IncidentStatus.DRAFT, IncidentStatus.RETURNED])
def test_an_analyst_may_not_change_a_reviewed_claim_even_of_their_own_draft(analyst, status):
    claim = ReviewedClaimFactory(incident=_incident(status, created_by=analyst), quote="Twenty killed.")
    with pytest.raises(PermissionDenied, match="only an editor may change it"):
        claim_update(claim=claim, by=analyst, fields={"quote": "Thirty killed."})
    claim.refresh_from_db()
    assert claim.quote == "Twenty killed."


def test_an_analyst_corrects_a_pending_claim_of_their_draft_and_it_stays_pending(analyst):
    claim = ClaimFactory(incident=IncidentFactory(created_by=analyst))
    claim = claim_update(claim=claim, by=analyst, fields={"figure_best": 25, "figure_high": 30})
    assert (claim.figure_best, claim.review_status, claim.reviewed_by) == (25, "pending", None)


def test_another_analyst_may_not_change_the_claims_of_my_draft(analyst, other_analyst):
    incident = IncidentFactory(created_by=analyst)
    claim = ClaimFactory(incident=incident)
    with pytest.raises(PermissionDenied, match=f"{incident.code} is another analyst's"):
        claim_update(claim=claim, by=other_analyst, fields={"quote": "Mine now."})
    with pytest.raises(PermissionDenied, match=f"{incident.code} is another analyst's"):
        claim_create(by=other_analyst, document=DocumentFactory(), incident=incident, fields={"quote": "Also mine."})


def test_a_claim_never_moves_to_another_incident(editor):
    draft_claim = ClaimFactory(quote="Moussa, the imam's son, was shot.")
    published = _incident(IncidentStatus.PUBLISHED)

    with pytest.raises(ValidationError, match="stays with the incident it was made about"):
        claim_update(claim=draft_claim, by=editor, fields={"incident": published})
    # Nor by any path that skips the services: the database refuses it.
    with pytest.raises(IntegrityError, match="cannot move from incident"), transaction.atomic():
        Claim.objects.filter(pk=draft_claim.pk).update(incident=published)
    draft_claim.refresh_from_db()
    assert draft_claim.incident != published


def test_a_claims_review_changes_only_through_claim_review(editor):
    claim = ClaimFactory()
    with pytest.raises(ValidationError, match="cannot be changed: review_status"):
        claim_update(claim=claim, by=editor, fields={"review_status": "accepted"})


def test_an_aggregate_claim_by_an_analyst_waits_for_an_editor(analyst, editor):
    claim = claim_create(
        by=analyst, document=DocumentFactory(), incident=None, fields={"quote": "Over 900 killed in 2024."}
    )
    assert claim.review_status == "pending"
    with pytest.raises(PermissionDenied):
        claim_review(claim=claim, by=analyst, status="accepted")
    claim_review(claim=claim, by=editor, status="accepted")
    with pytest.raises(PermissionDenied, match="only an editor may change it"):
        claim_update(claim=claim, by=analyst, fields={"quote": "Over 1,000 killed in 2024."})
