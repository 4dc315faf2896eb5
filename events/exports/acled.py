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
- `tags`: blank. ACLED's tags record details we do not collect (crowd sizes, women targeted as such, local
  administrators, armed presence...); deriving them from other fields would invent data.

What makes the ACLED export round-trip (importing it gives the same incidents; tests/imports/test_roundtrip.py):

- An incident that came from an ACLED import (`ImportedEvent`) is written under its ACLED `event_id_cnty`, so that
  importing the export again updates it rather than duplicating it; our own incidents under their code.
- Such an incident's `source` is ACLED's own source text (kept as the author of the import's document), not
  "ACLED", followed by any source cited here since; `source_scale`, `tags`, `disorder_type` and ACLED's spelling
  of the country and region come back from the columns the import kept (`ImportedEvent.data`), the country's only
  while the incident is still in the country ACLED gave. Re-importing an unchanged export changes nothing.
- Side A is actor1 and assoc_actor_1, side B actor2 and assoc_actor_2 (a participant with no side: perpetrators
  on A, the others on B); the importer makes side A perpetrators and side B targets of violent events, and both
  sides "other" actors of protests and strategic developments, so roles round-trip when they follow that rule.
- What ACLED cannot carry is lost on the way: the title, the UCDP type of violence, an end date after the start
  date (ACLED has one date per event), a precision of a year (ACLED's widest is the month: time_precision 3),
  the low and high estimates and the breakdown of the killed (ACLED gives one figure, `fatalities`, our best).
"""

import datetime
from collections.abc import Iterator

from actors.choices import ACLED_INTER_CODES
from conflict_tracker.choices import ImportKind
from sources.choices import SourceKind

from ..choices import DatePrecision, EventType, ParticipantRole, Side, SubEventType
from ..columns import export_cells
from .rows import IMPORTED_FIELDS, _country, incident_rows

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


def source_scale(source: dict, incident_country: str) -> str:
    """ACLED's scale of one source (a dict with `kind` and `country`) for an incident in `incident_country`."""
    if source["kind"] == SourceKind.WITNESS:
        return "Local"
    if source["kind"] == SourceKind.BELLIGERENT_CHANNEL:
        return "New media"
    if not source["country"]:
        return "International"
    if source["country"] == incident_country:
        return "National"
    region = ACLED_REGIONS.get(incident_country)
    if region is not None and ACLED_REGIONS.get(source["country"]) == region:
        return "Regional"
    return "International"


def acled_source_scale(sources: list[dict], incident_country: str) -> str:
    """The distinct scales of the sources, from the narrowest to the widest, joined as ACLED does:
    "National-International"."""
    scales = {source_scale(source, incident_country) for source in sources}
    return "-".join(scale for scale in SOURCE_SCALES if scale in scales)


def acled_sides(participants: list[dict]) -> tuple[list[dict], list[dict]]:
    """Side A and side B: the side given, else perpetrators on side A and everyone else on side B."""
    side_a, side_b = [], []
    for part in participants:
        side = part["side"] or (Side.A if part["role"] == ParticipantRole.PERPETRATOR else Side.B)
        (side_a if side == Side.A else side_b).append(part)
    return side_a, side_b


def acled_interaction(inter1: int | str, inter2: int | str) -> int | str:
    """ACLED's two-digit code: the two actor types, lower first; one actor alone is its type times ten."""
    codes = sorted(code for code in (inter1, inter2) if code != "")
    if not codes:
        return ""
    return codes[0] * 10 + (codes[1] if len(codes) > 1 else 0)


def acled_rows(queryset, reader) -> Iterator[dict]:
    for row, participants, sources in incident_rows(queryset, reader, IMPORTED_FIELDS):
        side_a, side_b = acled_sides(participants)
        actor1, inter1, assoc1 = _acled_side(side_a)
        actor2, inter2, assoc2 = _acled_side(side_b)
        iso, country = _country(row["country"])
        kept = (row["imported_as__data"] or {}) if row["imported_as__kind"] == ImportKind.ACLED else None
        region = ACLED_REGIONS.get(row["country"], "")
        if kept is not None and kept.get("iso") == iso:
            # Still in the country ACLED gave: its own spelling ("Democratic Republic of Congo"), not ISO's.
            country, region = kept.get("country", country), kept.get("region", region)
        source, scale = _acled_source(row, sources, kept)
        start: datetime.date = row["start_date"]
        yield {
            **export_cells(row, "acled"),
            "event_id_cnty": row["imported_as__external_id"] if kept is not None else row["code"],
            "year": start.year,
            "time_precision": ACLED_TIME_PRECISION.get(row["date_precision"], 3),
            "disorder_type": (kept or {}).get("disorder_type")
            or acled_disorder_type(row["event_type"], row["sub_event_type"]),
            "actor1": actor1,
            "assoc_actor_1": assoc1,
            "inter1": inter1,
            "actor2": actor2,
            "assoc_actor_2": assoc2,
            "inter2": inter2,
            "interaction": acled_interaction(inter1, inter2),
            "civilian_targeting": "Civilian targeting" if row["civilian_targeting"] else "",
            "iso": iso,
            "region": region,
            "country": country,
            "source": source,
            "source_scale": scale,
            "tags": (kept or {}).get("tags", ""),  # ACLED's own tags only: see the module's docstring
            "timestamp": int(row["updated_at"].timestamp()),
        }


def acled_disorder_type(event_type: str, sub_event_type: str) -> str:
    # ACLED counts excessive force against protesters as both: state violence, at a demonstration.
    if sub_event_type == SubEventType.EXCESSIVE_FORCE:
        return "Political violence; Demonstrations"
    return ACLED_DISORDER_TYPES.get(event_type, "")


def _acled_source(row: dict, sources: list[dict], kept: dict | None) -> tuple[str, str]:
    """`source` and `source_scale`: the sources' labels and scales; for an ACLED import, ACLED's own source text
    and scale in place of "ACLED", then whatever was cited here since."""
    if kept is None:
        return "; ".join(source["label"] for source in sources), acled_source_scale(sources, row["country"])
    imported = row["imported_as__document__author"] or ""
    named = {part.strip().casefold() for part in imported.split(";")}
    others = [
        source
        for source in sources
        if source["id"] != row["imported_as__document__source_id"] and source["label"].casefold() not in named
    ]
    labels = [imported] if imported else []
    # ACLED's scale as ACLED wrote it (with its Subnational and Local partner), then the others' new scales.
    scales = [scale for scale in kept.get("source_scale", "").split("-") if scale]
    added = {source_scale(source, row["country"]) for source in others} - set(scales)
    scales += [scale for scale in SOURCE_SCALES if scale in added]
    return "; ".join([*labels, *(source["label"] for source in others)]), "-".join(scales)


def _acled_side(side: list[dict]) -> tuple[str, int | str, str]:
    """(actor, its inter code, the associated actors "; "-joined) of one side; blanks for an empty side."""
    if not side:
        return "", "", ""
    first, *others = side
    return (
        first["actor__name"],
        INTER_CODE_OF_KIND.get(first["actor__kind"], ""),
        "; ".join(part["actor__name"] for part in others),
    )
