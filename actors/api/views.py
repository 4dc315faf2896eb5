from django.db.models import Prefetch
from rest_framework import viewsets

from actors.filters import ActorFilterSet
from actors.models import Actor, ActorRelation

from .serializers import ActorDetailSerializer, ActorSerializer


class ActorViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Actor.objects.prefetch_related(
        "aliases",
        Prefetch("relations", queryset=ActorRelation.objects.select_related("object")),
        Prefetch("inverse_relations", queryset=ActorRelation.objects.select_related("subject")),
    )
    serializer_class = ActorSerializer
    filterset_class = ActorFilterSet

    def get_serializer_class(self):
        # Only one actor's page carries its tallies: the list stays one query per page.
        return ActorDetailSerializer if self.action == "retrieve" else ActorSerializer
