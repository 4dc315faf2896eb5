"""The one router of the REST API, mounted at /api/v1/: kebab-case plural routes."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from events.api.changes import ChangesView
from events.api.claims import ClaimViewSet
from events.api.views import IncidentViewSet
from imports.api.views import ActorCrosswalkViewSet, ActorMergeViewSet, ImportJobViewSet
from reconciliation.api.views import MatchCandidateViewSet, MatchDecisionViewSet
from sources.api.views import DocumentViewSet, SourceViewSet
from tallies.api.actors import ActorViewSet
from tallies.api.views import TallyListView, TallyRecordListView

from .tokens import TokenDetailView, TokenListView, TokenView

app_name = "api"

router = DefaultRouter()
router.register("incidents", IncidentViewSet)
router.register("actors", ActorViewSet)
router.register("sources", SourceViewSet)
router.register("documents", DocumentViewSet)
router.register("claims", ClaimViewSet)
router.register("imports", ImportJobViewSet)
router.register("actor-merges", ActorMergeViewSet)
router.register("actor-crosswalk", ActorCrosswalkViewSet)
router.register("matches", MatchCandidateViewSet)
router.register("match-decisions", MatchDecisionViewSet)

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path("auth/tokens/", TokenListView.as_view(), name="auth-tokens"),
    path("auth/tokens/<str:token_key>/", TokenDetailView.as_view(), name="auth-token-detail"),
    path("changes/", ChangesView.as_view(), name="changes"),
    path("tallies/", TallyListView.as_view(), name="tallies"),
    path("tallies/records/", TallyRecordListView.as_view(), name="tally-records"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its script as a file rather than inline, so a strict CSP can stay on.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
]
