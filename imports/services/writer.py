"""The rows an import writes: new events created in bulk (a COPY per table, history snapshots written by one
statement per table), changed ones updated in place, and those edited here since their last import left alone."""

from django.db import connection
from django.db.models import F
from django.utils.translation import gettext as _

from conflict_tracker.choices import Harm
from conflict_tracker.history import insert_snapshots_by_caller
from conflict_tracker.incident_changes import incident_changes_announce
from events.choices import Attribution, IncidentStatus, ParticipantRole
from events.models import (
    CasualtyClaim,
    CasualtyPerpetrator,
    CasualtyRecord,
    Incident,
    IncidentParticipant,
)
from events.services import ANNOUNCED, incident_codes_reserve
from sources.choices import ReviewStatus
from sources.models import Claim, ClaimActor, Document

from ..models import ImportedEvent
from .file_events import FileEvent, KilledRecord
from .history import copy_insert, ids_reserve, record_inserts

# The tracked models the bulk path writes with pghistory's insert trigger off, recording their snapshots itself (see
# history.record_inserts).
BULK_MODELS = (
    Incident,
    Document,
    Claim,
    ClaimActor,
    IncidentParticipant,
    CasualtyRecord,
    CasualtyPerpetrator,
    CasualtyClaim,
)


class EventWriter:
    """The writing half of an import (pipeline.DatasetImport): what each event of a batch becomes in the database,
    given the import's job, kind, dataset, job_label, source, now and history context, and its note,
    document_fields and claim_fields."""

    def left_alone(self, event: FileEvent, imported: ImportedEvent) -> None:
        self.job.conflicts += 1
        self.note(
            _(
                "Row %(row)s: %(event)s changed in %(dataset)s, but %(code)s was edited here since the last "
                "import (version %(ours)s, now %(current)s): left as it is; merge %(dataset)s's change by hand."
            )
            % {
                "row": event.rows[0],
                "dataset": self.dataset,
                "event": event.event_id,
                "code": imported.incident.code,
                "ours": imported.incident_version,
                "current": imported.incident.version,
            }
        )

    def create(self, events: list[FileEvent]) -> None:
        if not events:
            return
        with insert_snapshots_by_caller():
            written = self._insert(events)
        for model, ids in written.items():
            record_inserts(model, ids, self.context)

    def _insert(self, events: list[FileEvent]) -> dict:
        """Insert the new events' rows, a COPY per table (history.copy_insert); returns the ids written, by
        model."""
        user_id, now = self.job.user_id, self.now
        codes = incident_codes_reserve([_code_key(event) for event in events])
        # The claims before their incidents (their foreign keys are checked at commit): each incident's licence facts
        # are then computed as it is inserted, where claims written after it had their trigger update every
        # incident again (events/licences.py).
        incidents = ids_reserve(Incident, len(events))
        documents = copy_insert(
            Document, [{"source_id": self.source.pk, **self.document_fields(event)} for event in events], now
        )
        claims = copy_insert(
            Claim,
            [
                {
                    "document_id": document,
                    "incident_id": incident,
                    "review_status": ReviewStatus.ACCEPTED,
                    "reviewed_by_id": user_id,
                    "reviewed_at": now,
                    "review_note": self.job_label,
                    **self.claim_fields(event),
                }
                for event, incident, document in zip(events, incidents, documents, strict=True)
            ],
            now,
        )
        copy_insert(
            Incident,
            [
                {
                    "code": code,
                    "status": IncidentStatus.PUBLISHED,
                    "published_at": now,
                    "datasets": [self.kind],
                    "external_ids": [f"{self.kind}:{event.event_id}"],
                    "created_by_id": user_id,
                    **event.totals(),
                    **event.fields,
                }
                for code, event in zip(codes, events, strict=True)
            ],
            now,
            ids=incidents,
        )
        claim_actors = copy_insert(
            ClaimActor,
            [
                {"claim_id": claim, "actor_id": actor_id}
                for event, claim in zip(events, claims, strict=True)
                for actor_id in event.claim_actors
            ],
            now,
        )
        participant_rows = [
            {
                "incident_id": incident,
                "actor_id": actor_id,
                "role": role,
                "side": side,
                "attribution": Attribution.ALLEGED,
            }
            for event, incident in zip(events, incidents, strict=True)
            for actor_id, role, side in event.participants
        ]
        participants = copy_insert(IncidentParticipant, participant_rows, now)
        by_key = {
            (row["incident_id"], row["actor_id"], row["role"]): pk
            for row, pk in zip(participant_rows, participants, strict=True)
        }
        planned = [
            (spec, incident, claim)
            for event, incident, claim in zip(events, incidents, claims, strict=True)
            for spec in event.records
        ]
        records = copy_insert(
            CasualtyRecord,
            [
                {
                    "incident_id": incident,
                    "harm": Harm.KILLED,
                    "victim_status": spec.victim_status,
                    "count_low": spec.low,
                    "count_best": spec.best,
                    "count_high": spec.high,
                    "note": spec.note,
                }
                for spec, incident, _claim in planned
            ],
            now,
        )
        first_records: dict[int, int] = {}
        for (_spec, incident, _claim), record in zip(planned, records, strict=True):
            first_records.setdefault(incident, record)
        perpetrator_links = copy_insert(
            CasualtyPerpetrator,
            [
                {
                    "incident_id": incident,
                    "casualty_record_id": record,
                    "participant_id": by_key[(incident, actor_id, ParticipantRole.PERPETRATOR)],
                }
                for (spec, incident, _claim), record in zip(planned, records, strict=True)
                for actor_id in dict.fromkeys(spec.perpetrators)
            ],
            now,
        )
        claim_links = copy_insert(
            CasualtyClaim,
            [
                {"casualty_record_id": record, "claim_id": claim}
                for (_spec, _incident, claim), record in zip(planned, records, strict=True)
            ],
            now,
        )
        version = Incident._meta.get_field("version").default  # a new incident's; the COPY wrote it
        copy_insert(
            ImportedEvent,
            [
                {
                    "kind": self.kind,
                    "external_id": event.event_id,
                    "incident_id": incident,
                    "document_id": document,
                    "claim_id": claim,
                    "casualty_record_id": first_records.get(incident),
                    "digest": event.digest,
                    "source_version": event.version,
                    "incident_version": version,
                    "data": event.kept,
                    "first_job_id": self.job.pk,
                    "last_job_id": self.job.pk,
                }
                for event, incident, document, claim in zip(events, incidents, documents, claims, strict=True)
            ],
            now,
        )
        self.job.created += len(events)
        return {
            Incident: incidents,
            Document: documents,
            Claim: claims,
            ClaimActor: claim_actors,
            IncidentParticipant: participants,
            CasualtyRecord: records,
            CasualtyPerpetrator: perpetrator_links,
            CasualtyClaim: claim_links,
        }

    def announce_created(self) -> None:
        """Announce the incidents this job created (conflict_tracker.incident_changes), together, once all are written
        and the planner's statistics count them: their listeners' set-based writes then take a third of the time
        they took per batch, planned on the statistics of nearly empty tables, and a listener may rewrite
        everything at once where that is cheaper (the tallies, after a first import)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT incident_id FROM imports_importedevent WHERE first_job_id = %s AND kind = %s",
                [self.job.pk, self.kind],
            )
            incident_changes_announce(incident_id for (incident_id,) in cursor.fetchall())

    def update(self, event: FileEvent, imported: ImportedEvent) -> None:
        """Make the incident, its parts, document and claim what the new release says; ids kept, rows that did
        not change left alone (so the revision shows only what changed)."""
        incident = imported.incident
        updated = Incident.objects.filter(pk=incident.pk, version=imported.incident_version).update(
            **event.fields,
            **event.totals(),
            version=F("version") + 1,
            updated_at=self.now,
        )
        if updated != 1:  # edited here between our read and our write
            incident.refresh_from_db()
            self.left_alone(event, imported)
            return
        incident.refresh_from_db()

        wanted = {(actor_id, role): side for actor_id, role, side in event.participants}
        current = {(p.actor_id, p.role): p for p in IncidentParticipant.objects.filter(incident=incident)}
        gone = [p.pk for key, p in current.items() if key not in wanted]
        IncidentParticipant.objects.filter(pk__in=gone).delete()  # their perpetrator links go with them
        for key, side in wanted.items():
            participant = current.get(key)
            if participant is None:
                current[key] = IncidentParticipant.objects.create(
                    incident=incident, actor_id=key[0], role=key[1], side=side, attribution=Attribution.ALLEGED
                )
            elif participant.side != side:
                IncidentParticipant.objects.filter(pk=participant.pk).update(side=side)
        records = self._update_records(event, imported, incident, current)

        Document.objects.filter(pk=imported.document_id).update(**self.document_fields(event))
        # A new wording of the dataset's claim is accepted by the editor running this import, as the first was.
        claim_fields = self.claim_fields(event)
        Claim.objects.filter(pk=imported.claim_id).exclude(**claim_fields).update(
            **claim_fields,
            reviewed_by_id=self.job.user_id,
            reviewed_at=self.now,
            review_note=self.job_label,
        )
        ClaimActor.objects.filter(claim_id=imported.claim_id).exclude(actor_id__in=event.claim_actors).delete()
        present = set(ClaimActor.objects.filter(claim_id=imported.claim_id).values_list("actor_id", flat=True))
        ClaimActor.objects.bulk_create(
            ClaimActor(claim_id=imported.claim_id, actor_id=actor_id)
            for actor_id in event.claim_actors
            if actor_id not in present
        )

        ImportedEvent.objects.filter(pk=imported.pk).update(
            digest=event.digest,
            source_version=event.version,
            incident_version=incident.version,
            data=event.kept,
            casualty_record=records[0] if records else None,
            last_job=self.job,
        )
        if incident.status in ANNOUNCED:
            incident_changes_announce([incident.pk])
            self.job.updated += 1

    def _update_records(
        self, event: FileEvent, imported: ImportedEvent, incident: Incident, participants: dict
    ) -> list[CasualtyRecord]:
        """The killed records of the import's claim made what the event says: each kept record updated in place
        (matched on its victims' status and perpetrators, then in order), the surplus deleted, the missing (also
        one deleted here) created. Returns them in the event's order."""
        existing = list(CasualtyRecord.objects.filter(claims=imported.claim_id).order_by("id"))
        links: dict[int, set[int]] = {record.pk: set() for record in existing}
        for record_id, actor_id in CasualtyPerpetrator.objects.filter(casualty_record__in=existing).values_list(
            "casualty_record_id", "participant__actor_id"
        ):
            links[record_id].add(actor_id)
        pairs: list[CasualtyRecord | None] = [None] * len(event.records)
        free = list(existing)
        for index, spec in enumerate(event.records):
            match = next((r for r in free if (r.victim_status, frozenset(links[r.pk])) == spec.key), None)
            if match is not None:
                pairs[index] = match
                free.remove(match)
        for index in range(len(pairs)):
            if pairs[index] is None and free:
                pairs[index] = free.pop(0)
        CasualtyRecord.objects.filter(pk__in=[record.pk for record in free]).delete()
        records = []
        for spec, record in zip(event.records, pairs, strict=True):
            if record is None:
                record = _casualty_record(incident, spec)
                record.save()
                CasualtyClaim.objects.create(casualty_record=record, claim_id=imported.claim_id)
                links[record.pk] = set()
            else:
                CasualtyRecord.objects.filter(pk=record.pk).update(
                    victim_status=spec.victim_status,
                    count_low=spec.low,
                    count_best=spec.best,
                    count_high=spec.high,
                    note=spec.note,
                )
            CasualtyPerpetrator.objects.filter(casualty_record=record).exclude(
                participant__actor_id__in=spec.perpetrators
            ).delete()
            CasualtyPerpetrator.objects.bulk_create(
                CasualtyPerpetrator(
                    incident=incident,
                    casualty_record=record,
                    participant=participants[(actor_id, ParticipantRole.PERPETRATOR)],
                )
                for actor_id in dict.fromkeys(spec.perpetrators)
                if actor_id not in links[record.pk]
            )
            records.append(record)
        return records


def _casualty_record(incident: Incident, spec: KilledRecord) -> CasualtyRecord:
    return CasualtyRecord(
        incident=incident,
        harm=Harm.KILLED,
        victim_status=spec.victim_status,
        count_low=spec.low,
        count_best=spec.best,
        count_high=spec.high,
        note=spec.note,
    )


def _code_key(event: FileEvent) -> tuple[str, int]:
    return event.fields["country"], event.fields["start_date"].year
