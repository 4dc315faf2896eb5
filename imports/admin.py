from django.contrib import admin

from .models import ImportedEvent, ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Jobs are written by the import only: the admin shows them."""

    list_display = ("pk", "kind", "file_name", "status", "dry_run", "user", "created", "updated", "error_count")
    list_filter = ("kind", "status", "dry_run")
    readonly_fields = [field.name for field in ImportJob._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ImportedEvent)
class ImportedEventAdmin(admin.ModelAdmin):
    """What each dataset event became, written by the import only: changed or deleted here, a re-import would
    duplicate the event or overwrite an incident it no longer owns."""

    list_display = ("external_id", "kind", "incident", "last_job")
    list_filter = ("kind",)
    search_fields = ("external_id", "incident__code")
    raw_id_fields = ("incident", "document", "claim", "casualty_record", "first_job", "last_job")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
