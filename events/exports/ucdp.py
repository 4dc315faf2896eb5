"""UCDP GED-style CSV (`format=ucdp`), one row per incident, in GED's column names and codes:

- `id`: the GED id of an incident imported from UCDP, else our code. `year`: of date_start.
- `type_of_violence`: the incident's UCDP type (1 state-based, 2 non-state, 3 one-sided) when recorded, else blank:
  UCDP's types rest on its own coding of who fought whom, which we do not guess.
- `side_a`, `side_b`: the names on each side (as for ACLED), joined with ", " as GED joins governments;
  `side_b` of one-sided violence with nobody on side B is GED's "Civilians". `dyad_name`: "side_a - side_b".
- Deaths, from the killed casualty records (their best counts): `deaths_civilians` the civilians;
  `deaths_a` and `deaths_b` each side's losses, that is combatants killed by perpetrators all on the other side
  (a perpetrator with no side is on side A); `deaths_unknown` all others (victims of unknown status, combatants
  killed by nobody named or by both sides). They add up to `best`; `low` and `high` are the incident's.
- `date_start`, `date_end`: the period the incident may have happened in, widened to the week, month or year its
  precision gives; `date_prec` GED's code of that period's length: 1 one day, 2 two to six days, 3 a week, 4 up
  to a month, 5 longer.
- `where_prec`: 1 the exact place (geo precision 1), 2 near it (2), else the smallest unit named: 3 adm_2, 4 adm_1,
  6 the country. `where_coordinates`: the place name; `geom_wkt` and `priogrid_gid` (PRIO-GRID's 0.5 degree cell)
  from the coordinates. `region`: UCDP's (Africa, Middle East) for the countries of ACLED_REGIONS, else blank.
- Sources as GED writes them, one entry per document of the claims not rejected: `source_article`
  ("Office,date,headline" quoted, joined with ";"), `source_office`, `source_date`, `source_headline`, and
  `number_of_sources` (documents).
"""

import datetime
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import F, Q, Value

from conflict_tracker.choices import Harm, ImportKind, VictimStatus
from conflict_tracker.redaction import public_text
from sources.choices import ReviewStatus
from sources.models import Claim

from ..choices import DatePrecision, Side, ViolenceType
from ..columns import INCIDENT_VALUES, export_cells
from ..models import CasualtyRecord
from .acled import ACLED_REGIONS, acled_sides
from .rows import CHUNK_SIZE, IMPORTED_FIELDS, _chunks, _country, _iso_date, _participants

# -- UCDP GED-style CSV ----------------------------------------------------------------------------------------------

UCDP_COLUMNS = [
    "id",
    "year",
    "type_of_violence",
    "dyad_name",
    "side_a",
    "side_b",
    "number_of_sources",
    "source_article",
    "source_office",
    "source_date",
    "source_headline",
    "where_prec",
    "where_coordinates",
    "adm_1",
    "adm_2",
    "latitude",
    "longitude",
    "geom_wkt",
    "priogrid_gid",
    "country",
    "iso3",
    "region",
    "date_prec",
    "date_start",
    "date_end",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "best",
    "high",
    "low",
]
# UCDP's regions are Gleditsch and Ward's: Egypt, numbered with the Middle East, is in it; the rest of Africa is Africa.
UCDP_REGIONS = {
    country: "Middle East" if region == "Middle East" or country == "EGY" else "Africa"
    for country, region in ACLED_REGIONS.items()
}
# A GED where_prec of the place named, for an incident with no exact or near coordinates.
WHERE_PREC_ADM2, WHERE_PREC_ADM1, WHERE_PREC_COUNTRY = 3, 4, 6


