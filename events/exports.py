"""Incident exports: CSV, ACLED-compatible CSV, UCDP GED-style CSV, both of these with HDX's HXL hashtag row,
and GeoJSON, streamed row by row in bounded memory.

Each export reads the filtered incidents with `values()` through a server-side cursor, `CHUNK_SIZE` rows at a
time, then two queries per chunk: the participants with their actors, and the sources of the incidents' claims.
Memory stays bounded and the number of queries grows with the chunks, never with the rows. Exports carry no victim
identities: they read neither casualty notes nor named victims.

ACLED's columns that need more than the incident's own fields:

- `source`: the sources the incident rests on, that is the outlets and organisations behind its claims that were
  not rejected (pending, accepted or disputed), each once, by its acronym when it has one (ACLED writes "HRW",
  "AFP") or else its name, in alphabetical order, joined with "; ". The incidents exported are those the
  requester may see, and a claim is visible exactly when its incident is (Claim.objects.visible_to), so every
  claim of an exported incident may be shown.
- `source_scale`: ACLED's scale of each of those sources, the distinct scales joined with "-" from the narrowest
  to the widest ("National-International"). A witness is Local; a belligerent channel (Telegram and the like) is
  New media; any other source is National when based in the incident's country, Regional when based in another
  country of the same ACLED region, and International otherwise, or when no country is recorded for it (news
  agencies, UN bodies and NGOs that work across borders). Our sources record no sub-national reach and no
  partnership, so ACLED's Subnational and Local partner are never given.
- `region`: ACLED's region of the incident's country (`ACLED_REGIONS`, Africa and the Middle East); blank for a
  country outside the table.
- `tags`: blank. ACLED's tags record details we do not collect (crowd sizes, women targeted as such, local
  administrators, armed presence...); deriving them from other fields would invent data.

What makes the ACLED export round-trip (importing it gives the same incidents; tests/imports/test_roundtrip.py):

- An incident that came from an ACLED import (`ImportedEvent`) is written under its ACLED `event_id_cnty`, so that
  importing the export again updates it rather than duplicating it; our own incidents under their code.
- Such an incident's `source` is ACLED's own source text (kept as the author of the import's document), not
  "ACLED", followed by any source cited here since; `source_scale`, `tags`, `disorder_type` and ACLED's spelling
  of the country and region come back from the columns the import kept (`ImportedEvent.data`), the country's only
  while the incident is still in the country ACLED gave. Re-importing an unchanged export changes nothing.
- Side A is actor1 and assoc_actor_1, side B actor2 and assoc_actor_2 (a participant with no side: perpetrators
  on A, the others on B); the importer makes side A perpetrators and side B targets of violent events, and both
  sides "other" actors of protests and strategic developments, so roles round-trip when they follow that rule.
- What ACLED cannot carry is lost on the way: the title, the UCDP type of violence, an end date after the start
  date (ACLED has one date per event), a precision of a year (ACLED's widest is the month: time_precision 3),
  the low and high estimates and the breakdown of the killed (ACLED gives one figure, `fatalities`, our best).

UCDP GED-style CSV (`format=ucdp`), one row per incident, in GED's column names and codes:

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

HXL (`format=acled-hxl`, `format=ucdp-hxl`): the same files with, under the header, the row of HXL hashtags the
Humanitarian Data Exchange publishes with ACLED's and UCDP's files (ACLED_HXL, UCDP_HXL); a column HDX leaves
untagged stays untagged. The importer skips that row.
"""

import csv
import datetime
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal
from functools import lru_cache
from itertools import islice

import pycountry
from django.conf import settings
from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import F, Q, Value
from django.http import StreamingHttpResponse
from django.utils import timezone
from rest_framework.renderers import BaseRenderer

from actors.choices import ACLED_INTER_CODES
from imports.choices import ImportKind
from sources.choices import ReviewStatus, SourceKind
from sources.models import Claim

from .api.listing import PAGE_FIELDS
from .choices import DatePrecision, EventType, Harm, ParticipantRole, Side, SubEventType, VictimStatus, ViolenceType
from .models import CasualtyRecord, IncidentParticipant

CHUNK_SIZE = 2000


