"""Creating and editing an incident: its fields and parts saved against the version they were based on, a revert
to an earlier version, and the form's one save with the sources, documents and claims entered alongside.
"""

from typing import Any

import pghistory
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from conflict_tracker.exceptions import EditConflict
from conflict_tracker.incident_changes import incident_changes_announce
from conflict_tracker.roles import Role, has_role

from ..choices import IncidentStatus
from ..models import INCIDENT_FACTS, Incident
from .codes import incident_codes_reserve
from .parts import IncidentParts, _recount_fatalities, _write_parts

EDITABLE_FIELDS = ("title", "notes", *INCIDENT_FACTS)


def _require_role(user: User, *roles: Role, action: str) -> None:
    if not has_role(user, *roles):
        raise PermissionDenied(_("Your role may not %(action)s.") % {"action": action})


def _validated(incident: Incident, derived: bool = False) -> None:
    """Validated as saved; `derived` (a merge, made of incidents the constraints held for): its fields only, the
    database checking its constraints again."""
    incident.full_clean(
        exclude=["code", "created_by", "search_vector"], validate_unique=False, validate_constraints=not derived
    )


def incident_create(*, by: User, fields: dict[str, Any], parts: IncidentParts | None = None) -> Incident:
    """Create a draft incident with its parts; its code (MLI-2025-0042) comes from its country and start year."""
    _require_role(by, Role.ANALYST, Role.EDITOR, action=_("create incidents"))
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown incident fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    with transaction.atomic(), pghistory.context(user=by.pk, action="incident.create"):
        incident = Incident(created_by=by, **fields)
        _validated(incident)
        (incident.code,) = incident_codes_reserve([(incident.country, incident.start_date.year)])
        incident.save()
        if parts is not None:
            _write_parts(incident, parts)
            _recount_fatalities(incident)
    return incident


# What each role may edit, by the incident's state: analysts their own work in progress, editors anything not yet
# withdrawn from the record (a retracted incident is kept as it was retracted), merged records included.
ANALYST_EDITABLE = frozenset({IncidentStatus.DRAFT, IncidentStatus.RETURNED})
EDITOR_EDITABLE = frozenset(
    {
        IncidentStatus.DRAFT,
        IncidentStatus.SUBMITTED,
        IncidentStatus.RETURNED,
        IncidentStatus.PUBLISHED,
        IncidentStatus.MERGED,
    }
)
# The states whose changes reach what is derived from the incidents (tallies, match candidates, the incident a
# merged record is counted in).
ANNOUNCED = frozenset({IncidentStatus.PUBLISHED, IncidentStatus.MERGED})


def incident_works_on(incident: Incident, user: User) -> bool:
    """The incident is the user's to work on: any incident for an editor, only the ones they created for an analyst."""
    if has_role(user, Role.EDITOR):
        return True
    return has_role(user, Role.ANALYST) and incident.created_by_id == user.pk


def incident_editable_by(incident: Incident, user: User) -> bool:
    """The one rule for who may change an incident, its parts and its evidence: analysts their own drafts and
    returned incidents, editors any incident that is a draft, submitted, returned or published."""
    if not incident_works_on(incident, user):
        return False
    return incident.status in (EDITOR_EDITABLE if has_role(user, Role.EDITOR) else ANALYST_EDITABLE)


def incident_require_editable(incident: Incident, user: User, action: str) -> None:
    """Raise PermissionDenied, saying why, unless incident_editable_by()."""
    if incident_editable_by(incident, user):
        return
    if incident.status in ANALYST_EDITABLE and has_role(user, Role.ANALYST):
        raise PermissionDenied(
            _("%(code)s is another analyst's: you may not %(action)s it.") % {"code": incident.code, "action": action}
        )
    raise PermissionDenied(
        _("Your role may not %(action)s an incident that is %(status)s.")
        % {"action": action, "status": incident.get_status_display()}
    )


def incident_update(
    *,
    incident: Incident,
    by: User,
    expected_version: int,
    fields: dict[str, Any] | None = None,
    parts: IncidentParts | None = None,
) -> Incident:
    """Save changes made to `expected_version`; if the incident has moved on since, raise EditConflict.

    The version check and the write are one conditional UPDATE, which also locks the row until commit, so of
    two concurrent saves of the same version exactly one wins and the other is told.
    """
    return _save(
        incident,
        by=by,
        expected_version=expected_version,
        fields=fields or {},
        parts=parts,
        context={"action": "incident.update"},
    )


def incident_revert(*, incident: Incident, by: User, to_version: int, expected_version: int) -> Incident:
    """Bring back the incident's fields and parts as they were at `to_version`, as a new revision.

    The workflow state stays as it is: a revert undoes edits, not reviews.
    """
    from ..selectors import incident_state_at  # selectors build on this module's dataclasses

    _require_role(by, Role.EDITOR, action=_("revert incidents"))
    fields, parts = incident_state_at(incident, to_version)
    return _save(
        incident,
        by=by,
        expected_version=expected_version,
        fields=fields,
        parts=parts,
        context={"action": "incident.revert", "reverted_to": to_version},
    )


def _save(
    incident: Incident,
    *,
    by: User,
    expected_version: int,
    fields: dict[str, Any],
    parts: IncidentParts | None,
    context: dict[str, Any],
) -> Incident:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown incident fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    incident_require_editable(incident, by, _("edit"))
    with transaction.atomic(), pghistory.context(user=by.pk, **context):
        candidate = Incident.objects.get(pk=incident.pk)
        counted = candidate.status in ANNOUNCED
        for name, value in fields.items():
            setattr(candidate, name, value)
        _validated(candidate)
        changed = {name: getattr(candidate, name) for name in fields}
        updated = Incident.objects.filter(pk=incident.pk, version=expected_version).update(
            **changed, version=F("version") + 1, updated_at=timezone.now()
        )
        if updated != 1:
            raise EditConflict(Incident.objects.get(pk=incident.pk), expected_version)
        if parts is not None:
            _write_parts(candidate, parts)
            _recount_fatalities(candidate)
        if counted:
            incident_changes_announce([candidate.pk])
    incident.refresh_from_db()
    return incident
