"""Reading UCDP GED CSV files (the Georeferenced Event Dataset) into one normalised row per event.

Pure Python over a text stream, one row at a time, with the file handling the ACLED reader shares (csvfile.py):
UTF-8 with or without BOM, CRLF, quoted newlines, an HXL hashtag row under the header (files from the
Humanitarian Data Exchange), skipped. Two schemas:

- the current one (2018-: relid, code_status, where_description; `best, high, low`; dates as
  `2014-01-22 00:00:00.000`);
- the pre-2018 one (start_year/end_year, no relid; `low, best, high`; plain ISO dates).

Columns are found by name, so their order does not matter. Figures are read as the file gives them: a row whose
low <= best <= high does not hold is still a row (the import flags it, imports/services/ucdp_import.py).
"""

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actors.choices import ActorKind
from events.choices import DatePrecision, GeoPrecision, ViolenceType

from . import csvfile
from .csvfile import FileHeader, RowError, country_cells, country_code, parse_number

REQUIRED_COLUMNS = (
    "id",
    "type_of_violence",
    "side_a",
    "side_b",
    "date_start",
    "date_end",
    "best",
    "low",
    "high",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
)

# UCDP's date_prec (GED codebook) onto our date precisions: the start and end dates are UCDP's own, the
# precision says how far inside them the day is known.
DATE_PRECISION = {
    "1": DatePrecision.DAY,  # the exact date is known
    "2": DatePrecision.WEEK,  # the date is known within 2-6 days
    "3": DatePrecision.WEEK,  # only the week is known
    "4": DatePrecision.MONTH,  # known within 8-30 days, or only the month
    "5": DatePrecision.YEAR,  # known within more than a month, not more than a calendar year
}

# UCDP's where_prec onto ACLED's three geo-precision codes, which ours are.
GEO_PRECISION = {
    "1": GeoPrecision.EXACT,  # the exact place
    "2": GeoPrecision.NEAR,  # within about 25 km of a known point
    "3": GeoPrecision.NEAR,  # only the second-order division (adm_2): a part of a region
    "4": GeoPrecision.REGION,  # only the first-order division (adm_1)
    "5": GeoPrecision.REGION,  # a linear feature or an area larger than adm_1 (a border, a road, "eastern X")
    "6": GeoPrecision.REGION,  # only the country: the point is the country's
    "7": GeoPrecision.REGION,  # international waters or airspace
}

# "Government of Australia, Government of United Kingdom, Government of United States of America": one side
# of several governments, each an actor of its own. Other names may hold commas and are never split.
_GOVERNMENTS = re.compile(r",\s*(?=Government of )")
_DAY = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[ T][0-9:.]*)?$")
_COORDINATE = Decimal("0.00001")


@dataclass
class UcdpRow:
    """One event of the file, normalised; figures as the file gives them."""

    row: int
    event_id: str
    start_date: datetime.date
    end_date: datetime.date
    date_precision: str
    violence_type: int
    side_a: list[tuple[str, str | None]]
    side_b: list[tuple[str, str | None]]
    dyad_name: str
    country: str | None
    country_raw: str
    admin1: str
    admin2: str
    location: str
    latitude: Decimal | None
    longitude: Decimal | None
    geo_precision: int
    deaths_a: int
    deaths_b: int
    deaths_civilians: int
    deaths_unknown: int
    low: int
    best: int
    high: int
    description: str
    source_office: str
    source_headline: str
    extra: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        """For the staging table's jsonb column."""
        return {
            name: str(value) if isinstance(value, datetime.date | Decimal) else value
            for name, value in self.__dict__.items()
        }


class UcdpHeader(FileHeader):
    """A UCDP GED file's header."""

    required = REQUIRED_COLUMNS
    country_columns = frozenset({"iso3", "country"})
    id_column = "id"
    not_this_file = gettext_lazy("This is not a UCDP GED file: the header has no %(columns)s column.")
    not_utf8 = gettext_lazy("The file is not UTF-8 text: save it from UCDP again as CSV (UTF-8).")

    @property
    def schema(self) -> str:
        return "current" if "relid" in self.index else "pre-2018"


def read_header(text: IO[str]) -> tuple[UcdpHeader, Iterator[tuple[int, list[str]]]]:
    """The header (the first row with anything in it) and the records after it."""
    return csvfile.read_header(text, UcdpHeader)


def _date(value: str, column: str) -> datetime.date:
    match = _DAY.match(value)
    try:
        return datetime.date.fromisoformat(match[1]) if match else datetime.date.fromisoformat(value)
    except ValueError:
        raise ValueError(
            _("%(column)s is %(value)s, not a date (e.g. 2014-01-22).") % {"column": column, "value": value or '""'}
        ) from None