# -- renderers: only so that DRF's content negotiation accepts ?format=csv|acled|geojson -----------------------------


class ExportRenderer(BaseRenderer):
    """Never renders a body: the incident list answers these formats with a streaming response of its own."""

    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):  # pragma: no cover - not reached
        return json.dumps(data).encode()


class CSVRenderer(ExportRenderer):
    media_type = "text/csv"
    format = "csv"


class ACLEDRenderer(ExportRenderer):
    media_type = "text/csv"
    format = "acled"


class GeoJSONRenderer(ExportRenderer):
    media_type = "application/geo+json"
    format = "geojson"


class UCDPRenderer(ExportRenderer):
    media_type = "text/csv"
    format = "ucdp"


class ACLEDHXLRenderer(ExportRenderer):
    media_type = "text/csv"
    format = "acled-hxl"


class UCDPHXLRenderer(ExportRenderer):
    media_type = "text/csv"
    format = "ucdp-hxl"


EXPORT_RENDERERS = (CSVRenderer, ACLEDRenderer, GeoJSONRenderer, UCDPRenderer, ACLEDHXLRenderer, UCDPHXLRenderer)
EXPORT_FORMATS = tuple(renderer.format for renderer in EXPORT_RENDERERS)


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


def incident_rows(queryset, fields: tuple[str, ...] = ()) -> Iterator[tuple[dict, list[dict], list[dict]]]:
    """(incident, its participants, its sources) for every incident of the queryset, in its order, in bounded
    memory; `fields` are read with the incident's own."""
    for chunk in _chunks(queryset.values(*PAGE_FIELDS, *fields).iterator(chunk_size=CHUNK_SIZE)):
        ids = [row["id"] for row in chunk]
        participants = _participants(ids)
        sources = _sources(ids)
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


def _sources(incident_ids: list[int]) -> dict[int, list[dict]]:
    """Each incident's sources, from its claims that were not rejected; each source once, by label."""
    found = defaultdict(dict)
    for claim in (
        Claim.objects.filter(incident_id__in=incident_ids)
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


def _text(value) -> str:
    return "" if value is None else str(value)


def _iso_datetime(value: datetime.datetime | None) -> str:
    """As the JSON list writes it: in the current time zone, ISO 8601, UTC written as Z."""
    if value is None:
        return ""
    if settings.USE_TZ:
        value = value.astimezone(timezone.get_current_timezone())
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a generator."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(header: list[str], rows: Iterable[list], hashtags: dict[str, str] | None = None) -> Iterator[str]:
    """The header, the HXL hashtag row under it when `hashtags` (column -> tag) are given, then the rows."""
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    if hashtags is not None:
        yield writer.writerow([hashtags.get(name, "") for name in header])
    for row in rows:
        yield writer.writerow(row)


# -- plain CSV -------------------------------------------------------------------------------------------------------

CSV_COLUMNS = [
    "code",
    "title",
    "start_date",
    "end_date",
    "date_precision",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location_name",
    "latitude",
    "longitude",
    "geo_precision",
    "event_type",
    "sub_event_type",
    "violence_type",
    "civilian_targeting",
    "fatalities_low",
    "fatalities_best",
    "fatalities_high",
    "status",
    "perpetrators",
    "targets",
    "other_actors",
    "sources",
    "notes",
    "published_at",
    "updated_at",
]


def csv_rows(queryset) -> Iterator[list]:
    for row, participants, sources in incident_rows(queryset):
        yield [
            row["code"],
            row["title"],
            _iso_date(row["start_date"]),
            _iso_date(row["end_date"]),
            row["date_precision"],
            row["country"],
            row["admin1"],
            row["admin2"],
            row["admin3"],
            row["location_name"],
            _text(row["latitude"]),
            _text(row["longitude"]),
            row["geo_precision"],
            row["event_type"],
            row["sub_event_type"],
            _text(row["violence_type"]),
            "true" if row["civilian_targeting"] else "false",
            row["fatalities_low"],
            row["fatalities_best"],
            row["fatalities_high"],
            row["status"],
            _names(participants, ParticipantRole.PERPETRATOR),
            _names(participants, ParticipantRole.TARGET),
            _names(participants, ParticipantRole.OTHER),
            "; ".join(source["name"] for source in sources),
            row["notes"],
            _iso_datetime(row["published_at"]),
            _iso_datetime(row["updated_at"]),
        ]


# -- ACLED-compatible CSV --------------------------------------------------------------------------------------------

ACLED_COLUMNS = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
]
# ACLED: 1 = the day is known, 2 = the week (or a few days around a date), 3 = only the month (or wider).
ACLED_TIME_PRECISION = {DatePrecision.DAY: 1, DatePrecision.WEEK: 2, DatePrecision.MONTH: 3, DatePrecision.YEAR: 3}
ACLED_DISORDER_TYPES = {
    EventType.BATTLES: "Political violence",
    EventType.EXPLOSIONS_REMOTE_VIOLENCE: "Political violence",
    EventType.VIOLENCE_AGAINST_CIVILIANS: "Political violence",
    EventType.PROTESTS: "Demonstrations",
    EventType.RIOTS: "Demonstrations",
    EventType.STRATEGIC_DEVELOPMENTS: "Strategic developments",
}
INTER_CODE_OF_KIND = {kind.value: code for code, kind in ACLED_INTER_CODES.items()}


