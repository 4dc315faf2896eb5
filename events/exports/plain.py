"""The plain CSV export (`format=csv`): the incident's own columns (as the column table gives them,
events/columns.py), every harm it records (harms.py), its actors by role and its sources."""

from ..columns import INCIDENT_VALUES, export_cells_sql
from ..models import INCIDENT_FACTS
from .harms import HARM_COLUMNS, harm_cells, harms_sql
from .sql import SOURCE_ORDER, csv_chunks, incidents_from, participants_sql, sources_sql, text

# -- plain CSV -------------------------------------------------------------------------------------------------------

CSV_COLUMNS = [
    "code",
    "title",
    *INCIDENT_FACTS,
    "fatalities_low",
    "fatalities_best",
    "fatalities_high",
    *HARM_COLUMNS,
    "status",
    "perpetrators",
    "targets",
    "other_actors",
    "sources",
    "notes",
    "published_at",
    "updated_at",
]


def plain_chunks(queryset, reader):
    cells = {
        **export_cells_sql("csv"),
        **harm_cells(json=False),
        "perpetrators": text("parts.perpetrators"),
        "targets": text("parts.targets"),
        "other_actors": text("parts.other_actors"),
        "sources": text("sources.names"),
    }
    from_sql = incidents_from(
        queryset,
        INCIDENT_VALUES,
        participants_sql(),
        harms_sql(),
        sources_sql(reader, f"string_agg(s.name, '; ' ORDER BY {SOURCE_ORDER}) AS names"),
    )
    return csv_chunks(CSV_COLUMNS, None, cells, from_sql)
