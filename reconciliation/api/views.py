import datetime

from django.db.models import OuterRef, Subquery
from django.db.models.functions import JSONObject
from django.http import HttpResponse
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from conflict_tracker.csvcells import csv_dict_writer
from conflict_tracker.pagination import KeysetCursorPagination
from conflict_tracker.permissions import StaffOnly

from ..choices import Dataset, Verdict
from ..filters import MatchCandidateFilterSet, MatchDecisionFilterSet
from ..models import MatchCandidate, MatchDecision
from ..services import match_decide, match_decision_undo
from .serializers import MatchCandidateSerializer, MatchDecisionInputSerializer, MatchDecisionSerializer


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
    queryset = MatchCandidate.objects.select_related("incident", "other").annotate(
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


def _ids(decision: MatchDecision, dataset: str) -> str:
    """The two records' event ids in `dataset` (our codes for our own records), separated by a space."""
    ids = []
    for record in (decision.incident, decision.other):
        if dataset == Dataset.OWN and not record.external_ids:
            ids.append(record.code)
        ids.extend(external.split(":", 1)[1] for external in record.external_ids if external.startswith(f"{dataset}:"))
    return " ".join(ids)


# The crosswalk's CSV: each column and how a standing decision gives it.
CROSSWALK_COLUMNS = {
    "code": lambda d: d.incident.merged_into.code if d.verdict == Verdict.SAME and d.incident.merged_into else "",
    "record": lambda d: d.incident.code,
    "other_record": lambda d: d.other.code,
    "acled_ids": lambda d: _ids(d, Dataset.ACLED),
    "ucdp_ids": lambda d: _ids(d, Dataset.UCDP),
    "own_codes": lambda d: _ids(d, Dataset.OWN),
    "decision": lambda d: d.verdict,
    "automatic": lambda d: "true" if d.automatic else "false",
    "score": lambda d: "" if d.score is None else str(d.score),
    "by": lambda d: d.by.get_username() if d.by else "",
    "at": lambda d: d.at.isoformat(),
    "note": lambda d: d.note,
}


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

    @extend_schema(
        filters=True,
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="One row per standing decision.")},
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def crosswalk(self, request):
        """The standing decisions as a crosswalk between the datasets, CSV, filtered as the list is: `code`, the
        incident that counts the two records when they are one event; the records' codes; their ACLED and UCDP ids
        and our own codes; the decision, whether automatic, its score, who made it, when, and its note."""
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = datetime.date.today().strftime("%Y%m%d")
        response["Content-Disposition"] = f'attachment; filename="event-crosswalk-{stamp}.csv"'
        writer = csv_dict_writer(list(CROSSWALK_COLUMNS), response)
        writer.writeheader()
        standing = self.filter_queryset(self.get_queryset()).filter(undone_at__isnull=True)
        for decision in standing.select_related("incident__merged_into").order_by("id").iterator(chunk_size=2000):
            writer.writerow({column: value(decision) for column, value in CROSSWALK_COLUMNS.items()})
        return response

    @extend_schema(request=None, responses={200: MatchDecisionSerializer})
    @action(detail=True, methods=["post"])
    def undo(self, request, pk=None):
        """Undo the decision: the pair is undecided again, the decision kept; 409 if it was undone already."""
        decision = self.get_object()
        return Response(MatchDecisionSerializer(match_decision_undo(decision=decision.pk, by=request.user)).data)
