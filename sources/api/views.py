from rest_framework import viewsets

from sources.filters import ClaimFilterSet, DocumentFilterSet, SourceFilterSet
from sources.models import Claim, Document, Source

from .serializers import ClaimSerializer, DocumentSerializer, SourceSerializer


class SourceViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Source.objects.all()
    serializer_class = SourceSerializer
    filterset_class = SourceFilterSet


class DocumentViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Document.objects.select_related("source")
    serializer_class = DocumentSerializer
    filterset_class = DocumentFilterSet

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


class ClaimViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Claim.objects.select_related("incident").prefetch_related("actor_links")
    serializer_class = ClaimSerializer
    filterset_class = ClaimFilterSet

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)
