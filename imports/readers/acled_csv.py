"""Reading ACLED CSV files, in every shape they come in, into one normalised row per event and actor pair.

Pure Python over a text stream, one row at a time (csvfile.py). What varies between files:

- three schemas: the current one (2023-, 31 columns with disorder_type, civilian_targeting, tags), the
  2019-2023 one (data_id, event_id_no_cnty, iso3) and the pre-2019 one (upper-case headers, ALLY_ACTOR_*, no
  sub_event_type, old event types mapped by OLD_EVENT_TYPES below);
- extra or unnamed columns (a spreadsheet's or pandas' index), ignored; an HXL hashtag row under the header
  (files from the Humanitarian Data Exchange), skipped;
- dates in one of several formats, detected once for the whole file (`detect_date_format`): "05-08-24" fits
  day-first and month-first alike, and guessing per row would put some events in the wrong month silently;
- actor types as ACLED's numbers 1-8 or as their labels; `NA` for empty; BOM, CRLF, quoted commas and newlines
  (the csv module and the utf-8-sig codec); a truncated last row, reported as a row error.
- cells our own exports wrote formula-safe (`'=`, `'-`, `'@` ...: conflict_tracker.csvcells), read back without the
  apostrophe, so that importing an export gives back the values it was made from.

The file handling and the cells the two datasets share are csvfile.py's.
"""

import datetime
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache, partial
from typing import IO

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actors.choices import ACLED_INTER_CODES, ActorKind
from events.choices import DatePrecision, EventType, SubEventType

from . import csvfile
from .csvfile import FileError, FileHeader, RowError, country_code, is_hxl, parse_number


@dataclass
class AcledRow:
    """One row of the file, normalised. Monadic files give an event twice; the merge joins them."""

    row: int
    event_id: str
    event_date: datetime.date
    date_precision: str
    event_type: str
    sub_event_type: str
    actor1: str
    assoc_actor_1: list[str]
    kind1: str | None
    actor2: str
    assoc_actor_2: list[str]
    kind2: str | None
    civilian_targeting: bool
    country: str | None
    admin1: str
    admin2: str
    admin3: str
    location: str
    latitude: Decimal | None
    longitude: Decimal | None
    geo_precision: int | None
    fatalities: int
    notes: str
    source: str
    extra: dict = field(default_factory=dict)


REQUIRED_COLUMNS = ("event_id_cnty", "event_date", "event_type", "actor1", "fatalities")
# Kept with the imported event (ImportedEvent.data) so an ACLED export can give them back.
EXTRA_COLUMNS = (
    "year",
    "time_precision",
    "disorder_type",
    "inter1",
    "inter2",
    "interaction",
    "iso",
    "iso3",
    "region",
    "country",
    "source_scale",
    "tags",
    "timestamp",
    "data_id",
    "event_id_no_cnty",
    "gwno",
)

# ACLED's event types before the 2019 revision of its codebook, onto the current types and sub-types. Where the
# old type does not say which current sub-type applies, the sub-type is left empty rather than guessed.
OLD_EVENT_TYPES: dict[str, tuple[str, str]] = {
    # Fighting where neither side took ground: what ACLED now calls an armed clash.
    "battle-no change of territory": (EventType.BATTLES, SubEventType.ARMED_CLASH),
    # Same fighting, the government (or its allies) taking ground back.
    "battle-government regains territory": (EventType.BATTLES, SubEventType.GOVERNMENT_REGAINS_TERRITORY),
    # Same fighting, a non-state group taking ground.
    "battle-non-state actor overtakes territory": (EventType.BATTLES, SubEventType.NON_STATE_ACTOR_OVERTAKES_TERRITORY),
    # Shelling, air strikes, IEDs and suicide bombs all in one: the current type, the sub-type unknown.
    "remote violence": (EventType.EXPLOSIONS_REMOTE_VIOLENCE, ""),
    # Kept its name; abductions and sexual violence were split out later, so the sub-type is not known either.
    "violence against civilians": (EventType.VIOLENCE_AGAINST_CIVILIANS, ""),
    # Riots and protests in one: split below by the actors' types (rioters riot, protesters protest).
    "riots/protests": (EventType.PROTESTS, ""),
    # Recruitment, arrests, agreements, looting ...: the current type, the sub-type unknown.
    "strategic development": (EventType.STRATEGIC_DEVELOPMENTS, ""),
    # Both survived as sub-types of strategic developments.
    "non-violent transfer of territory": (EventType.STRATEGIC_DEVELOPMENTS, SubEventType.NON_VIOLENT_TRANSFER),
    "headquarters or base established": (EventType.STRATEGIC_DEVELOPMENTS, SubEventType.HEADQUARTERS_ESTABLISHED),
}
_CURRENT_EVENT_TYPES = {value.casefold(): value for value in EventType.values}
_CURRENT_SUB_EVENT_TYPES = {value.casefold(): value for value in SubEventType.values}

