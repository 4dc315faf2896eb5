"""Claims through the API: what documents assert about incidents (or, with none, as aggregate figures), their
review by editors, and an aggregate claim's figure beside our own count of the same."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from actors.models import Actor
from conflict_tracker.choices import Harm, VictimStatus
from sources.choices import ReviewStatus
from sources.filters import ClaimFilterSet
from sources.models import Claim

from .. import services
from ..comparisons import external_figures
from ..models import INCIDENT_CODE, Incident


class OwnTotalSerializer(serializers.Serializer):
    incidents = serializers.IntegerField()
    records = serializers.IntegerField()
    low = serializers.IntegerField()
    best = serializers.IntegerField()
    high = serializers.IntegerField()


class OwnTotalsSerializer(serializers.Serializer):
    perpetrated = OwnTotalSerializer(help_text="Records attributed to the claim's actors.")
    involved = OwnTotalSerializer(help_text="Every record of the incidents the claim's actors took part in.")


class DifferenceSerializer(serializers.Serializer):
    perpetrated = serializers.IntegerField(allow_null=True)
    involved = serializers.IntegerField(allow_null=True)


class ExternalFigureSerializer(serializers.Serializer):
    """A source's figure for actors over a period, beside our own count of the same published records."""

    claim = serializers.IntegerField(help_text="The aggregate claim (GET /api/v1/claims/{id}/).")
    source = serializers.CharField()
    quote = serializers.CharField()
    actors = serializers.ListField(child=serializers.IntegerField())
    period_start = serializers.DateField(allow_null=True)
    period_end = serializers.DateField(allow_null=True)
    country = serializers.CharField(allow_null=True)
    harm = serializers.ChoiceField(choices=Harm.choices, allow_null=True)
    victim_status = serializers.ChoiceField(choices=VictimStatus.choices, allow_null=True)
    figure_qualifier = serializers.CharField(allow_null=True, help_text="at_least, more_than, about ...")
    figure_low = serializers.IntegerField(allow_null=True)
    figure_best = serializers.IntegerField(allow_null=True)
    figure_high = serializers.IntegerField(allow_null=True)
    ours = OwnTotalsSerializer(help_text="Our count: confirmed and alleged attributions, by start date.")
    difference = DifferenceSerializer(
        help_text="Our best minus the source's figure (its best, else the bound it states); negative: we count less."
    )


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
            # What a claim asserts: the fields its writers may set, the quote (above, as the reader may read it) aside.
            *(name for name in services.CLAIM_EDITABLE_FIELDS if name != "quote"),
            "review_status",
            "reviewed_at",
            "created_at",
        ]

    def get_attributed_actors(self, claim) -> list[int]:
        # From the prefetched links: one query for the page instead of one per claim.
        return [link.actor_id for link in claim.actor_links.all()]


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


class ClaimViewSet(viewsets.ReadOnlyModelViewSet):
    """What documents assert; analysts add claims to incidents they may edit, editors review them."""

    queryset = Claim.objects.select_related("incident").prefetch_related("actor_links")
    serializer_class = ClaimSerializer
    filterset_class = ClaimFilterSet

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)

    def get_serializer_class(self):
        return ClaimDetailSerializer if self.action == "retrieve" else ClaimSerializer

    def _written(self, claim: Claim, status_code: int = status.HTTP_200_OK) -> Response:
        claim = self.get_queryset().get(pk=claim.pk)
        return Response(ClaimSerializer(claim, context=self.get_serializer_context()).data, status_code)

    @extend_schema(request=ClaimInputSerializer, responses={201: ClaimSerializer})
    def create(self, request, *args, **kwargs):
        serializer = ClaimInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        claim = services.claim_create(
            by=request.user,
            document=fields.pop("document"),
            incident=fields.pop("incident", None),
            actors=fields.pop("attributed_actors", []),
            fields=fields,
        )
        return self._written(claim, status.HTTP_201_CREATED)

    @extend_schema(request=ClaimReviewSerializer, responses={200: ClaimSerializer})
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """Editors: accept, reject or dispute the claim, with a note."""
        claim = self.get_object()
        serializer = ClaimReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._written(services.claim_review(claim=claim, by=request.user, **serializer.validated_data))