def _in_region(region: str, codes: str) -> dict[str, str]:
    return dict.fromkeys(codes.split(), region)


# ACLED's `region` of each country it covers in Africa and the Middle East, by ISO 3166-1 alpha-3 code. ACLED's
# African regions are the UN's sub-regions, except that it counts the countries from Angola and Madagascar
# southwards as Southern Africa.
ACLED_REGIONS = {
    **_in_region("Western Africa", "BEN BFA CIV CPV GHA GIN GMB GNB LBR MLI MRT NER NGA SEN SLE TGO"),
    **_in_region("Middle Africa", "CAF CMR COD COG GAB GNQ STP TCD"),
    **_in_region("Eastern Africa", "BDI COM DJI ERI ETH KEN RWA SOM SSD SYC TZA UGA"),
    **_in_region("Southern Africa", "AGO BWA LSO MDG MOZ MUS MWI NAM SWZ ZAF ZMB ZWE"),
    **_in_region("Northern Africa", "DZA EGY LBY MAR SDN TUN"),
    **_in_region("Middle East", "ARE BHR IRN IRQ ISR JOR KWT LBN OMN PSE QAT SAU SYR TUR YEM"),
}
# ACLED's source scales, from the narrowest to the widest: the order in which combined scales are written.
SOURCE_SCALES = ("Local", "New media", "National", "Regional", "International")


def source_scale(source: dict, incident_country: str) -> str:
    """ACLED's scale of one source (a dict with `kind` and `country`) for an incident in `incident_country`."""
    if source["kind"] == SourceKind.WITNESS:
        return "Local"
    if source["kind"] == SourceKind.BELLIGERENT_CHANNEL:
        return "New media"
    if not source["country"]:
        return "International"
    if source["country"] == incident_country:
        return "National"
    region = ACLED_REGIONS.get(incident_country)
    if region is not None and ACLED_REGIONS.get(source["country"]) == region:
        return "Regional"
    return "International"


def acled_source_scale(sources: list[dict], incident_country: str) -> str:
    """The distinct scales of the sources, from the narrowest to the widest, joined as ACLED does:
    "National-International"."""
    scales = {source_scale(source, incident_country) for source in sources}
    return "-".join(scale for scale in SOURCE_SCALES if scale in scales)


@lru_cache(maxsize=512)
def _country(alpha_3: str) -> tuple[str, str]:
    """(numeric ISO code, English name) of an ISO 3166-1 alpha-3 code; the code itself if pycountry lacks it."""
    country = pycountry.countries.get(alpha_3=alpha_3)
    if country is None:
        return "", alpha_3
    return str(int(country.numeric)), country.name


def acled_sides(participants: list[dict]) -> tuple[list[dict], list[dict]]:
    """Side A and side B: the side given, else perpetrators on side A and everyone else on side B."""
    side_a, side_b = [], []
    for part in participants:
        side = part["side"] or (Side.A if part["role"] == ParticipantRole.PERPETRATOR else Side.B)
        (side_a if side == Side.A else side_b).append(part)
    return side_a, side_b


