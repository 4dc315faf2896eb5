from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from conflict_tracker.permissions import StaffOnly
from conflict_tracker.roles import Role, has_role
from imports.models import ImportJob
from imports.services import import_job_start

from .serializers import ImportJobDetailSerializer, ImportJobInputSerializer, ImportJobSerializer


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
