"""The tally cells against a count written plainly here, and the incremental refresh against the full rebuild."""

import datetime
from collections import defaultdict

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actors.choices import RelationKind
from actors.models import ActorRelation
from events.choices import Attribution, IncidentStatus, ParticipantRole
from events.models import CasualtyPerpetrator, CasualtyRecord, Incident, IncidentParticipant
from events.services import (
    IncidentParts,
    incident_publish,
    incident_retract,
    incident_update,
)
from sources.choices import ReviewStatus
from tallies.models import ActorSet, TallyCell, TallyChange, TallySubject
from tallies.services import tallies_rebuild, tallies_refresh
from tests.factories import ActorFactory, ClaimFactory, IncidentFactory, UserFactory

ACCEPTS = {"confirmed": {"confirmed"}, "alleged": {"confirmed", "alleged"}}
KEY = (
    "subject_id",
    "measure",
    "attribution",
    "period_type",
    "period_start",
    "country",
    "admin1",
    "harm",
    "victim_status",
)
VALUES = ("incidents", "records", "low", "best", "high", "week_precision", "month_precision", "year_precision")


# -- the count, written plainly ---------------------------------------------------------------------------------------


def _buckets(day: datetime.date) -> list[tuple[str, datetime.date | None]]:
    return [
        ("all", None),
        ("year", datetime.date(day.year, 1, 1)),
        ("quarter", datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)),
        ("month", datetime.date(day.year, day.month, 1)),
    ]


def brute_force_cells() -> dict[tuple, dict]:
    """Every cell, from the rows themselves, loop by loop: what the SQL must give."""
    incidents = {i.pk: i for i in Incident.objects.filter(status=IncidentStatus.PUBLISHED)}
    participants = [p for p in IncidentParticipant.objects.all() if p.incident_id in incidents]
    records = [r for r in CasualtyRecord.objects.all() if r.incident_id in incidents]
    perpetrators = defaultdict(set)  # record -> participants held responsible
    for link in CasualtyPerpetrator.objects.all():
        perpetrators[link.casualty_record_id].add(link.participant_id)
    participant_by_id = {p.pk: p for p in participants}
    cells: dict[tuple, dict] = {}
    for subject in TallySubject.objects.prefetch_related("member_links"):
        members = {link.actor_id for link in subject.member_links.all()}
        for level, accepted in ACCEPTS.items():
            qualifying = [p for p in participants if p.actor_id in members and p.attribution in accepted]
            involved_incidents = {p.incident_id for p in qualifying}
            perpetrating = {p.pk for p in qualifying if p.role == ParticipantRole.PERPETRATOR}
            facts = {
                "perpetrated": [r for r in records if perpetrators[r.pk] & perpetrating],
                "involved": [r for r in records if r.incident_id in involved_incidents],
            }
            for measure, chosen in facts.items():
                for record in chosen:
                    incident = incidents[record.incident_id]
                    for period_type, period_start in _buckets(incident.start_date):
                        for country, admin1 in (
                            (incident.country, incident.admin1),
                            (incident.country, None),
                            (None, None),
                        ):
                            for harm in (record.harm, None):
                                for status in (record.victim_status, None):
                                    key = (
                                        subject.pk,
                                        measure,
                                        level,
                                        period_type,
                                        period_start,
                                        country,
                                        admin1,
                                        harm,
                                        status,
                                    )
                                    cell = cells.setdefault(
                                        key,
                                        {
                                            "incidents": set(),
                                            "records": 0,
                                            "low": 0,
                                            "best": 0,
                                            "high": 0,
                                            "precision": defaultdict(set),
                                        },
                                    )
                                    cell["incidents"].add(incident.pk)
                                    cell["records"] += 1
                                    cell["low"] += record.count_low
                                    cell["best"] += record.count_best
                                    cell["high"] += record.count_high
                                    cell["precision"][incident.date_precision].add(incident.pk)
    del participant_by_id
    return {
        key: {
            "incidents": len(cell["incidents"]),
            "records": cell["records"],
            "low": cell["low"],
            "best": cell["best"],
            "high": cell["high"],
            "week_precision": len(cell["precision"]["week"]),
            "month_precision": len(cell["precision"]["month"]),
            "year_precision": len(cell["precision"]["year"]),
        }
        for key, cell in cells.items()
    }


