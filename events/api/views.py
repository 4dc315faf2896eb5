import orjson
from django.db.models import Prefetch
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from conflict_tracker.pagination import IncidentCursorPagination
from conflict_tracker.permissions import StaffOnly
from conflict_tracker.renderers import ORJSONRenderer
from conflict_tracker.roles import is_staff_member
from events import services
from events.exports import EXPORT_FORMATS, EXPORT_RENDERERS, ExportRenderer, export_response
from events.filters import IncidentFilterSet
from events.models import (
    INCIDENT_CODE,
    CasualtyClaim,
    CasualtyPerpetrator,
    CasualtyRecord,
    Incident,
    IncidentParticipant,
    PropertyHarmClaim,
)
from events.selectors import incident_parts, incident_revisions
from sources.models import Claim

from .listing import incident_detail_json, incident_page_json, visible_incidents, with_stored_renderings
from .serializers import (
    IncidentInputSerializer,
    IncidentSerializer,
    IncidentUpdateSerializer,
    RetractSerializer,
    ReturnSerializer,
    RevertSerializer,
    RevisionSerializer,
    StaffIncidentSerializer,
    VersionSerializer,
)


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
    # A path that cannot be a code is a 404 from the router, before any query.
    lookup_value_regex = INCIDENT_CODE.pattern

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
            self.request.accepted_renderer = ORJSONRenderer()
            self.request.accepted_media_type = ORJSONRenderer.media_type
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
            # The lean read path: the page's ids (and the cursor's key) with their stored renderings, or then the page
            # rendered by PostgreSQL in one prepared query; the same rows the serializers give
            # (events/api/listing.py), at a fraction of their cost.
            queryset, fields = with_stored_renderings(self.filter_queryset(self.get_queryset()), request.user)
            page = self.paginator.paginate_queryset(queryset, request, view=self, fields=fields)
            return self.get_paginated_response(incident_page_json(page, request.user))
        # The same visibility and filters as the JSON list; exports read values() too.
        queryset = self.filter_queryset(self.get_queryset())
        # In the JSON list's order (the paginator's: ordering, or rank for a search; ties by id), without its pages.
        ordering = self.paginator.get_ordering_name(request, queryset)
        queryset = queryset.order_by(*self.paginator.sort(ordering))
        prefix = request.build_absolute_uri(reverse("api:incident-list"))
        return export_response(export_format, queryset, prefix, request.user)

    def retrieve(self, request, *args, **kwargs):
        # The lean read path, as the list's: the incident rendered by PostgreSQL in one prepared query (stored for
        # readers who are not staff), among those the reader may see. Parsed, so that every renderer writes it as
        # the serializers' data.
        body = incident_detail_json(kwargs[self.lookup_field], request.user)
        if body is None:
            # Worded as get_object_or_404 words it, as this answer always was.
            raise Http404(f"No {Incident._meta.object_name} matches the given query.")
        return Response(orjson.loads(body))

    def get_queryset(self):
        user = self.request.user
        if self.action == "list":
            # The list and the exports read values() with queries of their own: prefetches would be wasted.
            return visible_incidents(user)
        claims = Claim.objects.visible_to(user)
        # Links in the order they were made, as the list gives them.
        casualty_records = CasualtyRecord.objects.prefetch_related(
            Prefetch(
                "perpetrator_links",
                queryset=CasualtyPerpetrator.objects.select_related("participant").order_by("id"),
            ),
            Prefetch(
                "claim_links", queryset=CasualtyClaim.objects.filter(claim__in=claims.values("pk")).order_by("id")
            ),
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
                    queryset=PropertyHarmClaim.objects.filter(claim__in=claims.values("pk")).order_by("id"),
                ),
                Prefetch("claims", queryset=claims.order_by("id")),
                Prefetch(
                    "merged_records",
                    queryset=Incident.objects.order_by("id").prefetch_related(
                        Prefetch("claims", queryset=claims.order_by("id"))
                    ),
                ),
            )
        )

    # -- writes: analysts and editors, through the services (which hold the rules and the version check) ---------

    def _written(self, incident: Incident, status_code: int = status.HTTP_200_OK) -> Response:
        """The incident as its writer now sees it, read again with everything a staff reader gets."""
        incident = self.get_queryset().get(pk=incident.pk)
        return Response(StaffIncidentSerializer(incident, context=self.get_serializer_context()).data, status_code)

    @extend_schema(request=IncidentInputSerializer, responses={201: StaffIncidentSerializer})
    def create(self, request, *args, **kwargs):
        """Log a new draft incident with its parts; its code comes from its country and start year."""
        serializer = IncidentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields, parts = serializer.fields_and_parts()
        incident = services.incident_create(by=request.user, fields=fields, parts=parts)
        response = self._written(incident, status.HTTP_201_CREATED)
        response["Location"] = reverse("api:incident-detail", kwargs={"code": incident.code})
        return response

    @extend_schema(request=IncidentUpdateSerializer, responses={200: StaffIncidentSerializer})
    def partial_update(self, request, *args, **kwargs):
        """Change some fields or part lists of the version you read; 409 with `current_version` if it moved on."""
        incident = self.get_object()
        serializer = IncidentUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields, parts = serializer.fields_and_parts(incident_parts(incident))
        incident = services.incident_update(
            incident=incident,
            by=request.user,
            expected_version=serializer.validated_data["version"],
            fields=fields,
            parts=parts,
        )
        return self._written(incident)

    def _step(self, request, serializer_class, service, **arguments) -> Response:
        """One workflow step, taken from the version the client read (so a step on a stale view is a 409)."""
        incident = self.get_object()
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        incident.version = values.pop("version")
        return self._written(service(incident=incident, by=request.user, **values, **arguments))

    @extend_schema(request=VersionSerializer, responses={200: StaffIncidentSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, code=None):
        """Send a draft to the editors (it needs a type and at least one claim)."""
        return self._step(request, VersionSerializer, services.incident_submit)

    @extend_schema(request=ReturnSerializer, responses={200: StaffIncidentSerializer})
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_to_analyst(self, request, code=None):
        """Editors: send a submitted incident back with a comment."""
        return self._step(request, ReturnSerializer, services.incident_return)

    @extend_schema(request=VersionSerializer, responses={200: StaffIncidentSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request, code=None):
        """Take a returned incident back to draft."""
        return self._step(request, VersionSerializer, services.incident_reopen)

    @extend_schema(request=VersionSerializer, responses={200: StaffIncidentSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, code=None):
        """Editors: publish a submitted incident (refused unless a claim is accepted)."""
        return self._step(request, VersionSerializer, services.incident_publish)

    @extend_schema(request=RetractSerializer, responses={200: StaffIncidentSerializer})
    @action(detail=True, methods=["post"])
    def retract(self, request, code=None):
        """Editors: withdraw a published incident, with the reason (the record stays)."""
        return self._step(request, RetractSerializer, services.incident_retract)

    @extend_schema(request=RevertSerializer, responses={200: StaffIncidentSerializer})
    @action(detail=True, methods=["post"])
    def revert(self, request, code=None):
        """Editors: bring back the fields and parts of an earlier version, as a new revision."""
        incident = self.get_object()
        serializer = RevertSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        incident = services.incident_revert(
            incident=incident,
            by=request.user,
            to_version=serializer.validated_data["to_version"],
            expected_version=serializer.validated_data["version"],
        )
        return self._written(incident)

    @extend_schema(responses=RevisionSerializer(many=True))
    @action(detail=True, methods=["get"], permission_classes=[StaffOnly], pagination_class=None, filterset_class=None)
    def revisions(self, request, code=None):
        """Staff: every revision of the incident, its parts and its claims, newest first, with who and what."""
        incident = self.get_object()
        return Response(RevisionSerializer(incident_revisions(incident), many=True).data)