def acled_interaction(inter1: int | str, inter2: int | str) -> int | str:
    """ACLED's two-digit code: the two actor types, lower first; one actor alone is its type times ten."""
    codes = sorted(code for code in (inter1, inter2) if code != "")
    if not codes:
        return ""
    return codes[0] * 10 + (codes[1] if len(codes) > 1 else 0)


def acled_rows(queryset) -> Iterator[list]:
    for row, participants, sources in incident_rows(queryset, IMPORTED_FIELDS):
        side_a, side_b = acled_sides(participants)
        actor1, inter1, assoc1 = _acled_side(side_a)
        actor2, inter2, assoc2 = _acled_side(side_b)
        iso, country = _country(row["country"])
        kept = (row["imported_as__data"] or {}) if row["imported_as__kind"] == ImportKind.ACLED else None
        region = ACLED_REGIONS.get(row["country"], "")
        if kept is not None and kept.get("iso") == iso:
            # Still in the country ACLED gave: its own spelling ("Democratic Republic of Congo"), not ISO's.
            country, region = kept.get("country", country), kept.get("region", region)
        source, scale = _acled_source(row, sources, kept)
        start: datetime.date = row["start_date"]
        yield [
            row["imported_as__external_id"] if kept is not None else row["code"],
            start.isoformat(),
            start.year,
            ACLED_TIME_PRECISION.get(row["date_precision"], 3),
            (kept or {}).get("disorder_type") or acled_disorder_type(row["event_type"], row["sub_event_type"]),
            row["event_type"],
            row["sub_event_type"],
            actor1,
            assoc1,
            inter1,
            actor2,
            assoc2,
            inter2,
            acled_interaction(inter1, inter2),
            "Civilian targeting" if row["civilian_targeting"] else "",
            iso,
            region,
            country,
            row["admin1"],
            row["admin2"],
            row["admin3"],
            row["location_name"],
            _text(row["latitude"]),
            _text(row["longitude"]),
            row["geo_precision"],
            source,
            scale,
            row["notes"],
            row["fatalities_best"],
            (kept or {}).get("tags", ""),  # ACLED's own tags only: see the module's docstring
            int(row["updated_at"].timestamp()),
        ]


def acled_disorder_type(event_type: str, sub_event_type: str) -> str:
    # ACLED counts excessive force against protesters as both: state violence, at a demonstration.
    if sub_event_type == SubEventType.EXCESSIVE_FORCE:
        return "Political violence; Demonstrations"
    return ACLED_DISORDER_TYPES.get(event_type, "")


def _acled_source(row: dict, sources: list[dict], kept: dict | None) -> tuple[str, str]:
    """`source` and `source_scale`: the sources' labels and scales; for an ACLED import, ACLED's own source text
    and scale in place of "ACLED", then whatever was cited here since."""
    if kept is None:
        return "; ".join(source["label"] for source in sources), acled_source_scale(sources, row["country"])
    imported = row["imported_as__document__author"] or ""
    named = {part.strip().casefold() for part in imported.split(";")}
    others = [
        source
        for source in sources
        if source["id"] != row["imported_as__document__source_id"] and source["label"].casefold() not in named
    ]
    labels = [imported] if imported else []
    # ACLED's scale as ACLED wrote it (with its Subnational and Local partner), then the others' new scales.
    scales = [scale for scale in kept.get("source_scale", "").split("-") if scale]
    added = {source_scale(source, row["country"]) for source in others} - set(scales)
    scales += [scale for scale in SOURCE_SCALES if scale in added]
    return "; ".join([*labels, *(source["label"] for source in others)]), "-".join(scales)


def _acled_side(side: list[dict]) -> tuple[str, int | str, str]:
    """(actor, its inter code, the associated actors "; "-joined) of one side; blanks for an empty side."""
    if not side:
        return "", "", ""
    first, *others = side
    return (
        first["actor__name"],
        INTER_CODE_OF_KIND.get(first["actor__kind"], ""),
        "; ".join(part["actor__name"] for part in others),
    )


# -- HXL -------------------------------------------------------------------------------------------------------------

