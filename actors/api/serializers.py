from rest_framework import serializers

from actors.models import Actor, ActorAlias, ActorRelation


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
            "review_note",
            "aliases",
            "relations",
            "inverse_relations",
            "updated_at",
        ]