def _count(header: UcdpHeader, cells: list[str], column: str) -> int:
    value = parse_number(header.get(cells, column), column, int)
    if value is None:
        raise ValueError(_("%(column)s is empty; UCDP gives 0 when no one was counted.") % {"column": column})
    if value < 0:
        raise ValueError(_("%(column)s is %(value)s; a count cannot be negative.") % {"column": column, "value": value})
    return value


def _side(value: str, violence_type: int, first: bool, country: str) -> list[tuple[str, str | None]]:
    """The actors of one side, each with the type UCDP's definitions give it, in ACLED's terms: the government of the
    event's country is state forces, another country's government external forces (as ACLED types an army abroad),
    the civilians of one-sided violence civilians, a government's opponent in state-based conflict a rebel group.
    UCDP types no one else (the groups of non-state conflict, the perpetrators of one-sided violence): None."""
    names = [name.strip() for name in _GOVERNMENTS.split(value) if name.strip()]
    sided: list[tuple[str, str | None]] = []
    for name in names:
        kind = None
        if name == f"Government of {country}":
            kind = ActorKind.STATE_FORCES.value
        elif name.startswith("Government of"):
            kind = ActorKind.EXTERNAL_OTHER.value
        elif name.casefold() == "civilians":
            kind = ActorKind.CIVILIANS.value
        elif violence_type == ViolenceType.STATE_BASED and not first:
            kind = ActorKind.REBEL_GROUP.value
        sided.append((name, kind))
    return sided


def _default_precision(start: datetime.date, end: datetime.date) -> str:
    """Without a date_prec: the day if the event has one, else the month (the widest our dates say little about)."""
    return DatePrecision.DAY if start == end else DatePrecision.MONTH


def parse_row(header: UcdpHeader, number: int, cells: list[str]) -> UcdpRow:
    """One record (of the header's width) as a UcdpRow; ValueError with a message fit for the user when a cell
    cannot be read."""
    get = header.get
    event_id = get(cells, "id")
    if not event_id:
        raise ValueError(_("id is empty."))
    violence = get(cells, "type_of_violence")
    if violence not in ("1", "2", "3"):
        raise ValueError(_("type_of_violence is %(value)s; UCDP's types are 1, 2 and 3.") % {"value": violence or '""'})
    violence_type = int(violence)
    start_date = _date(get(cells, "date_start"), "date_start")
    end_date = _date(get(cells, "date_end"), "date_end")
    if end_date < start_date:
        raise ValueError(_("date_end %(end)s is before date_start %(start)s.") % {"end": end_date, "start": start_date})
    date_prec = get(cells, "date_prec")
    where_prec = get(cells, "where_prec")
    side_a = _side(get(cells, "side_a"), violence_type, first=True, country=get(cells, "country"))
    if not side_a:
        raise ValueError(_("side_a is empty."))
    latitude = parse_number(get(cells, "latitude"), "latitude")
    longitude = parse_number(get(cells, "longitude"), "longitude")
    country = country_code(get(cells, "iso3"), "", get(cells, "country"))
    counts = {
        column: _count(header, cells, column)
        for column in ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "low", "best", "high")
    }
    # Every column, as written, for an export in UCDP's own shape.
    extra = {name: get(cells, name) for name in header.index if get(cells, name)}
    return UcdpRow(
        row=number,
        event_id=event_id,
        start_date=start_date,
        end_date=end_date,
        date_precision=DATE_PRECISION.get(date_prec, _default_precision(start_date, end_date)),
        violence_type=violence_type,
        side_a=side_a,
        side_b=_side(get(cells, "side_b"), violence_type, first=False, country=get(cells, "country")),
        dyad_name=get(cells, "dyad_name") or get(cells, "conflict_name"),
        country=country,
        country_raw="" if country else country_cells(iso3=get(cells, "iso3"), country=get(cells, "country")),
        admin1=get(cells, "adm_1"),
        admin2=get(cells, "adm_2"),
        location=get(cells, "where_coordinates"),
        latitude=latitude.quantize(_COORDINATE) if latitude is not None else None,
        longitude=longitude.quantize(_COORDINATE) if longitude is not None else None,
        geo_precision=GEO_PRECISION.get(where_prec, GeoPrecision.NEAR),
        description=get(cells, "where_description"),
        source_office=get(cells, "source_office"),
        source_headline=get(cells, "source_headline"),
        extra=extra,
        **counts,
    )


def read_rows(text: IO[str]) -> Iterator[UcdpRow | RowError]:
    """Each data row of the file, parsed, or the error that stopped it; the HXL row and blank lines skipped."""
    return csvfile.read_records(text, UcdpHeader, parse_row)
