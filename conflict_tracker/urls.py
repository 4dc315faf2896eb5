from django.contrib import admin
from django.urls import include, path

from events.views.incidents import home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("incidents/", include("events.urls")),
    path("actors/", include("actors.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("conflict_tracker.api")),
]

# JSON under /api/, Django's pages elsewhere.
handler404 = "conflict_tracker.exceptions.page_not_found"
handler500 = "conflict_tracker.exceptions.server_error"
