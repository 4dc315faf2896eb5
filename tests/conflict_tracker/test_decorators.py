"""Every page declares who may open it, with one of the decorators of conflict_tracker/decorators.py."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from conflict_tracker.decorators import public_read, role_required
from conflict_tracker.roles import Role
from events.views.form import incident_submit_view
from events.views.review import review_queue

# URLs whose rule is not a page's: each names who enforces it instead.
NOT_PAGES = {
    "admin": "the admin site admits editors and admins (conflict_tracker/admin.py)",
    "api": "every endpoint has DRF permission classes (tests/test_permission_matrix.py)",
    "login": "the sign-in pages themselves",
    "logout": "the sign-in pages themselves",
    "password_change": "Django's own login_required",
    "password_change_done": "Django's own login_required",
    "password_reset": "the sign-in pages themselves",
    "password_reset_done": "the sign-in pages themselves",
    "password_reset_confirm": "the sign-in pages themselves",
    "password_reset_complete": "the sign-in pages themselves",
    "set_language": "a preference, stored in a cookie",
    "health": "a probe for load balancers, public by design (conflict_tracker/health.py)",
    "health-ready": "a probe for load balancers, public by design (conflict_tracker/health.py)",
    "favicon": "a redirect to a static file",
}


def _patterns(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns, f"{prefix}{pattern.pattern}")
        else:
            yield f"{prefix}{pattern.pattern}", pattern


def _owner(route: str, pattern: URLPattern) -> str | None:
    if route.startswith(("admin/", "api/")):
        return route.split("/")[0]
    if route == "favicon.ico":
        return "favicon"
    return pattern.name if pattern.name in NOT_PAGES else None


def test_every_page_declares_its_access_rule():
    pages = [
        (route, pattern) for route, pattern in _patterns(get_resolver().url_patterns) if not _owner(route, pattern)
    ]
    undeclared = [route for route, pattern in pages if not getattr(pattern.callback, "access_rule", None)]

    assert len(pages) >= 15  # home, the incident pages, the actor pages, the import pages
    assert not undeclared, f"Decorate these views with public_read or role_required: {undeclared}"


def test_the_rule_survives_djangos_own_decorators():
    assert incident_submit_view.access_rule == "role required: analyst, editor"
    assert review_queue.access_rule == "role required: editor"


def test_each_decorator_names_its_rule():
    def view(request):
        """A page."""

    assert public_read(view).access_rule == "public read"
    assert role_required(Role.EDITOR, Role.ANALYST)(view).access_rule == "role required: editor, analyst"
    assert public_read(view).__doc__ == "A page."


PUBLIC_PAGES = ["home", "events:incident-list", "events:incident-map"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_pages_send_visitors_to_sign_in_when_anonymous_reading_is_off(client, settings, name):
    settings.API_ANONYMOUS_READ = False

    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse(name)}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_pages_open_to_anyone_signed_in_when_anonymous_reading_is_off(client, settings, researcher, name):
    settings.API_ANONYMOUS_READ = False
    client.force_login(researcher)

    assert client.get(reverse(name)).status_code == 200
