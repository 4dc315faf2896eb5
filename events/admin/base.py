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

from events import services
from events.models import Incident
from events.selectors import incident_parts
from events.services import IncidentParts
from sources.admin import service_error_message

SERVICE_ERRORS = (ValidationError, PermissionDenied, services.EditConflict, services.TransitionNotAllowed)
REVISIONS_SHOWN = 30
REVISION_COLUMNS = (_("when"), _("who"), _("what"), _("record"), _("changes"))
COMPACT_TEXT = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 1, "cols": 30})}}


def cleaned_values(form: forms.Form, names: tuple[str, ...]) -> dict:
    return {name: form.cleaned_data[name] for name in names}


def kept_forms(formsets, model: type[models.Model]) -> list[forms.ModelForm]:
    """The forms of the model's inline that stay: filled in and not marked for deletion."""
    return [
        form
        for formset in formsets
        if formset.model is model
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


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


class _Refused(Exception):
    """A service refused a save made in the admin."""

    def __init__(self, error: Exception):
        super().__init__(str(error))
        self.error = error


class ServiceForm(forms.ModelForm):
    """Shows, as form errors, a service's refusal of the previous attempt to save this form."""

    refusal: Exception | None = None

    def clean(self):
        cleaned_data = super().clean()
        if self.refusal is not None:
            error = self.refusal
            if not isinstance(error, ValidationError):
                error = ValidationError(service_error_message(error))
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
            else:
                self.add_error(None, error)
        return cleaned_data


class ServiceSaveAdmin(admin.ModelAdmin):
    """An admin whose saves are one service call, made in save_related() where the inlines are at hand.

    Django gives save_model() no way to report an error, so a refusal (an edit conflict, a rule, a permission)
    unwinds the admin's transaction and the same POST is rendered again with the refusal on the form: nothing
    typed is lost and nothing is half-written.
    """

    form = ServiceForm

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _Refused as refused:
            request.admin_refusal = refused.error
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.refusal = getattr(request, "admin_refusal", None)
        return form

    def save_model(self, request, obj, form, change):
        """Nothing is written here: save_related() makes the one service call."""

    def construct_change_message(self, request, form, formsets, add=False):
        # The inline formsets are never saved (the service writes the parts), so only the form is described;
        # the revisions hold every detail.
        return super().construct_change_message(request, form, [], add)

    def has_delete_permission(self, request, obj=None):
        # Incidents are never deleted (a published one is retracted); a part is deleted from its parent's page.
        return False

    @staticmethod
    def call_service(service, **kwargs):
        try:
            return service(**kwargs)
        except SERVICE_ERRORS as exc:
            raise _Refused(exc) from exc


class PartInline(admin.TabularInline):
    """An incident part edited on its parent's page; deleting one is a change to the incident, not a delete."""

    extra = 0
    formfield_overrides = COMPACT_TEXT

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)
