from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from actors import urls as actor_urls
from events.views.incidents import home
from tallies.views import actor_detail

from . import health

# An actor's own page shows its tallies, so the tallies serve it, in the actors' namespace (layers: pyproject.toml).
actor_pages = ([path("<int:pk>/", actor_detail, name="detail"), *actor_urls.urlpatterns], actor_urls.app_name)

urlpatterns = [
    path("", home, name="home"),
    path("health/", health.live, name="health"),
    path("health/ready/", health.ready, name="health-ready"),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin, the API docs). Lazy: the static
    # files manifest of production exists only once collectstatic has run, not when URLs are first loaded.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("img/favicon.svg"), permanent=True)),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("incidents/", include("events.urls")),
    path("actors/", include(actor_pages)),
    path("imports/", include("imports.urls")),
    path("matches/", include("reconciliation.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("conflict_tracker.api")),
]

# JSON under /api/, Django's pages elsewhere.
handler400 = "conflict_tracker.exceptions.bad_request"
handler404 = "conflict_tracker.exceptions.page_not_found"
handler500 = "conflict_tracker.exceptions.server_error"
