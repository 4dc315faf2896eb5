from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from actors.models import Actor, ActorAlias, ActorRelation
from conflict_tracker.choices import AttributionLevel, Harm, Measure
from tallies.api.serializers import ExternalFigureSerializer
from tallies.selectors import actor_tally_summary, external_figures


class ActorAliasSerializer(serializers.ModelSerializer):
    class Meta:
        model = ActorAlias
        fields = ["name", "valid_from", "valid_until", "note"]


class ActorRelationSerializer(serializers.ModelSerializer):
    """A relation seen from its subject: "<subject> <kind> <object>"."""

    object_name = serializers.CharField(source="object.name", read_only=True)

    class Meta:
        model = ActorRelation
        fields = ["kind", "object", "object_name", "valid_from", "valid_until", "note"]


class ActorInverseRelationSerializer(serializers.ModelSerializer):
    """A relation seen from its object: "<subject> <kind> <this actor>"."""

    subject_name = serializers.CharField(source="subject.name", read_only=True)

    class Meta:
        model = ActorRelation
        fields = ["subject", "subject_name", "kind", "valid_from", "valid_until", "note"]


class ActorSerializer(serializers.ModelSerializer):
    aliases = ActorAliasSerializer(many=True, read_only=True)
    relations = ActorRelationSerializer(many=True, read_only=True)
    inverse_relations = ActorInverseRelationSerializer(many=True, read_only=True)

    class Meta:
        model = Actor
        fields = [
            "id",
            "name",
            "acronym",
            "kind",
            "country",
            "active_from",
            "active_until",
            "description",
            "needs_review",
            "aliases",
            "relations",
            "inverse_relations",
            "updated_at",
        ]


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
