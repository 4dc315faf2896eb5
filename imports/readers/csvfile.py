"""What the ACLED and UCDP readers share (acled_csv.py, ucdp_csv.py): the file (UTF-8 with or without a BOM, a
header found by name, an HXL hashtag row skipped, rows checked against the header's width, cells our exports
made formula-safe read back as they were) and the cells both datasets write alike (`NA`, numbers, countries).

Pure Python over a text stream (the csv module, one row at a time): no database, so a reader can be tested on
its own and a file of any length needs the memory of one row.
"""

import csv
import io
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from typing import IO, TypeVar

from django.utils.translation import gettext as _

from conflict_tracker.countries import countries
from conflict_tracker.csvcells import original_cells

# Files with fields longer than the csv module's default (128 KiB) are a broken quote, not a long note; but
# ACLED's notes can run to a few KiB, so the limit is raised a little, not lifted.
csv.field_size_limit(1 << 20)


class FileError(Exception):
    """The file as a whole cannot be read as its dataset's (no header, a required column missing, not UTF-8)."""


@dataclass
class RowError:
    """A row the reader could not read, with the message the job reports for it."""

    row: int
    event_id: str
    message: str


# Header spellings of older ACLED files mapped to the current names.
HEADER_ALIASES = {"ally_actor_1": "assoc_actor_1", "ally_actor_2": "assoc_actor_2"}

# Country names of the datasets (ACLED's spellings, older names) that ISO's names do not match, accents, case
# and hyphens aside.
_COUNTRY_NAMES = {
    "democratic republic of congo": "COD",
    "democratic republic of the congo": "COD",
    "republic of congo": "COG",
    "republic of the congo": "COG",
    "ivory coast": "CIV",
    "eswatini": "SWZ",
    "swaziland": "SWZ",
    "russia": "RUS",
    "syria": "SYR",
    "iran": "IRN",
    "bolivia": "BOL",
    "venezuela": "VEN",
    "tanzania": "TZA",
    "laos": "LAO",
    "vietnam": "VNM",
    "south korea": "KOR",
    "north korea": "PRK",
    "moldova": "MDA",
    "palestine": "PSE",
    "turkey": "TUR",
    "czech republic": "CZE",
    "cape verde": "CPV",
    "east timor": "TLS",
    "brunei": "BRN",
    "macedonia": "MKD",
    "micronesia": "FSM",
    "vatican city": "VAT",
    "caribbean netherlands": "BES",
    "saint martin": "MAF",
    "sint maarten": "SXM",
    "falkland islands": "FLK",
}


_EMPTY = frozenset(("NA", "N/A"))


def _header_name(raw: str) -> str:
    name = unicodedata.normalize("NFKC", raw).replace("\ufeff", "").strip().lower().replace(" ", "_")
    return HEADER_ALIASES.get(name, name)


def is_hxl(row: list[str]) -> bool:
    """Whether the row is the HXL hashtag row the Humanitarian Data Exchange puts under the header. A data row is
    told by its first cell with anything in it, without stripping the rest."""
    tagged = False
    for cell in row:
        cell = cell.strip()
        if cell:
            if not cell.startswith("#"):
                return False
            tagged = True
    return tagged


class FileHeader:
    """Where each column of a file is, found by name so that their order does not matter. A reader's subclass
    names what its dataset needs: the required columns (and one of `country_columns`), the column a row's error
    is named by, the messages that name the dataset and the schemas its columns tell apart."""

    required: tuple[str, ...]
    country_columns: frozenset[str]
    id_column: str
    not_this_file: str  # lazily translated, with %(columns)s
    not_utf8: str  # lazily translated

    def __init__(self, raw: list[str]):
        self.width = len(raw)
        self.index: dict[str, int] = {}
        for position, cell in enumerate(raw):
            name = _header_name(cell)
            # An unnamed column (a spreadsheet's or pandas' row numbers) is skipped; of two with one name, the first.
            if name and not name.startswith("unnamed:") and name not in self.index:
                self.index[name] = position
        missing = [name for name in self.required if name not in self.index]
        if not (self.country_columns & set(self.index)):
            missing.append("country")
        if missing:
            raise FileError(self.not_this_file % {"columns": ", ".join(missing)})

    def get(self, row: list[str], name: str) -> str:
        """A cell's text; ACLED (and R) write an empty cell as NA."""
        position = self.index.get(name)
        if position is None or position >= len(row):
            return ""
        value = row[position].strip()
        return "" if value in _EMPTY else value


Header = TypeVar("Header", bound=FileHeader)


