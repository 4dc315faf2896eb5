from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from actors.models import Actor
from conflict_tracker.decorators import public_read
from conflict_tracker.exceptions import EditConflict
from conflict_tracker.pagination import IncidentCursorPagination
from conflict_tracker.roles import Role, has_role, is_staff_member
from sources.models import Claim, Source

from ..choices import IncidentStatus
from ..exports import EXPORT_FORMATS
from ..filters import IncidentFilterSet
from ..models import CasualtyPerpetrator, CasualtyRecord, Incident, IncidentParticipant
from ..selectors import incident_revisions
from ..services import incident_revert

RECENT = 10
PAGE_SIZE = 50
# The filters the page's form shows; every other API filter works in its URL too.
FORM_FIELDS = ("search", "date_after", "date_before", "country", "admin1", "event_type", "actor", "civilian_targeting")
STAFF_FORM_FIELDS = (*FORM_FIELDS, "status")


@public_read
def home(request):
    """What to do next, by role: an analyst's drafts and returned incidents, the editors' review queue, and
    the latest publications for everyone. Ties are broken as the incident list breaks them, so a list of ten
    cut through equal timestamps (an import publishes many at once) is the same at every visit."""
    user = request.user
    visible = Incident.objects.visible_to(user)
    context = {
        "recent_publications": visible.filter(status=IncidentStatus.PUBLISHED).order_by(
            *IncidentCursorPagination.sort("-published_at")
        )[:RECENT],
        "actor_count": Actor.objects.count(),
        "source_count": Source.objects.count(),
    }
    if has_role(user, Role.ANALYST, Role.EDITOR):
        mine = visible.filter(created_by=user)
        context["my_drafts"] = mine.filter(status=IncidentStatus.DRAFT).order_by(
            *IncidentCursorPagination.sort("-updated_at")
        )[:RECENT]
        context["returned_to_me"] = mine.filter(status=IncidentStatus.RETURNED).order_by(
            *IncidentCursorPagination.sort("-updated_at")
        )[:RECENT]
    if has_role(user, Role.EDITOR):
        context["review_queue"] = visible.filter(status=IncidentStatus.SUBMITTED).order_by(
            *IncidentCursorPagination.sort("submitted_at")
        )[:RECENT]
    return render(request, "events/home.html", context)


@public_read
def incident_list(request):
    """The incidents the visitor may see, filtered with the API's own filters, in cursor pages, with the same
    query's exports a click away."""
    queryset = Incident.objects.visible_to(request.user)
    filterset = IncidentFilterSet(request.GET, queryset=queryset, request=request)
    incidents, paginator, errors = [], None, {}
    if filterset.is_valid():
        paginator = IncidentCursorPagination()
        paginator.page_size = PAGE_SIZE
        try:
            incidents = paginator.paginate_queryset(filterset.qs, Request(request))
        except ValidationError as error:  # a mangled cursor or ordering: the parameter's message, not a 500
            errors = error.detail
    else:
        errors = filterset.errors
    query = request.GET.copy()
    query.pop("cursor", None)
    api = reverse("api:incident-list")
    exports = [(name, f"{api}?{_with(query, format=name)}") for name in EXPORT_FORMATS]
    context = {
        **filter_form_context(request, filterset, errors),
        "incidents": incidents,
        "next_url": paginator.get_next_link() if paginator else None,
        "previous_url": paginator.get_previous_link() if paginator else None,
        "exports": exports,
        "orderings": [(name, _with(query, ordering=name)) for name in IncidentCursorPagination.orderings],
    }
    return render(request, "events/incident_list.html", context)


def filter_form_context(request, filterset: IncidentFilterSet, errors: dict) -> dict:
    """What events/_incident_filters.html needs: the form's fields for this visitor, and the errors of the
    filters it does not show (given in the URL), which would otherwise go unseen."""
    shown = STAFF_FORM_FIELDS if is_staff_member(request.user) else FORM_FIELDS
    return {
        "fields": [filterset.form[name] for name in shown],
        "other_errors": {name: messages for name, messages in errors.items() if name not in shown},
    }


def _with(query, **values) -> str:
    query = query.copy()
    for name, value in values.items():
        query[name] = value
    return query.urlencode()


@public_read
def incident_detail(request, code: str):
    """One incident: its facts, parts and claims as the visitor may see them; for staff its revisions, and for
    editors a revert to any of them."""
    user = request.user
    staff = is_staff_member(user)
    claims = Claim.objects.visible_to(user).select_related("document__source").order_by("id")
    records = CasualtyRecord.objects.prefetch_related(
        Prefetch("perpetrator_links", queryset=CasualtyPerpetrator.objects.select_related("participant__actor")),
        *(["named_victims"] if staff else []),  # identities only for those who may see them
    )
    incident = (
        Incident.objects.visible_to(user)
        .prefetch_related(
            Prefetch("participants", queryset=IncidentParticipant.objects.select_related("actor")),
            Prefetch("casualty_records", queryset=records),
            "property_harms",
            Prefetch("claims", queryset=claims),
            Prefetch("merged_records", queryset=Incident.objects.prefetch_related(Prefetch("claims", queryset=claims))),
        )
        .select_related("merged_into")
        .filter(code=code)
        .first()
    )
    if incident is None:
        # A record merged with the other records of its event: the incident counting them, where it may be seen.
        merge = (
            Incident.objects.visible_to(user).filter(merged_records__code=code).values_list("code", flat=True).first()
        )
        if merge is None:
            raise Http404(_("No incident has the code %(code)s.") % {"code": code})
        return redirect("events:incident-detail", merge)
    if request.method == "POST":
        if not has_role(user, Role.EDITOR):
            raise PermissionDenied
        return _revert(request, incident)
    context = {
        "incident": incident,
        "staff": staff,
        "revisions": incident_revisions(incident) if staff else None,
        "may_revert": has_role(user, Role.EDITOR),
    }
    return render(request, "events/incident_detail.html", context)


def _revert(request, incident: Incident):
    try:
        to_version, version = int(request.POST["to_version"]), int(request.POST["version"])
    except (KeyError, ValueError):
        messages.error(request, _("Choose the version to bring back."))
        return redirect("events:incident-detail", code=incident.code)
    try:
        incident_revert(incident=incident, by=request.user, to_version=to_version, expected_version=version)
    except EditConflict as conflict:
        messages.error(request, str(conflict))
    except (PermissionDenied, DjangoValidationError) as refusal:
        messages.error(request, " ".join(getattr(refusal, "messages", [str(refusal)])))
    else:
        messages.success(
            request, _("Version %(version)s was brought back as a new revision.") % {"version": to_version}
        )
    return redirect("events:incident-detail", code=incident.code)
