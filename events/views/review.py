"""The editors' review: the queue of submitted incidents, and one incident's claims side by side with its records.

Each claim is accepted, rejected or disputed on its own card (htmx swaps the card in place; the same form works as
a plain POST), then the incident is published or returned, or, once published, retracted. Every write goes through
the services, which hold the rules; this module only turns their refusals into messages next to the right field.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from conflict_tracker.choices import FigureQualifier
from conflict_tracker.decorators import role_required
from conflict_tracker.exceptions import EditConflict, TransitionNotAllowed
from conflict_tracker.roles import Role
from events.services import claim_review
from sources.choices import ClaimMeasure, ReviewStatus
from sources.models import Claim

from ..choices import IncidentStatus, ParticipantRole
from ..models import CasualtyPerpetrator, CasualtyRecord, Incident, IncidentParticipant, PropertyHarm
from ..services import incident_publish, incident_retract, incident_return

QUEUE_PAGE_SIZE = 50
VERDICTS = (ReviewStatus.ACCEPTED, ReviewStatus.REJECTED, ReviewStatus.DISPUTED)
# The workflow steps the review page offers; the services say from which state each may start.
ACTIONS = ("publish", "return", "retract")


class ClaimReviewForm(forms.Form):
    """The verdict comes from the button pressed; the service decides whether the note is needed."""

    status = forms.ChoiceField(
        choices=[(verdict.value, verdict.label) for verdict in VERDICTS],
        error_messages={
            "required": gettext_lazy("Choose accept, reject or disputed."),
            "invalid_choice": gettext_lazy("%(value)s is not a review: choose accept, reject or disputed."),
        },
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class WorkflowForm(forms.Form):
    """Publish, return (with a comment) or retract (with a reason), against the version the editor looked at."""

    action = forms.ChoiceField(
        choices=[(name, name) for name in ACTIONS],
        error_messages={
            "required": gettext_lazy("Choose publish, return or retract."),
            "invalid_choice": gettext_lazy("%(value)s is not a step of the review."),
        },
    )
    version = forms.IntegerField(
        min_value=1,
        error_messages=dict.fromkeys(
            ("required", "invalid", "min_value"),
            gettext_lazy("The page lost the version it shows: reload it and try again."),
        ),
    )
    comment = forms.CharField(
        label=gettext_lazy("What needs fixing"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason for retracting"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


def _add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's refusal next to the field it names, or above the form."""
    if hasattr(error, "error_dict"):
        for name, field_messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, field_messages)
    else:
        form.add_error(None, error.messages)


# -- the queue ---------------------------------------------------------------------------------------------------------


@require_GET
@role_required(Role.EDITOR)
def review_queue(request):
    """Submitted incidents, oldest submission first, with their claims counted by review state in the same query."""
    claim_counts = {
        f"claims_{status}": Count("claims", filter=Q(claims__review_status=status)) for status in ReviewStatus.values
    }
    incidents = (
        Incident.objects.visible_to(request.user)
        .filter(status=IncidentStatus.SUBMITTED)
        .select_related("created_by")
        .annotate(**claim_counts)
        .order_by("submitted_at", "id")
    )
    page = Paginator(incidents, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "events/review_queue.html", {"page": page, "incidents": page.object_list})


# -- one incident ------------------------------------------------------------------------------------------------------


def _incident(request, code: str) -> Incident:
    return get_object_or_404(Incident.objects.visible_to(request.user), code=code)


def _records(incident: Incident) -> list[CasualtyRecord]:
    return list(
        CasualtyRecord.objects.filter(incident=incident)
        .order_by("harm", "victim_status", "id")
        .prefetch_related(
            Prefetch("perpetrator_links", CasualtyPerpetrator.objects.select_related("participant__actor")),
            "claim_links",
            "named_victims",  # editors may see identities (SPEC): the page is theirs alone
        )
    )


def _property_harms(incident: Incident) -> list[PropertyHarm]:
    return list(PropertyHarm.objects.filter(incident=incident).order_by("kind", "id").prefetch_related("claim_links"))


def _claims(incident: Incident):
    return (
        Claim.objects.filter(incident=incident)
        .select_related("document__source", "reviewed_by")
        .prefetch_related("attributed_actors")
        .order_by("document__published_on", "id")
    )


