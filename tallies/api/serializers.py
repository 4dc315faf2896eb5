from rest_framework import serializers

from conflict_tracker.choices import AttributionLevel, Harm, Measure, PeriodType, VictimStatus
from events.models import CasualtyRecord

from ..choices import SubjectKind


class TallySubjectSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[*SubjectKind.choices, ("given", "A set given with the request")],
        help_text="actor, lineage or set (a named one); given: any other set of actors.",
    )
    actors = serializers.ListField(child=serializers.IntegerField(), help_text="The ids of the actors counted.")


class TallySerializer(serializers.Serializer):
    """One cell: a period's casualties of the subject, with how fresh it is and where it comes from."""

    subject = TallySubjectSerializer()
    measure = serializers.ChoiceField(choices=Measure.choices)
    attribution = serializers.ChoiceField(choices=AttributionLevel.choices)
    period = serializers.ChoiceField(source="period_type", choices=PeriodType.choices)
    period_start = serializers.DateField(allow_null=True, help_text="None for all time.")
    period_end = serializers.DateField(allow_null=True, help_text="The period's last day; None for all time.")
    country = serializers.CharField(allow_null=True, help_text="None: every country.")
    admin1 = serializers.CharField(allow_null=True, help_text="None: the whole country (or every country).")
    harm = serializers.ChoiceField(choices=Harm.choices, allow_null=True, help_text="None: every harm.")
    victim_status = serializers.ChoiceField(choices=VictimStatus.choices, allow_null=True, help_text="None: all.")
    dataset = serializers.CharField(
        allow_null=True,
        help_text=(
            "None: every incident counted once. A dataset (acled, ucdp, own): its own records and figures; several "
            "(acled,ucdp): the incidents merging a record of each."
        ),
    )
    incidents = serializers.IntegerField(help_text="Published incidents with at least one record counted.")
    records = serializers.IntegerField(help_text="Casualty records counted, each once.")
    low = serializers.IntegerField()
    best = serializers.IntegerField()
    high = serializers.IntegerField()
    week_precision = serializers.IntegerField(help_text="Incidents whose date is known only to the week.")
    month_precision = serializers.IntegerField(help_text="Incidents whose date is known only to the month.")
    year_precision = serializers.IntegerField(help_text="Incidents whose date is known only to the year.")
    computed_at = serializers.DateTimeField(help_text="When it was counted: for this request.")
    reflects_change = serializers.IntegerField(
        allow_null=True,
        help_text="Always null: every change is counted when it commits (kept for the clients that read it).",
    )
    stale = serializers.BooleanField(help_text="Always false: every change is counted when it commits.")
    incidents_url = serializers.URLField(help_text="The incidents API query listing exactly the incidents counted.")
    records_url = serializers.URLField(help_text="The casualty records the cell sums, each once.")
    source_attributions = serializers.ListField(
        child=serializers.CharField(),
        help_text=(
            "The attribution lines, as their licences ask, of the datasets (ACLED, UCDP) behind published "
            "incidents: the whole store's, not worked out per tally. Events known only "
            "from a dataset whose terms forbid redistribution (ACLED) are counted here but not listed by the "
            "incidents API for the public."
        ),
    )


class TallyRecordSerializer(serializers.ModelSerializer):
    """A casualty record that a tally counts: its figures and its incident, without any victim's identity."""

    incident = serializers.CharField(source="incident.code", help_text="The incident's code.")
    start_date = serializers.DateField(source="incident.start_date")
    country = serializers.CharField(source="incident.country")
    admin1 = serializers.CharField(source="incident.admin1")

    class Meta:
        model = CasualtyRecord
        fields = [
            "id",
            "incident",
            "start_date",
            "country",
            "admin1",
            "harm",
            "victim_status",
            "count_low",
            "count_best",
            "count_high",
        ]
