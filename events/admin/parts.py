"""Parts of incidents (casualty records, named victims, property harm), each on its own page."""

from operator import attrgetter

from django import forms
from django.contrib import admin
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from conflict_tracker.admin import ServiceForm, kept_forms
from events import services
from events.choices import ParticipantRole
from events.models import (
    CasualtyClaim,
    CasualtyPerpetrator,
    CasualtyRecord,
    Incident,
    IncidentParticipant,
    NamedVictim,
    PropertyHarm,
    PropertyHarmClaim,
)
from events.services import (
    CASUALTY_COLUMNS,
    PROPERTY_HARM_COLUMNS,
    VICTIM_COLUMNS,
    CasualtyData,
    IncidentParts,
    PropertyHarmData,
    VictimData,
)
from sources.models import Claim

from .base import CurrentParts, PartInline, ServiceSaveAdmin, cleaned_values, nth_id, put_part

# Parts of incidents, each on its own page


class PartForm(ServiceForm):
    """A part's form, carrying the version of its incident that the page showed."""

    incident_path = "incident"
    incident_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["incident_version"].initial = self.incident().version
            self.fields["incident_version"].required = True

    def incident(self) -> Incident:
        return attrgetter(self.incident_path)(self.instance)


class IncidentPartAdmin(ServiceSaveAdmin):
    """A part is saved by sending its incident's parts, with this one changed or added, to incident_update()."""

    form = PartForm
    # A part stays with its incident: moving it would change two incidents.
    parent_field = "incident"
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return (self.parent_field,) if obj else ()

    def response_change(self, request, obj):
        response = super().response_change(request, obj)
        if "_continue" not in request.POST:
            return response
        # The saved part has a new id (the parts were written again): continue on its page, not the old id's.
        url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])
        return HttpResponseRedirect(
            add_preserved_filters({"preserved_filters": self.get_preserved_filters(request), "opts": self.opts}, url)
        )

    def save_parts(self, request, form: PartForm, parts: IncidentParts) -> Incident:
        incident = form.incident()
        loaded_version = form.cleaned_data.get("incident_version")
        return self.call_service(
            services.incident_update,
            incident=incident,
            by=request.user,
            expected_version=incident.version if loaded_version is None else loaded_version,
            parts=parts,
        )


class ClaimChoiceInline(PartInline):
    """Links to claims, offered among the claims about the record's incident."""

    fields = ("claim",)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.base_fields["claim"].queryset = Claim.objects.filter(incident=obj.incident_id).select_related(
            "document__source"
        )
        return formset


class CasualtyPerpetratorInline(PartInline):
    model = CasualtyPerpetrator
    fk_name = "casualty_record"
    fields = ("participant",)
    verbose_name = _("perpetrator")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.base_fields["participant"].queryset = IncidentParticipant.objects.filter(
            incident=obj.incident_id, role=ParticipantRole.PERPETRATOR
        ).select_related("actor")
        return formset

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("participant__actor")


class CasualtyClaimInline(ClaimChoiceInline):
    model = CasualtyClaim
    verbose_name = _("claim")


class NamedVictimInline(PartInline):
    model = NamedVictim
    fields = VICTIM_COLUMNS


class CasualtyRecordForm(PartForm):
    class Meta:
        model = CasualtyRecord
        fields = ("incident", *CASUALTY_COLUMNS)


