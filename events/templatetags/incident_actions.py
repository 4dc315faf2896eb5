"""Which workflow buttons an incident page shows: the same rules the form views apply."""

from django import template

from ..services import incident_editable_by
from ..views.form import may_submit

register = template.Library()


@register.filter
def may_edit(incident, user) -> bool:
    return user.is_authenticated and incident_editable_by(incident, user)


@register.filter(name="may_submit")
def may_submit_filter(incident, user) -> bool:
    return user.is_authenticated and may_submit(incident, user)
