"""The GeoJSON export (`format=geojson`): a FeatureCollection of the incidents, one feature each."""

import json
from collections.abc import Iterator

from ..choices import ParticipantRole
from .rows import _iso_date, _iso_datetime, _name_list, incident_rows

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


def geojson_chunks(queryset, detail_url_prefix: str, reader) -> Iterator[str]:
    """A FeatureCollection, one feature per incident, as the list has them: a Point where the incident has
    coordinates, and a null geometry (an unlocated feature, RFC 7946 3.2) where it has none, so that an export
    holds every incident the filters match and a map can still count them."""
    yield '{"type": "FeatureCollection", "features": ['
    separator = ""
    for row, participants, sources in incident_rows(queryset, reader):
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