# ACLED's time_precision: 1 the day is known, 2 the week (or a few days around the date), 3 the month.
TIME_PRECISION = {"1": DatePrecision.DAY, "2": DatePrecision.WEEK, "3": DatePrecision.MONTH}

# Actor types written out, as recent files and spreadsheets do; singular and plural alike.
_KIND_LABELS = {
    "state forces": ActorKind.STATE_FORCES,
    "rebel group": ActorKind.REBEL_GROUP,
    "rebel groups": ActorKind.REBEL_GROUP,
    "political militia": ActorKind.POLITICAL_MILITIA,
    "political militias": ActorKind.POLITICAL_MILITIA,
    "identity militia": ActorKind.IDENTITY_MILITIA,
    "identity militias": ActorKind.IDENTITY_MILITIA,
    "rioters": ActorKind.RIOTERS,
    "protesters": ActorKind.PROTESTERS,
    "civilians": ActorKind.CIVILIANS,
    "external/other forces": ActorKind.EXTERNAL_OTHER,
    "external/other force": ActorKind.EXTERNAL_OTHER,
    "other forces": ActorKind.EXTERNAL_OTHER,
}

# The date formats ACLED files come in, most likely first (the order breaks ties). Each has a pattern for the
# cheap detection pass, which must not accept what strptime would refuse as a format (a month of 13).
_DAY = r"(?:0?[1-9]|[12][0-9]|3[01])"
_MONTH = r"(?:0?[1-9]|1[0-2])"
DATE_FORMATS: tuple[tuple[str, str], ...] = (
    ("%Y-%m-%d", rf"[0-9]{{4}}-{_MONTH}-{_DAY}"),  # 2020-07-31: the API and current downloads
    ("%d %B %Y", rf"{_DAY} [A-Za-z]{{3,9}} [0-9]{{4}}"),  # 31 December 2020: the export tool's own
    ("%d-%b-%y", rf"{_DAY}-[A-Za-z]{{3}}-[0-9]{{2}}"),  # 5-Aug-24: opened and saved in a spreadsheet
    ("%d-%b-%Y", rf"{_DAY}-[A-Za-z]{{3}}-[0-9]{{4}}"),
    ("%d %b %Y", rf"{_DAY} [A-Za-z]{{3}} [0-9]{{4}}"),
    ("%d-%m-%y", rf"{_DAY}-{_MONTH}-[0-9]{{2}}"),  # 31-12-19: older files, day first
    ("%d-%m-%Y", rf"{_DAY}-{_MONTH}-[0-9]{{4}}"),
    ("%d/%m/%Y", rf"{_DAY}/{_MONTH}/[0-9]{{4}}"),
    ("%d/%m/%y", rf"{_DAY}/{_MONTH}/[0-9]{{2}}"),
    # Month first only where a US spreadsheet rewrote the file: last, so a file that fits both reads day first.
    ("%m/%d/%Y", rf"{_MONTH}/{_DAY}/[0-9]{{4}}"),
)
_DATE_PATTERNS = [(fmt, re.compile(pattern)) for fmt, pattern in DATE_FORMATS]


