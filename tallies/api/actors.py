"""Actors through the API: the list, and one actor with its casualty tallies and the sources' figures beside ours.
Served by the tallies, whose figures an actor's detail carries; the plain actor representation is actors.api."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from actors.api.serializers import ActorSerializer
from actors.filters import ActorFilterSet
from actors.models import Actor, ActorRelation
from conflict_tracker.choices import AttributionLevel, Harm, Measure
from events.api.claims import ExternalFigureSerializer
from events.comparisons import external_figures

from ..selectors import actor_tally_summary


class ActorCasualtiesSerializer(serializers.Serializer):
    include_related = serializers.BooleanField(help_text="With the actor's units, predecessors and successors.")
    measure = serializers.ChoiceField(choices=Measure.choices)
    attribution = serializers.ChoiceField(choices=AttributionLevel.choices)
    harm = serializers.ChoiceField(choices=Harm.choices, allow_null=True, help_text="None: every harm.")
    incidents = serializers.IntegerField()
    low = serializers.IntegerField()
    best = serializers.IntegerField()
    high = serializers.IntegerField()


class ActorTallySummarySerializer(serializers.Serializer):
    stale = serializers.BooleanField(help_text="Always false: every change is counted when it commits.")
    cells = ActorCasualtiesSerializer(many=True)


class ActorDetailSerializer(ActorSerializer):
    """One actor with its all-time casualty tallies; /api/v1/tallies/ gives them by period and place."""

    casualties = serializers.SerializerMethodField()
    external_figures = serializers.SerializerMethodField()

    class Meta(ActorSerializer.Meta):
        fields = [*ActorSerializer.Meta.fields, "casualties", "external_figures"]

    @extend_schema_field(ActorTallySummarySerializer)
    def get_casualties(self, actor) -> dict:
        return actor_tally_summary(actor.pk)

    @extend_schema_field(ExternalFigureSerializer(many=True))
    def get_external_figures(self, actor) -> list[dict]:
        """Sources' tolls naming this actor that the reader may see, beside our own count of the same."""
        claims = actor.attributed_claims.visible_to(self.context["request"].user)
        return ExternalFigureSerializer(external_figures(claims), many=True).data


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
