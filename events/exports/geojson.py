"""The GeoJSON export (`format=geojson`): a FeatureCollection of the incidents, one feature each."""

import json
from collections.abc import Iterator

from ..choices import ParticipantRole
from ..columns import export_cells
from .rows import _name_list, incident_rows

# -- GeoJSON ---------------------------------------------------------------------------------------------------------


# A feature's properties, in their order: the incident's columns it carries as they are (events/columns.py; dates as
# ISO text; the coordinates are the geometry), its actors by role, its sources and its page's URL.
GEOJSON_PROPERTIES = (
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
    "start_date",
    "end_date",
    "perpetrators",
    "targets",
    "other_actors",
    "sources",
    "published_at",
    "updated_at",
    "url",
)


def geojson_chunks(queryset, detail_url_prefix: str, reader) -> Iterator[str]:
    """A FeatureCollection, one feature per incident, as the list has them: a Point where the incident has
    coordinates, and a null geometry (an unlocated feature, RFC 7946 3.2) where it has none, so that an export
    holds every incident the filters match and a map can still count them."""
    yield '{"type": "FeatureCollection", "features": ['
    separator = ""
    for row, participants, sources in incident_rows(queryset, reader):
        located = row["latitude"] is not None and row["longitude"] is not None
        properties = {
            **export_cells(row, "geojson"),
            "perpetrators": _name_list(participants, ParticipantRole.PERPETRATOR),
            "targets": _name_list(participants, ParticipantRole.TARGET),
            "other_actors": _name_list(participants, ParticipantRole.OTHER),
            "sources": [source["name"] for source in sources],
            "url": f"{detail_url_prefix}{row['code']}/",
        }
        feature = {
            "type": "Feature",
            "id": row["code"],
            "geometry": (
                {"type": "Point", "coordinates": [float(row["longitude"]), float(row["latitude"])]} if located else None
            ),
            "properties": {name: properties[name] for name in GEOJSON_PROPERTIES},
        }
        yield separator + json.dumps(feature, ensure_ascii=False)
        separator = ", "
    yield "]}"
