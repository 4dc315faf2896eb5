"""What the exports written by PostgreSQL share with Python: the columns an incident's import kept, and the
countries' ISO codes and names every export writes."""

import json
from functools import lru_cache

from conflict_tracker.countries import countries

# What an incident's import kept, read with the incident (one LEFT JOIN, no query of its own): the event's key, the
# source's columns (ImportedEvent.data), its version in the source, and the incident's version the import wrote
# (the same as the incident's while nobody has edited it here).
IMPORTED_FIELDS = (
    "imported_as__kind",
    "imported_as__external_id",
    "imported_as__data",
    "imported_as__source_version",
    "imported_as__incident_version",
)
# The import's document (a second LEFT JOIN): its author holds ACLED's own source text.
IMPORTED_DOCUMENT_FIELDS = ("imported_as__document__author", "imported_as__document__source_id")


@lru_cache(maxsize=512)
def _country(alpha_3: str) -> tuple[str, str]:
    """(numeric ISO code, English name) of an ISO 3166-1 alpha-3 code; the code itself if pycountry lacks it."""
    country = countries.get(alpha_3=alpha_3)
    if country is None:
        return "", alpha_3
    return str(int(country.numeric)), country.name


def countries_sql() -> str:
    """The SQL of a JSON object giving [numeric ISO code, English name] of each ISO 3166-1 alpha-3 code, as _country
    gives them."""
    codes = {country.alpha_3: _country(country.alpha_3) for country in countries}
    return "'" + json.dumps(codes).replace("'", "''") + "'::jsonb"
