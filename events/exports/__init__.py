"""Incident exports: CSV, ACLED-compatible CSV, UCDP GED-style CSV, both of these with HDX's HXL hashtag row,
and GeoJSON, streamed row by row in bounded memory.

Each export reads the filtered incidents with `values()` through a server-side cursor, `CHUNK_SIZE` rows at a
time, then two queries per chunk: the participants with their actors, and the sources of the incidents' claims.
Memory stays bounded and the number of queries grows with the chunks, never with the rows. Exports carry no victim
identities: they read neither casualty notes nor named victims.

Where each part lives: `rows` reads the incidents, their participants and sources and holds the CSV helpers every
format shares; `plain` the plain CSV, `acled` the ACLED-compatible CSV, `ucdp` the UCDP GED-style CSV, `hxl` the
HXL hashtag rows of both, `geojson` the GeoJSON; this module the renderers and the streaming response.
"""

import datetime
import json

from django.http import StreamingHttpResponse
from rest_framework.renderers import BaseRenderer

from .acled import ACLED_COLUMNS, ACLED_REGIONS, acled_disorder_type, acled_rows, acled_source_scale, source_scale
from .geojson import geojson_chunks
from .hxl import ACLED_HXL, UCDP_HXL
from .plain import CSV_COLUMNS, csv_rows
from .rows import _csv_lines
from .ucdp import UCDP_COLUMNS, priogrid_gid, ucdp_date_prec, ucdp_period, ucdp_rows

__all__ = [
    "ACLED_COLUMNS",
    "ACLED_REGIONS",
    "EXPORT_FORMATS",
    "EXPORT_RENDERERS",
    "UCDP_COLUMNS",
    "ACLEDHXLRenderer",
    "ACLEDRenderer",
    "CSVRenderer",
    "ExportRenderer",
    "GeoJSONRenderer",
    "UCDPHXLRenderer",
    "UCDPRenderer",
    "acled_disorder_type",
    "acled_source_scale",
    "export_response",
    "priogrid_gid",
    "source_scale",
    "ucdp_date_prec",
    "ucdp_period",
]


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

# -- the response ----------------------------------------------------------------------------------------------------


def export_response(export_format: str, queryset, detail_url_prefix: str, reader) -> StreamingHttpResponse:
    """The streaming response of one export format over an already filtered, visibility-checked queryset; the
    evidence each row cites (sources, documents) is what `reader` may see of it."""
    stamp = datetime.date.today().strftime("%Y%m%d")
    if export_format == "geojson":
        content, content_type, filename = (
            geojson_chunks(queryset, detail_url_prefix, reader),
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
        content = _csv_lines(columns, rows(queryset, reader), hashtags)
        name = "incidents" if export_format == "csv" else f"incidents-{export_format}"
        content_type, filename = "text/csv; charset=utf-8", f"{name}-{stamp}.csv"
    response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