class AcledHeader(FileHeader):
    """An ACLED file's header."""

    required = REQUIRED_COLUMNS
    country_columns = frozenset({"iso3", "iso", "country"})
    id_column = "event_id_cnty"
    not_this_file = gettext_lazy("This is not an ACLED file: the header has no %(columns)s column.")
    not_utf8 = gettext_lazy("The file is not UTF-8 text: save it from ACLED again as CSV (UTF-8).")

    @property
    def schema(self) -> str:
        if "disorder_type" in self.index or "civilian_targeting" in self.index:
            return "current"
        if "sub_event_type" in self.index:
            return "2019"
        return "pre-2019"


def read_header(text: IO[str]) -> tuple[AcledHeader, Iterator[tuple[int, list[str]]]]:
    """The header (the first row with anything in it) and the records after it."""
    return csvfile.read_header(text, AcledHeader)


def detect_date_format(text: IO[str]) -> tuple[str, list[str]]:
    """One date format for the whole file: the one that fits the most rows, ties going to the likelier format.

    Returns it with notes for the job: which other formats fit as well (an ambiguity settled for the whole
    file, never per row). Reads only the date column; the caller rewinds the file afterwards.
    """
    header, records = read_header(text)
    fits: Counter[str] = Counter()
    dated = 0
    for _number, cells in records:
        if is_hxl(cells):
            continue
        value = header.get(cells, "event_date")
        if not value:
            continue
        dated += 1
        for fmt, pattern in _DATE_PATTERNS:
            if pattern.fullmatch(value):
                fits[fmt] += 1
    if not fits:
        if dated:
            raise FileError(_("No event_date in the file is a date in a format ACLED uses (e.g. 2020-07-31)."))
        return DATE_FORMATS[0][0], []
    best = max(fits.values())
    chosen = next(fmt for fmt, _pattern in DATE_FORMATS if fits[fmt] == best)
    notes = [
        _("Dates read as %(format)s (%(fit)s of %(rows)s rows fit).") % {"format": chosen, "fit": best, "rows": dated}
    ]
    also = [fmt for fmt, _pattern in DATE_FORMATS if fmt != chosen and fits[fmt] == best]
    if also:
        notes.append(
            _("Every date also fits %(others)s; the whole file is read as %(format)s (ACLED writes the day first).")
            % {"others": ", ".join(also), "format": chosen}
        )
    return chosen, notes


@lru_cache(maxsize=1 << 16)
def _parse_date(value: str, fmt: str) -> datetime.date | None:
    try:
        return datetime.datetime.strptime(value, fmt).date()
    except ValueError:
        return None


def actor_kind(value: str, column: str) -> str | None:
    """ACLED's actor type, as a number 1-8 or its label; 0 or empty when there is no such actor."""
    if not value:
        return None
    number = value[:-2] if value.endswith(".0") else value  # a spreadsheet's 1.0
    if number.isdigit():
        code = int(number)
        if code == 0:
            return None
        if code in ACLED_INTER_CODES:
            return ACLED_INTER_CODES[code].value
    kind = _KIND_LABELS.get(" ".join(value.casefold().split()))
    if kind is None:
        raise ValueError(
            _("%(column)s is %(value)s, not an ACLED actor type (1-8 or e.g. State forces).")
            % {"column": column, "value": value}
        )
    return kind.value


def _actors(value: str) -> list[str]:
    """ACLED lists several associated actors in one cell, separated by semicolons."""
    return [name.strip() for name in value.split(";") if name.strip()]


