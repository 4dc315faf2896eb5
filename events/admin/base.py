"""The admin of incidents and their parts.

Every write goes through events.services: an incident's fields and parts through incident_create and
incident_update (with the version check), its workflow through admin actions. The services take an incident's
parts as a whole (IncidentParts), so saving one part here sends the incident's current parts with that part
changed.
"""

import dataclasses

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from conflict_tracker.admin import ServiceSaveAdmin as BaseServiceSaveAdmin
from conflict_tracker.exceptions import EditConflict, TransitionNotAllowed
from events.models import Incident
from events.selectors import incident_parts
from events.services import IncidentParts

SERVICE_ERRORS = (ValidationError, PermissionDenied, EditConflict, TransitionNotAllowed)
REVISIONS_SHOWN = 30
REVISION_COLUMNS = (_("when"), _("who"), _("what"), _("record"), _("changes"))
COMPACT_TEXT = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 1, "cols": 30})}}


def cleaned_values(form: forms.Form, names: tuple[str, ...]) -> dict:
    return {name: form.cleaned_data[name] for name in names}


def put_part(items: list, ids: list[int], pk: int | None, data) -> int:
    """Put data in place of the part with this id, or after the others for a new part; return its position."""
    if pk is None:
        items.append(data)
        return len(items) - 1
    index = ids.index(pk)
    items[index] = data
    return index


def nth_id(queryset: models.QuerySet, index: int) -> int:
    return queryset.order_by("pk").values_list("pk", flat=True)[index]


@dataclasses.dataclass
class CurrentParts:
    """An incident's parts as the services take them, in id order, with their ids.

    Parts carry their ids, so incident_update() updates them in place; a new part is appended and gets the
    largest id, so afterwards the n-th part given still has the n-th smallest id: that is how a part saved here
    is found again.
    """

    parts: IncidentParts
    record_ids: list[int]
    victim_ids: dict[int, list[int]]
    property_harm_ids: list[int]

    @classmethod
    def of(cls, incident: Incident) -> "CurrentParts":
        parts = incident_parts(incident) if incident.pk is not None else IncidentParts()
        return cls(
            parts=parts,
            record_ids=[record.id for record in parts.casualty_records],
            victim_ids={record.id: [victim.id for victim in record.named_victims] for record in parts.casualty_records},
            property_harm_ids=[harm.id for harm in parts.property_harms],
        )


class ServiceSaveAdmin(BaseServiceSaveAdmin):
    """Saves through events.services, whose refusals include an edit conflict and a workflow step out of turn."""

    service_errors = SERVICE_ERRORS


class PartInline(admin.TabularInline):
    """An incident part edited on its parent's page; deleting one is a change to the incident, not a delete."""

    extra = 0
    formfield_overrides = COMPACT_TEXT

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)