def _range(low, best, high, qualifier: str) -> tuple[int | None, int | None]:
    """The span a figure allows: "at least 20" has no upper bound, "at most 20" no lower one."""
    given = [value for value in (low, best, high) if value is not None]
    if not given:
        return None, None
    floor, ceiling = low if low is not None else min(given), high if high is not None else max(given)
    if qualifier in (FigureQualifier.AT_LEAST, FigureQualifier.MORE_THAN):
        ceiling = None
    if qualifier == FigureQualifier.AT_MOST:
        floor = 0
    return floor, ceiling


def _comparison(claim: Claim, records: list[CasualtyRecord], harms: list[PropertyHarm]) -> dict | None:
    """How a claim's figure sits against what the incident records for the same harm: the sum of the matching
    records' low/best/high, whether the claim falls below, within or above it, and whether a record cites it."""
    if claim.measure == ClaimMeasure.CASUALTIES and claim.harm:
        matching = [
            record
            for record in records
            if record.harm == claim.harm and (not claim.victim_status or record.victim_status == claim.victim_status)
        ]
    elif claim.measure == ClaimMeasure.PROPERTY and claim.property_kind:
        matching = [
            harm
            for harm in harms
            if harm.kind == claim.property_kind and (not claim.property_harm or harm.harm == claim.property_harm)
        ]
    else:
        return None
    cited = any(claim.pk in {link.claim_id for link in row.claim_links.all()} for row in matching)
    if not matching:
        return {"recorded": False, "cited": False}
    low = sum(row.count_low for row in matching)
    best = sum(row.count_best for row in matching)
    high = sum(row.count_high for row in matching)
    floor, ceiling = _range(claim.figure_low, claim.figure_best, claim.figure_high, claim.figure_qualifier)
    if floor is None:
        relation = ""
    elif ceiling is not None and ceiling < low:
        relation = "below"
    elif floor > high:
        relation = "above"
    else:
        relation = "within"
    return {"recorded": True, "low": low, "best": best, "high": high, "relation": relation, "cited": cited}


def _card(claim: Claim, records, harms, perpetrator_ids: set[int], form: ClaimReviewForm | None = None) -> dict:
    """Everything one claim card shows; the page and the htmx fragment build it the same way."""
    return {
        "claim": claim,
        "actors": [(actor, actor.pk in perpetrator_ids) for actor in claim.attributed_actors.all()],
        "comparison": _comparison(claim, records, harms),
        "form": form or ClaimReviewForm(initial={"note": claim.review_note}, auto_id=f"claim-{claim.pk}-%s"),
    }


def _perpetrator_ids(participants) -> set[int]:
    return {p.actor_id for p in participants if p.role == ParticipantRole.PERPETRATOR}


def _claim_totals(claims) -> dict[str, int]:
    totals = dict.fromkeys(ReviewStatus.values, 0)
    for claim in claims:
        totals[claim.review_status] += 1
    return totals


def _page(
    request,
    incident: Incident,
    *,
    workflow: WorkflowForm | None = None,
    bound_claim: tuple[int, ClaimReviewForm] | None = None,
    status: int = 200,
):
    participants = list(
        IncidentParticipant.objects.filter(incident=incident).select_related("actor").order_by("role", "side", "id")
    )
    records, harms, claims = _records(incident), _property_harms(incident), list(_claims(incident))
    perpetrator_ids = _perpetrator_ids(participants)
    bound_pk, bound_form = bound_claim or (None, None)
    context = {
        "incident": incident,
        "participants": participants,
        "records": records,
        "property_harms": harms,
        "cards": [
            _card(claim, records, harms, perpetrator_ids, bound_form if claim.pk == bound_pk else None)
            for claim in claims
        ],
        "totals": _claim_totals(claims),
        "action": workflow.data.get("action") if workflow is not None else None,
        "posted": workflow.data if workflow is not None else {},
        "errors": _workflow_errors(workflow),
    }
    return render(request, "events/incident_review.html", context, status=status)


