"""Writes to sources and documents, and the checks every write to the evidence shares.

Who may change what: analysts and editors add sources and documents; only editors correct them afterwards (what
every claim citing them rests on). Claims, which belong to incidents, are written by events.services.claims.
"""

from typing import Any

import pghistory
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from conflict_tracker.roles import Role, has_role

from .models import Document, Source

# What stays as it was recorded: a document keeps its source and its archived snapshot (whose SHA-256 proves what was
# cited).
SOURCE_EDITABLE_FIELDS = (
    "name",
    "acronym",
    "kind",
    "reliability",
    "country",
    "language",
    "url",
    "description",
    "licence",
    "attribution",
    "redistributable",
)
DOCUMENT_EDITABLE_FIELDS = ("title", "url", "author", "published_on", "language", "accessed_on", "excerpt")


def require_staff(user: User, action: str) -> None:
    if not has_role(user, Role.ANALYST, Role.EDITOR):
        raise PermissionDenied(_("Your role may not %(action)s.") % {"action": action})


def require_editor(user: User, action: str) -> None:
    if not has_role(user, Role.EDITOR):
        raise PermissionDenied(_("Only editors %(action)s.") % {"action": action})


def require_known_fields(fields: dict[str, Any], editable: tuple[str, ...], what: str) -> None:
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
    require_staff(by, _("add sources"))
    return _created(Source, by, "source.create", fields)


def source_update(*, source: Source, by: User, fields: dict[str, Any]) -> Source:
    """Correct a source (its name, kind, reliability grade …): editors, since every claim citing it is weighed by it."""
    require_editor(by, _("change sources"))
    require_known_fields(fields, SOURCE_EDITABLE_FIELDS, _("source"))
    with transaction.atomic():
        return _updated(Source.objects.select_for_update().get(pk=source.pk), by, "source.update", fields)


def document_create(*, by: User, fields: dict[str, Any]) -> Document:
    """Record one document of a source (with its snapshot, whose SHA-256 the model derives)."""
    require_staff(by, _("add documents"))
    return _created(Document, by, "document.create", fields)


def document_update(*, document: Document, by: User, fields: dict[str, Any]) -> Document:
    """Correct a document's description (title, link, author, dates, excerpt): editors only. Its source and its
    archived snapshot stay as recorded: cite another document with a new claim instead."""
    require_editor(by, _("change documents"))
    require_known_fields(fields, DOCUMENT_EDITABLE_FIELDS, _("document"))
    with transaction.atomic():
        return _updated(Document.objects.select_for_update().get(pk=document.pk), by, "document.update", fields)
