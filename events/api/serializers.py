"""Incidents as the API shows them: the public serializers, and staff ones that add victim identities."""

from rest_framework import serializers

from events.models import CasualtyRecord, Incident, IncidentParticipant, NamedVictim, PropertyHarm
from sources.models import Claim


class ParticipantSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor.name", read_only=True)

    class Meta:
        model = IncidentParticipant
        fields = ["actor", "actor_name", "role", "side", "attribution"]


class CasualtyRecordSerializer(serializers.ModelSerializer):
    """Counts only. The record's note stays internal: it may say who the victims were."""

    perpetrators = serializers.SerializerMethodField(help_text="Ids of the actors held responsible.")
    claims = serializers.SerializerMethodField(help_text="Ids of the claims the counts rest on.")

    class Meta:
        model = CasualtyRecord
        fields = [
            "id",
            "harm",
            "victim_status",
            "count_low",
            "count_best",
            "count_high",
            "children",
            "women",
            "elderly",
            "perpetrators",
            "claims",
        ]

    # Both read the prefetched links: one query for the page, not one per record.
    def get_perpetrators(self, record) -> list[int]:
        return [link.participant.actor_id for link in record.perpetrator_links.all()]

    def get_claims(self, record) -> list[int]:
        return [link.claim_id for link in record.claim_links.all()]


class NamedVictimSerializer(serializers.ModelSerializer):
    class Meta:
        model = NamedVictim
        fields = ["name", "sex", "age", "age_band", "community", "fate"]


class StaffCasualtyRecordSerializer(CasualtyRecordSerializer):
    named_victims = NamedVictimSerializer(many=True, read_only=True)

    class Meta(CasualtyRecordSerializer.Meta):
        fields = [*CasualtyRecordSerializer.Meta.fields, "note", "named_victims"]


class PropertyHarmSerializer(serializers.ModelSerializer):
    claims = serializers.SerializerMethodField(help_text="Ids of the claims the counts rest on.")

    class Meta:
        model = PropertyHarm
        fields = ["id", "kind", "harm", "count_low", "count_best", "count_high", "note", "claims"]

    def get_claims(self, harm) -> list[int]:
        return [link.claim_id for link in harm.claim_links.all()]


class IncidentClaimSerializer(serializers.ModelSerializer):
    class Meta:
        model = Claim
        fields = ["id", "document", "review_status"]


class IncidentSerializer(serializers.ModelSerializer):
    """What researchers and anonymous clients see: no victim identities, not even an empty key for them."""

    participants = ParticipantSerializer(many=True, read_only=True)
    casualty_records = CasualtyRecordSerializer(many=True, read_only=True)
    property_harms = PropertyHarmSerializer(many=True, read_only=True)
    claims = IncidentClaimSerializer(many=True, read_only=True)

    class Meta:
        model = Incident
        fields = [
            "code",
            "title",
            "notes",
            "status",
            "start_date",
            "end_date",
            "date_precision",
            "country",
            "admin1",
            "admin2",
            "admin3",
            "location_name",
            "latitude",
            "longitude",
            "geo_precision",
            "event_type",
            "sub_event_type",
            "violence_type",
            "civilian_targeting",
            "fatalities_low",
            "fatalities_best",
            "fatalities_high",
            "participants",
            "casualty_records",
            "property_harms",
            "claims",
            "version",
            "published_at",
            "updated_at",
        ]


class StaffIncidentSerializer(IncidentSerializer):
    """What analysts, editors and admins see: casualty records with their notes and named victims."""

    casualty_records = StaffCasualtyRecordSerializer(many=True, read_only=True)
