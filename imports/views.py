"""The import pages, for editors: upload a file (which becomes a job run by a Celery worker), follow a job's
progress (htmx polls the job's status fragment while it runs), and download its per-row error report."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from actors.models import Actor
from conflict_tracker.csvcells import csv_writer
from conflict_tracker.decorators import role_required
from conflict_tracker.exceptions import ChangedMeanwhile
from conflict_tracker.roles import Role

from .choices import ImportStatus
from .forms import ActorMergeForm, ImportUploadForm, max_upload_bytes
from .models import MAX_STORED_ERRORS, ActorCrosswalk, ActorMerge, ImportJob
from .services import import_job_start
from .services.actor_merge import actor_merge, actor_merge_undo

RECENT_JOBS = 25
RECENT_MERGES = 25
FLAGGED_SHOWN = 200
# The first row errors shown on the job page; all the stored ones are in the CSV report.
ERRORS_SHOWN = 10
ACTORS_SHOWN = 50


def _recent_jobs():
    # The row errors and absent ids can hold a thousand entries each: the list needs none of them.
    return ImportJob.objects.select_related("user").defer("errors", "absent_ids", "notes")[:RECENT_JOBS]


@role_required(Role.EDITOR)
@require_http_methods(["GET", "POST"])
def import_list(request):
    """The upload form and the recent jobs. A valid upload becomes a job and leads to its page."""
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = import_job_start(
                    by=request.user,
                    kind=form.cleaned_data["kind"],
                    file=form.cleaned_data["file"],
                    dry_run=form.cleaned_data["dry_run"],
                    dataset_version=form.cleaned_data["dataset_version"],
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("The file was received; the import runs in the background."))
                return redirect("imports:job", pk=job.pk)
    else:
        form = ImportUploadForm()
    context = {"form": form, "jobs": _recent_jobs(), "max_upload_mb": max_upload_bytes() // (1024 * 1024)}
    return render(request, "imports/importjob_list.html", context)


def _status_context(job: ImportJob) -> dict:
    running = job.status in (ImportStatus.PENDING, ImportStatus.RUNNING)
    finished_writing = job.status == ImportStatus.SUCCEEDED and not job.dry_run
    actors = []
    if finished_writing and job.actors_created and job.started_at and job.finished_at:
        # Actors keep no link to the job that created them: those made while it ran and still flagged are its.
        actors = list(
            Actor.objects.filter(
                needs_review=True, created_at__gte=job.started_at, created_at__lte=job.finished_at
            ).only("pk", "name")[:ACTORS_SHOWN]
        )
    return {
        "job": job,
        "running": running,
        "finished_writing": finished_writing,
        "errors_shown": job.errors[:ERRORS_SHOWN],
        "errors_not_stored": max(job.error_count - len(job.errors), 0),
        "flagged_actors": actors,
    }


@role_required(Role.EDITOR)
@require_GET
@vary_on_headers("HX-Request")
def import_job_detail(request, pk: int):
    """The job's page; for htmx's polling, only its status fragment, which stops polling once the job is done."""
    job = get_object_or_404(ImportJob.objects.select_related("user"), pk=pk)
    context = _status_context(job)
    if request.htmx:
        return render(request, "imports/partials/importjob_status.html", context)
    return render(request, "imports/importjob_detail.html", context)


@role_required(Role.EDITOR)
@require_GET
def import_job_errors_csv(request, pk: int):
    """Every row error the job stored (row number, event id, message), and how many more it counted; an event id or
    message taken from the uploaded file is written formula-safe, so that it cannot run in the editor's spreadsheet."""
    job = get_object_or_404(ImportJob, pk=pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
    writer = csv_writer(response)
    writer.writerow(["row", "event_id", "message"])
    for error in job.errors:
        writer.writerow([error.get("row", ""), error.get("event_id", ""), error.get("message", "")])
    beyond = job.error_count - len(job.errors)
    if beyond > 0:
        message = _("... and %(count)s more row errors, not stored: a job keeps the first %(max)s.") % {
            "count": beyond,
            "max": MAX_STORED_ERRORS,
        }
        writer.writerow(["", "", message])
    return response


@role_required(Role.EDITOR)
@require_http_methods(["GET", "POST"])
def actor_review(request):
    """The actors imports created, flagged for review, each with a form to merge it into the actor it is; the
    datasets' names no vetted actor holds yet (the actor crosswalk's unmatched entries); and the recent merges, each
    with its undo. A refused merge or undo says why on the page (409 when someone changed
    things meanwhile), the form keeping what was typed."""
    form, status = None, 200
    if request.method == "POST" and "undo" in request.POST:
        try:
            merge = actor_merge_undo(merge=int(request.POST["undo"]), by=request.user)
        except (ValueError, ValidationError, ChangedMeanwhile) as refusal:
            messages.error(request, _refusal_text(refusal))
            status = 409 if isinstance(refusal, ChangedMeanwhile) else 400
        else:
            messages.success(request, _("%(name)s is back as it was before the merge.") % {"name": merge.merged_name})
            return redirect("imports:actors")
    elif request.method == "POST":
        form, status = ActorMergeForm(request.POST), 400
        if form.is_valid():
            try:
                merge = actor_merge(by=request.user, **form.cleaned_data)
            except (ValidationError, ChangedMeanwhile) as refusal:
                form.add_error(None, _refusal_text(refusal))
                status = 409 if isinstance(refusal, ChangedMeanwhile) else 400
            else:
                messages.success(
                    request,
                    _("%(name)s was merged into %(into)s.") % {"name": merge.merged_name, "into": merge.into_name},
                )
                return redirect("imports:actors")
    flagged = Actor.objects.filter(needs_review=True).annotate(incidents=Count("participations")).order_by("name")
    unmatched = ActorCrosswalk.objects.filter(matched=False).select_related("actor").order_by("dataset", "name")
    context = {
        "flagged": flagged[:FLAGGED_SHOWN],
        "flagged_count": flagged.count(),
        "unmatched": unmatched[:FLAGGED_SHOWN],
        "unmatched_count": unmatched.count(),
        "form": form,
        "merges": ActorMerge.objects.select_related("by", "undone_by").defer("before", "moved", "incident_versions")[
            :RECENT_MERGES
        ],
    }
    return render(request, "imports/actor_review.html", context, status=status)


def _refusal_text(refusal: Exception) -> str:
    if isinstance(refusal, ValidationError):
        return " ".join(refusal.messages)
    if isinstance(refusal, ValueError):
        return _("No actor merge has that id.")
    return str(refusal)
