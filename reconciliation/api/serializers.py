from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from events.models import Incident

from ..choices import Dataset, Verdict
from ..models import MatchDecision


class MatchIncidentSerializer(serializers.Serializer):
    """One side of a pair: the incident and the dataset its record comes from."""

    code = serializers.CharField()
    title = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    country = serializers.CharField()
    admin1 = serializers.CharField()
    fatalities_best = serializers.IntegerField()
    dataset = serializers.SerializerMethodField()
    external_id = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ChoiceField(choices=Dataset.choices))
    def get_dataset(self, incident: Incident) -> str:
        return incident.datasets[0]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_external_id(self, incident: Incident) -> str | None:
        """The event's id in its dataset ("acled:MLI2612"), None for our own records."""
        return incident.external_ids[0] if incident.external_ids else None


class StandingDecisionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    note = serializers.CharField()
    automatic = serializers.BooleanField()
    by = serializers.CharField(allow_null=True)
    at = serializers.DateTimeField()


class MatchCandidateSerializer(serializers.Serializer):
    """Two published incidents that may record one event, with the score, its reasons and the standing decision."""

    incident = MatchIncidentSerializer()
    other = MatchIncidentSerializer()
    score = serializers.DecimalField(max_digits=4, decimal_places=3)
    reasons = serializers.JSONField(
        help_text="datasets, days_apart, km, same_admin1, shared_actors (actor ids), types_compatible, killed "
        "(each side's, in the pair's order) and parts (each part of the score, 0 to 1)."
    )
    found_at = serializers.DateTimeField()
    decision = StandingDecisionSerializer(allow_null=True, help_text="The standing decision on the pair, if any.")


class MatchDecisionSerializer(serializers.ModelSerializer):
    incident = serializers.CharField(source="incident.code", read_only=True)
    other = serializers.CharField(source="other.code", read_only=True)
    by = serializers.CharField(source="by.get_username", read_only=True, default=None)
    undone_by = serializers.CharField(source="undone_by.get_username", read_only=True, default=None)

    class Meta:
        model = MatchDecision
        fields = [
            "id",
            "incident",
            "other",
            "verdict",
            "note",
            "score",
            "automatic",
            "by",
            "at",
            "undone_by",
            "undone_at",
        ]


class MatchDecisionInputSerializer(serializers.Serializer):
    incident = serializers.CharField(max_length=20, help_text="One incident's code.")
    other = serializers.CharField(max_length=20, help_text="The other incident's code.")
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    replaces = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=2**63 - 1,
        help_text="The id of the standing decision on the pair you saw, if any: refused (409) if it changed since.",
    )

    def _incident(self, code: str) -> Incident:
        incident = Incident.objects.filter(code=code).first()
        if incident is None:
            raise serializers.ValidationError(_("No incident has the code %(code)s.") % {"code": code})
        return incident

    def validate_incident(self, code: str) -> Incident:
        return self._incident(code)

    def validate_other(self, code: str) -> Incident:
        return self._incident(code)
