from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from sources import services
from sources.filters import ClaimFilterSet, DocumentFilterSet, SourceFilterSet
from sources.models import Claim, Document, Source

from .serializers import (
    ClaimDetailSerializer,
    ClaimInputSerializer,
    ClaimReviewSerializer,
    ClaimSerializer,
    DocumentInputSerializer,
    DocumentSerializer,
    SourceSerializer,
)


class SourceViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Outlets and organisations; analysts and editors add them."""

    queryset = Source.objects.all()
    serializer_class = SourceSerializer
    filterset_class = SourceFilterSet

    def perform_create(self, serializer):
        serializer.instance = services.source_create(by=self.request.user, fields=serializer.validated_data)


class DocumentViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Documents of sources; the public sees those behind a claim it may see. Analysts and editors add them."""

    queryset = Document.objects.select_related("source")
    serializer_class = DocumentSerializer
    filterset_class = DocumentFilterSet

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)

    def get_serializer_class(self):
        return DocumentInputSerializer if self.action == "create" else DocumentSerializer

    def perform_create(self, serializer):
        serializer.instance = services.document_create(by=self.request.user, fields=serializer.validated_data)


class ClaimViewSet(viewsets.ReadOnlyModelViewSet):
    """What documents assert; analysts add claims to incidents they may edit, editors review them."""

    queryset = Claim.objects.select_related("incident").prefetch_related("actor_links")
    serializer_class = ClaimSerializer
    filterset_class = ClaimFilterSet

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)

    def get_serializer_class(self):
        return ClaimDetailSerializer if self.action == "retrieve" else ClaimSerializer

    def _written(self, claim: Claim, status_code: int = status.HTTP_200_OK) -> Response:
        claim = self.get_queryset().get(pk=claim.pk)
        return Response(ClaimSerializer(claim, context=self.get_serializer_context()).data, status_code)

    @extend_schema(request=ClaimInputSerializer, responses={201: ClaimSerializer})
    def create(self, request, *args, **kwargs):
        serializer = ClaimInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        claim = services.claim_create(
            by=request.user,
            document=fields.pop("document"),
            incident=fields.pop("incident", None),
            actors=fields.pop("attributed_actors", []),
            fields=fields,
        )
        return self._written(claim, status.HTTP_201_CREATED)

    @extend_schema(request=ClaimReviewSerializer, responses={200: ClaimSerializer})
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """Editors: accept, reject or dispute the claim, with a note."""
        claim = self.get_object()
        serializer = ClaimReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._written(services.claim_review(claim=claim, by=request.user, **serializer.validated_data))
