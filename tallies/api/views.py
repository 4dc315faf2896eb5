from django.db.models import Exists, OuterRef
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response

from conflict_tracker.filters import StrictFilterBackend
from events.models import CasualtyRecord, Incident

from ..filters import TallyFilterSet, TallyRecordFilterSet
from ..models import CasualtyFact
from ..selectors import TallyQuestion
from .rendering import tally_json
from .serializers import TallyRecordSerializer, TallySerializer


@extend_schema(responses=TallySerializer(many=True))
class TallyListView(generics.ListAPIView):
    """Casualty tallies of an actor (`actor`) or a set of actors counted together (`actors`), one row per period.

    Periods with no casualties have no row. Each tally is counted for the request from facts kept in the same
    transaction as every change to a published incident, so it is never stale.
    """

    queryset = CasualtyFact.objects.none()
    serializer_class = TallySerializer
    filterset_class = TallyFilterSet
    pagination_class = None

    def list(self, request, *args, **kwargs):
        data = StrictFilterBackend().validated_filterset(request, self.get_queryset(), self).form.cleaned_data
        question = TallyQuestion(
            actor_ids=(data["actor"],) if data.get("actor") else tuple(data["actors"]),
            include_related=bool(data.get("include_related")),
            measure=data.get("measure") or TallyQuestion.measure,
            attribution=data.get("attribution") or TallyQuestion.attribution,
            period=data.get("period") or TallyQuestion.period,
            date_after=data.get("date_after"),
            date_before=data.get("date_before"),
            country=data.get("country") or None,
            admin1=data.get("admin1") or None,
            harm=data.get("harm") or None,
            victim_status=data.get("victim_status") or None,
            datasets=tuple(data.get("dataset") or ()),
        )
        # Written by PostgreSQL, cells and links, as TallySerializer would write them (rendering.py).
        return Response(tally_json(question, request))


class TallyRecordListView(generics.ListAPIView):
    """The casualty records behind a tally cell (its `records_url`), each once, oldest incident first."""

    queryset = CasualtyRecord.objects.select_related("incident").order_by("incident__start_date", "id")
    serializer_class = TallyRecordSerializer
    filterset_class = TallyRecordFilterSet

    def get_queryset(self):
        # Records of incidents the reader may see (or of the records merged into them, a dataset's own view): a cell
        # counts events we may not pass on (ACLED's), whose dates, places and figures are their records.
        visible = Incident.objects.evidence_visible_to(self.request.user).filter(pk=OuterRef("incident_id"))
        return super().get_queryset().filter(Exists(visible))
