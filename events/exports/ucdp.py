"""UCDP GED-style CSV (`format=ucdp`), one row per incident, in GED's columns (all of the current GED's, in its
order), names and codes.

An incident imported from UCDP and not edited here since (its version is still the one the import wrote) is
written as UCDP gave it: every column from the row the import kept (ImportedEvent.data), its dates and date_prec
included, and the columns its file did not have blank; its texts with victims' names withheld as any other's. So
importing the export gives back the same events, none changed (tests/imports/test_ucdp_roundtrip.py). Once edited
here, it is written as our own incidents are, but for its dates: its own, not widened, with the date_prec of its
precision.

Our own incidents, and UCDP's own ids and codes that we do not have (relid, the dset and new ids, code_status,
event_clarity, country_id, gwnoa, gwnob, source_original, where_description) blank:

- `id`: the GED id of an incident imported from UCDP, else our code. `year`: of date_start.
- `type_of_violence`: the incident's UCDP type (1 state-based, 2 non-state, 3 one-sided) when recorded, else blank:
  UCDP's types rest on its own coding of who fought whom, which we do not guess.
- `side_a`, `side_b`: the names on each side (as for ACLED), joined with ", " as GED joins governments;
  `side_b` of one-sided violence with nobody on side B is GED's "Civilians". `dyad_name`: "side_a - side_b".
- Deaths, from the killed casualty records (their best counts): `deaths_civilians` the civilians;
  `deaths_a` and `deaths_b` each side's losses, that is combatants killed by perpetrators all on the other side
  (a perpetrator with no side is on side A); `deaths_unknown` all others (victims of unknown status, combatants
  killed by nobody named or by both sides). They add up to `best`; `low` and `high` are the incident's.
- `date_start`, `date_end`: the period our incident may have happened in, widened to the week, month or year its
  precision gives; `date_prec` GED's code of that period's length: 1 one day, 2 two to six days, 3 a week, 4 up
  to a month, 5 longer.
- `where_prec`: 1 the exact place (geo precision 1), 2 near it (2), else the smallest unit named: 3 adm_2, 4 adm_1,
  6 the country. `where_coordinates`: the place name; `geom_wkt` and `priogrid_gid` (PRIO-GRID's 0.5 degree cell)
  from the coordinates. `region`: UCDP's (Africa, Middle East) for the countries of ACLED_REGIONS, else blank.
- Sources as GED writes them, one entry per document of the claims not rejected that the reader may see, oldest
  first: `source_article` ("Office,date,headline" quoted, joined with ";"), `source_office`, `source_date`,
  `source_headline` (the documents' titles, victims' names withheld for readers who may not see identities:
  conflict_tracker/redaction.py), and `number_of_sources` (documents).

Written by PostgreSQL, as the other CSV exports (events/exports/sql.py).
"""

import json

from conflict_tracker.choices import Harm, ImportKind, VictimStatus
from conflict_tracker.redaction import Withholder, withheld_sql, withholder
from conflict_tracker.roles import is_staff_member
from sources.choices import ReviewStatus

from ..choices import DatePrecision, Side, ViolenceType
from ..columns import INCIDENT_VALUES, export_cells_sql
from ..models import incident_period
from .acled import _ON_A, _ROLE_ORDER, ACLED_REGIONS, _case
from .rows import IMPORTED_FIELDS, countries_sql
from .sql import csv_chunks, incidents_from, literal, text, visible_claims_sql

# -- UCDP GED-style CSV ----------------------------------------------------------------------------------------------

UCDP_COLUMNS = [
    "id",
    "relid",
    "year",
    "active_year",
    "code_status",
    "type_of_violence",
    "conflict_dset_id",
    "conflict_new_id",
    "conflict_name",
    "dyad_dset_id",
    "dyad_new_id",
    "dyad_name",
    "side_a_dset_id",
    "side_a_new_id",
    "side_a",
    "side_b_dset_id",
    "side_b_new_id",
    "side_b",
    "number_of_sources",
    "source_article",
    "source_office",
    "source_date",
    "source_headline",
    "source_original",
    "where_prec",
    "where_coordinates",
    "where_description",
    "adm_1",
    "adm_2",
    "latitude",
    "longitude",
    "geom_wkt",
    "priogrid_gid",
    "country",
    "iso3",
    "country_id",
    "region",
    "event_clarity",
    "date_prec",
    "date_start",
    "date_end",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "best",
    "high",
    "low",
    "gwnoa",
    "gwnob",
]
# GED's texts that may name a victim: written with the names withheld, as the headlines of our documents are.
_TEXTS = ("source_article", "source_headline", "source_original", "where_description")
# UCDP's regions are Gleditsch and Ward's: Egypt, numbered with the Middle East, is in it; the rest of Africa is Africa.
UCDP_REGIONS = {
    country: "Middle East" if region == "Middle East" or country == "EGY" else "Africa"
    for country, region in ACLED_REGIONS.items()
}
# A GED where_prec of the place named, for an incident with no exact or near coordinates.
WHERE_PREC_ADM2, WHERE_PREC_ADM1, WHERE_PREC_COUNTRY = 3, 4, 6