def _types(event_type: str, sub_event_type: str, kind1: str | None) -> tuple[str, str]:
    """The current type and sub-type; an old (pre-2019) type through OLD_EVENT_TYPES."""
    sub_event_type = _CURRENT_SUB_EVENT_TYPES.get(sub_event_type.casefold(), sub_event_type)
    current = _CURRENT_EVENT_TYPES.get(event_type.casefold())
    if current is not None:
        return current, sub_event_type
    old = OLD_EVENT_TYPES.get(event_type.casefold())
    if old is None:
        # Not an ACLED type: it goes on as written and the SQL check names it as the row's error.
        return event_type, sub_event_type
    mapped_type, mapped_sub = old
    if mapped_type == EventType.PROTESTS and kind1 == ActorKind.RIOTERS:
        mapped_type = EventType.RIOTS
    return mapped_type, sub_event_type or mapped_sub


def parse_row(header: AcledHeader, number: int, cells: list[str], date_format: str) -> AcledRow:
    """One record (of the header's width) as an AcledRow; ValueError with a message fit for the user when a cell
    cannot be read."""
    get = header.get
    event_id = get(cells, "event_id_cnty")
    if not event_id:
        raise ValueError(_("event_id_cnty is empty."))
    raw_date = get(cells, "event_date")
    event_date = _parse_date(raw_date, date_format) if raw_date else None
    if event_date is None:
        raise ValueError(
            _("event_date %(value)s is not a date in this file's format %(format)s.")
            % {"value": raw_date or '""', "format": date_format}
        )
    fatalities_text = get(cells, "fatalities")
    fatalities = parse_number(fatalities_text, "fatalities", int)
    if fatalities is None:
        raise ValueError(_("fatalities is empty; ACLED gives 0 when no one was reported killed."))
    kind1 = actor_kind(get(cells, "inter1"), "inter1")
    kind2 = actor_kind(get(cells, "inter2"), "inter2")
    event_type, sub_event_type = _types(get(cells, "event_type"), get(cells, "sub_event_type"), kind1)
    targeting = get(cells, "civilian_targeting")
    if "civilian_targeting" in header.index:
        civilian_targeting = bool(targeting)
    else:
        # Older files have no column for it: civilians as the second actor is what ACLED's flag records.
        civilian_targeting = kind2 == ActorKind.CIVILIANS
    geo_precision = parse_number(get(cells, "geo_precision"), "geo_precision", int)
    extra = {name: value for name in EXTRA_COLUMNS if (value := get(cells, name))}
    if event_type != get(cells, "event_type"):
        extra["acled_event_type"] = get(cells, "event_type")
    return AcledRow(
        row=number,
        event_id=event_id,
        event_date=event_date,
        date_precision=TIME_PRECISION.get(get(cells, "time_precision"), DatePrecision.DAY),
        event_type=event_type,
        sub_event_type=sub_event_type,
        actor1=get(cells, "actor1"),
        assoc_actor_1=_actors(get(cells, "assoc_actor_1")),
        kind1=kind1,
        actor2=get(cells, "actor2"),
        assoc_actor_2=_actors(get(cells, "assoc_actor_2")),
        kind2=kind2,
        civilian_targeting=civilian_targeting,
        country=country_code(get(cells, "iso3"), get(cells, "iso"), get(cells, "country")),
        admin1=get(cells, "admin1"),
        admin2=get(cells, "admin2"),
        admin3=get(cells, "admin3"),
        location=get(cells, "location"),
        latitude=parse_number(get(cells, "latitude"), "latitude"),
        longitude=parse_number(get(cells, "longitude"), "longitude"),
        geo_precision=geo_precision,
        fatalities=fatalities,
        notes=get(cells, "notes"),
        source=get(cells, "source"),
        extra=extra,
    )


def read_rows(text: IO[str], date_format: str) -> Iterator[AcledRow | RowError]:
    """Each data row of the file, parsed, or the error that stopped it; the HXL row and blank lines skipped."""
    return csvfile.read_records(text, AcledHeader, partial(parse_row, date_format=date_format))
