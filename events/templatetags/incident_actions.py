"""Which workflow buttons an incident page shows: the same rules the form views apply."""

from django import template

from ..services import incident_editable_by, incident_submittable_by

register = template.Library()


@register.filter
def may_edit(incident, user) -> bool:
    return user.is_authenticated and incident_editable_by(incident, user)


@register.filter(name="may_submit")
def may_submit_filter(incident, user) -> bool:
    return user.is_authenticated and incident_submittable_by(incident, user)