def _workflow_errors(form: WorkflowForm | None) -> dict[str, list[str]]:
    """A refusal of the whole step (a conflict, no accepted claim, a lost version) goes above the forms; a missing
    comment or reason goes under its box."""
    if form is None:
        return {"page": [], "comment": [], "reason": []}
    errors = form.errors
    page = [*errors.get(NON_FIELD_ERRORS, []), *errors.get("action", []), *errors.get("version", [])]
    return {"page": page, "comment": errors.get("comment", []), "reason": errors.get("reason", [])}


@require_http_methods(["GET", "POST"])
@role_required(Role.EDITOR)
def incident_review(request, code: str):
    """The review page; its POST publishes, returns or retracts, each against the version the editor saw."""
    incident = _incident(request, code)
    if request.method == "GET":
        return _page(request, incident)

    form = WorkflowForm(request.POST)
    if not form.is_valid():
        return _page(request, incident, workflow=form)
    action, version = form.cleaned_data["action"], form.cleaned_data["version"]
    # The transitions compare the version they are handed with the row's: hand them the one the editor saw.
    incident.version = version
    try:
        if action == "publish":
            incident_publish(incident=incident, by=request.user)
        elif action == "return":
            incident_return(incident=incident, by=request.user, comment=form.cleaned_data["comment"])
        else:
            incident_retract(incident=incident, by=request.user, reason=form.cleaned_data["reason"])
    except EditConflict as conflict:
        form.add_error(None, str(conflict))
        return _page(request, conflict.incident, workflow=form, status=409)
    except TransitionNotAllowed as refusal:
        form.add_error(None, str(refusal))
        return _page(request, _incident(request, code), workflow=form)
    except ValidationError as refusal:
        _add_service_errors(form, refusal)
        return _page(request, _incident(request, code), workflow=form)

    done = {
        "publish": _("%(code)s is published."),
        "return": _("%(code)s was returned to its analyst with your comment."),
        "retract": _("%(code)s was retracted; the record and your reason are kept."),
    }[action]
    messages.success(request, done % {"code": incident.code})
    if action == "return":
        return redirect("events:review-queue")
    return redirect("events:incident-detail", code=incident.code)


@require_POST
@role_required(Role.EDITOR)
def review_claim(request, code: str, claim_id: int):
    """Record a verdict on one claim. An htmx request gets the claim's card back (and the counts, out of band);
    a plain POST goes back to the page, or shows it with the refusal next to the field."""
    incident = _incident(request, code)
    claim = get_object_or_404(_claims(incident), pk=claim_id)
    form = ClaimReviewForm(request.POST, auto_id=f"claim-{claim.pk}-%s")
    if form.is_valid():
        try:
            claim_review(
                claim=claim, by=request.user, status=form.cleaned_data["status"], note=form.cleaned_data["note"]
            )
        except ValidationError as refusal:
            _add_service_errors(form, refusal)
    if form.errors:
        if not request.htmx:
            return _page(request, incident, bound_claim=(claim.pk, form))
        return _fragment(request, incident, claim, form)

    if request.htmx:
        claim = _claims(incident).get(pk=claim.pk)  # with its reviewer, for the card
        # A refusal shown above the page (say, publishing with no accepted claim) may no longer hold: clear it.
        return _fragment(request, incident, claim, None, cleared=True)
    messages.success(
        request,
        _("Claim %(claim)s: %(status)s.") % {"claim": claim.pk, "status": claim.get_review_status_display()},
    )
    return redirect(reverse("events:incident-review", args=[incident.code]) + f"#claim-{claim.pk}")


def _fragment(request, incident: Incident, claim: Claim, form: ClaimReviewForm | None, *, cleared: bool = False):
    records, harms = _records(incident), _property_harms(incident)
    perpetrator_ids = set(
        IncidentParticipant.objects.filter(incident=incident, role=ParticipantRole.PERPETRATOR).values_list(
            "actor_id", flat=True
        )
    )
    totals = _claim_totals(Claim.objects.filter(incident=incident).only("review_status"))
    context = {
        "incident": incident,
        "card": _card(claim, records, harms, perpetrator_ids, form),
        "totals": totals,
        "oob": True,
        "cleared": cleared,
    }
    return render(request, "events/partials/claim_review_response.html", context)
