"""The workflow: submit, return, reopen, publish and retract, each a conditional update from the states it may
start from.
"""

from collections.abc import Iterable
from typing import Any

import pghistory
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from conflict_tracker.exceptions import EditConflict, TransitionNotAllowed
from conflict_tracker.incident_changes import incident_changes_announce
from conflict_tracker.roles import Role
from sources.choices import ReviewStatus

from ..choices import IncidentStatus
from ..models import Incident
from .incidents import _require_role, incident_works_on


def _transition(
    incident: Incident,
    *,
    by: User,
    action: str,
    from_statuses: Iterable[str],
    to_status: str,
    context: dict[str, Any] | None = None,
    **changes: Any,
) -> Incident:
    from_statuses = list(from_statuses)
    with transaction.atomic(), pghistory.context(user=by.pk, action=action, **(context or {})):
        updated = Incident.objects.filter(pk=incident.pk, status__in=from_statuses, version=incident.version).update(
            status=to_status, version=F("version") + 1, updated_at=timezone.now(), **changes
        )
        if updated != 1:
            current = Incident.objects.get(pk=incident.pk)
            if current.version != incident.version:
                raise EditConflict(current, incident.version)
            raise TransitionNotAllowed(
                _("%(code)s is %(status)s: it cannot be %(action)s from that state.")
                % {"code": current.code, "status": current.get_status_display(), "action": action.split(".")[-1]}
            )
        if IncidentStatus.PUBLISHED in (to_status, *from_statuses):
            # Entering or leaving the published record changes the tallies.
            incident_changes_announce([incident.pk])
    incident.refresh_from_db()
    return incident


def _require_works_on(incident: Incident, user: User, action: str) -> None:
    _require_role(user, Role.ANALYST, Role.EDITOR, action=action)
    if not incident_works_on(incident, user):
        raise PermissionDenied(
            _("%(code)s is another analyst's: only its author or an editor may %(action)s it.")
            % {"code": incident.code, "action": action}
        )


def incident_submittable_by(incident: Incident, user: User) -> bool:
    """Drafts go to review by their author or by an editor."""
    return incident.status == IncidentStatus.DRAFT and incident_works_on(incident, user)


def incident_submit(*, incident: Incident, by: User) -> Incident:
    """Send a draft to the editors; it needs a type and at least one source claim to review."""
    _require_works_on(incident, by, _("submit"))
    if not incident.event_type or not incident.sub_event_type:
        raise ValidationError(_("Choose an event type and sub-event type before submitting."))
    if not incident.claims.exists():
        raise ValidationError(_("Attach at least one source claim before submitting: editors review claims."))
    return _transition(
        incident,
        by=by,
        action="incident.submit",
        from_statuses=[IncidentStatus.DRAFT],
        to_status=IncidentStatus.SUBMITTED,
        submitted_at=timezone.now(),
        return_comment="",
    )


def incident_return(*, incident: Incident, by: User, comment: str) -> Incident:
    """Send a submitted incident back to its analyst with what to fix."""
    _require_role(by, Role.EDITOR, action=_("return incidents"))
    comment = comment.strip()
    if not comment:
        raise ValidationError({"comment": _("Say what needs fixing: a returned incident needs a comment.")})
    return _transition(
        incident,
        by=by,
        action="incident.return",
        from_statuses=[IncidentStatus.SUBMITTED],
        to_status=IncidentStatus.RETURNED,
        context={"comment": comment},
        return_comment=comment,
    )


def incident_reopen(*, incident: Incident, by: User) -> Incident:
    """Take a returned incident back to draft to work on the editor's comment (which stays visible)."""
    _require_works_on(incident, by, _("reopen"))
    return _transition(
        incident,
        by=by,
        action="incident.reopen",
        from_statuses=[IncidentStatus.RETURNED],
        to_status=IncidentStatus.DRAFT,
    )


def incident_publish(*, incident: Incident, by: User) -> Incident:
    """Publish a submitted incident; refused unless an editor accepted at least one of its claims."""
    _require_role(by, Role.EDITOR, action=_("publish incidents"))
    if not incident.claims.filter(review_status=ReviewStatus.ACCEPTED).exists():
        raise ValidationError(
            _("%(code)s has no accepted claim: accept a source claim before publishing.") % {"code": incident.code}
        )
    return _transition(
        incident,
        by=by,
        action="incident.publish",
        from_statuses=[IncidentStatus.SUBMITTED],
        to_status=IncidentStatus.PUBLISHED,
        published_at=timezone.now(),
    )


def incident_retract(*, incident: Incident, by: User, reason: str) -> Incident:
    """Withdraw a published incident from the public record; the record and the reason are kept."""
    _require_role(by, Role.EDITOR, action=_("retract incidents"))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for retracting: it is kept with the record.")})
    merged = list(incident.merged_records.values_list("code", flat=True))
    if merged:
        # It stands for these records: retracted, it would take them off the record with it, unsaid.
        raise ValidationError(
            _(
                "%(code)s counts the records %(records)s of one event: undo the decisions that merged them, then "
                "retract the records that are wrong."
            )
            % {"code": incident.code, "records": ", ".join(sorted(merged))}
        )
    return _transition(
        incident,
        by=by,
        action="incident.retract",
        from_statuses=[IncidentStatus.PUBLISHED],
        to_status=IncidentStatus.RETRACTED,
        context={"reason": reason},
        retraction_reason=reason,
        retracted_at=timezone.now(),
    )
