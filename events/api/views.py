from django.db.models import Prefetch
from rest_framework import viewsets

from conflict_tracker.pagination import IncidentCursorPagination
from conflict_tracker.roles import is_staff_member
from events.filters import IncidentFilterSet
from events.models import (
    CasualtyClaim,
    CasualtyPerpetrator,
    CasualtyRecord,
    Incident,
    IncidentParticipant,
    PropertyHarmClaim,
)
from sources.models import Claim

from .serializers import IncidentSerializer, StaffIncidentSerializer


class IncidentViewSet(viewsets.ReadOnlyModelViewSet):
    """Incidents by code (e.g. MLI-2025-0042): the public sees published ones, staff every state.

    Named victims appear only for analysts, editors and admins; for others the key is absent.
    """

    queryset = Incident.objects.all()
    serializer_class = IncidentSerializer
    filterset_class = IncidentFilterSet
    # Cursor pages: stable while incidents are added, as cheap deep in the list as at its start, no COUNT unless
    # asked (with_total=true). The other endpoints keep numbered pages.
    pagination_class = IncidentCursorPagination
    lookup_field = "code"

    def _is_staff(self) -> bool:
        return is_staff_member(self.request.user)

    def get_serializer_class(self):
        # The one place where the role decides what an incident shows.
        return StaffIncidentSerializer if self._is_staff() else IncidentSerializer

    def get_queryset(self):
        user = self.request.user
        claims = Claim.objects.visible_to(user)
        casualty_records = CasualtyRecord.objects.prefetch_related(
            Prefetch("perpetrator_links", queryset=CasualtyPerpetrator.objects.select_related("participant")),
            Prefetch("claim_links", queryset=CasualtyClaim.objects.filter(claim__in=claims.values("pk"))),
        )
        if self._is_staff():
            # Loaded only for those who may see them: for anyone else the names never leave the database.
            casualty_records = casualty_records.prefetch_related("named_victims")
        return (
            super()
            .get_queryset()
            .visible_to(user)
            .prefetch_related(
                Prefetch("participants", queryset=IncidentParticipant.objects.select_related("actor")),
                Prefetch("casualty_records", queryset=casualty_records),
                Prefetch(
                    "property_harms__claim_links",
                    queryset=PropertyHarmClaim.objects.filter(claim__in=claims.values("pk")),
                ),
                Prefetch("claims", queryset=claims.order_by("id")),
            )
        )
