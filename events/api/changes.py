"""The changes feed: `GET /api/v1/changes/?updated_since=<timestamp>`, one entry per incident changed since then.

A researcher keeps a local copy in sync by asking for what changed since the last sync and fetching only the
linked incidents. What counts as a change depends on who asks:

- Researchers and anonymous clients see publication history only. An incident published since the timestamp
  is `published`, one published before and edited since is `updated` (fetch either from `url`); one that was
  published and has been retracted since is `retracted`, with its code, `retracted_at` and
  `retraction_reason` and nothing else (drop it); one published and since merged with the other records of its event
  into one incident is `merged`, with the code of that incident (`merged_into`, which the feed lists too) and nothing
  else (drop it: the incident merging it counts it). Incidents that were never published do not appear at all, not
  even their codes.
- Analysts, editors and admins see every change: `created`, `submitted`, `published`, `retracted`, `merged`, or
  `updated` (an edit, a return to the analyst, a reopening), with the incident's current `status`.

Each entry gives the incident's latest change time (`changed_at`, its `updated_at`) and current `version`.
The feed is one SQL query over the incident table, ordered by `changed_at` then `code`, in keyset cursor pages.

Why the incident table alone is enough: from `published` an incident moves only to `retracted` (a final state that
nothing edits) or to `merged` and back, every write sets `updated_at`, and a retraction sets `retracted_at` in the
same UPDATE. So "published or merged now and touched since T" and "retracted since T" are exactly the public's
changes.
"""

import datetime

from django.db.models import Case, CharField, F, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError

from conflict_tracker.pagination import KeysetCursorPagination
from conflict_tracker.redaction import names_digest, public_text
from conflict_tracker.roles import is_staff_member
from events.choices import IncidentStatus
from events.models import Incident


class Change:
    CREATED = "created"
    UPDATED = "updated"
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    RETRACTED = "retracted"
    MERGED = "merged"

    choices = [CREATED, UPDATED, SUBMITTED, PUBLISHED, RETRACTED, MERGED]


class ChangesPagination(KeysetCursorPagination):
    """Cursor pages in the feed's one order, changed_at then code: stable while incidents keep changing (however
    many share a timestamp, none is repeated or skipped), as fast deep as on page one."""

    orderings = ("updated_at",)
    default_ordering = "updated_at"
    tiebreaker = "code"
    ordering = ("updated_at", "code")
    ordering_query_param = None
    total_query_param = None
    page_size = 100
    invalid_cursor_message = gettext_lazy("This cursor is not valid for this feed.")


class IncidentChangeSerializer(serializers.Serializer):
    """One entry of the feed (documentation only: the view builds entries from plain rows)."""

    code = serializers.CharField(help_text="The incident's stable code, e.g. MLI-2025-0042.")
    change = serializers.ChoiceField(
        choices=Change.choices,
        help_text="What happened since `updated_since`. The public sees only `published`, `updated` and `retracted`.",
    )
    changed_at = serializers.DateTimeField(help_text="When the incident last changed.")
    version = serializers.IntegerField(help_text="The incident's current version.")
    url = serializers.URLField(
        required=False,
        help_text="The incident in the API. Absent from retracted entries for researchers and anonymous clients.",
    )
    status = serializers.ChoiceField(
        choices=IncidentStatus.choices, required=False, help_text="Current workflow state (staff only)."
    )
    retracted_at = serializers.DateTimeField(required=False, help_text="Retracted entries only.")
    retraction_reason = serializers.CharField(required=False, help_text="Retracted entries only.")
    merged_into = serializers.CharField(
        required=False,
        help_text="Merged entries only: the incident that now counts this record, with the other records of its event.",
    )