@admin.register(CasualtyRecord)
class CasualtyRecordAdmin(IncidentPartAdmin):
    form = CasualtyRecordForm
    list_display = ("id", "incident", "harm", "victim_status", "count_low", "count_best", "count_high")
    list_select_related = ("incident",)
    list_filter = ("harm", "victim_status", "incident__status")
    search_fields = ("=incident__code",)
    autocomplete_fields = ("incident",)
    fields = ("incident", *CASUALTY_COLUMNS, "incident_version")

    def get_inlines(self, request, obj):
        # Perpetrators and claims are chosen among the incident's, so they wait until the record exists.
        if obj is None:
            return (NamedVictimInline,)
        return (CasualtyPerpetratorInline, CasualtyClaimInline, NamedVictimInline)

    def save_related(self, request, form, formsets, change):
        record = form.instance
        current = CurrentParts.of(record.incident)
        data = CasualtyData(
            **cleaned_values(form, CASUALTY_COLUMNS),
            id=record.pk,
            perpetrators=[link.cleaned_data["participant"].actor for link in kept_forms(formsets, CasualtyPerpetrator)],
            claims=[link.cleaned_data["claim"] for link in kept_forms(formsets, CasualtyClaim)],
            named_victims=[
                VictimData(**cleaned_values(victim, VICTIM_COLUMNS), id=victim.instance.pk)
                for victim in kept_forms(formsets, NamedVictim)
            ],
        )
        index = put_part(current.parts.casualty_records, current.record_ids, record.pk, data)
        self.save_parts(request, form, current.parts)
        record.pk = nth_id(CasualtyRecord.objects.filter(incident=record.incident_id), index)


class NamedVictimForm(PartForm):
    incident_path = "casualty_record.incident"

    class Meta:
        model = NamedVictim
        fields = ("casualty_record", *VICTIM_COLUMNS)


@admin.register(NamedVictim)
class NamedVictimAdmin(IncidentPartAdmin):
    form = NamedVictimForm
    parent_field = "casualty_record"
    list_display = ("name", "sex", "age", "age_band", "community", "incident_code")
    list_select_related = ("casualty_record__incident",)
    list_filter = ("sex", "age_band", "casualty_record__harm")
    search_fields = ("name", "community", "=casualty_record__incident__code")
    raw_id_fields = ("casualty_record",)
    fields = ("casualty_record", *VICTIM_COLUMNS, "incident_version")

    @admin.display(description=_("incident"), ordering="casualty_record__incident__code")
    def incident_code(self, victim: NamedVictim) -> str:
        return victim.casualty_record.incident.code

    def save_related(self, request, form, formsets, change):
        victim = form.instance
        current = CurrentParts.of(victim.casualty_record.incident)
        record_index = current.record_ids.index(victim.casualty_record_id)
        index = put_part(
            current.parts.casualty_records[record_index].named_victims,
            current.victim_ids[victim.casualty_record_id],
            victim.pk,
            VictimData(**cleaned_values(form, VICTIM_COLUMNS), id=victim.pk),
        )
        incident = self.save_parts(request, form, current.parts)
        victim.casualty_record_id = nth_id(CasualtyRecord.objects.filter(incident=incident), record_index)
        victim.pk = nth_id(NamedVictim.objects.filter(casualty_record=victim.casualty_record_id), index)


class PropertyHarmClaimInline(ClaimChoiceInline):
    model = PropertyHarmClaim
    verbose_name = _("claim")


class PropertyHarmForm(PartForm):
    class Meta:
        model = PropertyHarm
        fields = ("incident", *PROPERTY_HARM_COLUMNS)


@admin.register(PropertyHarm)
class PropertyHarmAdmin(IncidentPartAdmin):
    form = PropertyHarmForm
    list_display = ("id", "incident", "kind", "harm", "count_low", "count_best", "count_high")
    list_select_related = ("incident",)
    list_filter = ("kind", "harm", "incident__status")
    search_fields = ("=incident__code",)
    autocomplete_fields = ("incident",)
    fields = ("incident", *PROPERTY_HARM_COLUMNS, "incident_version")

    def get_inlines(self, request, obj):
        return () if obj is None else (PropertyHarmClaimInline,)

    def save_related(self, request, form, formsets, change):
        harm = form.instance
        current = CurrentParts.of(harm.incident)
        data = PropertyHarmData(
            **cleaned_values(form, PROPERTY_HARM_COLUMNS),
            id=harm.pk,
            claims=[link.cleaned_data["claim"] for link in kept_forms(formsets, PropertyHarmClaim)],
        )
        index = put_part(current.parts.property_harms, current.property_harm_ids, harm.pk, data)
        self.save_parts(request, form, current.parts)
        harm.pk = nth_id(PropertyHarm.objects.filter(incident=harm.incident_id), index)
