from django.contrib import admin

from .models import ActorSet


@admin.register(ActorSet)
class ActorSetAdmin(admin.ModelAdmin):
    """Named sets of actors tallied together (each tally is counted on request: a change here shows at once)."""

    list_display = ("name", "description")
    search_fields = ("name", "members__name")
    filter_horizontal = ("members",)
