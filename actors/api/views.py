from django.db.models import Prefetch
from rest_framework import viewsets

from actors.filters import ActorFilterSet
from actors.models import Actor, ActorRelation

from .serializers import ActorSerializer


class ActorViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Actor.objects.prefetch_related(
        "aliases",
        Prefetch("relations", queryset=ActorRelation.objects.select_related("object")),
        Prefetch("inverse_relations", queryset=ActorRelation.objects.select_related("subject")),
    )
    serializer_class = ActorSerializer
    filterset_class = ActorFilterSet
