"""Writes to sources, documents and claims; the editors' review of claims."""

import pghistory
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conflict_tracker.roles import Role, has_role

from .choices import ReviewStatus
from .models import Claim


def claim_review(*, claim: Claim, by: User, status: str, note: str = "") -> Claim:
    """Record an editor's verdict on a claim: accepted, rejected or disputed, with a note."""
    if not has_role(by, Role.EDITOR):
        raise PermissionDenied(_("Only editors review claims."))
    if status not in (ReviewStatus.ACCEPTED, ReviewStatus.REJECTED, ReviewStatus.DISPUTED):
        raise ValidationError(
            {"status": _("A review is accepted, rejected or disputed, not %(status)s.") % {"status": status}}
        )
    if status != ReviewStatus.ACCEPTED and not note.strip():
        raise ValidationError({"note": _("Say why the claim is rejected or disputed.")})
    with transaction.atomic(), pghistory.context(user=by.pk, action="claim.review"):
        Claim.objects.filter(pk=claim.pk).update(
            review_status=status, reviewed_by=by, reviewed_at=timezone.now(), review_note=note.strip()
        )
    claim.refresh_from_db()
    return claim
