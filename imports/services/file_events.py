"""The in-memory form of an imported file's events, as an import will write them (pipeline.py): the events, their
killed records, and the JSON their snapshots and digests are computed from."""

import datetime
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from conflict_tracker.choices import VictimStatus
from events.choices import EventType, ParticipantRole


@dataclass
class KilledRecord:
    """One killed record an event becomes: its victims' status, counts and the actors it is attributed to (among
    the event's perpetrator participants; none means unattributed)."""

    victim_status: str
    low: int
    best: int
    high: int
    perpetrators: list[int] = field(default_factory=list)
    note: str = ""

    @property
    def key(self) -> tuple[str, frozenset[int]]:
        return self.victim_status, frozenset(self.perpetrators)


@dataclass
class FileEvent:
    """One event of the file as it will be written: rows joined, actors resolved."""

    event_id: str
    rows: list[int]
    fields: dict
    side_a: list[tuple[str, str | None]]
    side_b: list[tuple[str, str | None]]
    fatalities: int
    notes: str
    source: str
    extra: dict
    described: dict  # the event as the file gives it, which the document keeps as its snapshot
    digest: str = ""  # DatasetImport.digest, once the actors are resolved
    version: str = ""  # the event's version in its source (imports/versions.py); blank when the file gives none
    # What an export needs besides the source's columns: the label the file gave each actor (and ACLED's type code
    # for it), by actor id.
    labels: dict[str, list] = field(default_factory=dict)
    participants: list[tuple[int, str, str]] = field(default_factory=list)  # actor, role, side
    records: list[KilledRecord] = field(default_factory=list)

    @cached_property
    def snapshot(self) -> str:
        """Written only for the events an import writes or must compare with an older digest."""
        return json.dumps(self.described, sort_keys=True, default=json_default, ensure_ascii=False)

    @property
    def snapshot_digest(self) -> str:
        return hashlib.sha256(self.snapshot.encode()).hexdigest()

    @property
    def kept(self) -> dict:
        """What ImportedEvent.data keeps of the event: the source's columns, and the actors' labels when known."""
        return {**self.extra, "labels": self.labels} if self.labels else self.extra

    @property
    def claim_actors(self) -> list[int]:
        """The actors the claim attributes its figures to: every record's perpetrators."""
        return list(dict.fromkeys(actor for record in self.records for actor in record.perpetrators))

    def totals(self) -> dict:
        return {
            "fatalities_low": sum(record.low for record in self.records),
            "fatalities_best": sum(record.best for record in self.records),
            "fatalities_high": sum(record.high for record in self.records),
        }

    @property
    def victim_status(self) -> str:
        """ACLED's convention for its civilian fatalities: the dead of violence against civilians and of any event
        targeting civilians (`civilian_targeting`: an explosion, a mob's violence ...) are civilians."""
        if self.fields["event_type"] == EventType.VIOLENCE_AGAINST_CIVILIANS or self.fields["civilian_targeting"]:
            return VictimStatus.CIVILIAN
        return VictimStatus.UNKNOWN

    @property
    def perpetrators(self) -> list[int]:
        """SPEC: the killed of violence against civilians are attributed to side A; all else is unattributed."""
        if self.fields["event_type"] != EventType.VIOLENCE_AGAINST_CIVILIANS:
            return []
        return [actor for actor, role, side in self.participants if side == "A" and role == ParticipantRole.PERPETRATOR]


def json_default(value):
    """Dates and decimals as text, in the JSON of a snapshot or a digest."""
    if isinstance(value, (datetime.date, Decimal)):  # a tuple: isinstance of a union is several times slower
        return str(value)
    raise TypeError(type(value))
