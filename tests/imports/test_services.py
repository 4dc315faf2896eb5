"""ACLED imports end to end through the real PostgreSQL: what each variant of file becomes, re-imports, monadic
files, dry runs, bad rows and failures."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, connections, transaction
from django.db.models import OuterRef, Subquery
from django.test.utils import CaptureQueriesContext
from pghistory.models import Events

from actors.models import Actor, ActorAlias
from conflict_tracker.choices import ImportKind
from events.models import CasualtyRecord, Incident, IncidentParticipant
from events.selectors import incident_revisions
from imports import services
from imports.choices import ImportStatus
from imports.models import ImportedEvent, ImportJob
from imports.services import history, pipeline, writer
from imports.services.acled_import import AcledImport
from sources.models import Claim, Document, Source
from tallies import services as tally_services
from tallies.models import CasualtyFact
from tallies.selectors import TallyQuestion, tally_answer
from tallies.services import tallies_rebuild, tallies_verify
from tests.factories import UserFactory
from tests.helpers.imports import FILES
from tests.helpers.rendering import assert_renderings_current

pytestmark = pytest.mark.django_db


def incident_of(event_id: str) -> Incident:
    return ImportedEvent.objects.get(kind=ImportKind.ACLED, external_id=event_id).incident


def parts(incident: Incident) -> dict:
    """What an incident holds, by actor name: comparable across imports whatever the ids."""
    return {
        "participants": sorted(
            (p.actor.name, p.role, p.side, p.attribution) for p in incident.participants.select_related("actor")
        ),
        "records": [
            (
                r.harm,
                r.victim_status,
                r.count_low,
                r.count_best,
                r.count_high,
                sorted(p.actor.name for p in r.perpetrators.all()),
            )
            for r in incident.casualty_records.all()
        ],
    }


def summary(incident: Incident) -> dict:
    return {
        "code": incident.code,
        "title": incident.title,
        "status": incident.status,
        "start_date": incident.start_date,
        "end_date": incident.end_date,
        "date_precision": incident.date_precision,
        "event_type": incident.event_type,
        "sub_event_type": incident.sub_event_type,
        "civilian_targeting": incident.civilian_targeting,
        "country": incident.country,
        "admin1": incident.admin1,
        "admin2": incident.admin2,
        "location_name": incident.location_name,
        "latitude": incident.latitude,
        "longitude": incident.longitude,
        "geo_precision": incident.geo_precision,
        "fatalities": (incident.fatalities_low, incident.fatalities_best, incident.fatalities_high),
        **parts(incident),
    }


def test_the_current_schema_becomes_published_incidents_with_participants_and_one_killed_record(
    known_actors, run_import, editor
):
    job = run_import("acled_current.csv")

    assert job.status == ImportStatus.SUCCEEDED, job.failure
    assert (job.rows_read, job.events_total, job.created, job.updated, job.unchanged, job.error_count) == (
        3,
        3,
        3,
        0,
        0,
        0,
    )
    assert summary(incident_of("MLI9001")) == {
        "code": "MLI-2024-0001",
        "title": "Attack: Sama, Mopti",
        "status": "published",
        "start_date": datetime.date(2024, 3, 5),
        "end_date": datetime.date(2024, 3, 5),
        "date_precision": "day",
        "event_type": "Violence against civilians",
        "sub_event_type": "Attack",
        "civilian_targeting": True,
        "country": "MLI",
        "admin1": "Mopti",
        "admin2": "Djenne",
        "location_name": "Sama",
        "latitude": Decimal("14.10000"),
        "longitude": Decimal("-4.20000"),
        "geo_precision": 1,
        "fatalities": (14, 14, 14),
        # The army's dated ACLED label resolves through its alias; the assoc actor joins side A.
        "participants": [
            ("Civilians (Mali)", "target", "B", "alleged"),
            ("Fulani Ethnic Group (Mali)", "target", "B", "alleged"),
            ("Malian Armed Forces", "perpetrator", "A", "alleged"),
            ("Wagner Group", "perpetrator", "A", "alleged"),
        ],
        # Violence against civilians: civilians killed, perpetrated by side A.
        "records": [("killed", "civilian", 14, 14, 14, ["Malian Armed Forces", "Wagner Group"])],
    }
    clash = summary(incident_of("MLI9002"))
    assert (clash["code"], clash["date_precision"], clash["event_type"], clash["fatalities"]) == (
        "MLI-2024-0002",
        "week",
        "Battles",
        (7, 7, 7),
    )
    # "(2013-)" is no alias of the army, but its undated name is the one of the army's dated aliases.
    assert clash["participants"] == [
        ("Katiba Serma", "target", "B", "alleged"),
        ("Malian Armed Forces", "perpetrator", "A", "alleged"),
    ]
    # Anything but violence against civilians: victims unknown, unattributed (counted under "involved").
    assert clash["records"] == [("killed", "unknown", 7, 7, 7, [])]
    protest = summary(incident_of("MLI9003"))
    assert protest["participants"] == [("Protesters (Mali)", "other", "A", "alleged")]
    assert protest["records"] == [("killed", "unknown", 0, 0, 0, [])]
    assert protest["civilian_targeting"] is False

    # Unknown names become actors of their ACLED type, flagged for review; nothing merged into a known actor. An
    # associated actor has no type of its own in the file: inter2 is the type of actor2.
    created = Actor.objects.filter(needs_review=True).order_by("name")
    assert [(a.name, a.kind) for a in created] == [
        ("Civilians (Mali)", "civilians"),
        ("Fulani Ethnic Group (Mali)", "unknown"),
        ("Katiba Serma", "rebel_group"),
        ("Protesters (Mali)", "protesters"),
    ]
    assert job.actors_created == 4
    assert not Actor.objects.filter(name__startswith="Military Forces of Mali").exists()

    # Provenance: ACLED as the source, one document and one accepted claim per event, cited by the record.
    imported = ImportedEvent.objects.get(external_id="MLI9001")
    assert imported.document.source.name == "ACLED"
    assert imported.document.title == "ACLED event MLI9001"
    assert imported.document.published_on == datetime.date(2024, 3, 9)  # the row's timestamp
    assert imported.document.snapshot_sha256
    claim = imported.claim
    assert (claim.incident_id, claim.review_status, claim.reviewed_by, claim.figure_best, claim.victim_status) == (
        imported.incident_id,
        "accepted",
        editor,
        14,
        "civilian",
    )
    assert claim.quote.startswith("Soldiers and foreign fighters entered Sama, searched houses")
    assert sorted(claim.attributed_actors.values_list("name", flat=True)) == ["Malian Armed Forces", "Wagner Group"]
    assert list(imported.casualty_record.claims.all()) == [claim]
    assert Document.objects.count() == Claim.objects.count() == 3
    assert Source.objects.filter(name="ACLED").count() == 1

    # One revision per incident, authored by the import's user.
    (revision,) = incident_revisions(imported.incident)
    assert (revision["user"], revision["action"]) == ("editor", "import.acled")
    # And the tallies count them already: every published incident's facts were written with it.
    assert set(CasualtyFact.objects.values_list("incident_id", flat=True)) == set(
        Incident.objects.values_list("pk", flat=True)
    )
    assert tallies_verify() == 0


def test_the_2019_schema_resolves_aliases_valid_on_the_event_date(known_actors, run_import):
    job = run_import("acled_2019.csv")

    assert (job.created, job.error_count) == (2, 0)
    ied = summary(incident_of("MLI8001"))
    assert (ied["start_date"], ied["event_type"], ied["sub_event_type"]) == (
        datetime.date(2020, 12, 31),
        "Explosions/Remote violence",
        "Remote explosive/landmine/IED",
    )
    assert ied["participants"] == [
        ("Jama'at Nusrat al-Islam wal-Muslimin", "perpetrator", "A", "alleged"),
        ("Malian Armed Forces", "target", "B", "alleged"),
    ]
    assert ied["records"] == [("killed", "unknown", 3, 3, 3, [])]
    abduction = summary(incident_of("MLI8002"))
    assert abduction["civilian_targeting"] is True
    assert abduction["records"] == [("killed", "civilian", 0, 0, 0, ["Unidentified Armed Group (Mali)"])]
    assert ImportedEvent.objects.get(external_id="MLI8001").data["data_id"] == "7001"
    assert Incident.objects.count() == 2  # the HXL row is no event


def test_the_pre_2019_schema_maps_old_event_types(known_actors, run_import):
    job = run_import("acled_pre2019.csv")

    assert (job.created, job.error_count) == (6, 0)
    got = {
        event_id: (
            summary(incident_of(event_id))["event_type"],
            summary(incident_of(event_id))["sub_event_type"],
            summary(incident_of(event_id))["participants"],
            summary(incident_of(event_id))["records"],
        )
        for event_id in ("MLI7001", "MLI7002", "MLI7003", "MLI7004", "MLI7005", "MLI7006")
    }
    assert got == {
        "MLI7001": (
            "Battles",
            "Armed clash",
            [
                ("MNLA: National Movement for the Liberation of Azawad", "target", "B", "alleged"),
                ("Malian Armed Forces", "perpetrator", "A", "alleged"),
            ],
            [("killed", "unknown", 4, 4, 4, [])],
        ),
        "MLI7002": (
            "Explosions/Remote violence",
            "",
            [
                (
                    "MINUSMA: United Nations Multidimensional Integrated Stabilization Mission in Mali",
                    "target",
                    "B",
                    "alleged",
                ),
                ("Unidentified Armed Group (Mali)", "perpetrator", "A", "alleged"),
            ],
            [("killed", "unknown", 0, 0, 0, [])],
        ),
        "MLI7003": (
            "Riots",
            "",
            [
                ("Police Forces of Mali", "target", "B", "alleged"),
                ("Rioters (Mali)", "perpetrator", "A", "alleged"),
            ],
            [("killed", "unknown", 1, 1, 1, [])],
        ),
        "MLI7004": (
            "Protests",
            "",
            [("Protesters (Mali)", "other", "A", "alleged")],
            [("killed", "unknown", 0, 0, 0, [])],
        ),
        "MLI7005": (
            "Violence against civilians",
            "",
            [
                ("Civilians (Mali)", "target", "B", "alleged"),
                ("Unidentified Armed Group (Mali)", "perpetrator", "A", "alleged"),
            ],
            [("killed", "civilian", 2, 2, 2, ["Unidentified Armed Group (Mali)"])],
        ),
        "MLI7006": (
            "Strategic developments",
            "",
            [("Malian Armed Forces", "other", "A", "alleged")],
            [("killed", "unknown", 0, 0, 0, [])],
        ),
    }
    # An unknown dated label creates one actor under its undated name, the label kept as a dated alias.
    police = Actor.objects.get(name="Police Forces of Mali")
    assert police.needs_review and police.kind == "state_forces"
    alias = ActorAlias.objects.get(actor=police)
    assert (alias.name, alias.valid_from, alias.valid_until) == (
        "Police Forces of Mali (2013-2020)",
        datetime.date(2013, 1, 1),
        datetime.date(2020, 12, 31),
    )
    assert incident_of("MLI7006").date_precision == "month"


def test_dated_labels_of_one_force_resolve_to_one_actor_ignoring_case_and_accents(known_actors, run_import, tmp_path):
    header = (FILES / "acled_current.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    row = (
        "{id},{date},2024,1,Political violence,Battles,Armed clash,{actor},NA,State forces,Katiba Serma,NA,"
        "Rebel group,,NA,466,Western Africa,Mali,Gao,Gao,NA,Gao,16.2,-0.04,1,AFP,National,Clash.,1,NA,1715000000"
    )
    rows = [
        row.format(id="MLI3001", date="2016-02-01", actor="Military Forces of Mali (2013-2020)"),
        row.format(id="MLI3002", date="2016-02-02", actor="Military Forces of Mali (2013-)"),
        row.format(id="MLI3003", date="2022-02-01", actor="MILITARY FORCES OF MALÍ (2021-)"),
        row.format(id="MLI3004", date="2022-02-02", actor="Military forces of Mali (2021-)"),
        row.format(id="MLI3005", date="2022-02-03", actor="Military Forces of Mali"),
    ]
    path = tmp_path / "labels.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")

    job = run_import(path)

    assert (job.created, job.error_count) == (5, 0)
    fama = known_actors["fama"]
    assert set(IncidentParticipant.objects.filter(side="A").values_list("actor_id", flat=True)) == {fama.pk}
    assert job.actors_created == 1  # Katiba Serma only
    # The one dated label the army did not have yet is now its alias, for the label's years; the others were known.
    assert list(
        ActorAlias.objects.filter(actor=fama)
        .order_by("valid_from", "name")
        .values_list("name", "valid_from", "valid_until")
    ) == [
        ("Military Forces of Mali (2013-)", datetime.date(2013, 1, 1), None),
        ("Military Forces of Mali (2013-2020)", datetime.date(2013, 9, 4), datetime.date(2020, 8, 18)),
        ("Military Forces of Mali (2020-2021)", datetime.date(2020, 8, 18), datetime.date(2021, 5, 24)),
        ("Military Forces of Mali (2021-)", datetime.date(2021, 5, 24), None),
    ]


def test_an_ambiguous_name_is_never_merged(known_actors, run_import, tmp_path):
    # Two actors both known as "The Group": the import cannot choose, so it creates a third, flagged.
    for name in ("First Group", "Second Group"):
        ActorAlias.objects.create(actor=Actor.objects.create(name=name, kind="rebel_group"), name="The Group")
    header = (FILES / "acled_current.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    row = (
        "MLI3101,2024-02-01,2024,1,Political violence,Battles,Armed clash,The Group,NA,Rebel group,"
        "Katiba Serma,NA,Rebel group,,NA,466,Western Africa,Mali,Gao,Gao,NA,Gao,16.2,-0.04,1,AFP,National,x,1,NA,"
    )
    path = tmp_path / "ambiguous.csv"
    path.write_text(f"{header}\n{row}\n", encoding="utf-8")

    run_import(path)

    (side_a,) = IncidentParticipant.objects.filter(side="A").select_related("actor")
    assert side_a.actor.name.startswith("The Group")
    assert side_a.actor.needs_review


def test_a_monadic_file_and_its_dyadic_twin_give_the_same_incidents_and_tallies(known_actors, run_import):
    actor_names = Actor.objects.filter(pk=OuterRef("actor_id")).values("name")

    def state():
        tallies_rebuild()
        incidents = {
            imported.external_id: summary(imported.incident)
            for imported in ImportedEvent.objects.select_related("incident")
        }
        cells = sorted(
            CasualtyFact.objects.annotate(actor_name=Subquery(actor_names)).values_list(
                "actor_name",
                "measure",
                "confirmed",
                "start_date",
                "date_precision",
                "country",
                "admin1",
                "harm",
                "victim_status",
                "low",
                "best",
                "high",
            ),
            key=repr,
        )
        return incidents, cells

    with transaction.atomic():
        dyadic = run_import("acled_dyadic.csv")
        dyadic_state = state()
        transaction.set_rollback(True)
    monadic = run_import("acled_monadic.csv")
    monadic_state = state()

    assert (dyadic.rows_read, dyadic.created, dyadic.error_count) == (3, 3, 0)
    assert (monadic.rows_read, monadic.created, monadic.error_count) == (5, 3, 0)
    assert monadic_state == dyadic_state
    massacre = monadic_state[0]["MLI6001"]
    assert massacre["fatalities"] == (20, 20, 20)  # counted once, not once per row
    assert massacre["records"] == [("killed", "civilian", 20, 20, 20, ["Dan Na Ambassagou", "Malian Armed Forces"])]
    assert [p[:3] for p in massacre["participants"]] == [
        ("Civilians (Mali)", "target", "B"),
        ("Dan Na Ambassagou", "perpetrator", "A"),
        ("Fulani Ethnic Group (Mali)", "target", "B"),
        ("Malian Armed Forces", "perpetrator", "A"),
    ]
    # ACLED's "involved" convention: the army's all-time tally holds both events it took part in, 32 killed.
    army = Actor.objects.get(name="Malian Armed Forces")
    [involved] = tally_answer(TallyQuestion(actor_ids=(army.pk,), measure="involved")).cells
    assert [involved[name] for name in ("incidents", "records", "low", "best", "high")] == [2, 2, 32, 32, 32]
    # Importing the dyadic twin over the monadic import changes nothing.
    again = run_import("acled_dyadic.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_a_revised_release_updates_only_the_changed_events_each_with_a_revision(known_actors, run_import, editor):
    run_import("acled_current.csv")
    revised_event = incident_of("MLI9001")
    stamped_only = incident_of("MLI9002")
    events_before = {
        event_id: Events.objects.references(incident_of(event_id)).count() for event_id in ("MLI9002", "MLI9003")
    }
    job = run_import("acled_current_revised.csv")

    assert (job.created, job.updated, job.unchanged, job.absent, job.conflicts) == (1, 1, 1, 1, 0)
    assert job.absent_ids == ["MLI9003"]  # reported, not deleted
    assert Incident.objects.count() == 4
    revised_event.refresh_from_db()
    assert revised_event.version == 2
    assert (revised_event.fatalities_low, revised_event.fatalities_best, revised_event.fatalities_high) == (24, 24, 24)
    assert parts(revised_event)["records"] == [
        ("killed", "civilian", 24, 24, 24, ["Malian Armed Forces", "Wagner Group"])
    ]
    record_ids = list(CasualtyRecord.objects.filter(incident=revised_event).values_list("pk", flat=True))
    assert record_ids == [ImportedEvent.objects.get(external_id="MLI9001").casualty_record_id]  # updated in place
    imported = ImportedEvent.objects.get(external_id="MLI9001")
    assert imported.claim.figure_best == 24
    latest, first = incident_revisions(revised_event)
    assert (latest["user"], latest["action"], latest["version"]) == ("editor", "import.acled", 2)
    changed = {change["record"]: change["fields"] for change in latest["changes"]}
    assert changed["incident"]["fatalities_best"] == {"from": 14, "to": 24}
    assert changed["casualtyrecord"]["count_best"] == {"from": 14, "to": 24}
    assert "incidentparticipant" not in changed  # the same actors: their rows untouched
    # The re-stamped and the absent events were not written at all.
    stamped_only.refresh_from_db()
    assert stamped_only.version == 1
    assert {
        event_id: Events.objects.references(incident_of(event_id)).count() for event_id in ("MLI9002", "MLI9003")
    } == events_before
    # The tallies count the update and the new event.
    assert set(CasualtyFact.objects.filter(incident=revised_event).values_list("best", flat=True)) == {24}
    assert CasualtyFact.objects.filter(incident=incident_of("MLI9004")).exists()
    assert tallies_verify() == 0
    # The public list's stored renderings show the new and the updated events, rendered once each at the end.
    assert_renderings_current()
    # Importing the same release again changes nothing.
    again = run_import("acled_current_revised.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_a_revised_claim_is_accepted_anew_by_the_editor_running_the_import(known_actors, run_import):
    run_import("acled_current.csv")
    second_editor = UserFactory(username="second-editor", role="editor")

    job = run_import("acled_current_revised.csv", by=second_editor)

    revised = ImportedEvent.objects.get(external_id="MLI9001").claim
    assert (revised.figure_best, revised.review_status, revised.reviewed_by) == (24, "accepted", second_editor)
    assert revised.review_note == f"ACLED import {job.pk}"
    # A claim whose wording did not change keeps its first review.
    assert ImportedEvent.objects.get(external_id="MLI9002").claim.reviewed_by.username == "editor"


def test_events_imported_when_the_digest_hashed_the_snapshot_are_still_known_unchanged(known_actors, run_import):
    run_import("acled_current.csv")
    current = dict(ImportedEvent.objects.values_list("external_id", "digest"))
    for imported in ImportedEvent.objects.select_related("document"):
        # What imports stored before the digest described the writes: the hash of the document's snapshot.
        ImportedEvent.objects.filter(pk=imported.pk).update(digest=imported.document.snapshot_sha256)
    assert not set(current.values()) & set(ImportedEvent.objects.values_list("digest", flat=True))

    job = run_import("acled_current_revised.csv")

    # MLI9002 was only stamped again, MLI9001 has a new fatality count.
    assert (job.created, job.updated, job.unchanged) == (1, 1, 1)
    assert incident_of("MLI9002").version == 1
    assert incident_of("MLI9001").version == 2
    # The unchanged event now holds the current digest, the one a round trip of the export keeps.
    assert ImportedEvent.objects.get(external_id="MLI9002").digest == current["MLI9002"]


def test_an_incident_edited_here_since_its_import_is_left_alone(known_actors, run_import):
    run_import("acled_current.csv")
    edited = incident_of("MLI9001")
    Incident.objects.filter(pk=edited.pk).update(version=2, title="Sama massacre")

    job = run_import("acled_current_revised.csv")

    assert (job.updated, job.conflicts) == (0, 1)
    assert "MLI9001" in job.notes[-1] and "edited here" in job.notes[-1]
    edited.refresh_from_db()
    assert (edited.title, edited.fatalities_best) == ("Sama massacre", 14)


def test_a_dry_run_reports_and_writes_nothing(known_actors, run_import):
    actors = Actor.objects.count()

    job = run_import("acled_current.csv", dry_run=True)

    assert job.status == ImportStatus.SUCCEEDED
    assert (job.created, job.actors_created, job.dry_run) == (3, 4, True)
    assert Incident.objects.count() == 0
    assert Actor.objects.count() == actors
    assert ImportedEvent.objects.count() == Document.objects.count() == CasualtyFact.objects.count() == 0
    assert not Source.objects.exists()


def test_bad_rows_are_reported_with_their_row_numbers_and_the_rest_imported(known_actors, run_import):
    job = run_import("acled_errors.csv")

    assert job.status == ImportStatus.SUCCEEDED
    assert [(error["row"], error["event_id"]) for error in job.errors] == [
        (3, "MLI5002"),
        (4, "MLI5003"),
        (5, "MLI5004"),
        (7, "MLI5006"),
    ]
    messages = [error["message"] for error in job.errors]
    assert "Bombing / Air/drone strike is not one of ACLED's event types" in messages[0]
    assert "fatalities is many" in messages[1]
    assert messages[2].startswith('No country in iso3 "", iso "999", country "Atlantis": none is a country')
    assert "cut short" in messages[3]
    assert job.error_count == 4
    assert sorted(ImportedEvent.objects.values_list("external_id", flat=True)) == ["MLI5001", "MLI5005"]


def test_a_monadic_row_that_disagrees_with_its_twin_is_a_row_error(known_actors, run_import, tmp_path):
    lines = (FILES / "acled_monadic.csv").read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("killed 20 villagers.,20,", "killed 20 villagers.,21,")
    path = tmp_path / "disagreeing.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    job = run_import(path)

    assert [(error["row"], error["event_id"]) for error in job.errors] == [(3, "MLI6001")]
    assert "already in row 2" in job.errors[0]["message"]
    assert incident_of("MLI6001").fatalities_best == 20


def test_a_failure_in_the_middle_of_the_merge_leaves_nothing(known_actors, run_import, monkeypatch):
    monkeypatch.setattr(pipeline, "BATCH_EVENTS", 1)
    original = AcledImport.create
    calls = []

    def failing_create(self, events):
        calls.append(len(events))
        if len(calls) == 2:
            raise RuntimeError("disk full")
        original(self, events)

    monkeypatch.setattr(AcledImport, "create", failing_create)
    actors = Actor.objects.count()

    job = run_import("acled_current.csv")

    assert calls == [1, 1]  # the first event was written before the failure
    assert job.status == ImportStatus.FAILED
    assert "disk full" in job.failure
    assert job.created == 0
    assert Incident.objects.count() == ImportedEvent.objects.count() == Claim.objects.count() == 0
    assert Actor.objects.count() == actors
    assert not CasualtyFact.objects.exists()


def test_the_new_incidents_are_counted_in_the_tallies_chunk_after_chunk(known_actors, run_import, monkeypatch):
    monkeypatch.setattr(tally_services, "REFRESH_CHUNK", 1)

    job = run_import("acled_current.csv")

    assert job.created == 3
    assert set(CasualtyFact.objects.values_list("incident_id", flat=True)) == set(
        Incident.objects.values_list("pk", flat=True)
    )
    assert tallies_verify() == 0


@pytest.mark.parametrize(("rebuild_from", "rebuilt"), [(3, True), (4, False)])
def test_an_import_of_many_incidents_among_few_rebuilds_the_tallies(
    known_actors, run_import, monkeypatch, rebuild_from, rebuilt
):
    """Three new incidents, all the published ones: rebuilt from three, rewritten one by one below."""
    monkeypatch.setattr(tally_services, "REBUILD_FROM", rebuild_from)

    with CaptureQueriesContext(connection) as queries:
        job = run_import("acled_current.csv")

    assert job.created == 3
    assert any("TRUNCATE tallies_casualtysum" in query["sql"] for query in queries) == rebuilt
    assert set(CasualtyFact.objects.values_list("incident_id", flat=True)) == set(
        Incident.objects.values_list("pk", flat=True)
    )
    assert tallies_verify() == 0


def test_a_file_that_is_not_acled_fails_the_job_with_a_clear_message(run_import, tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("id,date\n1,2024-01-01\n", encoding="utf-8")

    job = run_import(path)

    assert job.status == ImportStatus.FAILED
    assert "not an ACLED file" in job.failure
    assert Incident.objects.count() == 0


@pytest.mark.parametrize("role", ["analyst", "researcher"])
def test_only_editors_and_admins_may_import(role, request, admin_user):
    user = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        services.import_job_create(by=user, kind=ImportKind.ACLED, file_name="x.csv")
    assert services.import_job_create(by=admin_user, kind=ImportKind.ACLED, file_name="x.csv").user == admin_user
    assert ImportJob.objects.count() == 1


def test_a_finished_job_is_not_run_again(known_actors, run_import):
    job = run_import("acled_current.csv")

    with (FILES / "acled_current.csv").open("rb") as stream:
        again = services.import_job_run(job=job, stream=stream)

    assert (again.status, again.created) == (ImportStatus.SUCCEEDED, 3)
    assert Incident.objects.count() == 3


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_progress_is_visible_to_others_while_the_import_runs_and_its_rows_are_not(
    known_actors, run_import, monkeypatch
):
    monkeypatch.setattr(pipeline, "BATCH_EVENTS", 1)
    seen = []
    merge_batch = AcledImport.merge_batch

    def watched(self, events):
        merge_batch(self, events)
        other = connections.create_connection("default")  # what the page polling the job sees meanwhile
        try:
            with other.cursor() as cursor:
                cursor.execute(
                    "SELECT status, rows_read, events_total, events_done, "
                    "(SELECT count(*) FROM events_incident) FROM imports_importjob WHERE id = %s",
                    [self.job.pk],
                )
                seen.append(cursor.fetchone())
        finally:
            other.close()

    monkeypatch.setattr(AcledImport, "merge_batch", watched)

    job = run_import("acled_current.csv")

    assert seen == [("running", 3, 3, 0, 0), ("running", 3, 3, 1, 0), ("running", 3, 3, 2, 0)]
    job.refresh_from_db()
    assert (job.status, job.events_done, job.progress) == (ImportStatus.SUCCEEDED, 3, 100)
    assert Incident.objects.count() == 3
    assert CasualtyFact.objects.values("incident_id").distinct().count() == 3  # counted in the same transaction


def test_a_revised_actor_list_replaces_participants_and_attribution_in_place(known_actors, run_import, tmp_path):
    run_import("acled_current.csv")
    incident = incident_of("MLI9001")
    kept = IncidentParticipant.objects.get(incident=incident, actor=known_actors["fama"])
    lines = (FILES / "acled_current.csv").read_bytes().decode("utf-8-sig").split("\r\n")
    # ACLED drops Wagner from the event and moves it from Sama to Diafarabe, a revision with a later timestamp.
    lines[1] = lines[1].replace("Wagner Group", "NA").replace(",Sama,", ",Diafarabe,")
    lines[2] = lines[2].replace(",1710000000", ",1720000000")  # the record's last line (its notes hold a line break)
    path = tmp_path / "revised.csv"
    path.write_bytes("\r\n".join(lines).encode())

    job = run_import(path)

    assert (job.updated, job.unchanged) == (1, 2)
    incident.refresh_from_db()
    assert (incident.location_name, incident.title, incident.version) == ("Diafarabe", "Attack: Diafarabe, Mopti", 2)
    assert parts(incident) == {
        "participants": [
            ("Civilians (Mali)", "target", "B", "alleged"),
            ("Fulani Ethnic Group (Mali)", "target", "B", "alleged"),
            ("Malian Armed Forces", "perpetrator", "A", "alleged"),
        ],
        "records": [("killed", "civilian", 14, 14, 14, ["Malian Armed Forces"])],
    }
    assert IncidentParticipant.objects.filter(pk=kept.pk).exists()  # the army's row kept its id
    claim = ImportedEvent.objects.get(external_id="MLI9001").claim
    assert list(claim.attributed_actors.values_list("name", flat=True)) == ["Malian Armed Forces"]
    latest = incident_revisions(incident)[0]
    events = {(change["record"], change["event"]) for change in latest["changes"]}
    assert ("incidentparticipant", "delete") in events
    assert ("casualtyperpetrator", "delete") in events
    changed = {change["record"]: change["fields"] for change in latest["changes"] if change["event"] == "update"}
    assert changed["incident"]["location_name"] == {"from": "Sama", "to": "Diafarabe"}


def test_every_row_the_bulk_path_writes_has_its_history_snapshot_under_the_import_context(known_actors, run_import):
    job = run_import("acled_current.csv")

    for model in writer.BULK_MODELS:
        event_model = history.event_model(model)
        rows = {row["id"]: row for row in model.objects.values()}
        snapshots = list(event_model.objects.filter(pgh_label="insert").select_related("pgh_context"))
        assert sorted(snapshot.pgh_obj_id for snapshot in snapshots) == sorted(rows), model
        for snapshot in snapshots:
            assert snapshot.pgh_context.metadata["import_job"] == job.pk
            assert snapshot.pgh_context.metadata["user"] == job.user_id
            for field in event_model._meta.concrete_fields:
                if not field.name.startswith("pgh_") and field.attname in rows[snapshot.pgh_obj_id]:
                    assert getattr(snapshot, field.attname) == rows[snapshot.pgh_obj_id][field.attname], field


def test_new_events_cost_a_fixed_number_of_queries_however_many_there_are(known_actors, run_import, tmp_path):
    header = (FILES / "acled_current.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    row = (
        "MLI{n},2024-02-{day:02d},2024,1,Political violence,Violence against civilians,Attack,"
        "Military Forces of Mali (2021-),Wagner Group,State forces,Wagner Group,NA,External/Other forces,,"
        "Civilian targeting,466,Western Africa,Mali,Mopti,Djenne,NA,Place {n},14.1,-4.2,1,AFP,National,"
        '"Attack, {n}.",{n},NA,1710000000'
    )

    def queries_for(first: int, count: int) -> int:
        path = tmp_path / f"file{first}.csv"
        lines = [row.format(n=n, day=1 + n % 28) for n in range(first, first + count)]
        path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
        with CaptureQueriesContext(connection) as queries:
            job = run_import(path)
        assert (job.created, job.error_count) == (count, 0)
        return len(queries)

    queries_for(1000, 2)  # the ACLED source, created once
    assert queries_for(2000, 40) == queries_for(3000, 4)
