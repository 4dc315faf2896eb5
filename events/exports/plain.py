"""The plain CSV export (`format=csv`): the incident's own columns (as the column table gives them,
events/columns.py), its actors by role and its sources."""

from collections.abc import Iterator

from ..choices import ParticipantRole
from ..columns import export_cells
from ..models import INCIDENT_FACTS
from .rows import _names, incident_rows

# -- plain CSV -------------------------------------------------------------------------------------------------------

CSV_COLUMNS = [
    "code",
    "title",
    *INCIDENT_FACTS,
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


def csv_rows(queryset, reader) -> Iterator[dict]:
    for row, participants, sources in incident_rows(queryset, reader):
        yield {
            **export_cells(row, "csv"),
            "perpetrators": _names(participants, ParticipantRole.PERPETRATOR),
            "targets": _names(participants, ParticipantRole.TARGET),
            "other_actors": _names(participants, ParticipantRole.OTHER),
            "sources": "; ".join(source["name"] for source in sources),
        }
