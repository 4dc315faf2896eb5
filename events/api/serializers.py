"""Incidents as the API shows them: the public serializers, and staff ones that add victim identities."""

from rest_framework import serializers

from actors.models import Actor
from events.columns import (
    CASUALTY_RECORD,
    INCIDENT,
    INCIDENT_CLAIM,
    MERGED_RECORD,
    NAMED_VICTIM,
    PARTICIPANT,
    PROPERTY_HARM,
)
from events.models import CasualtyRecord, Incident, IncidentParticipant, NamedVictim, PropertyHarm
from events.services import (
    EDITABLE_FIELDS,
    CasualtyData,
    IncidentParts,
    ParticipantData,
    PropertyHarmData,
    VictimData,
)
from sources.models import Claim


class ParticipantSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor.name", read_only=True)

    class Meta:
        model = IncidentParticipant
        fields = PARTICIPANT.names()


class CasualtyRecordSerializer(serializers.ModelSerializer):
    """Counts only. The record's note stays internal: it may say who the victims were."""

    perpetrators = serializers.SerializerMethodField(help_text="Ids of the actors held responsible.")
    claims = serializers.SerializerMethodField(help_text="Ids of the claims the counts rest on.")

    class Meta:
        model = CasualtyRecord
        fields = CASUALTY_RECORD.names()

    # Both read the prefetched links: one query for the page, not one per record.
    def get_perpetrators(self, record) -> list[int]:
        return [link.participant.actor_id for link in record.perpetrator_links.all()]

    def get_claims(self, record) -> list[int]:
        return [link.claim_id for link in record.claim_links.all()]


class NamedVictimSerializer(serializers.ModelSerializer):
    class Meta:
        model = NamedVictim
        fields = NAMED_VICTIM.names()


class StaffCasualtyRecordSerializer(CasualtyRecordSerializer):
    named_victims = NamedVictimSerializer(many=True, read_only=True)

    class Meta(CasualtyRecordSerializer.Meta):
        fields = CASUALTY_RECORD.names(staff=True)


class PropertyHarmSerializer(serializers.ModelSerializer):
    claims = serializers.SerializerMethodField(help_text="Ids of the claims the counts rest on.")

    class Meta:
        model = PropertyHarm
        fields = PROPERTY_HARM.names()

    def get_claims(self, harm) -> list[int]:
        return [link.claim_id for link in harm.claim_links.all()]


class IncidentClaimSerializer(serializers.ModelSerializer):
    class Meta:
        model = Claim
        fields = INCIDENT_CLAIM.names()


class MergedRecordSerializer(serializers.ModelSerializer):
    claims = IncidentClaimSerializer(many=True, read_only=True)

    class Meta:
        model = Incident
        fields = MERGED_RECORD.names()


class IncidentSerializer(serializers.ModelSerializer):
    """What researchers and anonymous clients see: no victim identities, not even an empty key for them."""

    participants = ParticipantSerializer(many=True, read_only=True)
    casualty_records = CasualtyRecordSerializer(many=True, read_only=True)
    property_harms = PropertyHarmSerializer(many=True, read_only=True)
    claims = IncidentClaimSerializer(many=True, read_only=True)
    merged_records = MergedRecordSerializer(many=True, read_only=True)

    class Meta:
        model = Incident
        fields = INCIDENT.names()


class StaffIncidentSerializer(IncidentSerializer):
    """What analysts, editors and admins see: casualty records with their notes and named victims."""

    casualty_records = StaffCasualtyRecordSerializer(many=True, read_only=True)


# -- writes: what analysts and editors send; the services decide what may be saved -----------------------------------


class ParticipantInputSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(required=False, help_text="The row's id, to change it in place; omit for a new one.")

    class Meta:
        model = IncidentParticipant
        fields = ["id", "actor", "role", "side", "attribution"]


class NamedVictimInputSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(required=False, help_text="The row's id, to change it in place; omit for a new one.")

    class Meta:
        model = NamedVictim
        fields = ["id", "name", "sex", "age", "age_band", "community", "fate"]


class CasualtyRecordInputSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(required=False, help_text="The row's id, to change it in place; omit for a new one.")
    perpetrators = serializers.PrimaryKeyRelatedField(
        queryset=Actor.objects.all(),
        many=True,
        required=False,
        help_text="Ids of the actors held responsible; each must be a perpetrator of the incident. None: unattributed.",
    )
    claims = serializers.PrimaryKeyRelatedField(
        queryset=Claim.objects.all(),
        many=True,
        required=False,
        help_text="Ids of this incident's claims that the counts rest on.",
    )
    named_victims = NamedVictimInputSerializer(many=True, required=False)

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
            "note",
            "perpetrators",
            "claims",
            "named_victims",
        ]


class PropertyHarmInputSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(required=False, help_text="The row's id, to change it in place; omit for a new one.")
    claims = serializers.PrimaryKeyRelatedField(
        queryset=Claim.objects.all(),
        many=True,
        required=False,
        help_text="Ids of this incident's claims that the counts rest on.",
    )

    class Meta:
        model = PropertyHarm
        fields = ["id", "kind", "harm", "count_low", "count_best", "count_high", "note", "claims"]


PART_LISTS = ("participants", "casualty_records", "property_harms")


class IncidentInputSerializer(serializers.ModelSerializer):
    """A new incident: its fields and, optionally, its parts. Each part is sent whole."""

    participants = ParticipantInputSerializer(many=True, required=False)
    casualty_records = CasualtyRecordInputSerializer(many=True, required=False)
    property_harms = PropertyHarmInputSerializer(many=True, required=False)

    class Meta:
        model = Incident
        fields = [*EDITABLE_FIELDS, *PART_LISTS]

    def fields_and_parts(self, current: IncidentParts | None = None) -> tuple[dict, IncidentParts | None]:
        """The incident's fields as given, and its parts: the lists given replace the current ones, the others
        stay as they are; None when no list was given."""
        values = dict(self.validated_data)
        given = {name: values.pop(name) for name in PART_LISTS if name in values}
        values.pop("version", None)
        if not given:
            return values, None
        parts = current or IncidentParts()
        if "participants" in given:
            parts.participants = [ParticipantData(**item) for item in given["participants"]]
        if "casualty_records" in given:
            parts.casualty_records = [
                CasualtyData(
                    **{
                        **item,
                        "named_victims": [VictimData(**victim) for victim in item.get("named_victims", [])],
                    }
                )
                for item in given["casualty_records"]
            ]
        if "property_harms" in given:
            parts.property_harms = [PropertyHarmData(**item) for item in given["property_harms"]]
        return values, parts


class IncidentUpdateSerializer(IncidentInputSerializer):
    """Changes to an incident: only the fields and part lists given change. A part list given replaces the
    incident's list: send the parts to keep with their ids (as GET shows them), new ones without."""

    version = serializers.IntegerField(
        min_value=1, help_text="The version your changes are based on; if the incident has moved on, 409."
    )

    class Meta(IncidentInputSerializer.Meta):
        fields = [*IncidentInputSerializer.Meta.fields, "version"]
        extra_kwargs = {name: {"required": False} for name in EDITABLE_FIELDS}


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, help_text="The version the step is based on; if the incident has moved on, 409."
    )


class ReturnSerializer(VersionSerializer):
    comment = serializers.CharField(help_text="What the analyst should fix.")


class RetractSerializer(VersionSerializer):
    reason = serializers.CharField(help_text="Why the incident is withdrawn; kept with the record and shown.")


class RevertSerializer(VersionSerializer):
    to_version = serializers.IntegerField(min_value=1, help_text="The earlier version to bring back.")


class RevisionChangeSerializer(serializers.Serializer):
    record = serializers.CharField(help_text="What was changed: incident, incidentparticipant, claim ...")
    id = serializers.CharField(help_text="The id of the changed row.")
    event = serializers.CharField(help_text="insert, update or delete.")
    fields = serializers.DictField(help_text='Each changed field: {"from": old, "to": new}.')


class RevisionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        allow_null=True,
        help_text="The incident's version after this revision; null if the incident row was not touched.",
    )
    at = serializers.DateTimeField()
    user = serializers.CharField(allow_null=True, help_text="Who made it.")
    action = serializers.CharField(help_text="incident.update, incident.publish, claim.review ...")
    comment = serializers.CharField(help_text="The editor's comment or the reason given, if any.")
    reverted_to = serializers.IntegerField(allow_null=True, help_text="For a revert: the version brought back.")
    changes = RevisionChangeSerializer(many=True)
