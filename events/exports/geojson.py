"""The GeoJSON export (`format=geojson`): a FeatureCollection of the incidents, one feature each."""

from ..columns import INCIDENT_VALUES, export_cells_sql
from .harms import HARM_COLUMNS, harm_cells, harms_sql
from .sql import SOURCE_ORDER, incidents_from, json_chunks, literal, participants_sql, sources_sql

# -- GeoJSON ---------------------------------------------------------------------------------------------------------


# A feature's properties, in their order: the incident's columns it carries as they are (events/columns.py; dates as
# ISO text; the coordinates are the geometry), every harm it records (harms.py), its actors by role, its sources and
# its page's URL.
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
    *HARM_COLUMNS,
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


def _number(sql: str) -> str:
    """A coordinate as Python's json writes a float: PostgreSQL's shortest form, with ".0" on a whole number."""
    return f"regexp_replace({sql}::float8::text, '^(-?[0-9]+)$', '\\1.0')"


def geojson_chunks(queryset, detail_url_prefix: str, reader):
    """A FeatureCollection, one feature per incident, as the list has them: a Point where the incident has
    coordinates, and a null geometry (an unlocated feature, RFC 7946 3.2) where it has none, so that an export
    holds every incident the filters match and a map can still count them. Each feature's JSON is written by
    PostgreSQL as Python's json.dumps writes it (", " and ": " between items, keys in their order, no ASCII
    escapes)."""
    properties = {
        **export_cells_sql("geojson"),
        **harm_cells(json=True),
        "perpetrators": "parts.perpetrators",
        "targets": "parts.targets",
        "other_actors": "parts.other_actors",
        "sources": "sources.names",
        "url": f"to_json({literal(detail_url_prefix)} || q.code || '/')::text",
    }
    pairs = " || ', ' || ".join(f"'\"{name}\": ' || {properties[name]}" for name in GEOJSON_PROPERTIES)
    point = f"""'{{"type": "Point", "coordinates": [' || {_number("q.longitude")} || ', ' || {_number("q.latitude")}
        || ']}}'"""
    feature = f"""'{{"type": "Feature", "id": ' || to_json(q.code)::text || ', "geometry": '
        || CASE WHEN q.latitude IS NOT NULL AND q.longitude IS NOT NULL THEN {point} ELSE 'null' END
        || ', "properties": {{' || {pairs} || '}}}}'"""
    names = f"COALESCE('[' || string_agg(to_json(s.name)::text, ', ' ORDER BY {SOURCE_ORDER}) || ']', '[]') AS names"
    from_sql = incidents_from(
        queryset, INCIDENT_VALUES, participants_sql(json=True), harms_sql(), sources_sql(reader, names)
    )
    return json_chunks('{"type": "FeatureCollection", "features": [', feature, ", ", "]}", from_sql)
