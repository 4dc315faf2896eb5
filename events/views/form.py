"""The one incident form (create and edit), and the analyst's submit with its similar-incident warning."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from conflict_tracker.decorators import role_required
from conflict_tracker.exceptions import EditConflict, TransitionNotAllowed
from conflict_tracker.roles import Role

from ..choices import SUB_EVENT_TYPES_BY_EVENT_TYPE
from ..forms import IncidentFormGroup
from ..models import Incident
from ..selectors import incident_revisions, incident_state_at, similar_incidents
from ..services import (
    EDITABLE_FIELDS,
    incident_editable_by,
    incident_save_with_evidence,
    incident_submit,
    incident_submittable_by,
)

# Analysts and editors write incidents; the services decide which ones.
writer_required = role_required(Role.ANALYST, Role.EDITOR)


@writer_required
def incident_new(request):
    """Log a new incident with its parts and the source claims behind it."""
    return _form_page(request, None)


@writer_required
def incident_edit(request, code: str):
    """Edit an incident the user's role may edit, with the version check."""
    incident = get_object_or_404(Incident.objects.visible_to(request.user), code=code)
    if not incident_editable_by(incident, request.user):
        raise PermissionDenied
    return _form_page(request, incident)


def _form_page(request, incident: Incident | None):
    # A form shown again (errors, conflict) answers 200, as Django's forms do: the page is the answer.
    context = {"incident": incident}
    if request.method == "POST":
        group = IncidentFormGroup(request.POST, incident=incident)
        if group.is_valid() and (saved := group.to_service()) is not None:
            expected = _int(request.POST.get("overwrite_version")) or group.version
            try:
                result = incident_save_with_evidence(
                    by=request.user,
                    incident=incident,
                    expected_version=expected,
                    fields=saved.fields,
                    parts=saved.parts,
                    evidence=saved.evidence,
                )
            except EditConflict as conflict:
                context["conflict"] = _conflict(conflict, group, request.user)
            except ValidationError as error:
                group.add_service_errors(error, saved)
                context["invalid"] = True
            except IntegrityError:
                group.form.add_error(None, _("The database refused this combination; nothing was saved."))
                context["invalid"] = True
            else:
                messages.success(request, _("%(code)s was saved.") % {"code": result.code})
                return redirect("events:incident-edit", code=result.code)
        else:
            context["invalid"] = True
    else:
        group = IncidentFormGroup(incident=incident)
    if incident is not None and "conflict" not in context:
        context["similar"] = similar_incidents(incident, request.user)
        context["may_submit"] = incident_submittable_by(incident, request.user)
    context.update(_form_context(group))
    return render(request, "events/incident_form.html", context)


def _form_context(group: IncidentFormGroup) -> dict:
    return {
        "group": group,
        "form": group.form,
        "formsets": group.formsets,
        # Read by incident_form.js to offer only the chosen type's sub-types.
        "sub_event_types_json": {
            str(kind): [str(sub) for sub in subs] for kind, subs in SUB_EVENT_TYPES_BY_EVENT_TYPE.items()
        },
    }


def _conflict(conflict: EditConflict, group: IncidentFormGroup, user) -> dict:
    """What changed since the version the user started from: each field as it was then, as it is now and as the
    user has it, and the revisions in between (who, when, what)."""
    current = conflict.incident
    then, _parts = incident_state_at(current, conflict.expected_version)
    labels = {name: group.form.fields[name].label for name in EDITABLE_FIELDS}
    fields = []
    for name in EDITABLE_FIELDS:
        now, theirs = getattr(current, name), group.form.cleaned_data.get(name)
        if then.get(name) != now:
            fields.append({"label": labels[name], "then": then.get(name), "now": now, "yours": theirs})
    return {
        "incident": current,
        "expected": conflict.expected_version,
        "current": current.version,
        "fields": fields,
        "revisions": [
            revision
            for revision in incident_revisions(current)
            if revision["version"] is not None and revision["version"] > conflict.expected_version
        ],
    }


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@require_POST
@writer_required
def incident_submit_view(request, code: str):
    """Send a draft to the editors. Similar incidents (a possible duplicate) are shown first and need an explicit
    "submit anyway"; with htmx the warning replaces the button in place."""
    incident = get_object_or_404(Incident.objects.visible_to(request.user), code=code)
    if not incident_submittable_by(incident, request.user):
        raise PermissionDenied
    version = _int(request.POST.get("version"))
    if version is not None:
        incident.version = version  # the transition is conditional on the version the user saw
    similar = similar_incidents(incident, request.user)
    if similar and not request.POST.get("confirm_similar"):
        context = {"incident": incident, "similar": similar, "may_submit": True, "confirm_submit": True}
        if request.htmx:
            return render(request, "events/partials/incident_submit.html", context)
        group = IncidentFormGroup(incident=incident)
        context.update(_form_context(group))
        return render(request, "events/incident_form.html", context)
    try:
        incident_submit(incident=incident, by=request.user)
    except (ValidationError, EditConflict, TransitionNotAllowed) as refusal:
        error = " ".join(getattr(refusal, "messages", [str(refusal)]))
        if request.htmx:
            context = {"incident": incident, "may_submit": True, "submit_error": error}
            return render(request, "events/partials/incident_submit.html", context)
        messages.error(request, error)
        return redirect("events:incident-detail", code=incident.code)
    messages.success(request, _("%(code)s was sent to the editors for review.") % {"code": incident.code})
    target = reverse("events:incident-detail", kwargs={"code": incident.code})
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)
