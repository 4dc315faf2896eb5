import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from actors.models import normalize_actor_name
from conflict_tracker.choices import ImportKind

from .choices import ImportStatus

# A job keeps this many row errors (and absent event ids) itself; the counts stay exact beyond them. Bounded so
# a file that is wrong throughout cannot grow the job row (or the importer's memory) without limit.
MAX_STORED_ERRORS = 1000


class ImportJob(models.Model):
    """One run of an import over one file: what it was asked to do, how far it got and what it found (NetBox's
    Job). The UI and the command read it; the Celery task runs it."""

    kind = models.CharField(_("kind"), max_length=10, choices=ImportKind.choices)
    file_name = models.CharField(_("file name"), max_length=255)
    file = models.FileField(_("file"), upload_to="imports/%Y/", blank=True)
    dry_run = models.BooleanField(_("dry run"), default=False, help_text=_("Report what would change; write nothing."))
    dataset_version = models.CharField(
        _("dataset version"),
        max_length=20,
        blank=True,
        help_text=_("The UCDP GED release the file is (24.1), when neither its name nor a column says."),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_jobs", verbose_name=_("user")
    )
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    events_done = models.PositiveIntegerField(_("events merged"), default=0)
    events_total = models.PositiveIntegerField(_("events in the file"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    conflicts = models.PositiveIntegerField(
        _("left alone"), default=0, help_text=_("Events edited here since their last import: not overwritten.")
    )
    older = models.PositiveIntegerField(
        _("older than ours"),
        default=0,
        help_text=_("Events the file gives in an older version than the one imported before: not applied."),
    )
    absent = models.PositiveIntegerField(
        _("absent"), default=0, help_text=_("Imported before, in the file's countries and dates, missing from it.")
    )
    actors_created = models.PositiveIntegerField(_("actors created"), default=0)
    error_count = models.PositiveIntegerField(_("row errors"), default=0)
    errors = models.JSONField(
        _("row errors"), default=list, blank=True, help_text=_("The first row errors: row, event id, message.")
    )
    absent_ids = models.JSONField(default=list, blank=True)
    notes = models.JSONField(
        default=list, blank=True, help_text=_("What the reader decided for the whole file (date format, schema).")
    )
    failure = models.TextField(_("failure"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ImportKind.values), name="import_job_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=ImportStatus.values), name="import_job_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name} ({self.get_status_display()})"

    @property
    def progress(self) -> int:
        """Percent of the file's events merged."""
        if self.status == ImportStatus.SUCCEEDED:
            return 100
        return int(100 * self.events_done / self.events_total) if self.events_total else 0


class ImportedEvent(models.Model):
    """The incident (with its document, claim and casualty record) an external dataset's event became: the key
    that makes a re-import update instead of duplicate, and the digest that tells whether the event changed."""

    kind = models.CharField(max_length=10, choices=ImportKind.choices)
    external_id = models.CharField(_("event id"), max_length=60)
    incident = models.OneToOneField("events.Incident", on_delete=models.PROTECT, related_name="imported_as")
    document = models.ForeignKey("sources.Document", on_delete=models.PROTECT, related_name="+")
    claim = models.ForeignKey("sources.Claim", on_delete=models.PROTECT, related_name="+")
    casualty_record = models.ForeignKey(
        "events.CasualtyRecord", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    digest = models.CharField(max_length=64, help_text=_("SHA-256 of the event as the file gave it."))
    source_version = models.CharField(
        max_length=20,
        blank=True,
        help_text=_(
            "The event's version in its source (ACLED's timestamp, UCDP's GED release): an older one is never "
            "applied over it. Blank when the file gave none."
        ),
    )
    incident_version = models.PositiveIntegerField(
        help_text=_("The incident's version after the import wrote it; a higher one means someone edited it here.")
    )
    data = models.JSONField(default=dict, blank=True, help_text=_("The source's columns we keep only for export."))
    first_job = models.ForeignKey(ImportJob, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    last_job = models.ForeignKey(ImportJob, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "external_id"], name="imported_event_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.external_id} -> {self.incident_id}"


@pghistory.track()
class ActorMerge(models.Model):
    """An editor's merge of an actor an import flagged into the actor it turned out to be, with everything it moved
    as it was, so that undoing it restores the actor, its names, relations, participations and claim links exactly."""

    # Ids, not foreign keys: the merged actor is gone until an undo brings it back, and the actor it was merged into
    # may be merged in its turn (and come back too).
    merged_actor_id = models.BigIntegerField(help_text=_("The merged actor's id, given back to it by an undo."))
    merged_name = models.CharField(_("merged actor"), max_length=200)
    into_actor_id = models.BigIntegerField(help_text=_("The id of the actor it was merged into."))
    into_name = models.CharField(_("merged into"), max_length=200)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    before = models.JSONField(help_text=_("The merged actor, its aliases, relations, participations and claim links."))
    moved = models.JSONField(help_text=_("The rows the merge added or changed, which an undo takes back."))
    incident_versions = models.JSONField(
        default=dict, help_text=_("Each changed incident's version after the merge: an undo needs them unchanged.")
    )
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.merged_name} -> {self.into_name}"


@pghistory.track()
class ActorCrosswalk(models.Model):
    """A dataset's name for an actor (an ACLED label, a UCDP side's name and id) and the actor of ours it is.

    A matched entry (an editor tied the name to the actor, or merged into it the actor an import had made for the
    name) decides what its dataset's imports resolve the name to, before any alias
    (imports/services/actor_resolver.py). An import records, unmatched, each name it could tie to no vetted actor,
    with the actor flagged for review that it created (or found) for it: the names editors have still to tie."""

    dataset = models.CharField(_("dataset"), max_length=10, choices=ImportKind.choices)
    name = models.CharField(_("name in the dataset"), max_length=200)
    normalized_name = models.CharField(max_length=200, editable=False)
    external_id = models.CharField(
        _("dataset's id"),
        max_length=20,
        blank=True,
        help_text=_("UCDP's id of the side (side_a_new_id, side_b_new_id); ACLED gives its actors no id."),
    )
    # PROTECT: a name does not lose its actor silently; a merge moves it along (imports/services/actor_merge.py).
    actor = models.ForeignKey(
        "actors.Actor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="crosswalk_entries",
        verbose_name=_("actor"),
    )
    matched = models.BooleanField(
        _("matched"),
        default=False,
        help_text=_(
            "Tied to its actor by an editor: the dataset's imports resolve the name to it. Unmatched, the name is "
            "resolved by the actors' names and aliases, and the actor is the one an import found or made for it."
        ),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
        help_text=_("The editor who last changed the entry; empty when an import recorded it."),
    )
    at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("actor crosswalk entry")
        verbose_name_plural = _("actor crosswalk")
        ordering = ["dataset", "normalized_name", "external_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "normalized_name", "external_id"],
                name="actor_crosswalk_unique_name",
                violation_error_message=_(
                    "The crosswalk has this name (with this id) for this dataset already: change that entry."
                ),
            ),
            models.CheckConstraint(condition=Q(dataset__in=ImportKind.values), name="actor_crosswalk_dataset_valid"),
            # UCDP numbers its actors; ACLED has no ids.
            models.CheckConstraint(
                condition=Q(external_id="") | Q(dataset=ImportKind.UCDP, external_id__regex=r"^[0-9]+$"),
                name="actor_crosswalk_external_id_ucdp",
            ),
            models.CheckConstraint(
                condition=Q(matched=False) | Q(actor__isnull=False),
                name="actor_crosswalk_matched_to_an_actor",
                violation_error_message=_("A name is matched to an actor: choose one."),
            ),
        ]

    def __str__(self) -> str:
        name = f"{self.name} ({self.external_id})" if self.external_id else self.name
        return f"{self.get_dataset_display()}: {name}"

    def clean(self):
        self.normalized_name = normalize_actor_name(self.name)  # the unique constraint is checked on it next
        if self.external_id and self.dataset != ImportKind.UCDP:
            raise ValidationError({"external_id": _("ACLED gives its actors no id: leave the dataset's id empty.")})
        if self.external_id and not (self.external_id.isascii() and self.external_id.isdigit()):
            raise ValidationError(
                {
                    "external_id": _("%(value)s is not a UCDP actor id: UCDP numbers its actors (IS is 234).")
                    % {"value": self.external_id}
                }
            )

    def save(self, *args, **kwargs):
        self.normalized_name = normalize_actor_name(self.name)
        super().save(*args, **kwargs)
