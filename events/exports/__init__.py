"""Incident exports: CSV, ACLED-compatible CSV, UCDP GED-style CSV, both of these with HDX's HXL hashtag row,
and GeoJSON, streamed in bounded memory. Exports carry no victim identities: they read neither casualty notes nor
named victims, and the documents' texts they write are read as the reader may see them.

Every format is written by PostgreSQL, one `COPY (SELECT …) TO STDOUT` over the list's own query (`sql`), the
UCDP headlines and an ACLED import's source text with victims' names withheld in SQL (conflict_tracker/redaction.py).

Where each part lives: `sql` the COPY and what the formats share; `plain` the plain CSV, `acled` the
ACLED-compatible CSV, `geojson` the GeoJSON, `ucdp` the UCDP GED-style CSV, `rows` the imports' columns and the
countries' codes, `hxl` the HXL hashtag rows; this module the renderers and the streaming response.
"""

import datetime
import json

from django.http import StreamingHttpResponse
from rest_framework.renderers import BaseRenderer

from .acled import ACLED_COLUMNS, ACLED_REGIONS, acled_chunks, acled_disorder_type
from .geojson import geojson_chunks
from .hxl import ACLED_HXL, UCDP_HXL
from .plain import plain_chunks
from .ucdp import UCDP_COLUMNS, ucdp_chunks

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
    "export_response",
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
    name, content_type = f"incidents-{export_format}", "text/csv; charset=utf-8"
    if export_format == "geojson":
        content = geojson_chunks(queryset, detail_url_prefix, reader)
        content_type, filename = "application/geo+json", f"incidents-{stamp}.geojson"
    elif export_format in ("ucdp", "ucdp-hxl"):
        content = ucdp_chunks(queryset, reader, UCDP_HXL if export_format == "ucdp-hxl" else None)
    elif export_format in ("acled", "acled-hxl"):
        content = acled_chunks(queryset, reader, ACLED_HXL if export_format == "acled-hxl" else None)
    else:
        content, name = plain_chunks(queryset, reader), "incidents"
    if export_format != "geojson":
        filename = f"{name}-{stamp}.csv"
    response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
