from django.contrib import admin

from .models import ActorSet


@admin.register(ActorSet)
class ActorSetAdmin(admin.ModelAdmin):
    """Named sets of actors tallied together; the next full rebuild (or manage.py rebuild_tallies) counts them."""

    list_display = ("name", "description")
    search_fields = ("name", "members__name")
    filter_horizontal = ("members",)
