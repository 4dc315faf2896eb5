from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.import_list, name="list"),
    path("<int:pk>/", views.import_job_detail, name="job"),
    path("<int:pk>/errors.csv", views.import_job_errors_csv, name="job-errors"),
    path("actors/", views.actor_review, name="actors"),
]
