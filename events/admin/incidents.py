"""The incident admin: fields, parts as inlines, workflow actions and revisions."""

import dataclasses

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.utils import flatten
from django.contrib.auth import get_user_model
from django.contrib.postgres.search import SearchQuery
from django.db.models import Q
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from pghistory.models import Events

from conflict_tracker.admin import ServiceForm, kept_forms, service_error_message
from events import services
from events.models import (
    CasualtyRecord,
    Incident,
    IncidentParticipant,
    PropertyHarm,
)
from events.services import (
    CASUALTY_COLUMNS,
    PARTICIPANT_COLUMNS,
    PROPERTY_HARM_COLUMNS,
    CasualtyData,
    IncidentParts,
    ParticipantData,
    PropertyHarmData,
)

from .base import (
    REVISION_COLUMNS,
    REVISIONS_SHOWN,
    SERVICE_ERRORS,
    CurrentParts,
    PartInline,
    ServiceSaveAdmin,
    cleaned_values,
)

# Incidents


class IncidentParticipantInline(PartInline):
    model = IncidentParticipant
    fields = PARTICIPANT_COLUMNS
    autocomplete_fields = ("actor",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class CasualtyRecordInline(PartInline):
    model = CasualtyRecord
    fields = CASUALTY_COLUMNS
    # Perpetrators, claims and named victims are edited on the record's own page.
    show_change_link = True


class PropertyHarmInline(PartInline):
    model = PropertyHarm
    fields = PROPERTY_HARM_COLUMNS
    show_change_link = True


class IncidentForm(ServiceForm):
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Incident
        fields = services.EDITABLE_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The version this page shows; the service refuses the save if the incident moved on since.
            self.fields["loaded_version"].initial = self.instance.version
            self.fields["loaded_version"].required = True


class IncidentActionForm(ActionForm):
    comment = forms.CharField(
        label=_("Comment or reason"), required=False, help_text=_("Required to return or retract incidents.")
    )


INCIDENT_WORKFLOW_FIELDS = (
    ("code", "status", "version"),
    ("return_comment", "retraction_reason"),
    ("created_by", "created_at", "updated_at"),
    ("submitted_at", "published_at", "retracted_at"),
)
INCIDENT_FATALITY_FIELDS = ("fatalities_low", "fatalities_best", "fatalities_high")
INCIDENT_EDITABLE_FIELDSETS = (
    (None, {"fields": ("title", "notes")}),
    (_("When"), {"fields": (("start_date", "end_date", "date_precision"),)}),
    (
        _("Where"),
        {
            "fields": (
                "country",
                ("admin1", "admin2", "admin3"),
                "location_name",
                ("latitude", "longitude"),
                "geo_precision",
            )
        },
    ),
    (_("What"), {"fields": (("event_type", "sub_event_type"), "violence_type", "civilian_targeting")}),
)


@admin.register(Incident)
class IncidentAdmin(ServiceSaveAdmin):
    form = IncidentForm
    list_display = (
        "code",
        "title",
        "status",
        "start_date",
        "country",
        "admin1",
        "event_type",
        "fatalities_best",
        "created_by",
        "updated_at",
    )
    list_display_links = ("code", "title")
    list_select_related = ("created_by",)
    list_filter = ("status", "event_type", "civilian_targeting", "violence_type", "start_date", "country")
    # Declared for the search box and the incident autocompletes; get_search_results() does the searching.
    search_fields = ("=code", "title")
    show_full_result_count = False
    readonly_fields = (*flatten(INCIDENT_WORKFLOW_FIELDS), *INCIDENT_FATALITY_FIELDS, "revisions")
    add_fieldsets = INCIDENT_EDITABLE_FIELDSETS
    fieldsets = (
        (_("Workflow"), {"fields": (*INCIDENT_WORKFLOW_FIELDS, "loaded_version")}),
        *INCIDENT_EDITABLE_FIELDSETS,
        (_("Fatalities: the sums of the killed records"), {"fields": (INCIDENT_FATALITY_FIELDS,)}),
        (_("Revisions"), {"fields": ("revisions",)}),
    )
    inlines = (IncidentParticipantInline, CasualtyRecordInline, PropertyHarmInline)
    action_form = IncidentActionForm
    actions = ("submit", "publish", "return_to_analyst", "reopen", "retract")

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.fieldsets

    def get_search_results(self, request, queryset, search_term):
        # Full-text search on the indexed search vector: an ILIKE scan of millions of titles is too slow.
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(Q(code=term.upper()) | Q(search_vector=SearchQuery(term, config="simple"))), False

    def save_related(self, request, form, formsets, change):
        incident = form.instance
        parts = self._parts_from_inlines(incident, formsets)
        if not change:
            created = self.call_service(
                services.incident_create,
                by=request.user,
                fields=cleaned_values(form, services.EDITABLE_FIELDS),
                parts=parts,
            )
            self.adopt(incident, created)
            return
        fields = {name: form.cleaned_data[name] for name in services.EDITABLE_FIELDS if name in form.changed_data}
        if fields or parts is not None:
            self.call_service(
                services.incident_update,
                incident=incident,
                by=request.user,
                expected_version=form.cleaned_data["loaded_version"],
                fields=fields,
                parts=parts,
            )

    @staticmethod
    def _parts_from_inlines(incident: Incident, formsets) -> IncidentParts | None:
        """The parts as the inlines left them, or None if no inline changed (the parts are then not rewritten).

        An unchanged inline keeps the current parts of its kind, with their perpetrators, claims and named
        victims, which the inlines do not show.
        """
        changed = {formset.model for formset in formsets if formset.has_changed()}
        if not changed:
            return None
        current = CurrentParts.of(incident)
        parts = current.parts
        if IncidentParticipant in changed:
            parts.participants = [
                ParticipantData(**cleaned_values(form, PARTICIPANT_COLUMNS), id=form.instance.pk)
                for form in kept_forms(formsets, IncidentParticipant)
            ]
        if CasualtyRecord in changed:
            records = dict(zip(current.record_ids, parts.casualty_records, strict=True))
            parts.casualty_records = [
                dataclasses.replace(records[form.instance.pk], **cleaned_values(form, CASUALTY_COLUMNS))
                if form.instance.pk in records
                else CasualtyData(**cleaned_values(form, CASUALTY_COLUMNS))
                for form in kept_forms(formsets, CasualtyRecord)
            ]
        if PropertyHarm in changed:
            harms = dict(zip(current.property_harm_ids, parts.property_harms, strict=True))
            parts.property_harms = [
                dataclasses.replace(harms[form.instance.pk], **cleaned_values(form, PROPERTY_HARM_COLUMNS))
                if form.instance.pk in harms
                else PropertyHarmData(**cleaned_values(form, PROPERTY_HARM_COLUMNS))
                for form in kept_forms(formsets, PropertyHarm)
            ]
        return parts

    @admin.display(description=_("latest revisions of the incident, its parts and its claims"))
    def revisions(self, incident: Incident) -> str:
        # Two queries whatever the length of the history: the events, then their users.
        events = list(Events.objects.references(incident).order_by("-pgh_created_at", "-pgh_id")[:REVISIONS_SHOWN])
        contexts = [event.pgh_context or {} for event in events]
        users = get_user_model().objects.in_bulk({context["user"] for context in contexts if context.get("user")})
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    date_format(localtime(event.pgh_created_at), "SHORT_DATETIME_FORMAT"),
                    users.get(context.get("user"), "-"),
                    ": ".join(filter(None, [context.get("action"), event.pgh_label])),
                    apps.get_model(event.pgh_model).pgh_tracked_model._meta.verbose_name,
                    _diff_text(event.pgh_diff),
                )
                for event, context in zip(events, contexts, strict=True)
            ),
        )
        all_url = (
            reverse("admin:pghistory_events_changelist")
            + "?"
            + urlencode({"method": "references", "obj": f"{Incident._meta.label}:{incident.pk}"})
        )
        header = format_html_join("", "<th>{}</th>", ((label,) for label in REVISION_COLUMNS))
        return format_html(
            '<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table><p><a href="{}">{}</a></p>',
            header,
            rows,
            all_url,
            _("All revisions"),
        )

    @admin.action(description=_("Submit for review"), permissions=["change"])
    def submit(self, request, queryset):
        self._apply(request, queryset, services.incident_submit, _("submitted"))

    @admin.action(description=_("Publish"), permissions=["change"])
    def publish(self, request, queryset):
        self._apply(request, queryset, services.incident_publish, _("published"))

    @admin.action(description=_("Return to the analyst (give a comment)"), permissions=["change"])
    def return_to_analyst(self, request, queryset):
        comment = request.POST.get("comment", "")
        self._apply(request, queryset, services.incident_return, _("returned"), comment=comment)

    @admin.action(description=_("Reopen as draft"), permissions=["change"])
    def reopen(self, request, queryset):
        self._apply(request, queryset, services.incident_reopen, _("reopened"))

    @admin.action(description=_("Retract (give the reason)"), permissions=["change"])
    def retract(self, request, queryset):
        reason = request.POST.get("comment", "")
        self._apply(request, queryset, services.incident_retract, _("retracted"), reason=reason)

    def _apply(self, request, queryset, service, done: str, **kwargs) -> None:
        """Run one workflow service per incident; each refusal is reported, the others still go ahead."""
        count = 0
        for incident in queryset:
            try:
                service(incident=incident, by=request.user, **kwargs)
            except SERVICE_ERRORS as exc:
                self.message_user(request, f"{incident.code}: {service_error_message(exc)}", level=messages.ERROR)
            else:
                count += 1
        if count:
            self.message_user(
                request,
                ngettext("%(count)d incident %(done)s.", "%(count)d incidents %(done)s.", count)
                % {"count": count, "done": done},
                level=messages.SUCCESS,
            )


def _diff_text(diff: dict | None) -> str:
    if not diff:
        return ""
    return "; ".join(f"{field}: {_short(old)} → {_short(new)}" for field, (old, new) in diff.items())


def _short(value, limit: int = 60) -> str:
    text = "-" if value in (None, "") else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
