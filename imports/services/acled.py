"""An ACLED import, from file to published incidents: how a file is written, and why not through
events.services row by row.

1. The file is read twice, as a stream: once for the date column only (one date format for the whole file),
   then in full, each row parsed (imports/acled.py) and written to a temporary staging table with PostgreSQL
   COPY (staging.py). Memory holds one row, whatever the file's length.
2. The rules the database can check over the whole file are checked there, in SQL: country codes, ACLED type
   and sub-type pairs, coordinates, dates, field lengths, and a monadic file's two rows of one event agreeing.
   A failing row is marked with its message and left out; the rest goes on.
3. The staging rows are merged, a batch of events at a time: rows of one event joined (monadic files), actor
   names resolved (imports/actors.py), then each event compared with what its previous import wrote (by event
   id and a digest of the event). New events are created in bulk (one COPY per table per batch, ids drawn from
   the sequences first: history.copy_insert); changed ones are updated in place, ids kept; unchanged ones are
   not touched.

The incident services (incident_create, incident_submit, claim_review, incident_publish) would take five
transactions and five revisions, each re-validated with queries, per event: hours for an ACLED country file.
An imported event is not an analyst's draft going through review either: it is the published record of its
source, so it is written published, with an accepted claim reviewed by the import's user. What the services
guarantee is kept: the whole file is one transaction (a failure or a dry run leaves nothing); every row written
is recorded in pghistory's event tables under one context (user, action "import.acled", job id), so each
incident gets one revision authored by the import; an update is a conditional UPDATE on the version the import
last wrote (an incident edited here since is left alone and reported, never overwritten); and every change to a
published incident is noted for the tallies (tallies.services.tally_changes_record, one TallyChange per
incident, and a refresh once the transaction commits).

pghistory's row triggers stay on for updates and for the few rows written one at a time (new actors); the bulk
inserts of new events turn the insert trigger off (pgtrigger.ignore) and write the same snapshots with one
INSERT ... SELECT per table (history.record_inserts). Measured on 20,000 rows, the triggers made the inserts
several times slower, and each batch slower than the one before (1 s to 10 s per 500 events); without them a
batch takes a steady second. COPY instead of bulk_create (whose model instances, prepared values and VALUES
lists were most of the remaining time) and batches of 2,000 events halved it again: 20,000 rows in 10 s instead
of 19 s, 200,000 in about 100 s, at a steady 0.85 s per batch (tests/imports/test_scale.py,
docs/import-benchmarks.md).
"""

import datetime
import hashlib
import itertools
import json
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import IO

import pghistory
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from actors.choices import ActorKind
from events.choices import EventType, GeoPrecision, Harm, ParticipantRole
from events.exports import acled_disorder_type
from events.rendering import renderings_deferred
from sources.choices import FigureQualifier, Reliability, SourceKind
from sources.models import Source
from tallies.models import TallyChange

from .. import acled
from ..actors import ActorResolver
from ..choices import ImportKind
from ..models import MAX_STORED_ERRORS, ImportedEvent, ImportJob
from . import staging
from .file_events import _Event, _json_default, _Record
from .history import Progress, context_row
from .writer import BULK_MODELS, EventWriter

BATCH_EVENTS = 2000
# Serialises imports of one dataset: two runs creating the same event ids would otherwise both insert them.
_LOCK_KEYS = {ImportKind.ACLED: 7_402_201, ImportKind.UCDP: 7_402_202}

# Event types whose first actor did the harm ACLED counts; elsewhere (protests, strategic developments) neither
# side is said to have done anything to the other.
_VIOLENT = {
    EventType.BATTLES,
    EventType.EXPLOSIONS_REMOTE_VIOLENCE,
    EventType.VIOLENCE_AGAINST_CIVILIANS,
    EventType.RIOTS,
}

