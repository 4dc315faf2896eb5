from django.contrib import admin

from .models import Actor, ActorAlias, ActorRelation


class ActorAliasInline(admin.TabularInline):
    model = ActorAlias
    fields = ("name", "valid_from", "valid_until", "note")
    extra = 0


class ActorRelationInline(admin.TabularInline):
    model = ActorRelation
    fk_name = "subject"
    fields = ("kind", "object", "valid_from", "valid_until", "note")
    autocomplete_fields = ("object",)
    extra = 0


@admin.register(Actor)
class ActorAdmin(admin.ModelAdmin):
    list_display = ("name", "acronym", "kind", "country", "active_from", "active_until", "needs_review", "review_note")
    list_filter = ("kind", "needs_review", "country")
    search_fields = ("name", "acronym", "aliases__name")
    readonly_fields = ("created_at", "updated_at")
    inlines = (ActorAliasInline, ActorRelationInline)


@admin.register(ActorAlias)
class ActorAliasAdmin(admin.ModelAdmin):
    list_display = ("name", "actor", "valid_from", "valid_until")
    list_select_related = ("actor",)
    search_fields = ("name", "actor__name", "actor__acronym")
    autocomplete_fields = ("actor",)
    readonly_fields = ("normalized_name",)


@admin.register(ActorRelation)
class ActorRelationAdmin(admin.ModelAdmin):
    list_display = ("subject", "kind", "object", "valid_from", "valid_until")
    list_select_related = ("subject", "object")
    list_filter = ("kind",)
    search_fields = ("subject__name", "subject__acronym", "object__name", "object__acronym")
    autocomplete_fields = ("subject", "object")
