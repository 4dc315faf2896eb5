from rest_framework import mixins, viewsets

from sources import services
from sources.filters import DocumentFilterSet, SourceFilterSet
from sources.models import Document, Source

from .serializers import DocumentInputSerializer, DocumentSerializer, SourceSerializer


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