def ucdp_period(start: datetime.date, end: datetime.date, precision: str) -> tuple[datetime.date, datetime.date]:
    """The days the incident may have happened on: its dates widened to the week, month or year the precision
    gives (as Incident's period, incident_period, widens them for the date filters)."""
    if precision == DatePrecision.WEEK:
        return start - datetime.timedelta(days=start.weekday()), end + datetime.timedelta(days=6 - end.weekday())
    if precision == DatePrecision.MONTH:
        following = (end.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        return start.replace(day=1), following - datetime.timedelta(days=1)
    if precision == DatePrecision.YEAR:
        return datetime.date(start.year, 1, 1), datetime.date(end.year, 12, 31)
    return start, end


def ucdp_date_prec(start: datetime.date, end: datetime.date) -> int:
    """GED's date_prec of a period: 1 a day, 2 two to six days, 3 a week, 4 up to a month, 5 longer."""
    days = (end - start).days + 1
    if days == 1:
        return 1
    if days < 7:
        return 2
    if days == 7:
        return 3
    return 4 if days <= 31 else 5


def ucdp_where_prec(row: dict) -> int:
    if row["latitude"] is not None and row["geo_precision"] in (1, 2):
        return row["geo_precision"]
    if row["admin2"]:
        return WHERE_PREC_ADM2
    return WHERE_PREC_ADM1 if row["admin1"] else WHERE_PREC_COUNTRY


def priogrid_gid(latitude: Decimal, longitude: Decimal) -> int:
    """PRIO-GRID's cell of a point: 0.5 degree cells numbered from 1 at (-90, -180), row by row eastwards."""
    row = min(int((latitude + 90) * 2), 359)
    column = min(int((longitude + 180) * 2), 719)
    return row * 720 + column + 1


def ucdp_deaths(records: list[dict]) -> dict[str, int]:
    """deaths_a, deaths_b, deaths_civilians and deaths_unknown of an incident's killed records (module docstring)."""
    deaths = {"deaths_a": 0, "deaths_b": 0, "deaths_civilians": 0, "deaths_unknown": 0}
    for record in records:
        sides = {side or Side.A for side in record["perpetrator_sides"]}
        if record["victim_status"] == VictimStatus.CIVILIAN:
            deaths["deaths_civilians"] += record["count_best"]
        elif record["victim_status"] == VictimStatus.COMBATANT and sides == {Side.A}:
            deaths["deaths_b"] += record["count_best"]
        elif record["victim_status"] == VictimStatus.COMBATANT and sides == {Side.B}:
            deaths["deaths_a"] += record["count_best"]
        else:
            deaths["deaths_unknown"] += record["count_best"]
    return deaths


def _killed(incident_ids: list[int]) -> dict[int, list[dict]]:
    """Each incident's killed records: victim status, best count and the sides of its perpetrators; no note and no
    named victim is read."""
    found = defaultdict(list)
    for record in (
        CasualtyRecord.objects.filter(incident_id__in=incident_ids, harm=Harm.KILLED)
        .order_by()
        .values("id", "incident_id", "victim_status", "count_best")
        .annotate(
            perpetrator_sides=ArrayAgg(
                "perpetrator_links__participant__side",
                filter=Q(perpetrator_links__isnull=False),
                default=Value([]),
            )
        )
    ):
        found[record["incident_id"]].append(record)
    return found


def _documents(incident_ids: list[int], reader) -> dict[int, list[dict]]:
    """Each incident's documents behind claims that were not rejected and that `reader` may see, each once,
    oldest first, as GED lists its source articles; their headlines as the reader may read them."""
    found = defaultdict(dict)
    claims = Claim.objects.visible_to(reader)
    # For readers who may not see victims' names, the digest of the names to withhold (conflict_tracker/redaction).
    withheld = ["withheld_names"] if "withheld_names" in claims.query.annotations else []
    for claim in (
        claims.filter(incident_id__in=incident_ids)
        .exclude(review_status=ReviewStatus.REJECTED)
        .order_by("incident_id", F("document__published_on").asc(nulls_last=True), "document_id")
        .values(
            "incident_id",
            "document_id",
            "document__source__name",
            "document__published_on",
            "document__title",
            *withheld,
        )
    ):
        found[claim["incident_id"]].setdefault(
            claim["document_id"],
            {
                "office": claim["document__source__name"],
                "date": _iso_date(claim["document__published_on"]),
                "headline": public_text(claim["document__title"], claim.get("withheld_names")),
            },
        )
    return {incident: list(documents.values()) for incident, documents in found.items()}


def _ucdp_incidents(queryset, reader) -> Iterator[tuple[dict, list[dict], list[dict], list[dict]]]:
    """(incident, participants, killed records, documents), three queries per chunk of incidents."""
    for chunk in _chunks(queryset.values(*INCIDENT_VALUES, *IMPORTED_FIELDS[:2]).iterator(chunk_size=CHUNK_SIZE)):
        ids = [row["id"] for row in chunk]
        participants, killed, documents = _participants(ids), _killed(ids), _documents(ids, reader)
        for row in chunk:
            yield row, participants.get(row["id"], []), killed.get(row["id"], []), documents.get(row["id"], [])


def _quoted(text: str) -> str:
    return '"' + text.replace('"', "'") + '"'


def ucdp_rows(queryset, reader) -> Iterator[dict]:
    for row, participants, killed, documents in _ucdp_incidents(queryset, reader):
        side_a, side_b = (", ".join(part["actor__name"] for part in side) for side in acled_sides(participants))
        if not side_b and row["violence_type"] == ViolenceType.ONE_SIDED:
            side_b = "Civilians"
        start, end = ucdp_period(row["start_date"], row["end_date"], row["date_precision"])
        located = row["latitude"] is not None and row["longitude"] is not None
        yield {
            **export_cells(row, "ucdp"),
            **ucdp_deaths(killed),
            "id": row["imported_as__external_id"] if row["imported_as__kind"] == ImportKind.UCDP else row["code"],
            "year": start.year,
            "dyad_name": f"{side_a} - {side_b}" if side_a and side_b else side_a or side_b,
            "side_a": side_a,
            "side_b": side_b,
            "number_of_sources": len(documents),
            "source_article": ";".join(
                _quoted(",".join((doc["office"], doc["date"], doc["headline"]))) for doc in documents
            ),
            "source_office": ";".join(doc["office"] for doc in documents),
            "source_date": ";".join(doc["date"] for doc in documents),
            "source_headline": ";".join(doc["headline"] for doc in documents),
            "where_prec": ucdp_where_prec(row),
            "where_coordinates": row["location_name"] or row["admin2"] or row["admin1"],
            "geom_wkt": f"POINT ({row['longitude']:f} {row['latitude']:f})" if located else "",
            "priogrid_gid": priogrid_gid(row["latitude"], row["longitude"]) if located else "",
            "country": _country(row["country"])[1],
            "region": UCDP_REGIONS.get(row["country"], ""),
            "date_prec": ucdp_date_prec(start, end),
            "date_start": start.isoformat(),
            "date_end": end.isoformat(),
        }
