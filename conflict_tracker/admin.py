"""The admin site and what every model admin that writes shares: saves are service calls, never model saves.

Analysts work in the app, not in the admin: the site lets in editors and admins only, and what they change here goes
through the same services (and is refused for the same reasons) as in the API and the browser form.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from conflict_tracker.roles import Role, has_role


class AdminSite(admin.AdminSite):
    def has_permission(self, request) -> bool:
        """Active staff accounts holding the editor or admin role (superusers are admins)."""
        return super().has_permission(request) and has_role(request.user, Role.EDITOR, Role.ADMIN)


def service_error_message(exc: Exception) -> str:
    """The text of a service's refusal, for an admin message."""
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or str(_("You may not do this."))


def kept_forms(formsets, model: type[models.Model]) -> list[forms.ModelForm]:
    """The forms of the model's inline that stay: filled in and not marked for deletion."""
    return [
        form
        for formset in formsets
        if formset.model is model
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


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
    typed is lost and nothing is half-written. Nothing is deleted here: records are corrected, rejected or
    retracted, never removed.
    """

    form = ServiceForm
    # The refusals a service may raise; an app adds its own (an edit conflict, a workflow step out of turn).
    service_errors: tuple[type[Exception], ...] = (ValidationError, PermissionDenied)

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
        # The inline formsets are never saved (the service writes them), so only the form is described; the
        # revisions hold every detail.
        return super().construct_change_message(request, form, [], add)

    def has_delete_permission(self, request, obj=None):
        return False

    def call_service(self, service, **kwargs):
        try:
            return service(**kwargs)
        except self.service_errors as exc:
            raise _Refused(exc) from exc

    @staticmethod
    def adopt(obj, saved) -> None:
        """Make the admin's unsaved object the row the service created: the admin logs and redirects to it."""
        for field in type(saved)._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False


def changed_fields(form, names: tuple[str, ...]) -> dict:
    """The fields among `names` that the admin form changed, with their new values: what an update service takes."""
    return {name: form.cleaned_data[name] for name in names if name in form.changed_data}
