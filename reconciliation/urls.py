from django.urls import path

from . import views

app_name = "reconciliation"

urlpatterns = [
    path("", views.match_queue, name="queue"),
    path("decisions/", views.decision_create, name="decide"),
    path("decisions/<int:pk>/undo/", views.decision_undo, name="undo"),
]
