"""The ACLED import (pipeline.py says what every import does): ACLED's staging table and the rules checked over it,
what an event's rows become (a monadic file's rows of one event joined into sides A and B; the fatalities one
killed record: civilian for violence against civilians and any event targeting civilians, perpetrated by side A for
violence against civilians, otherwise unattributed), and ACLED as the source of its document and claim."""

import datetime
import json
from collections.abc import Iterable, Iterator
from typing import IO

from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from psycopg.types.json import Jsonb

from actors.choices import ActorKind
from conflict_tracker.choices import FigureQualifier, Harm, ImportKind
from events.choices import SUB_EVENT_TYPES_BY_EVENT_TYPE, EventType, GeoPrecision, ParticipantRole
from events.exports import acled_disorder_type
from sources.datasets import ACLED_TERMS

from ..readers import acled_csv
from ..readers.csvfile import RowError, country_cells, opened
from .file_events import FileEvent, KilledRecord
from .pipeline import DatasetImport
from .staging import StagingTable

STAGING = StagingTable(
    "import_acled_staging",
    (
        ("row_number", "integer PRIMARY KEY"),
        ("event_id", "text"),
        ("event_date", "date"),
        ("date_precision", "text"),
        ("event_type", "text"),
        ("sub_event_type", "text"),
        ("actor1", "text"),
        ("assoc_actor_1", "text[]"),
        ("kind1", "text"),
        ("actor2", "text"),
        ("assoc_actor_2", "text[]"),
        ("kind2", "text"),
        ("civilian_targeting", "boolean"),
        ("country", "text"),
        ("country_raw", "text"),
        ("admin1", "text"),
        ("admin2", "text"),
        ("admin3", "text"),
        ("location", "text"),
        ("latitude", "numeric"),
        ("longitude", "numeric"),
        ("geo_precision", "integer"),
        ("fatalities", "integer"),
        ("notes", "text"),
        ("source", "text"),
        ("extra", "jsonb"),
        ("error", "text"),
    ),
)

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


def _checks() -> list[tuple[str, str, str]]:
    """(condition, value shown, message) for each rule checked in SQL; the message takes %(value)s."""
    return [
        (
            "event_id IS NULL OR length(event_id) > 60",
            "event_id",
            _("event_id_cnty %(value)s is longer than 60 characters."),
        ),
        (
            "country IS NULL",
            "country_raw",
            _("No country in %(value)s: none is a country of ISO 3166 (or XKX, Kosovo) by its code, number or name."),
        ),
        (
            "NOT EXISTS (SELECT 1 FROM valid_types v WHERE v.event_type = s.event_type"
            " AND v.sub_event_type = coalesce(s.sub_event_type, ''))",
            "s.event_type || ' / ' || coalesce(s.sub_event_type, '')",
            _("%(value)s is not one of ACLED's event types with one of its sub-event types."),
        ),
        (
            "(latitude IS NULL) <> (longitude IS NULL) OR latitude NOT BETWEEN -90 AND 90"
            " OR longitude NOT BETWEEN -180 AND 180",
            "coalesce(latitude::text, 'NA') || ', ' || coalesce(longitude::text, 'NA')",
            _("Coordinates %(value)s: give latitude (-90 to 90) and longitude (-180 to 180), or neither."),
        ),
        (
            "geo_precision NOT IN (1, 2, 3)",
            "geo_precision::text",
            _("geo_precision is %(value)s; ACLED's codes are 1, 2 and 3."),
        ),
        ("fatalities < 0", "fatalities::text", _("fatalities is %(value)s; a count cannot be negative.")),
        (
            "event_date < %(earliest)s OR event_date > current_date",
            "event_date::text",
            _("event_date %(value)s is before 1900 or in the future."),
        ),
        (
            "length(admin1) > 100 OR length(admin2) > 100 OR length(admin3) > 100 OR length(location) > 200",
            "left(coalesce(location, ''), 40)",
            _("An admin name (over 100 characters) or the location %(value)s (over 200) is too long."),
        ),
    ]


