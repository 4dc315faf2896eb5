"""The admin of claims: every save is a call to events.services, which decide who may change what (a claim follows
its incident's rules; a reviewed claim changes only as a new review; a claim never moves to another incident), and
nothing is deleted."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from conflict_tracker.admin import ServiceSaveAdmin, changed_fields, kept_forms, service_error_message
from sources.choices import ReviewStatus
from sources.models import Claim, ClaimActor

from .. import services


class ClaimActorInline(admin.TabularInline):
    model = ClaimActor
    autocomplete_fields = ("actor",)
    extra = 0


CLAIM_REVIEW_FIELDS = ("review_status", "reviewed_by", "reviewed_at", "review_note", "created_at")


class ClaimReviewForm(ActionForm):
    note = forms.CharField(
        label=_("Review note"), required=False, help_text=_("Required to reject a claim or mark it disputed.")
    )


@admin.register(Claim)
class ClaimAdmin(ServiceSaveAdmin):
    list_display = (
        "__str__",
        "incident",
        "measure",
        "harm",
        "victim_status",
        "figure_best",
        "review_status",
        "reviewed_by",
    )
    list_select_related = ("document__source", "incident", "reviewed_by")
    list_filter = ("review_status", "measure", "harm", "victim_status", "document__source__kind")
    search_fields = ("quote", "document__title", "document__source__name", "=incident__code")
    autocomplete_fields = ("document", "incident")
    fields = ("document", "incident", *services.CLAIM_EDITABLE_FIELDS, *CLAIM_REVIEW_FIELDS)
    inlines = (ClaimActorInline,)
    action_form = ClaimReviewForm
    actions = ("accept", "reject", "mark_disputed")
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        # A claim stays with its document and its incident; its review changes through the review actions.
        return CLAIM_REVIEW_FIELDS if obj is None else ("document", "incident", *CLAIM_REVIEW_FIELDS)

    def save_related(self, request, form, formsets, change):
        claim = form.instance
        actors = None
        if any(formset.has_changed() for formset in formsets):
            actors = [link.cleaned_data["actor"] for link in kept_forms(formsets, ClaimActor)]
        if change:
            fields = changed_fields(form, services.CLAIM_EDITABLE_FIELDS)
            if fields or actors is not None:
                self.call_service(services.claim_update, claim=claim, by=request.user, fields=fields, actors=actors)
            return
        created = self.call_service(
            services.claim_create,
            by=request.user,
            document=form.cleaned_data["document"],
            incident=form.cleaned_data["incident"],
            fields={name: form.cleaned_data[name] for name in services.CLAIM_EDITABLE_FIELDS},
            actors=actors or [],
        )
        self.adopt(claim, created)

    @admin.action(description=_("Accept the selected claims"), permissions=["change"])
    def accept(self, request, queryset):
        self._review(request, queryset, ReviewStatus.ACCEPTED)

    @admin.action(description=_("Reject the selected claims (give a note)"), permissions=["change"])
    def reject(self, request, queryset):
        self._review(request, queryset, ReviewStatus.REJECTED)

    @admin.action(description=_("Mark the selected claims disputed (give a note)"), permissions=["change"])
    def mark_disputed(self, request, queryset):
        self._review(request, queryset, ReviewStatus.DISPUTED)

    def _review(self, request, queryset, status: ReviewStatus) -> None:
        note = request.POST.get("note", "")
        reviewed = 0
        for claim in queryset:
            try:
                services.claim_review(claim=claim, by=request.user, status=status, note=note)
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(
                    request,
                    _("Claim %(id)s: %(error)s") % {"id": claim.pk, "error": service_error_message(exc)},
                    level=messages.ERROR,
                )
            else:
                reviewed += 1
        if reviewed:
            self.message_user(
                request,
                ngettext("%(count)d claim marked %(status)s.", "%(count)d claims marked %(status)s.", reviewed)
                % {"count": reviewed, "status": status.label.lower()},
                level=messages.SUCCESS,
            )
