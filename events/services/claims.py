"""Writes to claims, the evidence of incidents, and the editors' review of them.

A claim about an incident is part of the incident's evidence and follows incident_editable_by(); a claim an editor has
reviewed is changed by editors only, and that change is itself a review, recorded with the editor and the time. A
claim never moves to another incident (the database refuses it too). A claim with no incident is an aggregate figure
(a source's toll for actors over a period).
"""

from collections.abc import Iterable
from typing import Any

import pghistory
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from actors.models import Actor
from conflict_tracker.roles import Role, has_role
from sources.choices import ReviewStatus
from sources.models import Claim, ClaimActor, Document
from sources.services import require_editor, require_known_fields, require_staff

from ..models import Incident
from .incidents import incident_editable_by, incident_require_editable

# A claim keeps its document and its incident, and its review changes only through claim_review().
CLAIM_EDITABLE_FIELDS = (
    "quote",
    "measure",
    "harm",
    "victim_status",
    "property_kind",
    "property_harm",
    "figure_qualifier",
    "figure_low",
    "figure_best",
    "figure_high",
    "change_ratio",
    "period_start",
    "period_end",
    "country",
)


def claim_create(
    *, by: User, document: Document, incident: Incident | None, fields: dict[str, Any], actors: Iterable[Actor] = ()
) -> Claim:
    """Record what a document asserts, about an incident or (with none) as an aggregate figure.

    A claim about an incident is part of the incident's evidence, so only someone who may edit the incident may
    add one: an analyst to a draft or returned incident, an editor also to a submitted or published one.
    """
    require_staff(by, _("add claims"))
    if incident is not None:
        incident_require_editable(incident, by, _("add claims to"))
    unknown = set(fields) & {"review_status", "reviewed_by", "reviewed_at", "review_note"}
    if unknown:
        raise ValidationError(_("A new claim is pending: editors review it afterwards."))
    with transaction.atomic(), pghistory.context(user=by.pk, action="claim.create"):
        claim = Claim(document=document, incident=incident, **fields)
        claim.full_clean()
        claim.save()
        ClaimActor.objects.bulk_create(ClaimActor(claim=claim, actor=actor) for actor in dict.fromkeys(actors))
    return claim


def claim_editable_by(claim: Claim, user: User) -> bool:
    """A pending claim: whoever may edit its incident, or any analyst or editor for an aggregate claim (no incident).
    A reviewed one (accepted, rejected, disputed): editors only, and only while they may edit its incident."""
    if claim.incident_id is not None and not incident_editable_by(claim.incident, user):
        return False
    if claim.review_status != ReviewStatus.PENDING:
        return has_role(user, Role.EDITOR)
    return has_role(user, Role.ANALYST, Role.EDITOR)


def claim_update(*, claim: Claim, by: User, fields: dict[str, Any], actors: Iterable[Actor] | None = None) -> Claim:
    """Correct what a claim asserts (its quote, figures, actors held responsible), about the same incident.

    An editor's change to a reviewed claim is a review step: the claim keeps its verdict, now given by that editor at
    that time, so the public never reads changed text under a verdict no editor gave to it. The revision records who
    changed what; the row is locked first, so a review cannot slip in between the check and the change.
    """
    if "incident" in fields or "incident_id" in fields:
        raise ValidationError(
            {"incident": _("A claim stays with the incident it was made about: record a new claim for the other one.")}
        )
    require_known_fields(fields, CLAIM_EDITABLE_FIELDS, _("claim"))
    with transaction.atomic(), pghistory.context(user=by.pk, action="claim.update"):
        claim = Claim.objects.select_for_update(of=("self",)).select_related("incident").get(pk=claim.pk)
        if not claim_editable_by(claim, by):
            _refuse_claim_change(claim, by)
        for name, value in fields.items():
            setattr(claim, name, value)
        if claim.review_status != ReviewStatus.PENDING:
            claim.reviewed_by, claim.reviewed_at = by, timezone.now()
            pghistory.context(review=claim.review_status)
        claim.full_clean()
        claim.save()
        if actors is not None:
            wanted = {actor.pk: actor for actor in actors}
            ClaimActor.objects.filter(claim=claim).exclude(actor__in=wanted).delete()
            present = set(ClaimActor.objects.filter(claim=claim).values_list("actor_id", flat=True))
            ClaimActor.objects.bulk_create(ClaimActor(claim=claim, actor_id=pk) for pk in wanted if pk not in present)
    return claim


def _refuse_claim_change(claim: Claim, by: User) -> None:
    require_staff(by, _("change claims"))
    if claim.incident is not None:
        incident_require_editable(claim.incident, by, _("change claims of"))
    raise PermissionDenied(
        _("This claim is %(status)s: only an editor may change it, as a new review.")
        % {"status": claim.get_review_status_display().lower()}
    )


def claim_review(*, claim: Claim, by: User, status: str, note: str = "") -> Claim:
    """Record an editor's verdict on a claim: accepted, rejected or disputed, with a note."""
    require_editor(by, _("review claims"))
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