class AcledImport(DatasetImport):
    """One run of an ACLED import over one file, for one job."""

    kind = ImportKind.ACLED
    dataset = "ACLED"
    lock_key = 7_402_201
    source_fields = {
        "name": "ACLED",
        "acronym": "ACLED",
        "url": "https://acleddata.com/",
        "description": _("Armed Conflict Location & Event Data: event data, imported from its CSV exports."),
        **ACLED_TERMS,
    }
    staging = STAGING

    # -- reading and staging ---------------------------------------------------------------------------------

    def inspect(self) -> list[str]:
        with opened(self.binary) as text:
            self.date_format, notes = acled_csv.detect_date_format(text)
        with opened(self.binary) as text:
            header, _records = acled_csv.read_header(text)
        # The pre-2019 taxonomy has no sub-event types: such a file never erases one (carry_over).
        self.sub_event_types = "sub_event_type" in header.index
        if "timestamp" not in header.index:
            notes.append(
                _(
                    "The file has no timestamp column: its events carry no version, so each replaces the one "
                    "imported before whenever they differ, whichever is newer."
                )
            )
        return [_("Schema: %(schema)s.") % {"schema": header.schema}, *notes]

    def read_rows(self, text: IO[str]) -> Iterator[acled_csv.AcledRow | RowError]:
        return acled_csv.read_rows(text, self.date_format)

    def staged_row(self, row: acled_csv.AcledRow) -> tuple:
        return (
            row.row,
            row.event_id,
            row.event_date,
            row.date_precision,
            row.event_type,
            row.sub_event_type,
            row.actor1,
            row.assoc_actor_1,
            row.kind1,
            row.actor2,
            row.assoc_actor_2,
            row.kind2,
            row.civilian_targeting,
            row.country,
            ""
            if row.country
            else country_cells(**{name: row.extra.get(name, "") for name in ("iso3", "iso", "country")}),
            row.admin1,
            row.admin2,
            row.admin3,
            row.location,
            row.latitude,
            row.longitude,
            row.geo_precision,
            row.fatalities,
            row.notes,
            row.source,
            Jsonb(row.extra),
            None,
        )

    def validate(self) -> None:
        """The rules of _checks, then a monadic file's rows of one event agreeing on all but the actors."""
        pairs = [
            (event_type, sub_event_type)
            for event_type, sub_event_types in SUB_EVENT_TYPES_BY_EVENT_TYPE.items()
            for sub_event_type in ("", *sub_event_types)
        ]
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS valid_types")
            cursor.execute("CREATE TEMPORARY TABLE valid_types (event_type text, sub_event_type text) ON COMMIT DROP")
            cursor.execute(
                "INSERT INTO valid_types SELECT * FROM unnest(%s::text[], %s::text[])",
                [[pair[0] for pair in pairs], [pair[1] for pair in pairs]],
            )
        self.staging.check(_checks())
        with connection.cursor() as cursor:
            # A monadic file gives each event once per actor: the rows must agree on all but the actors.
            cursor.execute(
                """
                WITH first AS (
                    SELECT DISTINCT ON (event_id) * FROM import_acled_staging WHERE error IS NULL
                    ORDER BY event_id, row_number
                )
                UPDATE import_acled_staging s
                SET error = replace(replace(%(message)s, '%%(event)s', s.event_id), '%%(first)s', f.row_number::text)
                FROM first f
                WHERE s.error IS NULL AND s.event_id = f.event_id AND s.row_number <> f.row_number
                  AND (s.event_date, s.date_precision, s.event_type, s.sub_event_type, s.fatalities, s.country,
                       s.admin1, s.admin2, s.admin3, s.location, s.latitude, s.longitude, s.notes)
                      IS DISTINCT FROM
                      (f.event_date, f.date_precision, f.event_type, f.sub_event_type, f.fatalities, f.country,
                       f.admin1, f.admin2, f.admin3, f.location, f.latitude, f.longitude, f.notes)
                """,
                {
                    "message": _(
                        "Event %(event)s is already in row %(first)s with another date, type, place, note or "
                        "fatality count: this row was left out."
                    )
                },
            )

    # -- events ----------------------------------------------------------------------------------------------

    def event(self, rows: list[dict]) -> FileEvent:
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

        def add(side, named: Iterable[tuple[str, str | None]]):
            """Each name once, with the first type a row gives for it (a monadic file gives an actor's type in its
            own row, where it is actor1, though another row names it as an associate)."""
            for name, kind in named:
                if name:
                    known = side.get(name.casefold())
                    if known is None or (known[1] is None and kind):
                        side[name.casefold()] = (known[0] if known else name, kind)

        for row in [reference, *(r for r in rows if r is not reference)]:
            # inter1 and inter2 are the types of actor1 and actor2: an associated actor gets none from them.
            own = [(row["actor1"], row["kind1"]), *((name, None) for name in row["assoc_actor_1"] or [])]
            other = [(row["actor2"], row["kind2"]), *((name, None) for name in row["assoc_actor_2"] or [])]
            first = (row["actor1"] or "").casefold()
            swapped = (
                row is not reference
                and first not in side_a
                and (first in side_b or (row["actor2"] or "").casefold() in side_a or not row["actor2"])
            )
            if swapped:
                add(side_b, own)
                add(side_a, other)
            else:
                add(side_a, own)
                add(side_b, other)
        # Django has psycopg hand jsonb over as text (its JSONField decodes it).
        extra = json.loads(reference["extra"]) if isinstance(reference["extra"], str) else reference["extra"] or {}
        fields = {
            "title": "",
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
        fields["title"] = _title(fields)
        # The snapshot (the document's text) keeps each side's names sorted, as before the digest described
        # the writes: its hash is the digest of the events imported then (see DatasetImport.merge_batch).
        described = {
            "event_id": reference["event_id"],
            **{name: value for name, value in fields.items() if name != "title"},
            "side_a": sorted(side_a.values(), key=lambda item: item[0]),
            "side_b": sorted(side_b.values(), key=lambda item: item[0]),
            "fatalities": reference["fatalities"],
            "source": reference["source"] or "",
            "extra": {name: value for name, value in sorted(extra.items()) if name not in _VOLATILE},
        }
        timestamp = extra.get("timestamp", "")
        event = FileEvent(
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
            version=timestamp if timestamp.isdigit() else "",
        )
        violent = fields["event_type"] in _VIOLENT
        roles = {"A": ParticipantRole.PERPETRATOR, "B": ParticipantRole.TARGET} if violent else {}
        sides = self.add_participants(event, roles)
        event.labels = _labels(event, sides, [reference, *(r for r in rows if r is not reference)])
        fatalities = event.fatalities
        event.records = [KilledRecord(event.victim_status, fatalities, fatalities, fatalities, event.perpetrators)]
        event.digest = self._digest(event)
        return event

    def _digest(self, event: FileEvent) -> str:
        """The event's digest, with what the ACLED export gives back of the kept columns and the incident's fields
        do not restate (country, iso and region restate its country, time_precision its date precision; year,
        the ids, the actor types and the timestamp are volatile)."""
        fields, extra = event.fields, event.extra
        disorder_type = extra.get("disorder_type") or acled_disorder_type(
            fields["event_type"], fields["sub_event_type"]
        )
        kept = {
            "disorder_type": disorder_type,
            "source_scale": extra.get("source_scale", ""),
            "tags": extra.get("tags", ""),
        }
        return self.digest(event, kept=kept)

    def carry_over(self, event: FileEvent, incident) -> None:
        """A file in ACLED's pre-2019 taxonomy, which has no sub-event types, keeps the incident's sub-event type
        while the event type is the same: it does not say the sub-type is unknown, only that it has none."""
        fields = event.fields
        if (
            self.sub_event_types
            or fields["sub_event_type"]
            or not incident.sub_event_type
            or incident.event_type != fields["event_type"]
        ):
            return
        fields["sub_event_type"] = incident.sub_event_type
        fields["title"] = _title(fields)
        event.digest = self._digest(event)

    def describe_version(self, version: str) -> str:
        if not version.isdigit():
            return version
        changed = datetime.datetime.fromtimestamp(int(version), tz=datetime.UTC)
        return _("timestamp %(timestamp)s, %(time)s UTC") % {
            "timestamp": version,
            "time": changed.strftime("%Y-%m-%d %H:%M"),
        }

    # -- provenance ------------------------------------------------------------------------------------------

    def document_fields(self, event: FileEvent) -> dict:
        timestamp = event.extra.get("timestamp", "")
        published = None
        if timestamp.isdigit():
            published = datetime.datetime.fromtimestamp(int(timestamp), tz=datetime.UTC).date()
        return {
            "title": self.translated(gettext_noop("ACLED event %(id)s")) % {"id": event.event_id},
            "author": event.source[:300],
            "published_on": published,
            "language": "en",
            "accessed_on": self.now.date(),
            "excerpt": event.notes,
            "snapshot_text": event.snapshot,
            "snapshot_sha256": event.snapshot_digest,
        }

    def claim_fields(self, event: FileEvent) -> dict:
        quote = event.notes or self.translated(gettext_noop("%(count)s fatalities (ACLED event %(id)s).")) % {
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


def _title(fields: dict) -> str:
    kind = fields["sub_event_type"] or fields["event_type"]
    place = ", ".join(part for part in (fields["location_name"], fields["admin1"]) if part) or fields["country"]
    return f"{kind}: {place}"[:300]


def _labels(event: FileEvent, sides: dict[str, list[int]], rows: list[dict]) -> dict[str, list]:
    """The label the file gave each of the event's actors (its first, with its period when it has one) and the
    ACLED type code a row gave it as actor1 or actor2, by actor id: what the ACLED export writes back."""
    codes: dict[str, str] = {}
    for row in rows:
        if row is rows[0]:
            extra = event.extra  # the reference row's, read already
        else:
            extra = json.loads(row["extra"]) if isinstance(row["extra"], str) else row["extra"] or {}
        for actor, code in ((row["actor1"], extra.get("inter1")), (row["actor2"], extra.get("inter2"))):
            if actor and code:
                codes.setdefault(actor.casefold(), code)
    labels: dict[str, list] = {}
    for names, actor_ids in ((event.side_a, sides["A"]), (event.side_b, sides["B"])):
        for (name, _kind), actor_id in zip(names, actor_ids, strict=True):
            labels.setdefault(str(actor_id), [name, codes.get(name.casefold())])
    return labels
