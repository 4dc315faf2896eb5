from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from actors.models import Actor
from events.models import INCIDENT_CODE, Incident
from sources.choices import ReviewStatus
from sources.models import Claim, Document, Source
from tallies.api.serializers import ExternalFigureSerializer
from tallies.selectors import external_figures


class SourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["id", "name", "acronym", "kind", "reliability", "country", "language", "url", "description"]


class DocumentSerializer(serializers.ModelSerializer):
    source_name = serializers.CharField(source="source.name", read_only=True)
    # Victims' names are withheld from these unless you may see them (conflict_tracker/redaction.py).
    title = serializers.CharField(source="title_for_reader", read_only=True)
    author = serializers.CharField(source="author_for_reader", read_only=True)
    url = serializers.CharField(source="url_for_reader", read_only=True)
    excerpt = serializers.CharField(
        source="excerpt_for_reader", read_only=True, help_text="Victims' names are withheld unless you may see them."
    )

    class Meta:
        model = Document
        fields = [
            "id",
            "source",
            "source_name",
            "title",
            "url",
            "author",
            "published_on",
            "language",
            "accessed_on",
            "excerpt",
            "snapshot_sha256",
            "created_at",
        ]


class ClaimSerializer(serializers.ModelSerializer):
    """Who reviewed a claim, and their note, stay internal; the review status is public."""

    incident_code = serializers.CharField(source="incident.code", read_only=True, allow_null=True, default=None)
    quote = serializers.CharField(
        source="quote_for_reader", read_only=True, help_text="Victims' names are withheld unless you may see them."
    )
    attributed_actors = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = [
            "id",
            "document",
            "incident",
            "incident_code",
            "quote",
            "attributed_actors",
            "measure",
            "harm",
            "victim_status",
            "property_kind",
            "property_harm",
            "figure_qualifier",
            "figure_low",
            "figure_best",
            "figure_high",
            "change_ratio",
            "period_start",
            "period_end",
            "country",
            "review_status",
            "reviewed_at",
            "created_at",
        ]

    def get_attributed_actors(self, claim) -> list[int]:
        # From the prefetched links: one query for the page instead of one per claim.
        return [link.actor_id for link in claim.actor_links.all()]


class DocumentInputSerializer(DocumentSerializer):
    # Written as given: the model's own fields, not the reader's renderings.
    title = author = url = None
    excerpt = serializers.CharField(required=False, allow_blank=True, help_text="The passage that matters.")
    snapshot_text = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="The document's text as archived when it was read; its SHA-256 is kept with the document.",
    )

    class Meta(DocumentSerializer.Meta):
        fields = [*DocumentSerializer.Meta.fields, "snapshot_text"]


class IncidentCodeField(serializers.SlugRelatedField):
    """An incident named by its code; anything not shaped like one is unknown without asking the database."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or not INCIDENT_CODE.fullmatch(data):
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data)[:40])
        return super().to_internal_value(data)


class ClaimInputSerializer(serializers.ModelSerializer):
    """A new claim: what a document asserts. It starts pending; editors review it afterwards."""

    incident_code = IncidentCodeField(
        source="incident",
        slug_field="code",
        queryset=Incident.objects.all(),
        required=False,
        allow_null=True,
        help_text="The code of the incident the claim is about (e.g. MLI-2025-0042); none for an aggregate claim.",
    )
    attributed_actors = serializers.PrimaryKeyRelatedField(
        queryset=Actor.objects.all(), many=True, required=False, help_text="Ids of the actors the claim blames."
    )

    class Meta:
        model = Claim
        # What a reader sees of a claim, less what the database or the review decides.
        fields = [
            name
            for name in ClaimSerializer.Meta.fields
            if name not in ("id", "incident", "review_status", "reviewed_at", "created_at")
        ]


class ClaimReviewSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[ReviewStatus.ACCEPTED, ReviewStatus.REJECTED, ReviewStatus.DISPUTED], help_text="The verdict."
    )
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Why; required to reject or dispute."
    )


class ClaimDetailSerializer(ClaimSerializer):
    """One claim; an aggregate one (no incident) with our own count of what it gives a figure for."""

    comparison = serializers.SerializerMethodField()

    class Meta(ClaimSerializer.Meta):
        fields = [*ClaimSerializer.Meta.fields, "comparison"]

    @extend_schema_field(ExternalFigureSerializer(allow_null=True))
    def get_comparison(self, claim) -> dict | None:
        if claim.incident_id is not None:
            return None
        [figure] = external_figures(Claim.objects.visible_to(self.context["request"].user).filter(pk=claim.pk))
        return ExternalFigureSerializer(figure).data