# Columns of an ACLED file that say nothing about the event itself: data_id changes with every release and the
# timestamp with every edit, so neither may make an unchanged event look changed.
_VOLATILE = {"data_id", "timestamp", "year", "inter1", "inter2", "interaction", "event_id_no_cnty"}
# The incident's latitude and longitude have five decimal places.
_COORDINATE = Decimal("0.00001")


class AcledImport(EventWriter):
    """One run of an ACLED import over one file, for one job. The UCDP import (ucdp.py) is this with its own
    reading, staging, events and provenance: the hooks _stage, _validate, _absent, _batches, _event, _source,
    _document_fields and _claim_fields."""

    kind = ImportKind.ACLED
    dataset = "ACLED"

    def __init__(self, job: ImportJob, binary: IO[bytes]):
        self.job = job
        self.binary = binary
        self.job_label = _("%(dataset)s import %(id)s") % {"dataset": self.dataset, "id": job.pk}
        self.errors: list[dict] = []
        self.error_count = 0
        self.notes: list[str] = []

    # -- reading ---------------------------------------------------------------------------------------------

    def _note(self, message: str) -> None:
        if len(self.notes) < MAX_STORED_ERRORS:
            self.notes.append(message)

    def run(self) -> None:
        with acled.opened(self.binary) as text:
            date_format, notes = acled.detect_date_format(text)
        with acled.opened(self.binary) as text:
            header, _records = acled.read_header(text)
        self.notes = [_("Schema: %(schema)s.") % {"schema": header.schema}, *notes]
        self.date_format = date_format
        self._run_all()

    def _run_all(self) -> None:
        self.progress = Progress(self.job.pk)
        try:
            self._run()
        finally:
            self.progress.close()

    def _stage(self) -> int:
        return staging.stage(self.binary, self.date_format, self.progress)

    def _validate(self) -> tuple[int, list[dict], int]:
        return staging.validate()

    def _absent(self) -> tuple[int, list[str]]:
        return staging.absent()

    def _batches(self) -> Iterable[list[dict]]:
        return staging.batches(BATCH_EVENTS)

    def _run(self) -> None:
        with (
            transaction.atomic(),
            pghistory.context(
                user=self.job.user_id, action=f"import.{self.kind}", import_job=self.job.pk, file=self.job.file_name
            ) as self.context,
        ):
            context_row(self.context)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEYS[self.kind]])
            self.job.rows_read = self._stage()
            self.error_count, self.errors, self.job.events_total = self._validate()
            self.progress.report(rows_read=self.job.rows_read, events_total=self.job.events_total)
            # Each batch writes an incident's rows in several statements: rendered once, after the last.
            with renderings_deferred():
                self._merge()
            self.job.absent, self.job.absent_ids = self._absent()
            self._save_counts()
            if self.job.dry_run:
                transaction.set_rollback(True)

    # -- merging ---------------------------------------------------------------------------------------------

    def _merge(self) -> None:
        self.resolver = ActorResolver(job_label=self.job_label)
        self.source = self._source()
        self.now = timezone.now()
        for rows in self._batches():
            events = [self._event(list(group)) for _id, group in itertools.groupby(rows, key=lambda r: r["event_id"])]
            self._merge_batch(events)
            self.job.events_done += len(events)
            self.progress.report(events_done=self.job.events_done)
        self.job.actors_created = self.resolver.created
        # The planner's statistics do not know of the rows just written (a first import: nearly all of them)
        # until autovacuum runs, after the commit. Planned on statistics taken while the tables were nearly empty,
        # the absent-events query and the deferred foreign-key checks at COMMIT ran as nested loops: over eight
        # minutes each for a 200,000-row file. ANALYZE counts the transaction's own new rows.
        tables = [model._meta.db_table for model in (*BULK_MODELS, ImportedEvent, TallyChange)]
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(tables)}")

    # The dataset's own entry among the sources, found by acronym or name, created on its first import.
    source_fields = {
        "name": "ACLED",
        "acronym": "ACLED",
        "url": "https://acleddata.com/",
        "description": _("Armed Conflict Location & Event Data: event data, imported from its CSV exports."),
    }

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

    def _event(self, rows: list[dict]) -> _Event:
        """One event from its rows: one row in a dyadic file, one per actor in a monadic one."""
        reference = rows[0]
        if (
            reference["event_type"] == EventType.VIOLENCE_AGAINST_CIVILIANS
            and reference["kind1"] == ActorKind.CIVILIANS
        ):
            # The civilians' own row of a monadic file: the perpetrators' row says who is side A.
            reference = next((r for r in rows if r["kind1"] != ActorKind.CIVILIANS), reference)
        side_a: dict[str, tuple[str, str | None]] = {}
        side_b: dict[str, tuple[str, str | None]] = {}

        def add(side, names: Iterable[str], kind):
            for name in names:
                if name:
                    side.setdefault(name.casefold(), (name, kind))

        for row in [reference, *(r for r in rows if r is not reference)]:
            own = [row["actor1"], *(row["assoc_actor_1"] or [])]
            other = [row["actor2"], *(row["assoc_actor_2"] or [])]
            first = (row["actor1"] or "").casefold()
            swapped = (
                row is not reference
                and first not in side_a
                and (first in side_b or (row["actor2"] or "").casefold() in side_a or not row["actor2"])
            )
            if swapped:
                add(side_b, own, row["kind1"])
                add(side_a, other, row["kind2"])
            else:
                add(side_a, own, row["kind1"])
                add(side_b, other, row["kind2"])
        # Django has psycopg hand jsonb over as text (its JSONField decodes it).
        extra = json.loads(reference["extra"]) if isinstance(reference["extra"], str) else reference["extra"] or {}
        fields = {
            "title": self._title(reference),
            "notes": reference["notes"] or "",
            "start_date": reference["event_date"],
            "end_date": reference["event_date"],
            "date_precision": reference["date_precision"],
            "country": reference["country"],
            "admin1": reference["admin1"] or "",
            "admin2": reference["admin2"] or "",
            "admin3": reference["admin3"] or "",
            "location_name": reference["location"] or "",
            "latitude": reference["latitude"],
            "longitude": reference["longitude"],
            "geo_precision": reference["geo_precision"] or GeoPrecision.NEAR,
            "event_type": reference["event_type"],
            "sub_event_type": reference["sub_event_type"] or "",
            "civilian_targeting": any(r["civilian_targeting"] for r in rows),
        }
        # The snapshot (the document's text) keeps each side's names sorted, as before the digest described
        # the writes: its hash is the digest of the events imported then (see _merge_batch).
        described = {
            "event_id": reference["event_id"],
            **{name: value for name, value in fields.items() if name != "title"},
            "side_a": sorted(side_a.values(), key=lambda item: item[0]),
            "side_b": sorted(side_b.values(), key=lambda item: item[0]),
            "fatalities": reference["fatalities"],
            "source": reference["source"] or "",
            "extra": {name: value for name, value in sorted(extra.items()) if name not in _VOLATILE},
        }
        event = _Event(
            event_id=reference["event_id"],
            rows=[r["row_number"] for r in rows],
            fields=fields,
            side_a=list(side_a.values()),
            side_b=list(side_b.values()),
            fatalities=reference["fatalities"],
            notes=reference["notes"] or "",
            source=reference["source"] or "",
            extra=extra,
            described=described,
        )
        violent = fields["event_type"] in _VIOLENT
        roles = {"A": ParticipantRole.PERPETRATOR, "B": ParticipantRole.TARGET} if violent else {}
        self._add_participants(event, roles)
        fatalities = event.fatalities
        event.records = [_Record(event.victim_status, fatalities, fatalities, fatalities, event.perpetrators)]
        # What the ACLED export gives back of the kept columns and the incident's fields do not restate (country,
        # iso and region restate its country, time_precision its date precision; year and the ids are volatile).
        disorder_type = extra.get("disorder_type") or acled_disorder_type(
            fields["event_type"], fields["sub_event_type"]
        )
        event.digest = self._digest(
            event,
            kept={
                "disorder_type": disorder_type,
                "source_scale": extra.get("source_scale", ""),
                "tags": extra.get("tags", ""),
            },
        )
        return event

    def _add_participants(self, event: _Event, roles: dict[str, str]) -> dict[str, list[int]]:
        """The event's participants, in the file's order (side A's names, then side B's), so an export names them
        as the file did; a side's role from `roles`, "other" if it has none. An actor named twice (two labels of
        it, or the same group on both sides in one role) takes part once. Returns the actors each side names."""
        sides: dict[str, list[int]] = {"A": [], "B": []}
        seen = set()
        for side, names in (("A", event.side_a), ("B", event.side_b)):
            role = roles.get(side, ParticipantRole.OTHER)
            for name, kind in names:
                actor_id = self.resolver.resolve(name, kind=kind, on=event.fields["start_date"])
                sides[side].append(actor_id)
                if (actor_id, role) not in seen:
                    seen.add((actor_id, role))
                    event.participants.append((actor_id, role, side))
        return sides

    def _digest(self, event: _Event, *, kept: dict) -> str:
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
            "claim": self._claim_fields(event),
            "kept": kept,
        }
        text = json.dumps(written, sort_keys=True, default=_json_default, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()

    @staticmethod
    def _title(row: dict) -> str:
        kind = row["sub_event_type"] or row["event_type"]
        place = ", ".join(part for part in (row["location"], row["admin1"]) if part) or row["country"]
        return f"{kind}: {place}"[:300]

    def _merge_batch(self, events: list[_Event]) -> None:
        known = dict(
            ImportedEvent.objects.filter(
                kind=self.kind, external_id__in=[event.event_id for event in events]
            ).values_list("external_id", "digest")
        )
        new, redigested, changed = [], [], []
        for event in events:
            digest = known.get(event.event_id)
            if digest is None:
                new.append(event)
            elif digest == event.digest:
                self.job.unchanged += 1
            elif digest == event.snapshot_digest:
                # Imported before the digest described the writes, when it was the snapshot's hash: the same
                # event as then. Its digest becomes the current one, which a round trip of our export keeps.
                self.job.unchanged += 1
                redigested.append(event)
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
                if imported.incident.version != imported.incident_version:
                    self._left_alone(event, imported)
                else:
                    self._update(event, imported)
        self._create(new)
        if redigested:
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE imports_importedevent e SET digest = d.digest "
                    "FROM unnest(%s::text[], %s::text[]) AS d(external_id, digest) "
                    "WHERE e.kind = %s AND e.external_id = d.external_id",
                    [[event.event_id for event in redigested], [event.digest for event in redigested], self.kind],
                )

    def _document_fields(self, event: _Event) -> dict:
        timestamp = event.extra.get("timestamp", "")
        published = None
        if timestamp.isdigit():
            published = datetime.datetime.fromtimestamp(int(timestamp), tz=datetime.UTC).date()
        return {
            "title": _("ACLED event %(id)s") % {"id": event.event_id},
            "author": event.source[:300],
            "published_on": published,
            "language": "en",
            "accessed_on": self.now.date(),
            "excerpt": event.notes,
            "snapshot_text": event.snapshot,
            "snapshot_sha256": event.snapshot_digest,
        }

    def _claim_fields(self, event: _Event) -> dict:
        quote = event.notes or _("%(count)s fatalities (ACLED event %(id)s).") % {
            "count": event.fatalities,
            "id": event.event_id,
        }
        return {
            "quote": quote,
            "harm": Harm.KILLED,
            "victim_status": event.victim_status,
            "figure_qualifier": FigureQualifier.EXACT,
            "figure_low": event.fatalities,
            "figure_best": event.fatalities,
            "figure_high": event.fatalities,
            "country": event.fields["country"],
        }

    def _save_counts(self) -> None:
        self.job.error_count = self.error_count
        self.job.errors = self.errors
        self.job.notes = self.notes
