"""The ACLED-compatible CSV export (`format=acled`): ACLED's columns, codes and regions, and an incident's row.

ACLED's columns that need more than the incident's own fields:

- `source`: the sources the incident rests on, that is the outlets and organisations behind its claims that were
  not rejected and that the requester may see (Claim.objects.visible_to: for the public, not those still in
  review), each once, by its acronym when it has one (ACLED writes "HRW", "AFP") or else its name, in
  alphabetical order, joined with "; ".
- `source_scale`: ACLED's scale of each of those sources, the distinct scales joined with "-" from the narrowest
  to the widest ("National-International"). A witness is Local; a belligerent channel (Telegram and the like) is
  New media; any other source is National when based in the incident's country, Regional when based in another
  country of the same ACLED region, and International otherwise, or when no country is recorded for it (news
  agencies, UN bodies and NGOs that work across borders). Our sources record no sub-national reach and no
  partnership, so ACLED's Subnational and Local partner are never given.
- `region`: ACLED's region of the incident's country (`ACLED_REGIONS`, Africa and the Middle East); blank for a
  country outside the table.
- `tags`: the non-fatal harm the incident records, as ACLED names it there, in "key: value" items joined by "; "
  (events/exports/harms.py): "injured: 3; disappeared: 4; homes burned: 100 (100-150)", each figure the best with
  its range where low and high differ; the killed are `fatalities` alone. ACLED's other tags record details we do
  not collect (crowd sizes, women targeted as such, local administrators...); deriving them would invent data.

What makes the ACLED export round-trip (importing it gives the same incidents; tests/imports/test_roundtrip.py):

- An incident that came from an ACLED import (`ImportedEvent`) is written under its ACLED `event_id_cnty`, so that
  importing the export again updates it rather than duplicating it; our own incidents under their code. ACLED's
  other ids (`event_id_no_cnty`, `data_id`) come back from the import too, blank for our own incidents.
- Its actors are written under the label the file gave each (with its period: "Military Forces of Mali (2021-)"),
  not our name for the actor, and with the type code the file gave each as actor1 or actor2 (ACLED's `inter1` and
  `inter2`, and its `interaction` while both are the file's); an actor added here since is written under its name
  and the code of its kind. `timestamp` is ACLED's (the version the import kept), so that importing the export
  is the same version of each event; our own incidents' is the time of their last change.
- Such an incident's `source` is ACLED's own source text (kept as the author of the import's document, and so
  with victims' names withheld from it as from any author: conflict_tracker/redaction.py), not "ACLED", followed
  by any source cited here since; `source_scale`, `tags` (followed by any non-fatal harm recorded here since: an
  import records only the killed), `disorder_type` and ACLED's spelling of the country and region come back from
  the columns the import kept (`ImportedEvent.data`), the country's only while the incident is still in the
  country ACLED gave. Re-importing an unchanged export changes nothing.
- Side A is actor1 and assoc_actor_1, side B actor2 and assoc_actor_2 (a participant with no side: perpetrators
  on A, the others on B); the importer makes side A perpetrators and side B targets of violent events, and both
  sides "other" actors of protests and strategic developments, so roles round-trip when they follow that rule.
- What ACLED cannot carry is lost on the way: the title, the UCDP type of violence, an end date after the start
  date (ACLED has one date per event), a precision of a year (ACLED's widest is the month: time_precision 3),
  the low and high estimates and the breakdown of the killed (ACLED gives one figure, `fatalities`, our best).
"""

import json

from actors.choices import ACLED_INTER_CODES
from conflict_tracker.choices import ImportKind
from conflict_tracker.redaction import public_text_sql
from conflict_tracker.roles import is_staff_member
from sources.choices import SourceKind

from ..choices import DatePrecision, EventType, ParticipantRole, Side, SubEventType
from ..columns import INCIDENT_VALUES, export_cells_sql
from .harms import HARM_TAGS, harm_tags_sql
from .rows import IMPORTED_DOCUMENT_FIELDS, IMPORTED_FIELDS, countries_sql
from .sql import SOURCE_ORDER, csv_chunks, incidents_from, literal, sources_sql, text

# -- ACLED-compatible CSV --------------------------------------------------------------------------------------------

