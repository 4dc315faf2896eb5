from django.db.models import Exists, OuterRef
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response

from conflict_tracker.filters import StrictFilterBackend
from events.models import CasualtyRecord, Incident

from ..filters import TallyFilterSet, TallyRecordFilterSet
from ..models import CasualtyFact
from ..selectors import TallyQuestion, cell_incidents_query, period_end, tally_answer
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
        )
        answer = tally_answer(question)
        subject = {"kind": answer.subject.kind, "actors": answer.members}
        incidents = request.build_absolute_uri(reverse("api:incident-list"))
        records = request.build_absolute_uri(reverse("api:tally-records"))
        rows = []
        for cell in answer.cells:
            query = cell_incidents_query(answer.members, cell)  # the records behind a cell: the same query
            rows.append(
                {
                    **cell,
                    "subject": subject,
                    "period_end": period_end(cell["period_type"], cell["period_start"]),
                    "stale": False,  # counted from facts written in the transaction of every change
                    "incidents_url": f"{incidents}?{query}",
                    "records_url": f"{records}?{query}",
                    "source_attributions": answer.attributions,
                }
            )
        return Response(TallySerializer(rows, many=True).data)


class TallyRecordListView(generics.ListAPIView):
    """The casualty records behind a tally cell (its `records_url`), each once, oldest incident first."""

    queryset = CasualtyRecord.objects.select_related("incident").order_by("incident__start_date", "id")
    serializer_class = TallyRecordSerializer
    filterset_class = TallyRecordFilterSet

    def get_queryset(self):
        # Records of incidents the reader may see: a cell counts events we may not pass on (ACLED's), whose dates,
        # places and figures are their records.
        visible = Incident.objects.visible_to(self.request.user).filter(pk=OuterRef("incident_id"))
        return super().get_queryset().filter(Exists(visible))