def stored_cells() -> dict[tuple, dict]:
    return {
        tuple(row[name] for name in KEY): {name: row[name] for name in VALUES}
        for row in TallyCell.objects.values(*KEY, *VALUES)
    }


# -- random worlds ----------------------------------------------------------------------------------------------------

DAYS = st.dates(min_value=datetime.date(2023, 11, 1), max_value=datetime.date(2024, 4, 30))
RECORD = st.fixed_dictionaries(
    {
        "harm": st.sampled_from(["killed", "injured"]),
        "victim_status": st.sampled_from(["civilian", "combatant"]),
        "low": st.integers(0, 5),
        "extra": st.integers(0, 3),
        "more": st.integers(0, 3),
        "blamed": st.lists(st.integers(0, 3), max_size=3),
    }
)
INCIDENT = st.fixed_dictionaries(
    {
        "status": st.sampled_from([IncidentStatus.PUBLISHED, IncidentStatus.PUBLISHED, IncidentStatus.SUBMITTED]),
        "start": DAYS,
        "precision": st.sampled_from(["day", "week", "month", "year"]),
        "place": st.sampled_from([("MLI", "Gao"), ("MLI", "Mopti"), ("BFA", "Sahel")]),
        "participants": st.lists(
            st.tuples(
                st.integers(0, 3),
                st.sampled_from([ParticipantRole.PERPETRATOR, ParticipantRole.PERPETRATOR, ParticipantRole.TARGET]),
                st.sampled_from([Attribution.CONFIRMED, Attribution.ALLEGED, Attribution.DISPUTED]),
            ),
            min_size=1,
            max_size=4,
            unique_by=lambda p: (p[0], p[1]),
        ),
        "records": st.lists(RECORD, min_size=1, max_size=3),
    }
)
WORLD = st.fixed_dictionaries(
    {
        "incidents": st.lists(INCIDENT, min_size=1, max_size=5),
        "relations": st.lists(
            st.tuples(
                st.integers(0, 3), st.sampled_from([RelationKind.SUCCEEDED_BY, RelationKind.PART_OF]), st.integers(0, 3)
            ),
            max_size=3,
        ),
        "sets": st.lists(st.sets(st.integers(0, 3), min_size=2), max_size=2),
        "edits": st.lists(
            st.tuples(st.integers(0, 4), st.sampled_from(["retract", "publish", "move", "recount", "drop_blame"])),
            min_size=1,
            max_size=4,
        ),
    }
)


def build(world: dict, author) -> tuple[list, list[Incident]]:
    actors = [ActorFactory() for _ in range(4)]
    for subject, kind, target in world["relations"]:
        if subject != target:
            ActorRelation.objects.get_or_create(subject=actors[subject], kind=kind, object=actors[target])
    for number, members in enumerate(world["sets"]):
        actor_set = ActorSet.objects.create(name=f"Set {number}")
        actor_set.members.set([actors[i] for i in members])
    incidents = []
    for spec in world["incidents"]:
        incident = IncidentFactory(
            status=spec["status"],
            published_at=timezone.now() if spec["status"] == IncidentStatus.PUBLISHED else None,
            submitted_at=timezone.now(),
            start_date=spec["start"],
            end_date=spec["start"],
            date_precision=spec["precision"],
            country=spec["place"][0],
            admin1=spec["place"][1],
            created_by=author,
        )
        ClaimFactory(
            incident=incident, review_status=ReviewStatus.ACCEPTED, reviewed_by=author, reviewed_at=timezone.now()
        )
        participants = {
            (actor, role): IncidentParticipant.objects.create(
                incident=incident, actor=actors[actor], role=role, attribution=attribution
            )
            for actor, role, attribution in spec["participants"]
        }
        for record_spec in spec["records"]:
            record = CasualtyRecord.objects.create(
                incident=incident,
                harm=record_spec["harm"],
                victim_status=record_spec["victim_status"],
                count_low=record_spec["low"],
                count_best=record_spec["low"] + record_spec["extra"],
                count_high=record_spec["low"] + record_spec["extra"] + record_spec["more"],
            )
            for actor in set(record_spec["blamed"]):
                participant = participants.get((actor, ParticipantRole.PERPETRATOR))
                if participant is not None:
                    CasualtyPerpetrator.objects.create(
                        incident=incident, casualty_record=record, participant=participant
                    )
        incidents.append(incident)
    return actors, incidents