# The hashtags of ACLED's columns in the files the Humanitarian Data Exchange publishes; HDX tags no other column
# (time_precision, disorder_type, interaction, civilian_targeting, geo_precision, source_scale, tags).
ACLED_HXL = {
    "event_id_cnty": "#event+code",
    "event_date": "#date+occurred",
    "year": "#date+year",
    "event_type": "#event+type",
    "sub_event_type": "#event+type+sub",
    "actor1": "#group+name+first",
    "assoc_actor_1": "#group+name+first+assoc",
    "inter1": "#group+code+first",
    "actor2": "#group+name+second",
    "assoc_actor_2": "#group+name+second+assoc",
    "inter2": "#group+code+second",
    "iso": "#country+code",
    "region": "#region+name",
    "country": "#country+name",
    "admin1": "#adm1+name",
    "admin2": "#adm2+name",
    "admin3": "#adm3+name",
    "location": "#loc+name",
    "latitude": "#geo+lat",
    "longitude": "#geo+lon",
    "source": "#meta+source",
    "notes": "#description",
    "fatalities": "#affected+killed",
    "timestamp": "#date+epoch",
}
# The hashtags of the GED columns in UCDP's files on HDX (their second row), the others untagged as there.
UCDP_HXL = {
    "year": "#date+year",
    "side_a": "#group+name+first",
    "side_b": "#group+name+second",
    "source_article": "#meta+source",
    "source_headline": "#description",
    "where_coordinates": "#loc+name",
    "adm_1": "#adm1+name",
    "adm_2": "#adm2+name",
    "latitude": "#geo+lat",
    "longitude": "#geo+lon",
    "country": "#country+name",
    "iso3": "#country+code",
    "region": "#region+name",
    "date_start": "#date+start",
    "date_end": "#date+end",
    "best": "#affected+killed",
}


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


def _documents(incident_ids: list[int]) -> dict[int, list[dict]]:
    """Each incident's documents behind claims that were not rejected, each once, oldest first, as GED lists its
    source articles."""
    found = defaultdict(dict)
    for claim in (
        Claim.objects.filter(incident_id__in=incident_ids)
        .exclude(review_status=ReviewStatus.REJECTED)
        .order_by("incident_id", F("document__published_on").asc(nulls_last=True), "document_id")
        .values("incident_id", "document_id", "document__source__name", "document__published_on", "document__title")
    ):
        found[claim["incident_id"]].setdefault(
            claim["document_id"],
            {
                "office": claim["document__source__name"],
                "date": _iso_date(claim["document__published_on"]),
                "headline": claim["document__title"],
            },
        )
    return {incident: list(documents.values()) for incident, documents in found.items()}


def _ucdp_incidents(queryset) -> Iterator[tuple[dict, list[dict], list[dict], list[dict]]]:
    """(incident, participants, killed records, documents), three queries per chunk of incidents."""
    for chunk in _chunks(queryset.values(*PAGE_FIELDS, *IMPORTED_FIELDS[:2]).iterator(chunk_size=CHUNK_SIZE)):
        ids = [row["id"] for row in chunk]
        participants, killed, documents = _participants(ids), _killed(ids), _documents(ids)
        for row in chunk:
            yield row, participants.get(row["id"], []), killed.get(row["id"], []), documents.get(row["id"], [])


def _quoted(text: str) -> str:
    return '"' + text.replace('"', "'") + '"'


