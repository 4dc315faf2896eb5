"""What every export shares: the incidents read chunk by chunk with their participants and sources, and the
helpers that write their values as CSV text, formula-safe (conflict_tracker.csvcells).
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import islice

import pycountry

from conflict_tracker.csvcells import csv_dict_writer
from sources.choices import ReviewStatus
from sources.models import Claim

from ..choices import ParticipantRole
from ..columns import INCIDENT_VALUES
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


def incident_rows(queryset, reader, fields: tuple[str, ...] = ()) -> Iterator[tuple[dict, list[dict], list[dict]]]:
    """(incident, its participants, its sources) for every incident of the queryset, in its order, in bounded
    memory; the sources of the claims `reader` may see; `fields` are read with the incident's own."""
    for chunk in _chunks(queryset.values(*INCIDENT_VALUES, *fields).iterator(chunk_size=CHUNK_SIZE)):
        ids = [row["id"] for row in chunk]
        participants = _participants(ids)
        sources = _sources(ids, reader)
        for row in chunk:
            yield row, participants.get(row["id"], []), sources.get(row["id"], [])


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


def _sources(incident_ids: list[int], reader) -> dict[int, list[dict]]:
    """Each incident's sources, from its claims that were not rejected and that `reader` may see; each source
    once, by label."""
    found = defaultdict(dict)
    for claim in (
        Claim.objects.visible_to(reader)
        .filter(incident_id__in=incident_ids)
        .exclude(review_status=ReviewStatus.REJECTED)
        .order_by()
        .values(
            "incident_id",
            "document__source_id",
            "document__source__name",
            "document__source__acronym",
            "document__source__kind",
            "document__source__country",
        )
        .distinct()
    ):
        found[claim["incident_id"]][claim["document__source_id"]] = {
            "id": claim["document__source_id"],
            "name": claim["document__source__name"],
            "label": claim["document__source__acronym"] or claim["document__source__name"],
            "kind": claim["document__source__kind"],
            "country": claim["document__source__country"],
        }
    return {
        incident: sorted(sources.values(), key=lambda source: (source["label"].casefold(), source["label"]))
        for incident, sources in found.items()
    }


def _name_list(participants: list[dict], role: str) -> list[str]:
    return [part["actor__name"] for part in participants if part["role"] == role]


def _names(participants: list[dict], role: str) -> str:
    return "; ".join(_name_list(participants, role))


def _iso_date(value) -> str:
    return value.isoformat() if value else ""


@lru_cache(maxsize=512)
def _country(alpha_3: str) -> tuple[str, str]:
    """(numeric ISO code, English name) of an ISO 3166-1 alpha-3 code; the code itself if pycountry lacks it."""
    country = pycountry.countries.get(alpha_3=alpha_3)
    if country is None:
        return "", alpha_3
    return str(int(country.numeric)), country.name


def _csv_lines(header: list[str], rows: Iterable[dict], hashtags: dict[str, str] | None = None) -> Iterator[str]:
    """The header, the HXL hashtag row under it when `hashtags` (column -> tag) are given, then the rows, each a
    dict by column name; a cell a spreadsheet would run as a formula starts with an apostrophe."""
    writer = csv_dict_writer(header)
    yield writer.writeheader()
    if hashtags is not None:
        yield writer.writerow({name: hashtags.get(name, "") for name in header})
    for row in rows:
        yield writer.writerow(row)
