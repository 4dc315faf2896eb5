from django.db.models import OuterRef, Subquery
from django.db.models.functions import JSONObject
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from conflict_tracker.pagination import KeysetCursorPagination
from conflict_tracker.permissions import StaffOnly

from ..filters import MatchCandidateFilterSet, MatchDecisionFilterSet
from ..models import MatchCandidate, MatchDecision
from ..services import match_decide, match_decision_undo
from .serializers import MatchCandidateSerializer, MatchDecisionInputSerializer, MatchDecisionSerializer

_SIDES = ("incident__imported_as", "other__imported_as")


class MatchPagination(KeysetCursorPagination):
    """The most alike first (or the least, `ordering=score`)."""

    orderings = ("-score", "score")
    default_ordering = "-score"
    ordering = ("-score", "-id")
    invalid_cursor_message = gettext_lazy("This cursor is not valid for this list and ordering.")


class MatchCandidateViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Pairs of published incidents that may record one event (from two datasets, or twice in our own records),
    with their score, its reasons and the standing decision on each: staff only. Found anew as incidents change, so
    a pair is named by its incidents' codes, not by an id of its own; decide on it at `/api/v1/match-decisions/`."""

    permission_classes = [StaffOnly]
    serializer_class = MatchCandidateSerializer
    filterset_class = MatchCandidateFilterSet
    pagination_class = MatchPagination
    queryset = MatchCandidate.objects.select_related("incident", "other", *_SIDES).annotate(
        decision=Subquery(
            MatchDecision.objects.filter(
                incident=OuterRef("incident"), other=OuterRef("other"), undone_at__isnull=True
            ).values(
                json=JSONObject(
                    id="id", verdict="verdict", note="note", automatic="automatic", by="by__username", at="at"
                )
            )[:1]
        )
    )


class MatchDecisionViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Decisions on whether two incidents record one event, newest first, undone ones included (a ledger): staff
    read them, editors make and undo them."""

    permission_classes = [StaffOnly]
    queryset = MatchDecision.objects.select_related("incident", "other", "by", "undone_by")
    serializer_class = MatchDecisionSerializer
    filterset_class = MatchDecisionFilterSet

    @extend_schema(
        request=MatchDecisionInputSerializer,
        responses={
            201: MatchDecisionSerializer,
            409: OpenApiResponse(description="Someone decided on the pair since the decision you replace."),
        },
    )
    def create(self, request, *args, **kwargs):
        """Decide whether two published incidents are one event: 201 with the decision, which undoes the one it
        `replaces`; 409 if the standing decision is not the one you saw."""
        serializer = MatchDecisionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decision = match_decide(by=request.user, **serializer.validated_data)
        return Response(MatchDecisionSerializer(decision).data, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: MatchDecisionSerializer})
    @action(detail=True, methods=["post"])
    def undo(self, request, pk=None):
        """Undo the decision: the pair is undecided again, the decision kept; 409 if it was undone already."""
        decision = self.get_object()
        return Response(MatchDecisionSerializer(match_decision_undo(decision=decision.pk, by=request.user)).data)