ACLED_COLUMNS = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
    "event_id_no_cnty",
    "data_id",
]
# ACLED: 1 = the day is known, 2 = the week (or a few days around a date), 3 = only the month (or wider).
ACLED_TIME_PRECISION = {DatePrecision.DAY: 1, DatePrecision.WEEK: 2, DatePrecision.MONTH: 3, DatePrecision.YEAR: 3}
ACLED_DISORDER_TYPES = {
    EventType.BATTLES: "Political violence",
    EventType.EXPLOSIONS_REMOTE_VIOLENCE: "Political violence",
    EventType.VIOLENCE_AGAINST_CIVILIANS: "Political violence",
    EventType.PROTESTS: "Demonstrations",
    EventType.RIOTS: "Demonstrations",
    EventType.STRATEGIC_DEVELOPMENTS: "Strategic developments",
}
INTER_CODE_OF_KIND = {kind.value: code for code, kind in ACLED_INTER_CODES.items()}


def _in_region(region: str, codes: str) -> dict[str, str]:
    return dict.fromkeys(codes.split(), region)


# ACLED's `region` of each country it covers in Africa and the Middle East, by ISO 3166-1 alpha-3 code. ACLED's
# African regions are the UN's sub-regions, except that it counts the countries from Angola and Madagascar
# southwards as Southern Africa.
ACLED_REGIONS = {
    **_in_region("Western Africa", "BEN BFA CIV CPV GHA GIN GMB GNB LBR MLI MRT NER NGA SEN SLE TGO"),
    **_in_region("Middle Africa", "CAF CMR COD COG GAB GNQ STP TCD"),
    **_in_region("Eastern Africa", "BDI COM DJI ERI ETH KEN RWA SOM SSD SYC TZA UGA"),
    **_in_region("Southern Africa", "AGO BWA LSO MDG MOZ MUS MWI NAM SWZ ZAF ZMB ZWE"),
    **_in_region("Northern Africa", "DZA EGY LBY MAR SDN TUN"),
    **_in_region("Middle East", "ARE BHR IRN IRQ ISR JOR KWT LBN OMN PSE QAT SAU SYR TUR YEM"),
}
# ACLED's source scales, from the narrowest to the widest: the order in which combined scales are written.
SOURCE_SCALES = ("Local", "New media", "National", "Regional", "International")


# ACLED counts excessive force against protesters as both: state violence, at a demonstration.
BOTH_DISORDER_TYPES = "Political violence; Demonstrations"


def acled_disorder_type(event_type: str, sub_event_type: str) -> str:
    """The ACLED importer's disorder type of an event that gives none (disorder_type below, in SQL)."""
    if sub_event_type == SubEventType.EXCESSIVE_FORCE:
        return BOTH_DISORDER_TYPES
    return ACLED_DISORDER_TYPES.get(event_type, "")


def _case(sql: str, values: dict, default: str = "NULL") -> str:
    """SQL of `values` looked up by the value of `sql`."""
    whens = " ".join(f"WHEN {literal(str(key))} THEN {literal(str(value))}" for key, value in values.items())
    return f"CASE {sql} {whens} ELSE {default} END"


def _bits(scales: str) -> str:
    """The scales whose bits are set in `scales` (SQL), from the narrowest to the widest."""
    return ", ".join(f"CASE WHEN {scales} & {1 << n} <> 0 THEN '{scale}' END" for n, scale in enumerate(SOURCE_SCALES))


# ACLED's scale of a source `s` for the incident `q`, as a bit of SOURCE_SCALES: Local (a witness), New media (a
# belligerent channel), else National in the incident's country, Regional in another country of the same ACLED
# region, International otherwise or when no country is recorded for it.
_REGIONS = f"{literal(json.dumps(ACLED_REGIONS))}::jsonb"
_SCALE_BIT = f"""CASE WHEN s.kind = '{SourceKind.WITNESS}' THEN 1
    WHEN s.kind = '{SourceKind.BELLIGERENT_CHANNEL}' THEN 2
    WHEN s.country = '' THEN 16 WHEN s.country = q.country THEN 4
    WHEN {_REGIONS} ->> s.country = {_REGIONS} ->> q.country THEN 8 ELSE 16 END"""
