import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from pghistory.models import Events

from sources.services import claim_review
from tests.factories import ClaimFactory

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