def edit(incident: Incident, action: str, editor) -> None:
    """One change through the services, as an editor would make it."""
    incident.refresh_from_db()
    if action == "retract" and incident.status == IncidentStatus.PUBLISHED:
        incident_retract(incident=incident, by=editor, reason="Duplicate.")
    elif action == "publish" and incident.status == IncidentStatus.SUBMITTED:
        incident_publish(incident=incident, by=editor)
    elif action == "move" and incident.status == IncidentStatus.PUBLISHED:
        day = incident.start_date.replace(year=incident.start_date.year - 1, day=1)
        incident_update(
            incident=incident,
            by=editor,
            expected_version=incident.version,
            fields={"start_date": day, "end_date": day, "admin1": "Kidal"},
        )
    elif action in ("recount", "drop_blame") and incident.status == IncidentStatus.PUBLISHED:
        from events.selectors import incident_parts

        parts: IncidentParts = incident_parts(incident)
        for record in parts.casualty_records:
            if action == "recount":
                record.count_high += 10
            else:
                record.perpetrators = record.perpetrators[:-1]
        if action == "drop_blame" and parts.participants:
            last = parts.participants[-1]
            if not any(last.actor == actor for record in parts.casualty_records for actor in record.perpetrators):
                parts.participants = parts.participants[:-1]
        incident_update(incident=incident, by=editor, expected_version=incident.version, parts=parts)


@pytest.fixture
def cast(db):
    return UserFactory(username="tally-analyst", role="analyst"), UserFactory(username="tally-editor", role="editor")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], derandomize=True)
@given(world=WORLD)
def test_refresh_and_rebuild_agree_with_a_plain_count(cast, world):
    analyst, editor = cast
    with transaction.atomic():
        actors, incidents = build(world, analyst)
        tallies_rebuild()
        assert stored_cells() == brute_force_cells()

        for index, action in world["edits"]:
            edit(incidents[index % len(incidents)], action, editor)
        tallies_refresh()
        refreshed = stored_cells()
        assert not TallyChange.objects.filter(applied_at__isnull=True).exists()
        assert refreshed == brute_force_cells()

        tallies_rebuild()
        assert stored_cells() == refreshed
        transaction.set_rollback(True)


def test_joint_perpetration_counts_in_full_for_each_actor_and_once_for_their_set(cast):
    analyst, _ = cast
    fama, wagner = ActorFactory(name="FAMa"), ActorFactory(name="Wagner Group")
    both = ActorSet.objects.create(name="FAMa + Wagner")
    both.members.set([fama, wagner])
    incident = IncidentFactory(status=IncidentStatus.PUBLISHED, published_at=timezone.now(), created_by=analyst)
    record = CasualtyRecord.objects.create(
        incident=incident, harm="killed", victim_status="civilian", count_low=20, count_best=25, count_high=30
    )
    for actor in (fama, wagner):
        participant = IncidentParticipant.objects.create(
            incident=incident, actor=actor, role="perpetrator", attribution="confirmed"
        )
        CasualtyPerpetrator.objects.create(incident=incident, casualty_record=record, participant=participant)

    tallies_rebuild()

    def best(**subject):
        return TallyCell.objects.get(
            subject=TallySubject.objects.get(**subject),
            measure="perpetrated",
            attribution="confirmed",
            period_type="all",
            country=None,
            harm="killed",
            victim_status=None,
        ).best

    assert best(kind="actor", actor=fama) == 25
    assert best(kind="actor", actor=wagner) == 25
    assert best(kind="set", actor_set=both) == 25  # not 50


def test_the_rebuild_runs_the_same_queries_for_few_actors_and_many(db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_of_a_rebuild() -> int:
        with CaptureQueriesContext(connection) as captured:
            tallies_rebuild()
        return len(captured.captured_queries)

    ActorRelation.objects.create(subject=ActorFactory(), kind=RelationKind.SUCCEEDED_BY, object=ActorFactory())
    ActorSet.objects.create(name="A pair").members.set(ActorFactory.create_batch(2))
    few = queries_of_a_rebuild()
    for _ in range(15):
        ActorRelation.objects.create(subject=ActorFactory(), kind=RelationKind.PART_OF, object=ActorFactory())
    ActorSet.objects.create(name="Every unit").members.set(ActorFactory.create_batch(3))

    assert queries_of_a_rebuild() == few