# An ACLED import's: the sources cited since, that is neither the import's own source nor one named in its text.
_CITED_SINCE = """s.id IS DISTINCT FROM q."imported_as__document__source_id" AND s.label_folded NOT IN (
    SELECT lower(btrim(part, E' \\t\\n\\r\\f\\v'))
    FROM unnest(string_to_array(q."imported_as__document__author", ';')) part)"""
_SOURCES = f"""string_agg(s.label, '; ' ORDER BY {SOURCE_ORDER}) AS labels, bit_or({_SCALE_BIT}) AS scales,
    string_agg(s.label, '; ' ORDER BY {SOURCE_ORDER}) FILTER (WHERE {_CITED_SINCE}) AS labels_since,
    bit_or({_SCALE_BIT}) FILTER (WHERE {_CITED_SINCE}) AS scales_since"""

# Side A and side B (the UCDP export's too): the side given, else perpetrators on side A and everyone else on side B;
# on each side, perpetrators first, then others, then targets, ties in the order entered. The first is ACLED's
# actor, the others its associated actors.
_ON_A = f"(p.side = '{Side.A}' OR p.side = '' AND p.role = '{ParticipantRole.PERPETRATOR}')"
_ROLE_ORDER = f"""CASE p.role WHEN '{ParticipantRole.PERPETRATOR}' THEN 0 WHEN '{ParticipantRole.TARGET}' THEN 2
    ELSE 1 END"""


# The label and ACLED type code an ACLED import's file gave the actor `a` (ImportedEvent.data's labels).
_LABEL = """q."imported_as__data" -> 'labels' -> (a.id::text)"""


def _side(name: str, on_side: str) -> str:
    names, kinds, codes = (
        f"array_agg({sql} ORDER BY {_ROLE_ORDER}, p.id) FILTER (WHERE {on_side})"
        for sql in (f"COALESCE({_LABEL} ->> 0, a.name)", "a.kind", f"{_LABEL} ->> 1")
    )
    return f"""({names})[1] AS actor_{name}, ({kinds})[1] AS kind_{name}, ({codes})[1] AS code_{name},
        array_to_string(({names})[2:], '; ') AS associated_{name}"""


_SIDES = f"""LEFT JOIN LATERAL (SELECT {_side("a", _ON_A)}, {_side("b", f"NOT {_ON_A}")}
    FROM events_incidentparticipant p JOIN actors_actor a ON a.id = p.actor_id
    WHERE p.incident_id = o.id) sides ON true"""
_INTER = {side: _case(f"sides.kind_{side}", INTER_CODE_OF_KIND) + "::int" for side in ("a", "b")}
# The file's code of the actor written, else the code of its kind.
_CODE = {side: f"COALESCE(sides.code_{side}, {_INTER[side]}::text)" for side in ("a", "b")}

# What the incident's ACLED import kept (ImportedEvent.data), when it came from one.
_KEPT = f"""q."imported_as__kind" = '{ImportKind.ACLED}'"""
_DATA = """COALESCE(q."imported_as__data", '{}'::jsonb)"""


def _kept(key: str, otherwise: str) -> str:
    """The import's own value of `key` when it kept one, else `otherwise`."""
    return f"CASE WHEN {_KEPT} AND {_DATA} ? '{key}' THEN {_DATA} ->> '{key}' ELSE {otherwise} END"