def ucdp_rows(queryset) -> Iterator[list]:
    for row, participants, killed, documents in _ucdp_incidents(queryset):
        side_a, side_b = (", ".join(part["actor__name"] for part in side) for side in acled_sides(participants))
        if not side_b and row["violence_type"] == ViolenceType.ONE_SIDED:
            side_b = "Civilians"
        start, end = ucdp_period(row["start_date"], row["end_date"], row["date_precision"])
        located = row["latitude"] is not None and row["longitude"] is not None
        deaths = ucdp_deaths(killed)
        yield [
            row["imported_as__external_id"] if row["imported_as__kind"] == ImportKind.UCDP else row["code"],
            start.year,
            _text(row["violence_type"]),
            f"{side_a} - {side_b}" if side_a and side_b else side_a or side_b,
            side_a,
            side_b,
            len(documents),
            ";".join(_quoted(",".join((doc["office"], doc["date"], doc["headline"]))) for doc in documents),
            ";".join(doc["office"] for doc in documents),
            ";".join(doc["date"] for doc in documents),
            ";".join(doc["headline"] for doc in documents),
            ucdp_where_prec(row),
            row["location_name"] or row["admin2"] or row["admin1"],
            row["admin1"],
            row["admin2"],
            _text(row["latitude"]),
            _text(row["longitude"]),
            f"POINT ({row['longitude']:f} {row['latitude']:f})" if located else "",
            priogrid_gid(row["latitude"], row["longitude"]) if located else "",
            _country(row["country"])[1],
            row["country"],
            UCDP_REGIONS.get(row["country"], ""),
            ucdp_date_prec(start, end),
            start.isoformat(),
            end.isoformat(),
            deaths["deaths_a"],
            deaths["deaths_b"],
            deaths["deaths_civilians"],
            deaths["deaths_unknown"],
            row["fatalities_best"],
            row["fatalities_high"],
            row["fatalities_low"],
        ]


# -- GeoJSON ---------------------------------------------------------------------------------------------------------


# The incident's columns a feature carries as they are; dates are written as ISO text, coordinates as geometry.
GEOJSON_COLUMNS = (
    "code",
    "title",
    "notes",
    "status",
    "date_precision",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location_name",
    "geo_precision",
    "event_type",
    "sub_event_type",
    "violence_type",
    "civilian_targeting",
    "fatalities_low",
    "fatalities_best",
    "fatalities_high",
)


def geojson_chunks(queryset, detail_url_prefix: str) -> Iterator[str]:
    """A FeatureCollection, one feature per incident, as the list has them: a Point where the incident has
    coordinates, and a null geometry (an unlocated feature, RFC 7946 3.2) where it has none, so that an export
    holds every incident the filters match and a map can still count them."""
    yield '{"type": "FeatureCollection", "features": ['
    separator = ""
    for row, participants, sources in incident_rows(queryset):
        located = row["latitude"] is not None and row["longitude"] is not None
        feature = {
            "type": "Feature",
            "id": row["code"],
            "geometry": (
                {"type": "Point", "coordinates": [float(row["longitude"]), float(row["latitude"])]} if located else None
            ),
            "properties": {
                **{name: row[name] for name in GEOJSON_COLUMNS},
                "start_date": _iso_date(row["start_date"]),
                "end_date": _iso_date(row["end_date"]),
                "perpetrators": _name_list(participants, ParticipantRole.PERPETRATOR),
                "targets": _name_list(participants, ParticipantRole.TARGET),
                "other_actors": _name_list(participants, ParticipantRole.OTHER),
                "sources": [source["name"] for source in sources],
                "published_at": _iso_datetime(row["published_at"]) or None,
                "updated_at": _iso_datetime(row["updated_at"]),
                "url": f"{detail_url_prefix}{row['code']}/",
            },
        }
        yield separator + json.dumps(feature, ensure_ascii=False)
        separator = ", "
    yield "]}"


# -- the response ----------------------------------------------------------------------------------------------------


def export_response(export_format: str, queryset, detail_url_prefix: str) -> StreamingHttpResponse:
    """The streaming response of one export format over an already filtered, visibility-checked queryset."""
    stamp = datetime.date.today().strftime("%Y%m%d")
    if export_format == "geojson":
        content, content_type, filename = (
            geojson_chunks(queryset, detail_url_prefix),
            "application/geo+json",
            f"incidents-{stamp}.geojson",
        )
    else:
        columns, rows, hashtags = {
            "acled": (ACLED_COLUMNS, acled_rows, None),
            "acled-hxl": (ACLED_COLUMNS, acled_rows, ACLED_HXL),
            "ucdp": (UCDP_COLUMNS, ucdp_rows, None),
            "ucdp-hxl": (UCDP_COLUMNS, ucdp_rows, UCDP_HXL),
        }.get(export_format, (CSV_COLUMNS, csv_rows, None))
        content = _csv_lines(columns, rows(queryset), hashtags)
        name = "incidents" if export_format == "csv" else f"incidents-{export_format}"
        content_type, filename = "text/csv; charset=utf-8", f"{name}-{stamp}.csv"
    response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
