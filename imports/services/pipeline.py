"""What every import does, from file to published incidents, and why not through events.services row by row.
The ACLED and UCDP imports (acled_import.py, ucdp_import.py) are siblings over this base: each gives its reader,
its staging table and checks, what its rows become (an event, its document and claim), and its source.

1. The file is read as a stream: a first look (`inspect`: its schema; for ACLED the one date format of the whole
   file), then in full, each row parsed by the dataset's reader (imports/readers/) and written to a temporary
   staging table with PostgreSQL COPY (staging.py). Memory holds one row, whatever the file's length.
2. The rules the database can check over the whole file are checked there, in SQL (`validate`). A failing row is
   marked with its message and left out; the rest goes on.
3. The staging rows are merged, a batch of events at a time: an event's rows joined (`event`; ACLED's monadic
   files give one per actor), actor names resolved (actor_resolver.py), then each event compared with what its
   previous import wrote (by event id and a digest of the event). New events are created in bulk (one COPY per
   table per batch, ids drawn from the sequences first: history.copy_insert); changed ones are updated in place,
   ids kept; unchanged ones are not touched (writer.py); one the file gives in an older version than the one
   imported before (imports/versions.py) is never applied, so the newest release wins in any order.

The incident services (incident_create, incident_submit, claim_review, incident_publish) would take five
transactions and five revisions, each re-validated with queries, per event: hours for an ACLED country file.
An imported event is not an analyst's draft going through review either: it is the published record of its
source, so it is written published, with an accepted claim reviewed by the import's user. What the services
guarantee is kept: the whole file is one transaction (a failure or a dry run leaves nothing); every row written
is recorded in pghistory's event tables under one context (user, action "import.<kind>", job id), so each
incident gets one revision authored by the import; an update is a conditional UPDATE on the version the import
last wrote (an incident edited here since is left alone and reported, never overwritten); and every change to a
published incident is announced to the tallies (conflict_tracker.incident_changes), which rewrite the casualty
facts of its incidents in the same transaction: an updated incident's as it is updated, the new ones' once all
are written (writer.announce_created; all of them are rebuilt when the new incidents are many and most of the
published ones, as after a first import: tallies/services.py).

pghistory's row triggers stay on for updates and for the few rows written one at a time (new actors); the bulk
inserts of new events turn the insert trigger off (its WHEN condition: conflict_tracker.history) and write the
same snapshots with one INSERT ... SELECT per table (history.record_inserts). Measured on 20,000 rows, the
triggers made the inserts several times slower, and each batch slower than the one before (1 s to 10 s per 500
events); without them a batch takes a steady second. COPY instead of bulk_create (whose model instances, prepared
values and VALUES lists were most of the remaining time) and batches of 2,000 events halved it again: 20,000 rows
in 10 s instead of 19 s, 200,000 in about 100 s, at a steady 0.85 s per batch (tests/imports/test_scale.py,
docs/benchmarks.md).
"""

import gc
import hashlib
import itertools
import json
from abc import ABC, abstractmethod
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import IO, ClassVar

import pghistory
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg.types.json import Jsonb

from conflict_tracker.incident_changes import incident_changes_tables
from events.choices import ParticipantRole
from events.rendering import renderings_deferred
from sources.choices import Reliability, SourceKind
from sources.models import Source

from ..models import MAX_STORED_ERRORS, ImportedEvent, ImportJob
from ..readers.csvfile import opened
from ..versions import older
from .actor_resolver import NAMES_LOCK, ActorResolver
from .file_events import FileEvent, json_default
from .history import Progress, context_row
from .staging import StagingTable
from .writer import BULK_MODELS, EventWriter

BATCH_EVENTS = 2000
# The incident's latitude and longitude have five decimal places.
_COORDINATE = Decimal("0.00001")


