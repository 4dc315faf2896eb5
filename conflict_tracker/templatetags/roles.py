from django import template

from conflict_tracker.roles import Role, has_role, is_staff_member

register = template.Library()


@register.filter(name="is_staff_member")
def is_staff_member_filter(user) -> bool:
    return is_staff_member(user)


@register.filter(name="has_role")
def has_role_filter(user, role: str) -> bool:
    return has_role(user, Role(role))


@register.filter
def role_label(user) -> str:
    """The user's role as the navigation names it (admins hold every role)."""
    if user.is_superuser:
        return str(Role.ADMIN.label)
    return next((str(role.label) for role in (Role.EDITOR, Role.ANALYST, Role.RESEARCHER) if has_role(user, role)), "")
