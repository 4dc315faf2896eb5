"""The users the browser tests sign in as."""

from django.contrib.auth.models import Group, User

from tests.factories import UserFactory

ROLES = ("analyst", "editor", "researcher", "admin")


def role_user(role: str) -> User:
    """The user named after the role: the demo's own when `live_demo` loaded it (password "demo"), otherwise one
    made now with the role (password "pw", as tests/factories.py makes them)."""
    if role not in ROLES:
        raise ValueError(f"no such role: {role!r}; one of {', '.join(ROLES)}")
    user = User.objects.filter(username=role).first()
    if user is None:
        if role == "admin":
            user = UserFactory(username="admin", is_superuser=True)
        else:
            user = UserFactory(username=role, is_staff=role != "researcher")
            user.groups.add(Group.objects.get(name=role))
    return user
