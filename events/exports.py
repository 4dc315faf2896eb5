"""Incident exports: CSV, ACLED-compatible CSV and GeoJSON, streamed row by row in bounded memory.

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
- `tags`: always blank. ACLED's tags record details we do not collect (crowd sizes, women targeted as such,
  local administrators, armed presence...); deriving them from other fields would invent data.
"""

import csv
import datetime
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import islice

import pycountry
from django.conf import settings
from django.http import StreamingHttpResponse
from django.utils import timezone
from rest_framework.renderers import BaseRenderer

from actors.choices import ACLED_INTER_CODES
from sources.choices import ReviewStatus, SourceKind
from sources.models import Claim

from .api.listing import PAGE_FIELDS
from .choices import DatePrecision, EventType, ParticipantRole, Side
from .models import IncidentParticipant

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


EXPORT_RENDERERS = (CSVRenderer, ACLEDRenderer, GeoJSONRenderer)
EXPORT_FORMATS = tuple(renderer.format for renderer in EXPORT_RENDERERS)


# -- reading ---------------------------------------------------------------------------------------------------------

# Perpetrators first, then others, then targets; ties in the order they were entered.
ROLE_ORDER = {ParticipantRole.PERPETRATOR: 0, ParticipantRole.OTHER: 1, ParticipantRole.TARGET: 2}


def _chunks(rows: Iterable[dict]) -> Iterator[list[dict]]:
    rows = iter(rows)
    while chunk := list(islice(rows, CHUNK_SIZE)):
        yield chunk


def incident_rows(queryset) -> Iterator[tuple[dict, list[dict], list[dict]]]:
    """(incident, its participants, its sources) for every incident of the queryset, in its order, in bounded
    memory."""
    for chunk in _chunks(queryset.values(*PAGE_FIELDS).iterator(chunk_size=CHUNK_SIZE)):
        ids = [row["id"] for row in chunk]
        participants = defaultdict(list)
        for participant in (
            IncidentParticipant.objects.filter(incident_id__in=ids)
            .order_by("incident_id", "id")
            .values("incident_id", "role", "side", "actor__name", "actor__kind")
        ):
            participants[participant["incident_id"]].append(participant)
        sources = _sources(ids)
        for row in chunk:
            yield (
                row,
                sorted(participants[row["id"]], key=lambda part: ROLE_ORDER.get(part["role"], 1)),
                sources.get(row["id"], []),
            )


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


def _csv_lines(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
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
    for row, participants, sources in incident_rows(queryset):
        side_a, side_b = acled_sides(participants)
        actor1, inter1, assoc1 = _acled_side(side_a)
        actor2, inter2, assoc2 = _acled_side(side_b)
        iso, country = _country(row["country"])
        start: datetime.date = row["start_date"]
        yield [
            row["code"],
            start.isoformat(),
            start.year,
            ACLED_TIME_PRECISION.get(row["date_precision"], 3),
            ACLED_DISORDER_TYPES.get(row["event_type"], ""),
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
            ACLED_REGIONS.get(row["country"], ""),
            country,
            row["admin1"],
            row["admin2"],
            row["admin3"],
            row["location_name"],
            _text(row["latitude"]),
            _text(row["longitude"]),
            row["geo_precision"],
            "; ".join(source["label"] for source in sources),
            acled_source_scale(sources, row["country"]),
            row["notes"],
            row["fatalities_best"],
            "",  # tags: see the module's docstring
            int(row["updated_at"].timestamp()),
        ]


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


# -- GeoJSON ---------------------------------------------------------------------------------------------------------


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
                "code": row["code"],
                "title": row["title"],
                "notes": row["notes"],
                "status": row["status"],
                "start_date": _iso_date(row["start_date"]),
                "end_date": _iso_date(row["end_date"]),
                "date_precision": row["date_precision"],
                "country": row["country"],
                "admin1": row["admin1"],
                "admin2": row["admin2"],
                "admin3": row["admin3"],
                "location_name": row["location_name"],
                "geo_precision": row["geo_precision"],
                "event_type": row["event_type"],
                "sub_event_type": row["sub_event_type"],
                "violence_type": row["violence_type"],
                "civilian_targeting": row["civilian_targeting"],
                "fatalities_low": row["fatalities_low"],
                "fatalities_best": row["fatalities_best"],
                "fatalities_high": row["fatalities_high"],
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
    elif export_format == "acled":
        content = _csv_lines(ACLED_COLUMNS, acled_rows(queryset))
        content_type, filename = "text/csv; charset=utf-8", f"incidents-acled-{stamp}.csv"
    else:
        content = _csv_lines(CSV_COLUMNS, csv_rows(queryset))
        content_type, filename = "text/csv; charset=utf-8", f"incidents-{stamp}.csv"
    response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