# The names on each side (as the ACLED export's sides), perpetrators first, then others, then targets, ties in the
# order entered.
_SIDES = f"""LEFT JOIN LATERAL (SELECT
        string_agg(a.name, ', ' ORDER BY {_ROLE_ORDER}, p.id) FILTER (WHERE {_ON_A}) AS side_a,
        string_agg(a.name, ', ' ORDER BY {_ROLE_ORDER}, p.id) FILTER (WHERE NOT {_ON_A}) AS side_b
    FROM events_incidentparticipant p JOIN actors_actor a ON a.id = p.actor_id
    WHERE p.incident_id = o.id) sides ON true"""

# The killed records' best counts (no note and no named victim is read): all, civilians, and combatants killed by
# perpetrators all on side B (side A's losses) or all on side A (side B's); a perpetrator with no side is on side A.
_PERPETRATOR_SIDES = f"""ARRAY(SELECT DISTINCT COALESCE(NULLIF(p.side, ''), '{Side.A}')
    FROM events_casualtyperpetrator cp JOIN events_incidentparticipant p ON p.id = cp.participant_id
    WHERE cp.casualty_record_id = r.id)::text[]"""
_COMBATANTS = f"r.victim_status = '{VictimStatus.COMBATANT}' AND r.sides"
_DEATHS = f"""LEFT JOIN LATERAL (SELECT COALESCE(sum(r.count_best), 0) AS total,
        COALESCE(sum(r.count_best) FILTER (WHERE r.victim_status = '{VictimStatus.CIVILIAN}'), 0) AS civilians,
        COALESCE(sum(r.count_best) FILTER (WHERE {_COMBATANTS} = ARRAY['{Side.B}']), 0) AS a,
        COALESCE(sum(r.count_best) FILTER (WHERE {_COMBATANTS} = ARRAY['{Side.A}']), 0) AS b
    FROM (SELECT r.victim_status, r.count_best, {_PERPETRATOR_SIDES} AS sides
        FROM events_casualtyrecord r WHERE r.incident_id = o.id AND r.harm = '{Harm.KILLED}') r) deaths ON true"""
# A source article as GED writes it: "Office,date,headline", its double quotes made single.
_ARTICLE = """'"' || replace(d.office || ',' || d.day || ',' || d.headline, '"', '''') || '"'"""
_OLDEST_FIRST = "d.published_on NULLS LAST, d.id"


def _documents_sql(reader, withheld: Withholder | None) -> str:
    """`docs`: the incident's documents behind claims that were not rejected and that `reader` may see, each once,
    oldest first, as GED lists its source articles; their headlines with the `withheld` names withheld."""
    headline = "d.title" if withheld is None else withheld_sql("d.title", withheld)
    aggregates = ", ".join(
        f"string_agg({sql}, ';' ORDER BY {_OLDEST_FIRST}) AS {name}"
        for name, sql in (
            ("articles", _ARTICLE),
            ("offices", "d.office"),
            ("days", "d.day"),
            ("headlines", "d.headline"),
        )
    )
    return f"""LEFT JOIN LATERAL (SELECT count(*) AS number, {aggregates}
    FROM (SELECT d.id, d.published_on, src.name AS office, COALESCE(to_char(d.published_on, 'YYYY-MM-DD'), '') AS day,
            {headline} AS headline
        FROM sources_document d JOIN sources_source src ON src.id = d.source_id
        WHERE d.id IN (SELECT c.document_id FROM ({visible_claims_sql(reader)}) c WHERE c.incident_id = o.id
            AND c.review_status <> '{ReviewStatus.REJECTED}')) d
    ) docs ON true"""


# The first and last days the incident may have happened on: its dates widened to the week, month or year its
# precision gives (Incident's period, which the date filters compare).
_START, _END = "lower(q.period)", "(upper(q.period) - 1)"
_DAYS = f"({_END} - {_START} + 1)"
_LOCATED = "q.latitude IS NOT NULL AND q.longitude IS NOT NULL"
_SIDE_B = f"""CASE WHEN sides.side_b IS NULL AND q.violence_type = {ViolenceType.ONE_SIDED.value}
    THEN 'Civilians' ELSE sides.side_b END"""