def acled_chunks(queryset, reader, hashtags: dict[str, str] | None = None):
    countries = countries_sql()
    iso = f"COALESCE({countries} -> q.country ->> 0, '')"
    # Still in the country ACLED gave: its own spelling ("Democratic Republic of Congo"), not ISO's, and its region.
    same_country = f"{_KEPT} AND {_DATA} -> 'iso' = to_jsonb({iso})"
    country = f"COALESCE({countries} -> q.country ->> 1, q.country)"
    region = f"{_REGIONS} ->> q.country"
    disorder = f"""CASE WHEN q.sub_event_type = {literal(SubEventType.EXCESSIVE_FORCE)}
        THEN {literal(BOTH_DISORDER_TYPES)} ELSE {_case("q.event_type", ACLED_DISORDER_TYPES)} END"""
    kept_scales = f"array_remove(string_to_array(COALESCE({_DATA} ->> 'source_scale', ''), '-'), '')"
    added_scales = f"""ARRAY(SELECT scale FROM unnest(ARRAY[{_bits("sources.scales_since")}]) scale
        WHERE scale IS NOT NULL AND scale <> ALL({kept_scales}))"""
    # ACLED's source text, kept as the author of the import's document, is a text that may name a victim.
    author = public_text_sql('q."imported_as__document__author"', not is_staff_member(reader))
    imported_source = f"NULLIF({author}, '')"
    cells = {
        **export_cells_sql("acled"),
        "event_id_cnty": text(f"""CASE WHEN {_KEPT} THEN q."imported_as__external_id" ELSE q.code END"""),
        "year": "extract(year FROM q.start_date)::int::text",
        "time_precision": _case("q.date_precision", ACLED_TIME_PRECISION, "'3'"),
        "disorder_type": text(
            f"CASE WHEN {_KEPT} THEN COALESCE(NULLIF({_DATA} ->> 'disorder_type', ''), {disorder}) ELSE {disorder} END"
        ),
        "actor1": text("sides.actor_a"),
        "assoc_actor_1": text("sides.associated_a"),
        "inter1": text(_CODE["a"]),
        "actor2": text("sides.actor_b"),
        "assoc_actor_2": text("sides.associated_b"),
        "inter2": text(_CODE["b"]),
        # The file's own while both codes are the file's, else the two actor types, lower first (one actor alone is
        # its type times ten).
        "interaction": text(f"""CASE WHEN {_KEPT} AND {_DATA} ? 'interaction'
            AND sides.code_a IS NOT DISTINCT FROM {_DATA} ->> 'inter1'
            AND sides.code_b IS NOT DISTINCT FROM {_DATA} ->> 'inter2' THEN {_DATA} ->> 'interaction'
            ELSE (least({_INTER["a"]}, {_INTER["b"]}) * 10 + CASE WHEN {_INTER["a"]} IS NOT NULL
            AND {_INTER["b"]} IS NOT NULL THEN greatest({_INTER["a"]}, {_INTER["b"]}) ELSE 0 END)::text END"""),
        "civilian_targeting": "CASE WHEN q.civilian_targeting THEN 'Civilian targeting' END",
        "iso": iso,
        "region": text(f"CASE WHEN {same_country} AND {_DATA} ? 'region' THEN {_DATA} ->> 'region' ELSE {region} END"),
        "country": text(
            f"CASE WHEN {same_country} AND {_DATA} ? 'country' THEN {_DATA} ->> 'country' ELSE {country} END"
        ),
        # For an ACLED import, ACLED's own source text and scale in place of "ACLED", then whatever was cited since.
        "source": text(
            f"CASE WHEN {_KEPT} THEN concat_ws('; ', {imported_source}, sources.labels_since) ELSE sources.labels END"
        ),
        "source_scale": text(f"""CASE WHEN {_KEPT} THEN array_to_string({kept_scales} || {added_scales}, '-')
            ELSE concat_ws('-', {_bits("sources.scales")}) END"""),
        # An ACLED import's own tags, then the non-fatal harm recorded (for an import, since): see the docstring.
        "tags": text(f"concat_ws('; ', NULLIF({_kept('tags', 'NULL')}, ''), {HARM_TAGS})"),
        "timestamp": f"""CASE WHEN {_KEPT} AND q."imported_as__source_version" <> ''
            THEN q."imported_as__source_version" ELSE floor(extract(epoch FROM q.updated_at))::bigint::text END""",
        "event_id_no_cnty": text(_kept("event_id_no_cnty", "NULL")),
        "data_id": text(_kept("data_id", "NULL")),
    }
    from_sql = incidents_from(
        queryset,
        [*INCIDENT_VALUES, *IMPORTED_FIELDS, *IMPORTED_DOCUMENT_FIELDS],
        _SIDES,
        harm_tags_sql(),
        sources_sql(reader, _SOURCES),
    )
    return csv_chunks(ACLED_COLUMNS, hashtags, cells, from_sql)
