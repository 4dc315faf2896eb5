"""The four roles of SPEC.md, held as Django groups (admins are superusers)."""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, Group, User
from django.contrib.postgres.expressions import ArraySubquery
from django.db import models
from django.db.models import OuterRef
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ANALYST = "analyst", _("Analyst")
    EDITOR = "editor", _("Editor")
    RESEARCHER = "researcher", _("Researcher")
    ADMIN = "admin", _("Admin")


# Where a user's group names are kept once read: role checks run several times per request.
_ROLE_NAMES = "_role_names"


def has_role(user: User | AnonymousUser, *roles: Role) -> bool:
    """True if the user holds one of the roles; an active superuser holds them all."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if not hasattr(user, _ROLE_NAMES):
        remember_roles(user, user.groups.values_list("name", flat=True))
    return any(role in getattr(user, _ROLE_NAMES) for role in roles)


def role_names(user: OuterRef) -> ArraySubquery:
    """The names of the groups of the user `user` refers to, for a query that loads a user to read them with it."""
    return ArraySubquery(Group.objects.filter(user=user).order_by().values("name"))


def remember_roles(user: User, names) -> None:
    """Gives `user` the group names read with it (`role_names`), so that its role checks need no query."""
    setattr(user, _ROLE_NAMES, set(names))


STAFF_ROLES = (Role.ANALYST, Role.EDITOR, Role.ADMIN)


def is_staff_member(user: User | AnonymousUser) -> bool:
    """Analysts, editors and admins work on unpublished records; researchers and the public do not."""
    return has_role(user, *STAFF_ROLES)


def may_read(user: User | AnonymousUser) -> bool:
    """Everyone signed in reads what they may see; anonymous visitors too unless API_ANONYMOUS_READ is off. The one
    rule behind the API's permission and the pages' `public_read`."""
    return user.is_authenticated or settings.API_ANONYMOUS_READ