_IMPORTED = f"""q."imported_as__kind" = '{ImportKind.UCDP}'"""
# Imported from UCDP and not edited here since: written as UCDP gave it.
_AS_GIVEN = f'{_IMPORTED} AND q.version = q."imported_as__incident_version"'
# GED's date_prec of one of our precisions, for an imported incident edited here (its own dates, not widened).
_DATE_PREC = {DatePrecision.DAY: 1, DatePrecision.WEEK: 3, DatePrecision.MONTH: 4, DatePrecision.YEAR: 5}


def _as_given(column: str, withheld: Withholder | None) -> str:
    """The cell UCDP gave in `column`, as the import kept it; its texts with the `withheld` names withheld."""
    value = f"""(q."imported_as__data" ->> {literal(column)})"""
    return text(withheld_sql(value, withheld) if withheld is not None and column in _TEXTS else value)


def ucdp_chunks(queryset, reader, hashtags: dict[str, str] | None = None):
    withheld = None if is_staff_member(reader) else withholder()  # the names, read once
    ours = {
        **export_cells_sql("ucdp"),
        "id": text(f"""CASE WHEN q."imported_as__kind" = '{ImportKind.UCDP}' THEN q."imported_as__external_id"
            ELSE q.code END"""),
        "year": f"extract(year FROM {_START})::int::text",
        "dyad_name": text(f"concat_ws(' - ', sides.side_a, {_SIDE_B})"),
        "side_a": text("sides.side_a"),
        "side_b": text(_SIDE_B),
        "number_of_sources": "docs.number::text",
        "source_article": text("docs.articles"),
        "source_office": text("docs.offices"),
        "source_date": text("docs.days"),
        "source_headline": text("docs.headlines"),
        "where_prec": f"""CASE WHEN q.latitude IS NOT NULL AND q.geo_precision IN (1, 2) THEN q.geo_precision::text
            WHEN q.admin2 <> '' THEN '{WHERE_PREC_ADM2}' WHEN q.admin1 <> '' THEN '{WHERE_PREC_ADM1}'
            ELSE '{WHERE_PREC_COUNTRY}' END""",
        "where_coordinates": text("COALESCE(NULLIF(q.location_name, ''), NULLIF(q.admin2, ''), q.admin1)"),
        "geom_wkt": f"CASE WHEN {_LOCATED} THEN 'POINT (' || q.longitude::text || ' ' || q.latitude::text || ')' END",
        # PRIO-GRID's cell of a point: 0.5 degree cells numbered from 1 at (-90, -180), row by row eastwards.
        "priogrid_gid": f"""CASE WHEN {_LOCATED} THEN (least(floor((q.latitude + 90) * 2), 359) * 720
            + least(floor((q.longitude + 180) * 2), 719) + 1)::int::text END""",
        "country": text(f"COALESCE({countries_sql()} -> q.country ->> 1, q.country)"),
        "region": text(f"({literal(json.dumps(UCDP_REGIONS))}::jsonb ->> q.country)"),
        # GED's date_prec of the period: 1 a day, 2 two to six days, 3 a week, 4 up to a month, 5 longer; an
        # imported incident's of its precision.
        "date_prec": f"""CASE WHEN {_IMPORTED} THEN {_case("q.date_precision", _DATE_PREC)}
            WHEN {_DAYS} = 1 THEN '1' WHEN {_DAYS} < 7 THEN '2' WHEN {_DAYS} = 7 THEN '3'
            WHEN {_DAYS} <= 31 THEN '4' ELSE '5' END""",
        "date_start": f"to_char(CASE WHEN {_IMPORTED} THEN q.start_date ELSE {_START} END, 'YYYY-MM-DD')",
        "date_end": f"to_char(CASE WHEN {_IMPORTED} THEN q.end_date ELSE {_END} END, 'YYYY-MM-DD')",
        "deaths_a": "deaths.a::text",
        "deaths_b": "deaths.b::text",
        "deaths_civilians": "deaths.civilians::text",
        "deaths_unknown": "(deaths.total - deaths.civilians - deaths.a - deaths.b)::text",
    }
    cells = {
        column: f"CASE WHEN {_AS_GIVEN} THEN {_as_given(column, withheld)} ELSE {ours.get(column, 'NULL')} END"
        for column in UCDP_COLUMNS
        if column != "id"
    }
    cells["id"] = ours["id"]
    from_sql = incidents_from(
        queryset,
        [*INCIDENT_VALUES, *IMPORTED_FIELDS],
        _SIDES,
        _DEATHS,
        _documents_sql(reader, withheld),
        annotations={"period": incident_period()},
    )
    return csv_chunks(UCDP_COLUMNS, hashtags, cells, from_sql)
