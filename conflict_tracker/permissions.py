"""The API's default permission: the public reads, staff may write where an endpoint allows writing."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from conflict_tracker.roles import is_staff_member, may_read


class ReadOnlyForPublic(BasePermission):
    """Reads for everyone signed in, and for anonymous clients if API_ANONYMOUS_READ; writes for staff only.

    What each role then sees is the querysets' business (`visible_to`); what it may change, the services'.
    """

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return may_read(request.user)
        return is_staff_member(request.user)


class StaffOnly(BasePermission):
    """Analysts, editors and admins: for what only those who work on unpublished records may see."""

    def has_permission(self, request, view) -> bool:
        return is_staff_member(request.user)
