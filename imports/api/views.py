import datetime

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from conflict_tracker.csvcells import csv_dict_writer
from conflict_tracker.permissions import StaffOnly
from conflict_tracker.roles import Role, has_role
from imports.filters import ActorCrosswalkFilterSet
from imports.models import ActorCrosswalk, ActorMerge, ImportJob
from imports.services import import_job_start
from imports.services.actor_crosswalk import actor_crosswalk_create, actor_crosswalk_update
from imports.services.actor_merge import actor_merge, actor_merge_undo

from .serializers import (
    ActorCrosswalkInputSerializer,
    ActorCrosswalkSerializer,
    ActorCrosswalkUpdateSerializer,
    ActorMergeInputSerializer,
    ActorMergeSerializer,
    ImportJobDetailSerializer,
    ImportJobInputSerializer,
    ImportJobSerializer,
)


class EditorsOnly(BasePermission):
    """Imported events are published at once, so importing (and following imports) is for editors and admins."""

    def has_permission(self, request, view) -> bool:
        return has_role(request.user, Role.EDITOR)


class ImportJobViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Import jobs: upload an ACLED or UCDP CSV export (a job a worker runs), then poll the job until it is done."""

    # StaffOnly first: the public is told 401 or 403 as on every staff endpoint (and the schema says so).
    permission_classes = [StaffOnly, EditorsOnly]
    parser_classes = [MultiPartParser]
    queryset = ImportJob.objects.select_related("user")
    serializer_class = ImportJobSerializer

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list":
            # Up to a thousand row errors and absent ids per job: the list shows none of them.
            return queryset.defer("errors", "absent_ids", "notes")
        return queryset

    def get_serializer_class(self):
        if self.action == "retrieve":
            return ImportJobDetailSerializer
        if self.action == "create":
            return ImportJobInputSerializer
        return ImportJobSerializer

    @extend_schema(
        request={"multipart/form-data": ImportJobInputSerializer}, responses={202: ImportJobDetailSerializer}
    )
    def create(self, request, *args, **kwargs):
        """Upload a file: 202 with the pending job; GET the job (its `status`, `progress`) until it has finished."""
        serializer = ImportJobInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        job = import_job_start(by=request.user, **serializer.validated_data)
        job = self.get_queryset().get(pk=job.pk)
        return Response(
            ImportJobDetailSerializer(job, context=self.get_serializer_context()).data, status.HTTP_202_ACCEPTED
        )


class ActorMergeViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Merges of actors an import flagged for review (`GET /api/v1/actors/?needs_review=true`) into the actors they
    are, and their undoing: editors only."""

    permission_classes = [StaffOnly, EditorsOnly]
    queryset = ActorMerge.objects.select_related("by", "undone_by").defer("before", "moved")
    serializer_class = ActorMergeSerializer

    @extend_schema(
        request=ActorMergeInputSerializer,
        responses={201: ActorMergeSerializer, 409: OpenApiResponse(description="Someone merged the actor meanwhile.")},
    )
    def create(self, request, *args, **kwargs):
        """Merge the flagged `actor` into `into`: 201 with the merge; 409 if someone merged it meanwhile."""
        serializer = ActorMergeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        merge = actor_merge(by=request.user, **serializer.validated_data)
        return Response(ActorMergeSerializer(merge).data, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ActorMergeSerializer})
    @action(detail=True, methods=["post"])
    def undo(self, request, pk=None):
        """Undo the merge: the actor comes back as it was; 409 if it was undone already or its incidents changed."""
        merge = self.get_object()
        return Response(ActorMergeSerializer(actor_merge_undo(merge=merge.pk, by=request.user)).data)


# The crosswalk's CSV: each column and how an entry gives it.
CROSSWALK_COLUMNS = {
    "dataset": lambda entry: entry.dataset,
    "name": lambda entry: entry.name,
    "dataset_id": lambda entry: entry.external_id,
    "actor_id": lambda entry: entry.actor_id or "",
    "actor": lambda entry: entry.actor.name if entry.actor else "",
    "matched": lambda entry: "true" if entry.matched else "false",
    "note": lambda entry: entry.note,
    "by": lambda entry: entry.by.get_username() if entry.by else "",
    "at": lambda entry: entry.at.isoformat(),
}


class ActorCrosswalkViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The datasets' names of actors (ACLED's labels, UCDP's side names and ids) and the actors of ours they are:
    staff read them, editors add them and tie or untie them. `unmatched=true` lists the names an import could tie to
    no vetted actor, which an editor has still to tie (or whose flagged actor to merge, `/api/v1/actor-merges/`)."""

    permission_classes = [StaffOnly]
    http_method_names = ["get", "post", "patch", "head", "options"]
    queryset = ActorCrosswalk.objects.select_related("actor", "by")
    serializer_class = ActorCrosswalkSerializer
    filterset_class = ActorCrosswalkFilterSet

    @extend_schema(request=ActorCrosswalkInputSerializer, responses={201: ActorCrosswalkSerializer})
    def create(self, request, *args, **kwargs):
        """Add a dataset's name, tied to one of our actors (`actor`, an id; matched) or to none yet: 201 with it."""
        serializer = ActorCrosswalkInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = actor_crosswalk_create(by=request.user, **serializer.validated_data)
        return Response(ActorCrosswalkSerializer(self.get_queryset().get(pk=entry.pk)).data, status.HTTP_201_CREATED)

    @extend_schema(request=ActorCrosswalkUpdateSerializer, responses={200: ActorCrosswalkSerializer})
    def partial_update(self, request, *args, **kwargs):
        """Tie the name to one of our actors (`actor`, an id), which matches it, or untie it (`actor: null`); the
        dataset's next imports resolve the name accordingly."""
        entry = self.get_object()
        serializer = ActorCrosswalkUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        actor_crosswalk_update(entry=entry.pk, by=request.user, **serializer.validated_data)
        return Response(ActorCrosswalkSerializer(self.get_queryset().get(pk=entry.pk)).data)

    @extend_schema(
        filters=True,
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="One row per entry.")},
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def csv(self, request):
        """The crosswalk as CSV, filtered as the list is: dataset, name, dataset_id (UCDP's), actor_id and actor
        (ours), matched, note, by and at."""
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = datetime.date.today().strftime("%Y%m%d")
        response["Content-Disposition"] = f'attachment; filename="actor-crosswalk-{stamp}.csv"'
        writer = csv_dict_writer(list(CROSSWALK_COLUMNS), response)
        writer.writeheader()
        for entry in self.filter_queryset(self.get_queryset()).iterator(chunk_size=2000):
            writer.writerow({column: value(entry) for column, value in CROSSWALK_COLUMNS.items()})
        return response
