from django.urls import path

from .views import incidents

app_name = "events"

urlpatterns = [
    path("", incidents.incident_list, name="incident-list"),
    path("<str:code>/", incidents.incident_detail, name="incident-detail"),
]
