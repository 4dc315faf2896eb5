from django.urls import path

from . import views

app_name = "actors"

urlpatterns = [
    path("<int:pk>/", views.actor_detail, name="detail"),
    path("search/", views.actor_search, name="search"),
]
