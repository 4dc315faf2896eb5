"""The one owner of how an incident is rendered: a column table per incident part.

Each table lists, in the API's order, the keys of one part as the serializers show it and the SQL of its value, so
that the serializers' fields, the JSON PostgreSQL writes for the list (events/api/listing.py), the renderings stored
for the public (events/rendering.py, whose migrations are checked against this SQL) and the exports' cells all come
from one list. An incident column also names the export columns that carry its value unchanged (`exports`): the
exports write those cells from here, by name, and tests/events/test_columns.py checks that every column shows the
same value in every rendering of a real incident.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import BooleanField, DateField, DateTimeField, DecimalField, IntegerField
from django.utils import timezone

from conflict_tracker.csvcells import formula_safe_sql

from .models import INCIDENT_FACTS, Incident

# The export formats a column can map into; the `-hxl` ones write the same rows as acled and ucdp.
EXPORT_FORMATS = ("csv", "acled", "ucdp", "geojson")


@dataclass(frozen=True)
class Column:
    """One key of a part: its name, the SQL of its JSON value (None: the part's own column of that name), whether
    only staff see it, and the export columns (format -> column) that carry its value as it is."""

    name: str
    sql: str | None = None
    staff_only: bool = False
    exports: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Part:
    """A list of rows under an incident (or under a casualty record): where its rows are and in which order."""

    name: str
    table: str
    alias: str
    parent: str
    order: str
    columns: tuple[Column, ...]
    # More conditions on the rows, e.g. the claims a reader may see.
    where: str = ""

    def names(self, staff: bool = False) -> list[str]:
        return [column.name for column in self.columns if staff or not column.staff_only]

    def json_sql(self, parent: str, staff: bool = False) -> str:
        """Every row of the part under `parent` (SQL of its id) as one JSON array, each object's keys in the table's
        order (json_build_object keeps them; jsonb would sort them); the staff-only columns for staff alone."""
        pairs = ",\n        ".join(
            f"'{column.name}', {column.sql or f'{self.alias}.{column.name}'}"
            for column in self.columns
            if staff or not column.staff_only
        )
        return (
            f"(SELECT COALESCE(json_agg(json_build_object({pairs}) ORDER BY {self.order}), '[]') "
            f"FROM {self.table} {self.alias} WHERE {self.alias}.{self.parent} = {parent}{self.where})"
        )


def _same(*formats: str, **renamed: str) -> dict[str, str]:
    """Export columns of a fact: the formats that name it as we do, and those that rename it."""
    return {**dict.fromkeys(formats, ""), **renamed}


# A record's or a harm's claims, only those its reader may see ({visible_claims}: statement() writes them in).
_LINKED_CLAIMS = """ARRAY(SELECT link.claim_id FROM {table} link
        WHERE link.{key} = {alias}.id AND link.claim_id IN ({{visible_claims}}) ORDER BY link.id)"""

PARTICIPANT = Part(
    name="participants",
    table="events_incidentparticipant",
    alias="p",
    parent="incident_id",
    order="p.side, p.id",
    columns=(
        Column("id"),
        Column("actor", "p.actor_id"),
        Column("actor_name", "(SELECT a.name FROM actors_actor a WHERE a.id = p.actor_id)"),
        Column("role"),
        Column("side"),
        Column("attribution"),
    ),
)
NAMED_VICTIM = Part(
    name="named_victims",
    table="events_namedvictim",
    alias="v",
    parent="casualty_record_id",
    order="v.name, v.id",
    columns=tuple(Column(name) for name in ("id", "name", "sex", "age", "age_band", "community", "fate")),
)
CASUALTY_RECORD = Part(
    name="casualty_records",
    table="events_casualtyrecord",
    alias="r",
    parent="incident_id",
    order="r.harm, r.victim_status, r.id",
    columns=(
        *(
            Column(name)
            for name in (
                "id",
                "harm",
                "victim_status",
                "count_low",
                "count_best",
                "count_high",
                "children",
                "women",
                "elderly",
            )
        ),
        Column(
            "perpetrators",
            """ARRAY(SELECT perpetrator.actor_id FROM events_casualtyperpetrator link
        JOIN events_incidentparticipant perpetrator ON perpetrator.id = link.participant_id
        WHERE link.casualty_record_id = r.id ORDER BY link.id)""",
        ),
        Column("claims", _LINKED_CLAIMS.format(table="events_casualtyclaim", key="casualty_record_id", alias="r")),
        # Staff only: the note may say who the victims were. For anyone else neither is even read.
        Column("note", staff_only=True),
        Column("named_victims", NAMED_VICTIM.json_sql("r.id"), staff_only=True),
    ),
)
PROPERTY_HARM = Part(
    name="property_harms",
    table="events_propertyharm",
    alias="h",
    parent="incident_id",
    order="h.kind, h.id",
    columns=(
        *(Column(name) for name in ("id", "kind", "harm", "count_low", "count_best", "count_high", "note")),
        Column("claims", _LINKED_CLAIMS.format(table="events_propertyharmclaim", key="property_harm_id", alias="h")),
    ),
)
INCIDENT_CLAIM = Part(
    name="claims",
    table="sources_claim",
    alias="c",
    parent="incident_id",
    order="c.id",
    where=" AND c.id IN ({visible_claims})",
    columns=(Column("id"), Column("document", "c.document_id"), Column("review_status")),
)
# An incident merging the records of one event (events.services.merges): each record as its dataset gives it, with
# its figures and its claims, on which the incident's records rest.
MERGED_RECORD = Part(
    name="merged_records",
    table="events_incident",
    alias="m",
    parent="merged_into_id",
    order="m.id",
    columns=(
        *(
            Column(name)
            for name in ("code", "datasets", "external_ids", "fatalities_low", "fatalities_best", "fatalities_high")
        ),
        Column("claims", INCIDENT_CLAIM.json_sql("m.id")),
    ),
)
PARTS = (PARTICIPANT, CASUALTY_RECORD, PROPERTY_HARM, INCIDENT_CLAIM, MERGED_RECORD)

# The incident's own facts and where each export writes them unchanged.
_FACT_EXPORTS = {
    "start_date": _same("csv", "geojson", acled="event_date"),
    "end_date": _same("csv", "geojson"),
    "date_precision": _same("csv", "geojson"),
    "country": _same("csv", "geojson", ucdp="iso3"),
    "admin1": _same("csv", "acled", "geojson", ucdp="adm_1"),
    "admin2": _same("csv", "acled", "geojson", ucdp="adm_2"),
    "admin3": _same("csv", "acled", "geojson"),
    "location_name": _same("csv", "geojson", acled="location"),
    "latitude": _same("csv", "acled", "ucdp"),
    "longitude": _same("csv", "acled", "ucdp"),
    "geo_precision": _same("csv", "acled", "geojson"),
    "event_type": _same("csv", "acled", "geojson"),
    "sub_event_type": _same("csv", "acled", "geojson"),
    "violence_type": _same("csv", "geojson", ucdp="type_of_violence"),
    "civilian_targeting": _same("csv", "geojson"),
}
INCIDENT = Part(
    name="incident",
    table="events_incident",
    alias="i",
    parent="id",
    order="i.id",
    columns=(
        Column("code", exports=_same("csv", "geojson")),
        Column("title", exports=_same("csv", "geojson")),
        Column("notes", exports=_same("csv", "acled", "geojson")),
        Column("status", exports=_same("csv", "geojson")),
        Column("datasets"),
        Column("external_ids"),
        *(Column(name, exports=_FACT_EXPORTS[name]) for name in INCIDENT_FACTS),
        Column("fatalities_low", exports=_same("csv", "geojson", ucdp="low")),
        Column("fatalities_best", exports=_same("csv", "geojson", acled="fatalities", ucdp="best")),
        Column("fatalities_high", exports=_same("csv", "geojson", ucdp="high")),
        *(Column(part.name) for part in PARTS),
        Column("version"),
        Column("published_at", exports=_same("csv", "geojson")),
        Column("updated_at", exports=_same("csv", "geojson")),
    ),
)
PART_NAMES = tuple(part.name for part in PARTS)
# The incident's own columns (not its parts), as the exports read them with values(), after its id.
INCIDENT_VALUES = ("id", *(name for name in INCIDENT.names() if name not in PART_NAMES))

# -- SQL: the incident `i` as one JSON object ------------------------------------------------------------------------

# A datetime as DRF writes it: in the current time zone (`zone.name`), ISO 8601 with microseconds only when there are
# some, and the offset written Z when it is zero. Percent signs are doubled for the parameter binding.
_DATETIME_SQL = """CASE WHEN {c} IS NOT NULL THEN
        to_char({c} AT TIME ZONE zone.name, CASE WHEN date_part('microseconds', {c})::bigint %% 1000000 = 0
            THEN 'YYYY-MM-DD"T"HH24:MI:SS' ELSE 'YYYY-MM-DD"T"HH24:MI:SS.US' END)
        || (SELECT CASE WHEN offset_seconds = 0 THEN 'Z' ELSE
                CASE WHEN offset_seconds < 0 THEN '-' ELSE '+' END
                || lpad((abs(offset_seconds) / 3600)::text, 2, '0') || ':'
                || lpad((abs(offset_seconds) %% 3600 / 60)::text, 2, '0')
                || CASE WHEN abs(offset_seconds) %% 60 = 0 THEN ''
                    ELSE ':' || lpad((abs(offset_seconds) %% 60)::text, 2, '0') END
            END
            FROM (SELECT date_part('epoch', ({c} AT TIME ZONE zone.name) - ({c} AT TIME ZONE 'UTC'))::int
                AS offset_seconds) o)
    END"""


_PART = {part.name: part for part in PARTS}


def _incident_column_sql(column: Column, staff: bool) -> str:
    """An incident column as the serializer writes it: a part as its JSON array, a date as YYYY-MM-DD (JSON's own
    rendering of a date), a decimal as a string with the field's decimal places (its column's scale), a datetime by
    _DATETIME_SQL."""
    if column.name in _PART:
        return _PART[column.name].json_sql("i.id", staff)
    model_field = Incident._meta.get_field(column.name)
    sql = f'i."{model_field.column}"'
    if isinstance(model_field, DecimalField):
        return f"{sql}::text"
    if isinstance(model_field, DateTimeField):
        return _DATETIME_SQL.format(c=sql)
    return sql


def incident_object_sql(staff: bool) -> str:
    """The incident `i` as one JSON object, as the serializers render it for staff or for anyone else, its times in
    the time zone `zone.name`; {visible_claims} stands for the SQL of the claims its reader may see."""
    pairs = ",\n    ".join(f"'{column.name}', {_incident_column_sql(column, staff)}" for column in INCIDENT.columns)
    return f"json_build_object({pairs})"


# -- exports: the cells each format takes from the table --------------------------------------------------------------


def iso_datetime(value: datetime.datetime | None) -> str | None:
    """As the JSON list writes it: in the current time zone, ISO 8601, UTC written as Z."""
    if value is None:
        return None
    if settings.USE_TZ:
        value = value.astimezone(timezone.get_current_timezone())
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _json_value(value):
    """A value of values() as the exports' JSON (GeoJSON) writes it."""
    if isinstance(value, datetime.datetime):
        return iso_datetime(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _csv_value(value):
    """A value of values() as a CSV cell: blank for none, dates in ISO 8601, booleans as true or false."""
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return str(value)
    return _json_value(value)


_EXPORTED = {
    export_format: tuple(
        (column.name, column.exports[export_format] or column.name)
        for column in INCIDENT.columns
        if export_format in column.exports
    )
    for export_format in EXPORT_FORMATS
}


def export_cells(row: dict, export_format: str) -> dict:
    """The cells of `row` (an incident's values()) that `export_format` takes unchanged from the table, by its
    column names."""
    value = _json_value if export_format == "geojson" else _csv_value
    return {exported: value(row[name]) for name, exported in _EXPORTED[export_format]}


def _export_cell_sql(name: str, json: bool) -> str:
    """The incident column `name` of `q` as the exports write it: CSV text (formula-safe when text; NULL for a
    blank cell) or JSON text, as export_cells writes them from values(). Datetimes in the time zone `zone.name`."""
    model_field = Incident._meta.get_field(name)
    sql = f'q."{name}"'
    if isinstance(model_field, DateTimeField):
        # Written for a COPY, which takes no parameters: its percent signs are single.
        sql = _DATETIME_SQL.format(c=sql).replace("%%", "%")
    elif isinstance(model_field, DateField):
        sql = f"to_char({sql}, 'YYYY-MM-DD')"
    if json:
        return f"COALESCE(to_json({sql})::text, 'null')"
    if isinstance(model_field, BooleanField):
        return f"CASE WHEN {sql} THEN 'true' WHEN NOT {sql} THEN 'false' END"
    if isinstance(model_field, DateField | DecimalField | IntegerField):
        return f"{sql}::text"
    return formula_safe_sql(sql)


def export_cells_sql(export_format: str) -> dict[str, str]:
    """The SQL of the cells `export_format` takes unchanged from the table, by its column names, over the incident's
    values() in the subquery `q` (events/exports/sql.py)."""
    return {exported: _export_cell_sql(name, export_format == "geojson") for name, exported in _EXPORTED[export_format]}