def parse_updated_since(value: str | None) -> datetime.datetime:
    """An ISO 8601 timestamp (a bare date means its midnight, a naive time is UTC), or a 400 naming the parameter."""
    if value is None or not value.strip():
        raise ValidationError({"updated_since": [_("This parameter is required, e.g. 2025-01-31T00:00:00Z.")]})
    text = value.strip()
    if "T" in text and " " in text:
        # An unencoded "+01:00" offset arrives as " 01:00" in a query string.
        text = text.replace(" ", "+")
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            moment = datetime.datetime.combine(day, datetime.time()) if day else None
    except ValueError:
        moment = None
    if moment is None:
        raise ValidationError(
            {
                "updated_since": [
                    _("%(value)s is not an ISO 8601 timestamp, e.g. 2025-01-31T00:00:00Z.") % {"value": value[:50]}
                ]
            }
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    try:
        # In UTC, as the database compares it: an offset at the edge of year 1 or 9999 cannot be.
        return moment.astimezone(datetime.UTC)
    except OverflowError:
        raise ValidationError({"updated_since": [_("%(value)s is out of range.") % {"value": value[:50]}]}) from None


@extend_schema(
    summary="Incidents changed since a timestamp, for syncing a local copy",
    parameters=[
        OpenApiParameter(
            "updated_since",
            OpenApiTypes.DATETIME,
            OpenApiParameter.QUERY,
            required=True,
            description=(
                "ISO 8601 timestamp (a date alone means its midnight, no offset means UTC): list the incidents "
                "that changed at or after it. Use the `changed_at` of the last entry you synced."
            ),
            examples=[OpenApiExample("Since the start of 2025", value="2025-01-01T00:00:00Z")],
        ),
    ],
    responses=IncidentChangeSerializer(many=True),
)
class ChangesView(generics.ListAPIView):
    """Incidents created, changed, published or retracted since `updated_since`, as the caller may see them."""

    serializer_class = IncidentChangeSerializer
    pagination_class = ChangesPagination
    filter_backends = []
    queryset = Incident.objects.none()

    def get_queryset(self):
        since = parse_updated_since(self.request.query_params.get("updated_since"))
        changed = Incident.objects.filter(updated_at__gte=since)
        withheld = {}
        if is_staff_member(self.request.user):
            change = Case(
                When(created_at__gte=since, then=Value(Change.CREATED)),
                When(status=IncidentStatus.MERGED, then=Value(Change.MERGED)),
                When(status=IncidentStatus.RETRACTED, retracted_at__gte=since, then=Value(Change.RETRACTED)),
                When(status=IncidentStatus.PUBLISHED, published_at__gte=since, then=Value(Change.PUBLISHED)),
                When(status=IncidentStatus.SUBMITTED, submitted_at__gte=since, then=Value(Change.SUBMITTED)),
                default=Value(Change.UPDATED),
                output_field=CharField(),
            )
        else:
            # Published now, or published once and retracted since: nothing else about any incident, and nothing of
            # an incident we may not pass on.
            changed = changed.filter(
                Q(status__in=[IncidentStatus.PUBLISHED, IncidentStatus.MERGED])
                | Q(status=IncidentStatus.RETRACTED, retracted_at__gte=since)
            ).redistributable()
            change = Case(
                When(status=IncidentStatus.RETRACTED, then=Value(Change.RETRACTED)),
                When(status=IncidentStatus.MERGED, then=Value(Change.MERGED)),
                When(published_at__gte=since, then=Value(Change.PUBLISHED)),
                default=Value(Change.UPDATED),
                output_field=CharField(),
            )
            # A retraction's reason is read without victims' names (conflict_tracker/redaction.py).
            withheld = {"withheld_names": names_digest()}
        # Only the columns an entry shows leave the database.
        return changed.order_by().values(
            "code",
            "status",
            "version",
            "updated_at",
            "retracted_at",
            "retraction_reason",
            change=change,
            merged_into_code=F("merged_into__code"),
            changed_at=F("updated_at"),
            **withheld,
        )

    def list(self, request, *args, **kwargs):
        queryset = self.get_queryset()
        page = self.paginate_queryset(queryset)
        staff = is_staff_member(request.user)
        return self.get_paginated_response([self._entry(row, staff) for row in page])

    def _entry(self, row: dict, staff: bool) -> dict:
        entry = {
            "code": row["code"],
            "change": row["change"],
            "changed_at": serializers.DateTimeField().to_representation(row["changed_at"]),
            "version": row["version"],
        }
        retracted = row["status"] == IncidentStatus.RETRACTED
        merged = row["status"] == IncidentStatus.MERGED
        if staff or not (retracted or merged):
            entry["url"] = self.request.build_absolute_uri(reverse("api:incident-detail", args=[row["code"]]))
        if staff:
            entry["status"] = row["status"]
        if retracted:
            entry["retracted_at"] = serializers.DateTimeField().to_representation(row["retracted_at"])
            entry["retraction_reason"] = public_text(row["retraction_reason"], row.get("withheld_names"))
        if merged:
            entry["merged_into"] = row["merged_into_code"]
        return entry
