"""The UCDP GED import, the ACLED import's sibling over pipeline.py (one transaction, COPY into a staging table,
checks in SQL, batched bulk merge with history snapshots, revisions on re-import, tallies) with UCDP's rows and
rules.

What a UCDP event becomes (SPEC.md, "Import and export"):

- side_a and side_b are the participants, one per actor: a side of several governments ("Government of Iraq,
  Government of United States of America") is one participant per government. In one-sided violence (type 3)
  side A is the perpetrator and side B (Civilians) the target; in state-based and non-state violence (1, 2)
  both sides fought each other, so both are perpetrators.
- type_of_violence is the incident's violence_type.
- The deaths become killed records, one per non-zero column, summing to `best`:
  - deaths_civilians: civilians; perpetrated by side A in one-sided violence, unattributed otherwise (UCDP
    does not say which side killed civilians caught in fighting);
  - deaths_a: side A's losses, combatants killed by side B; deaths_b: side B's losses, killed by side A. UCDP
    counts only deaths of the dyad's fighting, whose only other party is the other side, so each side's losses
    are attributed to the other (alleged, as every imported attribution). In one-sided violence side B is the
    civilians: its deaths are civilians killed by side A, and side A's own losses are unattributed;
  - deaths_unknown: status unknown, unattributed.
  Each record's note names its column and side.
- low and high are the event's, not a column's: the records' best are UCDP's, the shortfall of `low` is taken
  from the largest records first and the excess of `high` added to the largest, so the incident's (and the
  claim's) low/best/high are UCDP's. Where UCDP's low <= best <= high does not hold (some real rows), best is
  kept and low and high widened to the smallest and largest of the three, our counts requiring the order; the
  claim's quote and the job's notes say so, and ImportedEvent.data keeps UCDP's figures as written.
- UCDP is the source: a document and an accepted claim per event. The import is idempotent by UCDP's `id`.
"""

import datetime
import json
from collections.abc import Iterator
from typing import IO

from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from psycopg.types.json import Jsonb

from conflict_tracker.choices import FigureQualifier, Harm, ImportKind, VictimStatus
from events.choices import ParticipantRole, ViolenceType
from events.exports import UCDP_COLUMNS
from sources.datasets import UCDP_TERMS

from ..models import ImportJob
from ..readers import ucdp_csv
from ..readers.csvfile import RowError, opened
from ..versions import is_version, ucdp_version_in_name
from .file_events import FileEvent, KilledRecord
from .pipeline import DatasetImport
from .staging import StagingTable

STAGING = StagingTable(
    "import_ucdp_staging",
    (
        ("row_number", "integer PRIMARY KEY"),
        ("event_id", "text"),
        ("event_date", "date"),
        ("country", "text"),
        ("country_raw", "text"),
        ("data", "jsonb"),
        ("error", "text"),
    ),
)


def _checks() -> list[tuple[str, str, str]]:
    """(condition, value shown, message) for each rule checked in SQL; the message takes %(value)s."""
    return [
        ("length(event_id) > 60", "event_id", _("id %(value)s is longer than 60 characters.")),
        (
            "country IS NULL",
            "country_raw",
            _("No country in %(value)s: neither is a country of ISO 3166 (or XKX, Kosovo) by its code or name."),
        ),
        (
            "(data->>'latitude' IS NULL) <> (data->>'longitude' IS NULL)"
            " OR (data->>'latitude')::numeric NOT BETWEEN -90 AND 90"
            " OR (data->>'longitude')::numeric NOT BETWEEN -180 AND 180",
            "coalesce(data->>'latitude', 'NA') || ', ' || coalesce(data->>'longitude', 'NA')",
            _("Coordinates %(value)s: give latitude (-90 to 90) and longitude (-180 to 180), or neither."),
        ),
        (
            "event_date < %(earliest)s OR (data->>'end_date')::date > current_date",
            "event_date::text",
            _("date_start %(value)s is before 1900, or the event ends in the future."),
        ),
        (
            "length(data->>'admin1') > 100 OR length(data->>'admin2') > 100",
            "left(data->>'admin1', 40)",
            _("An admin name (adm_1 %(value)s or adm_2) is over 100 characters."),
        ),
    ]


