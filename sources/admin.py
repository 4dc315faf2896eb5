"""The admin of sources and documents: every save is a call to sources.services, which decide who may change what
(editors correct sources and documents), and nothing is deleted. Claims, an incident's evidence, are in events.admin."""

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from conflict_tracker.admin import ServiceSaveAdmin, changed_fields

from . import services
from .models import Document, Source

# A URL typed without a scheme is taken as https (Django 6's default, opted into now).
HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Source)
class SourceAdmin(ServiceSaveAdmin):
    list_display = ("name", "acronym", "kind", "reliability", "country", "language", "licence", "redistributable")
    list_filter = ("kind", "reliability", "country", "language", "redistributable")
    search_fields = ("name", "acronym")
    fields = services.SOURCE_EDITABLE_FIELDS
    formfield_overrides = HTTPS_URLS

    def save_related(self, request, form, formsets, change):
        source = form.instance
        if change:
            fields = changed_fields(form, services.SOURCE_EDITABLE_FIELDS)
            self.call_service(services.source_update, source=source, by=request.user, fields=fields)
        else:
            fields = {name: form.cleaned_data[name] for name in services.SOURCE_EDITABLE_FIELDS}
            self.adopt(source, self.call_service(services.source_create, by=request.user, fields=fields))


DOCUMENT_RECORDED_FIELDS = ("source", "snapshot_file", "snapshot_text")


@admin.register(Document)
class DocumentAdmin(ServiceSaveAdmin):
    list_display = ("title", "source", "published_on", "language", "accessed_on", "has_snapshot")
    list_select_related = ("source",)
    list_filter = ("source__kind", "language", "published_on")
    search_fields = ("title", "url", "author", "source__name", "source__acronym")
    autocomplete_fields = ("source",)
    fields = (*DOCUMENT_RECORDED_FIELDS, *services.DOCUMENT_EDITABLE_FIELDS, "snapshot_sha256", "created_at")
    date_hierarchy = "published_on"
    formfield_overrides = HTTPS_URLS

    def get_readonly_fields(self, request, obj=None):
        # A document keeps its source and its archived snapshot once recorded (document_update).
        recorded = DOCUMENT_RECORDED_FIELDS if obj is not None else ()
        return (*recorded, "snapshot_sha256", "created_at")

    def save_related(self, request, form, formsets, change):
        document = form.instance
        if change:
            fields = changed_fields(form, services.DOCUMENT_EDITABLE_FIELDS)
            self.call_service(services.document_update, document=document, by=request.user, fields=fields)
        else:
            names = (*DOCUMENT_RECORDED_FIELDS, *services.DOCUMENT_EDITABLE_FIELDS)
            fields = {name: form.cleaned_data[name] for name in names}
            self.adopt(document, self.call_service(services.document_create, by=request.user, fields=fields))

    @admin.display(boolean=True, description=_("snapshot"))
    def has_snapshot(self, document: Document) -> bool:
        return bool(document.snapshot_sha256)
