from django.contrib import admin

from conflict_tracker.admin import ServiceSaveAdmin

from .models import ActorCrosswalk, ImportedEvent, ImportJob
from .services.actor_crosswalk import actor_crosswalk_create, actor_crosswalk_update


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


CROSSWALK_KEY_FIELDS = ("dataset", "name", "external_id")


@admin.register(ActorCrosswalk)
class ActorCrosswalkAdmin(ServiceSaveAdmin):
    """Editors tie the datasets' names to actors here as in the API, through the same services (an entry is matched
    once tied, unmatched once its actor is emptied); an entry keeps its dataset, name and id once added."""

    list_display = ("name", "dataset", "external_id", "actor", "matched", "by", "at")
    list_select_related = ("actor", "by")
    list_filter = ("dataset", "matched")
    search_fields = ("name", "external_id", "actor__name", "actor__acronym")
    autocomplete_fields = ("actor",)
    fields = (*CROSSWALK_KEY_FIELDS, "actor", "note", "matched", "by", "at")

    def get_readonly_fields(self, request, obj=None):
        return (*(CROSSWALK_KEY_FIELDS if obj is not None else ()), "matched", "by", "at")

    def save_related(self, request, form, formsets, change):
        data = form.cleaned_data
        actor = data["actor"].pk if data.get("actor") else None
        if change:
            self.call_service(
                actor_crosswalk_update, entry=form.instance.pk, by=request.user, actor=actor, note=data["note"]
            )
        else:
            fields = {name: data[name] for name in CROSSWALK_KEY_FIELDS}
            entry = self.call_service(actor_crosswalk_create, by=request.user, actor=actor, note=data["note"], **fields)
            self.adopt(form.instance, entry)
