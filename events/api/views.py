from django.db.models import Prefetch
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer

from conflict_tracker.pagination import IncidentCursorPagination
from conflict_tracker.roles import is_staff_member
from events.exports import EXPORT_FORMATS, EXPORT_RENDERERS, ExportRenderer, export_response
from events.filters import IncidentFilterSet
from events.models import (
    CasualtyClaim,
    CasualtyPerpetrator,
    CasualtyRecord,
    Incident,
    IncidentParticipant,
    PropertyHarmClaim,
)
from sources.models import Claim

from .serializers import IncidentSerializer, StaffIncidentSerializer


class IncidentViewSet(viewsets.ReadOnlyModelViewSet):
    """Incidents by code (e.g. MLI-2025-0042): the public sees published ones, staff every state.

    Named victims appear only for analysts, editors and admins; for others the key is absent.
    """

    queryset = Incident.objects.all()
    serializer_class = IncidentSerializer
    filterset_class = IncidentFilterSet
    # Cursor pages: stable while incidents are added, as cheap deep in the list as at its start, no COUNT unless
    # asked (with_total=true). The other endpoints keep numbered pages.
    pagination_class = IncidentCursorPagination
    lookup_field = "code"

    def _is_staff(self) -> bool:
        return is_staff_member(self.request.user)

    def get_serializer_class(self):
        # The one place where the role decides what an incident shows.
        return StaffIncidentSerializer if self._is_staff() else IncidentSerializer

    def get_renderers(self):
        renderers = super().get_renderers()
        # The list alone speaks the export formats; the schema keeps describing its JSON.
        if getattr(self, "action", None) == "list" and not getattr(self, "swagger_fake_view", False):
            renderers += [renderer() for renderer in EXPORT_RENDERERS]
        return renderers

    def perform_content_negotiation(self, request, force=False):
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:
            # DRF answers an unknown ?format= with a bare 404; name the parameter and what it may be instead.
            formats = ", ".join(renderer.format for renderer in self.get_renderers() if renderer.format != "api")
            raise ValidationError({"format": [_("Give one of: %s.") % formats]}) from None

    def handle_exception(self, exc):
        # An export that fails (a bad filter, say) answers in the API's JSON error shape, not in CSV.
        if isinstance(getattr(self.request, "accepted_renderer", None), ExportRenderer):
            self.request.accepted_renderer = JSONRenderer()
            self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                enum=["json", *EXPORT_FORMATS],
                description=(
                    "json (default, paged); csv, acled (ACLED-compatible CSV) or geojson: every matching incident "
                    "in one streamed file, without pages."
                ),
                examples=[OpenApiExample("ACLED-compatible CSV", value="acled")],
            )
        ]
    )
    def list(self, request, *args, **kwargs):
        export_format = getattr(request.accepted_renderer, "format", None)
        if export_format not in EXPORT_FORMATS:
            return super().list(request, *args, **kwargs)
        # The same visibility and filters as the JSON list, without its prefetches: exports read values().
        queryset = self.filter_queryset(Incident.objects.visible_to(request.user))
        # In the JSON list's order (the paginator's: ordering, or rank for a search; ties by id), without its pages.
        ordering = self.paginator.get_ordering_name(request, queryset)
        queryset = queryset.order_by(ordering, "-id" if ordering.startswith("-") else "id")
        prefix = request.build_absolute_uri(reverse("api:incident-list"))
        return export_response(export_format, queryset, prefix)

    def get_queryset(self):
        user = self.request.user
        claims = Claim.objects.visible_to(user)
        casualty_records = CasualtyRecord.objects.prefetch_related(
            Prefetch("perpetrator_links", queryset=CasualtyPerpetrator.objects.select_related("participant")),
            Prefetch("claim_links", queryset=CasualtyClaim.objects.filter(claim__in=claims.values("pk"))),
        )
        if self._is_staff():
            # Loaded only for those who may see them: for anyone else the names never leave the database.
            casualty_records = casualty_records.prefetch_related("named_victims")
        return (
            super()
            .get_queryset()
            .visible_to(user)
            .prefetch_related(
                Prefetch("participants", queryset=IncidentParticipant.objects.select_related("actor")),
                Prefetch("casualty_records", queryset=casualty_records),
                Prefetch(
                    "property_harms__claim_links",
                    queryset=PropertyHarmClaim.objects.filter(claim__in=claims.values("pk")),
                ),
                Prefetch("claims", queryset=claims.order_by("id")),
            )
        )
