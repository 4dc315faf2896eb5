"""The rules every page declares, one decorator each, so that a page cannot hold a copy of a rule, nor forget it.

- `public_read`: anyone may read it, anonymous visitors only while API_ANONYMOUS_READ is on (the API's rule).
- `role_required(*roles)`: visitors are sent to sign in, users without one of the roles are refused (403).

Each sets `access_rule` on the view (kept through Django's own decorators, which copy the attributes), and
tests/conflict_tracker/test_decorators.py walks every URL to check that each page declares one.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from .roles import Role, has_role, may_read

Refusal = Callable[[HttpRequest], HttpResponse]


def sign_in(request: HttpRequest) -> HttpResponse:
    """A page's answer to a visitor who must sign in first: the sign-in page, then back here."""
    return redirect_to_login(request.get_full_path())


def _rule(name: str, refusal: Callable[[HttpRequest], HttpResponse | None]):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            return refusal(request) or view(request, *args, **kwargs)

        wrapped.access_rule = name
        return wrapped

    return decorator


def public_read(view=None, *, refuse: Refusal = sign_in):
    """Readable by anyone `may_read` admits. `refuse` answers the others: a page sends them to sign in, an endpoint
    fetched by a script answers in its own format."""

    def refusal(request):
        return None if may_read(request.user) else refuse(request)

    decorator = _rule("public read", refusal)
    return decorator if view is None else decorator(view)


def role_required(*roles: Role):
    """Users holding one of `roles` only (an admin holds them all); visitors are sent to sign in first."""

    def refusal(request):
        if not request.user.is_authenticated:
            return sign_in(request)
        if not has_role(request.user, *roles):
            raise PermissionDenied
        return None

    return _rule("role required: " + ", ".join(roles), refusal)