def _side_ids(row: dict) -> dict[str, str]:
    """UCDP's actor id of each side that is one actor (side_a_new_id, side_b_new_id): a side of several governments
    has one id for all of them, which names none of them."""
    ids = {}
    for side in "AB":
        value = row["extra"].get(f"side_{side.lower()}_new_id", "")
        if len(row[f"side_{side.lower()}"]) == 1 and value.isascii() and value.isdigit():
            ids[side] = value
    return ids


class UcdpImport(DatasetImport):
    """One run of a UCDP GED import over one file, for one job."""

    kind = ImportKind.UCDP
    dataset = "UCDP"
    lock_key = 7_402_202
    source_fields = {
        "name": "Uppsala Conflict Data Program",
        "acronym": "UCDP",
        "url": "https://ucdp.uu.se/",
        "description": _("UCDP Georeferenced Event Dataset (GED): event data, imported from its CSV files."),
        **UCDP_TERMS,
    }
    staging = STAGING

    def __init__(self, job: ImportJob, binary: IO[bytes]):
        super().__init__(job, binary)
        self.flagged = 0  # events whose figures break low <= best <= high

    def save_counts(self) -> None:
        if self.flagged:
            self.notes.insert(
                1,
                _(
                    "%(count)s events give figures where low <= best <= high does not hold: imported with best "
                    "kept and low and high widened to the smallest and largest of the three (rows below)."
                )
                % {"count": self.flagged},
            )
        super().save_counts()

    # -- reading and staging ---------------------------------------------------------------------------------

    def inspect(self) -> list[str]:
        with opened(self.binary) as text:
            header, _records = ucdp_csv.read_header(text)
        notes = [_("Schema: %(schema)s.") % {"schema": header.schema}]
        # The release the file is: as the import was told, else as a `version` column gives it (row by row), else
        # as the file's name does (ged241.csv, GEDEvent_v24_1.csv).
        self.version = self.job.dataset_version
        if self.version:
            notes.append(_("Version: GED %(version)s, as the import was told.") % {"version": self.version})
            return notes
        self.version = ucdp_version_in_name(self.job.file_name)
        if "version" in header.index:
            notes.append(_("Version: each row's version column."))
        elif self.version:
            notes.append(_("Version: GED %(version)s, from the file's name.") % {"version": self.version})
        else:
            notes.append(
                _(
                    "No version: neither the file's name (ged241.csv, GEDEvent_v24_1.csv) nor a version column "
                    "says which GED release this is, so each event replaces the one imported before whenever they "
                    "differ, whichever is newer. Give the version with the file to keep the newest release."
                )
            )
        return notes

    def read_rows(self, text: IO[str]) -> Iterator[ucdp_csv.UcdpRow | RowError]:
        return ucdp_csv.read_rows(text)

    def staged_row(self, row: ucdp_csv.UcdpRow) -> tuple:
        return (row.row, row.event_id, row.start_date, row.country, row.country_raw, Jsonb(row.as_json()), None)

    def validate(self) -> None:
        self.staging.check(_checks())
        with connection.cursor() as cursor:
            # UCDP gives each event once: a second row with its id is an error, not a second event.
            cursor.execute(
                f"""
                WITH first AS (
                    SELECT DISTINCT ON (event_id) event_id, row_number FROM {self.staging.name} WHERE error IS NULL
                    ORDER BY event_id, row_number
                )
                UPDATE {self.staging.name} s
                SET error = replace(replace(%(message)s, '%%(event)s', s.event_id), '%%(first)s', f.row_number::text)
                FROM first f
                WHERE s.error IS NULL AND s.event_id = f.event_id AND s.row_number <> f.row_number
                """,
                {"message": _("Event %(event)s is already in row %(first)s: this row was left out.")},
            )

    # -- events ----------------------------------------------------------------------------------------------

    def event(self, rows: list[dict]) -> FileEvent:
        (staged,) = rows
        row = json.loads(staged["data"]) if isinstance(staged["data"], str) else staged["data"]
        start = datetime.date.fromisoformat(row["start_date"])
        violence = row["violence_type"]
        place = row["location"] or row["admin1"] or staged["country"]
        fields = {
            "title": f"{row['dyad_name'] or _('UCDP event')}: {place}"[:300],
            "notes": row["description"],
            "start_date": start,
            "end_date": datetime.date.fromisoformat(row["end_date"]),
            "date_precision": row["date_precision"],
            "country": staged["country"],
            "admin1": row["admin1"],
            "admin2": row["admin2"],
            "admin3": "",
            "location_name": row["location"][:200],
            "latitude": row["latitude"],
            "longitude": row["longitude"],
            "geo_precision": row["geo_precision"],
            "event_type": "",
            "sub_event_type": "",
            "violence_type": violence,
            "civilian_targeting": violence == ViolenceType.ONE_SIDED,
        }
        described = {
            "event_id": row["event_id"],
            **{name: value for name, value in fields.items() if name != "title"},
            "side_a": row["side_a"],
            "side_b": row["side_b"],
            **{name: row[name] for name in _FIGURES},
            "extra": dict(sorted(row["extra"].items())),
        }
        event = FileEvent(
            event_id=row["event_id"],
            rows=[staged["row_number"]],
            fields=fields,
            side_a=row["side_a"],
            side_b=row["side_b"],
            fatalities=row["best"],
            notes=row["source_headline"],
            source=row["source_office"],
            extra=row["extra"],
            described=described,
            version=self._version(row["extra"]),
        )
        one_sided = violence == ViolenceType.ONE_SIDED
        # In fighting (state-based, non-state) both sides did the killing.
        roles = {
            "A": ParticipantRole.PERPETRATOR,
            "B": ParticipantRole.TARGET if one_sided else ParticipantRole.PERPETRATOR,
        }
        sides = self.add_participants(event, roles, side_ids=_side_ids(row))
        event.records, event.ucdp_note = self._records(row, violence, sides)
        # The columns the UCDP export gives back (all of GED's); a version column is not the event's content.
        event.digest = self.digest(event, kept={name: value for name, value in row["extra"].items() if name in _GED})
        return event

    def _version(self, extra: dict) -> str:
        column = extra.get("version", "")
        if not self.job.dataset_version and is_version(column):
            return column
        return self.version

    def describe_version(self, version: str) -> str:
        return _("GED %(version)s") % {"version": version}

    def _records(self, row: dict, violence: int, sides: dict[str, list[int]]) -> tuple[list[KilledRecord], str]:
        """The killed records of one event (see the module's docstring), and the claim's note on its figures."""
        names = {side: ", ".join(name for name, _kind in row[f"side_{side.lower()}"]) for side in "AB"}
        one_sided = violence == ViolenceType.ONE_SIDED
        a, b = list(dict.fromkeys(sides["A"])), list(dict.fromkeys(sides["B"]))
        planned = [
            (
                VictimStatus.CIVILIAN,
                row["deaths_civilians"],
                a if one_sided else [],
                _("UCDP deaths_civilians."),
            ),
            (
                VictimStatus.COMBATANT,
                row["deaths_a"],
                [] if one_sided else [actor for actor in b if actor not in a],
                _("UCDP deaths_a: losses of side A (%(side)s).") % {"side": names["A"]},
            ),
            (
                VictimStatus.CIVILIAN if one_sided else VictimStatus.COMBATANT,
                row["deaths_b"],
                [actor for actor in a if one_sided or actor not in b],
                _("UCDP deaths_b: losses of side B (%(side)s).") % {"side": names["B"]},
            ),
            (VictimStatus.UNKNOWN, row["deaths_unknown"], [], _("UCDP deaths_unknown.")),
        ]
        records: list[KilledRecord] = []
        for status, count, perpetrators, note in planned:
            if not count:
                continue
            same = next((r for r in records if r.key == (status, frozenset(perpetrators))), None)
            if same is not None:  # deaths_b of one-sided violence: civilians killed by side A, as deaths_civilians
                same.low = same.best = same.high = same.best + count
                same.note = f"{same.note} {note}"
            else:
                records.append(KilledRecord(status, count, count, count, perpetrators, note))
        low, best, high = row["low"], row["best"], row["high"]
        parts = sum(record.best for record in records)
        notes = []
        if parts < best:
            # The columns fall short of UCDP's best: the rest is deaths of unknown status.
            gap = best - parts
            unknown = next((r for r in records if r.key == (VictimStatus.UNKNOWN, frozenset())), None)
            if unknown is None:
                unknown = KilledRecord(VictimStatus.UNKNOWN, 0, 0, 0, [], _("UCDP deaths_unknown."))
                records.append(unknown)
            unknown.low = unknown.best = unknown.high = unknown.best + gap
            notes.append(
                _("The deaths by side sum to %(parts)s, short of best %(best)s: the rest is of unknown status.")
                % {"parts": parts, "best": best}
            )
        elif parts > best:
            notes.append(
                _("The deaths by side sum to %(parts)s, more than best %(best)s: best taken as their sum.")
                % {"parts": parts, "best": best}
            )
            best = parts
        if not low <= best <= high:
            wide_low, wide_high = min(low, best, high), max(low, best, high)
            notes.append(
                _(
                    "UCDP's figures are inconsistent: low %(low)s, best %(best)s, high %(high)s do not satisfy "
                    "low <= best <= high; recorded as low %(wide_low)s, best %(best)s, high %(wide_high)s (best "
                    "kept, low and high widened to the smallest and largest of the three)."
                )
                % {"low": low, "best": best, "high": high, "wide_low": wide_low, "wide_high": wide_high}
            )
            low, high = wide_low, wide_high
        if not records and high:
            records.append(KilledRecord(VictimStatus.UNKNOWN, 0, 0, 0, [], _("UCDP deaths_unknown.")))
        by_size = sorted(records, key=lambda record: -record.best)
        shortfall = best - low
        for record in by_size:
            taken = min(shortfall, record.best)
            record.low -= taken
            shortfall -= taken
        if by_size:
            by_size[0].high += high - best
        return records, " ".join(notes)

    def merge_batch(self, events: list[FileEvent]) -> None:
        for event in events:
            if not _ordered(event.extra):
                self.flagged += 1
                self.note(
                    _("Row %(row)s (UCDP id %(id)s): %(note)s")
                    % {"row": event.rows[0], "id": event.event_id, "note": event.ucdp_note}
                )
        super().merge_batch(events)

    # -- provenance ------------------------------------------------------------------------------------------

    def document_fields(self, event: FileEvent) -> dict:
        dates = [part.strip() for part in event.extra.get("source_date", "").split(";")]
        published = None
        for day in dates:
            try:
                published = max(published or datetime.date.min, datetime.date.fromisoformat(day[:10]))
            except ValueError:
                continue
        return {
            "title": self.translated(gettext_noop("UCDP GED event %(id)s")) % {"id": event.event_id},
            "author": event.source[:300],
            "published_on": published,
            "language": "en",
            "accessed_on": self.now.date(),
            "excerpt": event.notes,
            "snapshot_text": event.snapshot,
            "snapshot_sha256": event.snapshot_digest,
        }

    def claim_fields(self, event: FileEvent) -> dict:
        totals = event.totals()
        low, best, high = totals["fatalities_low"], totals["fatalities_best"], totals["fatalities_high"]
        quote = self.translated(
            gettext_noop("%(best)s killed (low %(low)s, high %(high)s), UCDP GED event %(id)s.")
        ) % {
            "best": best,
            "low": low,
            "high": high,
            "id": event.event_id,
        }
        if event.ucdp_note:
            quote = f"{quote} {event.ucdp_note}"
        statuses = {record.victim_status for record in event.records}
        return {
            "quote": quote,
            "harm": Harm.KILLED,
            "victim_status": statuses.pop() if len(statuses) == 1 else VictimStatus.UNKNOWN,
            "figure_qualifier": FigureQualifier.EXACT if low == high else FigureQualifier.RANGE,
            "figure_low": low,
            "figure_best": best,
            "figure_high": high,
            "country": event.fields["country"],
        }


_GED = frozenset(UCDP_COLUMNS)
_FIGURES = ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "low", "best", "high")


def _ordered(extra: dict) -> bool:
    """Whether UCDP's own low <= best <= high holds for the row as written."""
    try:
        return int(extra.get("low", 0)) <= int(extra.get("best", 0)) <= int(extra.get("high", 0))
    except ValueError:
        return False