@contextmanager
def opened(binary: IO[bytes]) -> Iterator[IO[str]]:
    """The file from its start, as text: UTF-8 with or without a BOM, newlines left to the csv module (quoted
    newlines, CRLF). The file stays open afterwards, to be read again."""
    binary.seek(0)
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
    try:
        yield text
    finally:
        text.detach()  # else the wrapper closes the file when it is collected


def _records(text: IO[str], not_utf8: str) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) for each record, the header being row 1 as in a spreadsheet; text that cannot be
    decoded is a FileError saying `not_utf8`."""
    reader = csv.reader(text, strict=False)
    try:
        # A cell our exports made formula-safe ('=, '-, '@ ...) is read back as it was.
        for number, cells in enumerate(reader, start=1):
            yield number, original_cells(cells)
    except UnicodeDecodeError as error:
        raise FileError(str(not_utf8)) from error


def read_header(text: IO[str], header_class: type[Header]) -> tuple[Header, Iterator[tuple[int, list[str]]]]:
    """The header (the first row with anything in it) and the records after it."""
    records = _records(text, header_class.not_utf8)
    for _number, cells in records:
        if any(cell.strip() for cell in cells):
            return header_class(cells), records
    raise FileError(_("The file is empty."))


def check_width(header: FileHeader, cells: list[str]) -> None:
    """ValueError when a record has fewer cells than the header (a truncated file) or more that hold something
    (an unquoted comma); trailing empty cells, which spreadsheets add, are allowed."""
    if len(cells) < header.width:
        raise ValueError(
            _("The row has %(found)s of the header's %(width)s columns: it is cut short (a truncated file?).")
            % {"found": len(cells), "width": header.width}
        )
    if len(cells) > header.width and any(cell.strip() for cell in cells[header.width :]):
        raise ValueError(
            _("The row has %(found)s values for the header's %(width)s columns (an unquoted comma?).")
            % {"found": len(cells), "width": header.width}
        )


def read_records(text: IO[str], header_class: type[FileHeader], parse: Callable) -> Iterator:
    """Each data row of the file, parsed by `parse(header, number, cells)` once `check_width` has passed it, or the
    error that stopped it; the HXL row and blank lines skipped."""
    header, records = read_header(text, header_class)
    for number, cells in records:
        if not any(cell.strip() for cell in cells) or is_hxl(cells):
            continue
        try:
            check_width(header, cells)
            yield parse(header, number, cells)
        except ValueError as error:
            yield RowError(number, header.get(cells, header.id_column), str(error))


@lru_cache(maxsize=4096)
def country_code(iso3: str, iso: str, name: str) -> str | None:
    """The ISO 3166 alpha-3 code (or XKX, Kosovo) a row's country cells give: iso3, else ISO's number, else the name,
    the first of them that is a country; None when none is. Each is tried in turn because files keep codes ISO has
    retired beside a good number and name (ACLED's ROM for Romania, with 642 and "Romania")."""
    if iso3 and countries.get(alpha_3=iso3.upper()) is not None:
        return iso3.upper()
    number = iso[:-2] if iso.endswith(".0") else iso  # a spreadsheet's 642.0
    if number.isdigit():
        country = countries.get(numeric=f"{int(number):03d}")
        if country is not None:
            return country.alpha_3
    return _country_names().get(_folded(name)) if name else None


def country_cells(**cells: str) -> str:
    """A row's country cells, each named (iso3 "ROX", iso "999", country "Atlantis"), for the message of a row none
    of them places."""
    return ", ".join(f'{column} "{value}"' for column, value in cells.items())


def _folded(name: str) -> str:
    """A country's name with case, accents and hyphens ignored: "Curacao" finds "Curaçao", "Saint-Barthelemy" finds
    "Saint Barthélemy"."""
    decomposed = unicodedata.normalize("NFKD", name.replace("-", " "))
    return " ".join("".join(char for char in decomposed if not unicodedata.combining(char)).casefold().split())


@cache
def _country_names() -> dict[str, str]:
    """Every country's ISO name, official and common name, and the datasets' own spellings, folded, to its code."""
    names = {}
    for country in countries:
        for attribute in ("name", "official_name", "common_name"):
            if value := getattr(country, attribute, None):
                names.setdefault(_folded(value), country.alpha_3)
    names.update({_folded(name): code for name, code in _COUNTRY_NAMES.items()})
    return names


def parse_number(value: str, column: str, kind=Decimal):
    """The cell as a `kind` (Decimal unless told), None when empty; ValueError naming the column otherwise."""
    if not value:
        return None
    try:
        return kind(value)
    except (InvalidOperation, ValueError):
        raise ValueError(_("%(column)s is %(value)s, not a number.") % {"column": column, "value": value}) from None
