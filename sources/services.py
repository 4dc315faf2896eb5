"""Writes to sources, documents and claims; the editors' review of claims.

Who may change what: analysts and editors add sources, documents and claims; only editors correct a source or a
document afterwards (what every claim citing it rests on). A claim about an incident is part of the incident's
evidence and follows incident_editable_by(); a claim an editor has reviewed is changed by editors only, and that
change is itself a review, recorded with the editor and the time. A claim never moves to another incident (the
database refuses it too).
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
from events.models import Incident
from events.services import incident_editable_by, incident_require_editable

from .choices import ReviewStatus
from .models import Claim, ClaimActor, Document, Source

# What stays as it was recorded. A document keeps its source and its archived snapshot (whose SHA-256 proves what was
# cited); a claim keeps its document and its incident, and its review changes only through claim_review().
SOURCE_EDITABLE_FIELDS = ("name", "acronym", "kind", "reliability", "country", "language", "url", "description")
DOCUMENT_EDITABLE_FIELDS = ("title", "url", "author", "published_on", "language", "accessed_on", "excerpt")
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


def _require_staff(user: User, action: str) -> None:
    if not has_role(user, Role.ANALYST, Role.EDITOR):
        raise PermissionDenied(_("Your role may not %(action)s.") % {"action": action})


def _require_editor(user: User, action: str) -> None:
    if not has_role(user, Role.EDITOR):
        raise PermissionDenied(_("Only editors %(action)s.") % {"action": action})


def _known(fields: dict[str, Any], editable: tuple[str, ...], what: str) -> None:
    unknown = set(fields) - set(editable)
    if unknown:
        raise ValidationError(
            _("These fields of a %(what)s cannot be changed: %(fields)s.")
            % {"what": what, "fields": ", ".join(sorted(unknown))}
        )


def _updated(row, by: User, action: str, fields: dict[str, Any]):
    """Save the changed fields of a row locked for the change, as one revision."""
    with pghistory.context(user=by.pk, action=action):
        for name, value in fields.items():
            setattr(row, name, value)
        row.full_clean()
        row.save()
    return row


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


def source_update(*, source: Source, by: User, fields: dict[str, Any]) -> Source:
    """Correct a source (its name, kind, reliability grade …): editors, since every claim citing it is weighed by it."""
    _require_editor(by, _("change sources"))
    _known(fields, SOURCE_EDITABLE_FIELDS, _("source"))
    with transaction.atomic():
        return _updated(Source.objects.select_for_update().get(pk=source.pk), by, "source.update", fields)


def document_create(*, by: User, fields: dict[str, Any]) -> Document:
    """Record one document of a source (with its snapshot, whose SHA-256 the model derives)."""
    _require_staff(by, _("add documents"))
    return _created(Document, by, "document.create", fields)


def document_update(*, document: Document, by: User, fields: dict[str, Any]) -> Document:
    """Correct a document's description (title, link, author, dates, excerpt): editors only. Its source and its
    archived snapshot stay as recorded: cite another document with a new claim instead."""
    _require_editor(by, _("change documents"))
    _known(fields, DOCUMENT_EDITABLE_FIELDS, _("document"))
    with transaction.atomic():
        return _updated(Document.objects.select_for_update().get(pk=document.pk), by, "document.update", fields)


def claim_create(
    *, by: User, document: Document, incident: Incident | None, fields: dict[str, Any], actors: Iterable[Actor] = ()
) -> Claim:
    """Record what a document asserts, about an incident or (with none) as an aggregate figure.

    A claim about an incident is part of the incident's evidence, so only someone who may edit the incident may
    add one: an analyst to a draft or returned incident, an editor also to a submitted or published one.
    """
    _require_staff(by, _("add claims"))
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
    _known(fields, CLAIM_EDITABLE_FIELDS, _("claim"))
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
    _require_staff(by, _("change claims"))
    if claim.incident is not None:
        incident_require_editable(claim.incident, by, _("change claims of"))
    raise PermissionDenied(
        _("This claim is %(status)s: only an editor may change it, as a new review.")
        % {"status": claim.get_review_status_display().lower()}
    )


def claim_review(*, claim: Claim, by: User, status: str, note: str = "") -> Claim:
    """Record an editor's verdict on a claim: accepted, rejected or disputed, with a note."""
    _require_editor(by, _("review claims"))
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
