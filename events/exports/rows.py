"""What the UCDP export, written in Python, reads: the incidents chunk by chunk with their participants, and the
helpers that write their values as CSV text, formula-safe (conflict_tracker.csvcells); and the countries' ISO codes
and names every export writes.
"""

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import islice

import pycountry

from conflict_tracker.csvcells import csv_dict_writer

from ..choices import ParticipantRole
from ..models import IncidentParticipant

CHUNK_SIZE = 2000

# -- reading ---------------------------------------------------------------------------------------------------------

# Perpetrators first, then others, then targets; ties in the order they were entered.
ROLE_ORDER = {ParticipantRole.PERPETRATOR: 0, ParticipantRole.OTHER: 1, ParticipantRole.TARGET: 2}


def _chunks(rows: Iterable[dict]) -> Iterator[list[dict]]:
    rows = iter(rows)
    while chunk := list(islice(rows, CHUNK_SIZE)):
        yield chunk


# What an incident's import kept, read with the incident (one LEFT JOIN, no query of its own).
IMPORTED_FIELDS = (
    "imported_as__kind",
    "imported_as__external_id",
    "imported_as__data",
    "imported_as__document__author",
    "imported_as__document__source_id",
)


def _participants(incident_ids: list[int]) -> dict[int, list[dict]]:
    """Each incident's participants: perpetrators first, then others, then targets, ties in the order entered."""
    found = defaultdict(list)
    for participant in (
        IncidentParticipant.objects.filter(incident_id__in=incident_ids)
        .order_by("incident_id", "id")
        .values("incident_id", "role", "side", "actor__name", "actor__kind")
    ):
        found[participant["incident_id"]].append(participant)
    return {
        incident: sorted(parts, key=lambda part: ROLE_ORDER.get(part["role"], 1)) for incident, parts in found.items()
    }


def _iso_date(value) -> str:
    return value.isoformat() if value else ""


@lru_cache(maxsize=512)
def _country(alpha_3: str) -> tuple[str, str]:
    """(numeric ISO code, English name) of an ISO 3166-1 alpha-3 code; the code itself if pycountry lacks it."""
    country = pycountry.countries.get(alpha_3=alpha_3)
    if country is None:
        return "", alpha_3
    return str(int(country.numeric)), country.name


def countries_sql() -> str:
    """The SQL of a JSON object giving [numeric ISO code, English name] of each ISO 3166-1 alpha-3 code, as _country
    gives them."""
    countries = {country.alpha_3: _country(country.alpha_3) for country in pycountry.countries}
    return "'" + json.dumps(countries).replace("'", "''") + "'::jsonb"


def _csv_lines(header: list[str], rows: Iterable[dict], hashtags: dict[str, str] | None = None) -> Iterator[str]:
    """The header, the HXL hashtag row under it when `hashtags` (column -> tag) are given, then the rows, each a
    dict by column name; a cell a spreadsheet would run as a formula starts with an apostrophe."""
    writer = csv_dict_writer(header)
    yield writer.writeheader()
    if hashtags is not None:
        yield writer.writerow({name: hashtags.get(name, "") for name in header})
    for row in rows:
        yield writer.writerow(row)
