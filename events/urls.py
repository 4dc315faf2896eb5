from django.urls import path

from .views import form, incidents, map, review

app_name = "events"

urlpatterns = [
    path("", incidents.incident_list, name="incident-list"),
    path("map/", map.incident_map, name="incident-map"),
    path("map/points/", map.incident_map_points, name="incident-map-points"),
    path("review/", review.review_queue, name="review-queue"),
    path("<str:code>/review/", review.incident_review, name="incident-review"),
    path("<str:code>/review/claims/<int:claim_id>/", review.review_claim, name="claim-review"),
    path("new/", form.incident_new, name="incident-new"),
    path("<str:code>/edit/", form.incident_edit, name="incident-edit"),
    path("<str:code>/submit/", form.incident_submit_view, name="incident-submit"),
    path("<str:code>/", incidents.incident_detail, name="incident-detail"),
]
