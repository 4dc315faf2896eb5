from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .choices import ReviewStatus
from .models import Claim, ClaimActor, Document, Source
from .services import claim_review

# A URL typed without a scheme is taken as https (Django 6's default, opted into now).
HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}


def service_error_message(exc: Exception) -> str:
    """The text of a service's refusal, for an admin message."""
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or str(_("You may not do this."))


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("name", "acronym", "kind", "reliability", "country", "language")
    list_filter = ("kind", "reliability", "country", "language")
    search_fields = ("name", "acronym")
    formfield_overrides = HTTPS_URLS


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ("title", "source", "published_on", "language", "accessed_on", "has_snapshot")
    list_select_related = ("source",)
    list_filter = ("source__kind", "language", "published_on")
    search_fields = ("title", "url", "author", "source__name", "source__acronym")
    autocomplete_fields = ("source",)
    readonly_fields = ("snapshot_sha256", "created_at")
    date_hierarchy = "published_on"
    formfield_overrides = HTTPS_URLS

    @admin.display(boolean=True, description=_("snapshot"))
    def has_snapshot(self, document: Document) -> bool:
        return bool(document.snapshot_sha256)


class ClaimActorInline(admin.TabularInline):
    model = ClaimActor
    autocomplete_fields = ("actor",)
    extra = 0


class ClaimReviewForm(ActionForm):
    note = forms.CharField(
        label=_("Review note"), required=False, help_text=_("Required to reject a claim or mark it disputed.")
    )


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
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
    readonly_fields = ("review_status", "reviewed_by", "reviewed_at", "review_note", "created_at")
    inlines = (ClaimActorInline,)
    action_form = ClaimReviewForm
    actions = ("accept", "reject", "mark_disputed")
    show_full_result_count = False

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
                claim_review(claim=claim, by=request.user, status=status, note=note)
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
