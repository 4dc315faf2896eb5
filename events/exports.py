"""Incident exports: CSV, ACLED-compatible CSV and GeoJSON, streamed row by row in bounded memory.

Each export reads the filtered incidents with `values()` through a server-side cursor, `CHUNK_SIZE` rows at a
time, and the participants' actors with one query per chunk: memory stays bounded and the number of queries does
not grow with the page, whatever the size of the export. Exports carry no victim identities: they read neither
casualty notes nor named victims.
"""

import csv
import datetime
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import islice

import pycountry
from django.http import StreamingHttpResponse
from rest_framework.renderers import BaseRenderer

from actors.choices import ACLED_INTER_CODES

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

INCIDENT_FIELDS = (
    "id",
    "code",
    "title",
    "notes",
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
    "civilian_targeting",
    "fatalities_low",
    "fatalities_best",
    "fatalities_high",
    "status",
    "updated_at",
)
# Perpetrators first, then others, then targets; ties in the order they were entered.
ROLE_ORDER = {ParticipantRole.PERPETRATOR: 0, ParticipantRole.OTHER: 1, ParticipantRole.TARGET: 2}


def _chunks(rows: Iterable[dict]) -> Iterator[list[dict]]:
    rows = iter(rows)
    while chunk := list(islice(rows, CHUNK_SIZE)):
        yield chunk


def incident_rows(queryset) -> Iterator[tuple[dict, list[dict]]]:
    """(incident, its participants) for every incident of the queryset, in its order, in bounded memory."""
    for chunk in _chunks(queryset.values(*INCIDENT_FIELDS).iterator(chunk_size=CHUNK_SIZE)):
        participants = defaultdict(list)
        for participant in (
            IncidentParticipant.objects.filter(incident_id__in=[row["id"] for row in chunk])
            .order_by("incident_id", "id")
            .values("incident_id", "role", "side", "actor__name", "actor__kind")
        ):
            participants[participant["incident_id"]].append(participant)
        for row in chunk:
            yield row, sorted(participants[row["id"]], key=lambda part: ROLE_ORDER.get(part["role"], 1))


def _names(participants: list[dict], role: str) -> str:
    return "; ".join(part["actor__name"] for part in participants if part["role"] == role)


def _iso_date(value) -> str:
    return value.isoformat() if value else ""


def _text(value) -> str:
    return "" if value is None else str(value)


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
    "civilian_targeting",
    "fatalities_low",
    "fatalities_best",
    "fatalities_high",
    "status",
    "perpetrators",
    "targets",
    "other_actors",
]


def csv_rows(queryset) -> Iterator[list]:
    for row, participants in incident_rows(queryset):
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
            "true" if row["civilian_targeting"] else "false",
            row["fatalities_low"],
            row["fatalities_best"],
            row["fatalities_high"],
            row["status"],
            _names(participants, ParticipantRole.PERPETRATOR),
            _names(participants, ParticipantRole.TARGET),
            _names(participants, ParticipantRole.OTHER),
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
    for row, participants in incident_rows(queryset):
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
            "",
            country,
            row["admin1"],
            row["admin2"],
            row["admin3"],
            row["location_name"],
            _text(row["latitude"]),
            _text(row["longitude"]),
            row["geo_precision"],
            "",
            "",
            row["notes"],
            row["fatalities_best"],
            "",
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
    """A FeatureCollection, one Point feature per incident with coordinates; the others are counted in
    `skipped_without_coordinates` (a foreign member, which GeoJSON allows)."""
    yield '{"type": "FeatureCollection", "features": ['
    skipped = 0
    separator = ""
    for row, _participants in incident_rows(queryset):
        if row["latitude"] is None or row["longitude"] is None:
            skipped += 1
            continue
        feature = {
            "type": "Feature",
            "id": row["code"],
            "geometry": {"type": "Point", "coordinates": [float(row["longitude"]), float(row["latitude"])]},
            "properties": {
                "code": row["code"],
                "title": row["title"],
                "start_date": _iso_date(row["start_date"]),
                "end_date": _iso_date(row["end_date"]),
                "date_precision": row["date_precision"],
                "event_type": row["event_type"],
                "sub_event_type": row["sub_event_type"],
                "fatalities_low": row["fatalities_low"],
                "fatalities_best": row["fatalities_best"],
                "fatalities_high": row["fatalities_high"],
                "url": f"{detail_url_prefix}{row['code']}/",
            },
        }
        yield separator + json.dumps(feature, ensure_ascii=False)
        separator = ", "
    yield f'], "skipped_without_coordinates": {skipped}}}'


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
