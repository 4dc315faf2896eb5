"""Writes to sources, documents and claims; the editors' review of claims."""

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
from events.models import Incident
from events.services import incident_editable_by

from .choices import ReviewStatus
from .models import Claim, ClaimActor, Document, Source


def _require_staff(user: User, action: str) -> None:
    if not has_role(user, Role.ANALYST, Role.EDITOR):
        raise PermissionDenied(_("Your role may not %(action)s.") % {"action": action})


def _created(model, by: User, action: str, fields: dict[str, Any]):
    with transaction.atomic(), pghistory.context(user=by.pk, action=action):
        row = model(**fields)
        row.full_clean()
        row.save()
    return row


def source_create(*, by: User, fields: dict[str, Any]) -> Source:
    """Register an outlet or organisation, so its documents can be cited."""
    _require_staff(by, _("add sources"))
    return _created(Source, by, "source.create", fields)


def document_create(*, by: User, fields: dict[str, Any]) -> Document:
    """Record one document of a source (with its snapshot, whose SHA-256 the model derives)."""
    _require_staff(by, _("add documents"))
    return _created(Document, by, "document.create", fields)


def claim_create(
    *, by: User, document: Document, incident: Incident | None, fields: dict[str, Any], actors: Iterable[Actor] = ()
) -> Claim:
    """Record what a document asserts, about an incident or (with none) as an aggregate figure.

    A claim about an incident is part of the incident's evidence, so only someone who may edit the incident may
    add one: an analyst to a draft or returned incident, an editor also to a submitted or published one.
    """
    _require_staff(by, _("add claims"))
    if incident is not None and not incident_editable_by(incident, by):
        raise PermissionDenied(
            _("Your role may not add claims to an incident that is %(status)s.")
            % {"status": incident.get_status_display()}
        )
    unknown = set(fields) & {"review_status", "reviewed_by", "reviewed_at", "review_note"}
    if unknown:
        raise ValidationError(_("A new claim is pending: editors review it afterwards."))
    with transaction.atomic(), pghistory.context(user=by.pk, action="claim.create"):
        claim = Claim(document=document, incident=incident, **fields)
        claim.full_clean()
        claim.save()
        ClaimActor.objects.bulk_create(ClaimActor(claim=claim, actor=actor) for actor in dict.fromkeys(actors))
    return claim


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