class DatasetImport(EventWriter, ABC):
    """One run of an import over one file, for one job. A dataset's import names its kind, dataset, advisory lock
    key, source and staging table, and gives the hooks: inspect, read_rows, staged_row, validate, event,
    document_fields and claim_fields."""

    kind: ClassVar[str]
    dataset: ClassVar[str]
    # Serialises imports of one dataset: two runs creating the same event ids would otherwise both insert them.
    # 7_402_201 ACLED, 7_402_202 UCDP (7_402_203 is a job's own lock: services.JOB_LOCK).
    lock_key: ClassVar[int]
    # The dataset's own entry among the sources, found by acronym or name, created on its first import.
    source_fields: ClassVar[dict]
    staging: ClassVar[StagingTable]

    def __init__(self, job: ImportJob, binary: IO[bytes]):
        self.job = job
        self.binary = binary
        self.job_label = _("%(dataset)s import %(id)s") % {"dataset": self.dataset, "id": job.pk}
        self.errors: list[dict] = []
        self.error_count = 0
        self.notes: list[str] = []
        self._translations: dict[str, str] = {}

    # -- the dataset's hooks ---------------------------------------------------------------------------------

    @abstractmethod
    def inspect(self) -> list[str]:
        """A first look at the file, before anything is written: the notes the job starts with. A file that cannot
        be read as the dataset's raises FileError here."""

    @abstractmethod
    def read_rows(self, text: IO[str]) -> Iterator:
        """The file's rows as the dataset's reader parses them, or their RowError."""

    @abstractmethod
    def staged_row(self, row) -> tuple:
        """A parsed row as the values of the staging table's columns."""

    @abstractmethod
    def validate(self) -> None:
        """Mark the staged rows that break the dataset's rules with their message (StagingTable.check)."""

    @abstractmethod
    def event(self, rows: list[dict]) -> FileEvent:
        """One event from its staged rows, its participants added and its digest computed."""

    @abstractmethod
    def document_fields(self, event: FileEvent) -> dict:
        """The fields of the event's document (the dataset's record of it)."""

    @abstractmethod
    def claim_fields(self, event: FileEvent) -> dict:
        """The fields of the event's claim (what the dataset says of its dead)."""

    # -- reading ---------------------------------------------------------------------------------------------

    def translated(self, message: str) -> str:
        """gettext of a message written for every event (marked with gettext_noop), looked up once per run: a lookup
        costs as much as building the rest of the event's document."""
        text = self._translations.get(message)
        if text is None:
            text = self._translations[message] = _(message)
        return text

    def note(self, message: str) -> None:
        if len(self.notes) < MAX_STORED_ERRORS:
            self.notes.append(message)

    def run(self) -> None:
        # An import makes millions of short-lived containers (cells, rows, events, the values of each COPY) and no
        # reference cycles: reference counting frees them, and the cyclic collector's passes over them were a fifth
        # of the import's Python time (50,000 rows: 11.4 s of CPU with them, 9.2 s without; the same peak RSS).
        collecting = gc.isenabled()
        gc.disable()
        try:
            self.notes = self.inspect()
            self.progress = Progress(self.job.pk)
            try:
                self._run()
            finally:
                self.progress.close()
        finally:
            if collecting:
                gc.enable()

    def _stage(self) -> int:
        with opened(self.binary) as text:
            return self.staging.fill(self.read_rows(text), self.staged_row, self.progress)

    def _run(self) -> None:
        with (
            transaction.atomic(),
            pghistory.context(
                user=self.job.user_id, action=f"import.{self.kind}", import_job=self.job.pk, file=self.job.file_name
            ) as self.context,
        ):
            context_row(self.context)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [self.lock_key])
                cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [NAMES_LOCK])
            self.job.rows_read = self._stage()
            self.validate()
            self.error_count, self.errors, self.job.events_total = self.staging.report()
            self.progress.report(rows_read=self.job.rows_read, events_total=self.job.events_total)
            # Each batch writes an incident's rows in several statements: rendered once, after the last.
            with renderings_deferred():
                self._merge()
            self.job.absent, self.job.absent_ids = self.staging.absent(self.kind)
            self.save_counts()
            if self.job.dry_run:
                transaction.set_rollback(True)

    # -- merging ---------------------------------------------------------------------------------------------

    def _merge(self) -> None:
        self.resolver = ActorResolver(job_label=self.job_label, dataset=self.kind)
        self.source = self._source()
        self.now = timezone.now()
        for rows in self.staging.batches(BATCH_EVENTS):
            events = [self.event(list(group)) for _id, group in itertools.groupby(rows, key=lambda r: r["event_id"])]
            self.merge_batch(events)
            self.job.events_done += len(events)
            self.progress.report(events_done=self.job.events_done)
        self.job.actors_created = self.resolver.created
        for message in self.resolver.kind_conflicts:
            self.note(message)
        # The planner's statistics do not know of the rows just written (a first import: nearly all of them)
        # until autovacuum runs, after the commit. Planned on statistics taken while the tables were nearly empty,
        # the absent-events query and the deferred foreign-key checks at COMMIT ran as nested loops: over eight
        # minutes each for a 200,000-row file. ANALYZE counts the transaction's own new rows.
        tables = [model._meta.db_table for model in (*BULK_MODELS, ImportedEvent)]
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(tables)}")
        self.announce_created()
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(incident_changes_tables())}")

    def _source(self) -> Source:
        fields = self.source_fields
        source = (
            Source.objects.filter(acronym__iexact=fields["acronym"]).first()
            or Source.objects.filter(name__iexact=fields["name"]).first()
        )
        if source is None:
            source = Source(kind=SourceKind.RESEARCH_BODY, reliability=Reliability.B, **fields)
            source.full_clean()
            source.save()
        return source

    def add_participants(
        self, event: FileEvent, roles: dict[str, str], side_ids: dict[str, str] | None = None
    ) -> dict[str, list[int]]:
        """The event's participants, in the file's order (side A's names, then side B's), so an export names them
        as the file did; a side's role from `roles`, "other" if it has none; a side's actor id in the dataset from
        `side_ids`, for a side of one actor. An actor named twice (two labels of it, or the same group on both sides
        in one role) takes part once. Returns the actors each side names."""
        sides: dict[str, list[int]] = {"A": [], "B": []}
        seen = set()
        for side, names in (("A", event.side_a), ("B", event.side_b)):
            role = roles.get(side, ParticipantRole.OTHER)
            external_id = (side_ids or {}).get(side, "")
            for name, kind in names:
                actor_id = self.resolver.resolve(
                    name, kind=kind, on=event.fields["start_date"], external_id=external_id
                )
                sides[side].append(actor_id)
                if (actor_id, role) not in seen:
                    seen.add((actor_id, role))
                    event.participants.append((actor_id, role, side))
        return sides

    def digest(self, event: FileEvent, *, kept: dict) -> str:
        """SHA-256 of what importing the event writes: the incident's fields, its participants (actor ids, in any
        order: an update keeps the rows it has), its killed records, the document's source and excerpt, the claim,
        and the `kept` columns of the source that matter. Names are compared as the actors they resolve to, so a
        dated label, an alias or another order of the same actors is no change, and an event is updated exactly
        when its import would write something else."""
        fields = dict(event.fields)
        for name in ("latitude", "longitude"):
            if fields[name] is not None:  # as the incident stores it
                fields[name] = Decimal(str(fields[name])).quantize(_COORDINATE, rounding=ROUND_HALF_UP)
        written = {
            "event_id": event.event_id,
            "fields": fields,
            "participants": sorted(event.participants),
            "records": [
                (record.victim_status, record.low, record.best, record.high, sorted(record.perpetrators), record.note)
                for record in event.records
            ],
            "document": (event.source[:300], event.notes),
            "claim": self.claim_fields(event),
            "kept": kept,
        }
        text = json.dumps(written, sort_keys=True, default=json_default, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()

    def merge_batch(self, events: list[FileEvent]) -> None:
        """Each event of the batch created, updated, left unchanged or left alone. The newest version of an event
        wins whatever the order of the files: one older than the version imported before is never applied (and
        reported), one in the same version is unchanged (noted when its content differs), a newer one is compared
        by its digest as any other; an event of a file without versions is compared by its digest alone, as before
        versions were kept."""
        known = {
            external_id: (digest, version)
            for external_id, digest, version in ImportedEvent.objects.filter(
                kind=self.kind, external_id__in=[event.event_id for event in events]
            ).values_list("external_id", "digest", "source_version")
        }
        new, refreshed, changed = [], [], []
        for event in events:
            if event.event_id not in known:
                new.append(event)
                continue
            digest, version = known[event.event_id]
            if older(event.version, version):
                self.older_than_ours(event, version, differs=digest != event.digest)
            elif digest == event.digest:
                self.job.unchanged += 1
                if event.version and event.version != version:
                    refreshed.append(event)
            elif digest == event.snapshot_digest:
                # Imported before the digest described the writes, when it was the snapshot's hash: the same
                # event as then. Its digest becomes the current one, which a round trip of our export keeps.
                self.job.unchanged += 1
                refreshed.append(event)
            elif event.version and event.version == version:
                self.same_version_differs(event)
            else:
                changed.append(event)
        if changed:
            imported_as = {
                imported.external_id: imported
                for imported in ImportedEvent.objects.filter(
                    kind=self.kind, external_id__in=[event.event_id for event in changed]
                ).select_related("incident")
            }
            for event in changed:
                imported = imported_as[event.event_id]
                self.carry_over(event, imported.incident)
                if event.digest == imported.digest:
                    self.job.unchanged += 1
                    refreshed.append(event)
                elif imported.incident.version != imported.incident_version:
                    self.left_alone(event, imported)
                else:
                    self.update(event, imported)
        self.create(new)
        if refreshed:
            # The same event in a newer (or first known) version, or under a digest of today's: what the next file
            # is compared with. A file without versions leaves the version imported before.
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE imports_importedevent e SET digest = d.digest, "
                    "source_version = CASE WHEN d.version = '' THEN e.source_version ELSE d.version END, "
                    "data = d.data FROM unnest(%s::text[], %s::text[], %s::text[], %s::jsonb[]) "
                    "AS d(external_id, digest, version, data) "
                    "WHERE e.kind = %s AND e.external_id = d.external_id",
                    [
                        [event.event_id for event in refreshed],
                        [event.digest for event in refreshed],
                        [event.version for event in refreshed],
                        [Jsonb(event.kept) for event in refreshed],
                        self.kind,
                    ],
                )

    def carry_over(self, event: FileEvent, incident) -> None:
        """Keep in the event what its file cannot say but the incident holds (a dataset's hook; nothing by
        default). Recomputes the event's digest when it changes anything."""

    def older_than_ours(self, event: FileEvent, ours: str, *, differs: bool) -> None:
        """Count an event the file gives in an older version than the one imported before; note it when its older
        version says something else (the import did not apply it)."""
        self.job.older += 1
        if differs:
            self.note(
                _(
                    "Row %(row)s: %(event)s is older in this file (%(theirs)s) than the version imported before "
                    "(%(ours)s): left as it is."
                )
                % {
                    "row": event.rows[0],
                    "event": event.event_id,
                    "theirs": self.describe_version(event.version),
                    "ours": self.describe_version(ours),
                }
            )

    def same_version_differs(self, event: FileEvent) -> None:
        """Count as unchanged an event the file gives in the version imported before but says otherwise (a file
        edited by hand, or read differently): a version is one state of the event, so the first one read stands."""
        self.job.unchanged += 1
        self.note(
            _(
                "Row %(row)s: %(event)s is in the version imported before (%(version)s) but differs from it: left as "
                "it is. Give the row a newer version to apply it."
            )
            % {"row": event.rows[0], "event": event.event_id, "version": self.describe_version(event.version)}
        )

    def describe_version(self, version: str) -> str:
        """A version as the job's notes name it (a dataset's hook)."""
        return version

    def save_counts(self) -> None:
        self.job.error_count = self.error_count
        self.job.errors = self.errors
        self.job.notes = self.notes
