"""The plain CSV export (`format=csv`): the incident's own columns, its actors by role and its sources."""

from collections.abc import Iterator

from ..choices import ParticipantRole
from ..models import INCIDENT_FACTS
from .rows import _iso_date, _iso_datetime, _names, _text, incident_rows

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


def csv_rows(queryset, reader) -> Iterator[list]:
    for row, participants, sources in incident_rows(queryset, reader):
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
