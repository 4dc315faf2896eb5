"""The casualty facts and the tallies counted from them against a count written plainly here: the facts kept in the
transaction of each change, and the full rebuild."""

import datetime
from collections import defaultdict
from dataclasses import replace

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actors.choices import RelationKind
from actors.models import ActorRelation
from actors.selectors import actor_lineage_ids
from events.choices import Attribution, IncidentStatus, ParticipantRole
from events.models import CasualtyPerpetrator, CasualtyRecord, Incident, IncidentParticipant
from events.services import IncidentParts, incident_publish, incident_retract, incident_update
from sources.choices import ReviewStatus
from tallies.models import ActorSet
from tallies.selectors import TallyQuestion, tally_answer
from tallies.services import tallies_rebuild, tallies_verify
from tests.factories import ActorFactory, ClaimFactory, IncidentFactory, UserFactory
from tests.helpers.tallies import facts, sums

ACCEPTS = {"confirmed": {"confirmed"}, "alleged": {"confirmed", "alleged"}}
VALUES = ("incidents", "records", "low", "best", "high", "week_precision", "month_precision", "year_precision")
PERIODS = ("all", "year", "quarter", "month")


# -- the count, written plainly ---------------------------------------------------------------------------------------


def _buckets(day: datetime.date) -> list[tuple[str, datetime.date | None]]:
    return [
        ("all", None),
        ("year", datetime.date(day.year, 1, 1)),
        ("quarter", datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)),
        ("month", datetime.date(day.year, day.month, 1)),
    ]


def _published():
    incidents = {i.pk: i for i in Incident.objects.filter(status=IncidentStatus.PUBLISHED)}
    participants = [p for p in IncidentParticipant.objects.all() if p.incident_id in incidents]
    records = [r for r in CasualtyRecord.objects.all() if r.incident_id in incidents]
    perpetrators = defaultdict(set)  # record -> participants held responsible
    for link in CasualtyPerpetrator.objects.all():
        perpetrators[link.casualty_record_id].add(link.participant_id)
    return incidents, participants, records, perpetrators


def _counted(members: set[int], level: str, published) -> dict[str, list]:
    """The records a set of actors counts at a level, under each measure, each once."""
    incidents, participants, records, perpetrators = published
    qualifying = [p for p in participants if p.actor_id in members and p.attribution in ACCEPTS[level]]
    involved_incidents = {p.incident_id for p in qualifying}
    perpetrating = {p.pk for p in qualifying if p.role == ParticipantRole.PERPETRATOR}
    return {
        "perpetrated": [r for r in records if perpetrators[r.pk] & perpetrating],
        "involved": [r for r in records if r.incident_id in involved_incidents],
    }


def brute_force_facts() -> set[tuple]:
    """Every fact: each published record, for each actor it counts for, under each measure, loop by loop."""
    published = _published()
    incidents = published[0]
    actors = {p.actor_id for p in published[1]}
    rows = set()
    for actor in actors:
        alleged, confirmed = _counted({actor}, "alleged", published), _counted({actor}, "confirmed", published)
        for measure, chosen in alleged.items():
            for record in chosen:
                incident = incidents[record.incident_id]
                rows.add(
                    (
                        record.pk,
                        actor,
                        measure,
                        record in confirmed[measure],
                        incident.pk,
                        incident.start_date,
                        incident.date_precision,
                        incident.country,
                        incident.admin1,
                        record.harm,
                        record.victim_status,
                        record.count_low,
                        record.count_best,
                        record.count_high,
                    )
                )
    return rows


def subjects(actors, sets) -> dict[tuple, TallyQuestion]:
    """Each actor, each actor with its lineage (when it has one), each named set: the question asking its tally."""
    asked = {}
    for actor in actors:
        asked[("actor", actor.pk)] = TallyQuestion(actor_ids=(actor.pk,))
        if len(actor_lineage_ids([actor.pk])) > 1:
            asked[("lineage", actor.pk)] = TallyQuestion(actor_ids=(actor.pk,), include_related=True)
    for actor_set in sets:
        asked[("set", actor_set.pk)] = TallyQuestion(actor_ids=tuple(a.pk for a in actor_set.members.all()))
    return asked


def brute_force_cells(asked: dict[tuple, TallyQuestion]) -> dict[tuple, dict]:
    """Every tally with casualties, from the rows themselves, loop by loop: what the SQL must give. A key is the
    subject, measure, level, period type and start, place (country, admin1; None: all) and harm and victims' status
    (None: all)."""
    published = _published()
    incidents = published[0]
    cells: dict[tuple, dict] = {}
    for subject, question in asked.items():
        members = set(question.actor_ids)
        if question.include_related:
            members = actor_lineage_ids(members)
        for level in ACCEPTS:
            for measure, chosen in _counted(members, level, published).items():
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
                                        subject,
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


def answered_cells(asked: dict[tuple, TallyQuestion], expected: dict[tuple, dict]) -> dict[tuple, dict]:
    """The tallies as the selector answers them, asked for every question the plain count has a cell for and for
    every subject's unfiltered tallies in every period type (the facts, compared row by row elsewhere, decide
    what any other question could find)."""
    questions = {key[:4] + key[5:] for key in expected}
    questions |= {
        (subject, measure, level, period, None, None, None, None)
        for subject in asked
        for measure in ("perpetrated", "involved")
        for level in ACCEPTS
        for period in PERIODS
    }
    answered = {}
    for subject, measure, level, period, country, admin1, harm, status in questions:
        question = replace(
            asked[subject],
            measure=measure,
            attribution=level,
            period=period,
            country=country,
            admin1=admin1,
            harm=harm,
            victim_status=status,
        )
        for cell in tally_answer(question).cells:
            key = (subject, measure, level, period, cell["period_start"], country, admin1, harm, status)
            answered[key] = {name: cell[name] for name in VALUES}
    return answered


def assert_tallies_agree_with_a_plain_count(actors, sets) -> None:
    assert facts() == brute_force_facts()
    asked = subjects(actors, sets)
    expected = brute_force_cells(asked)
    assert answered_cells(asked, expected) == expected


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


def build(world: dict, author) -> tuple[list, list[ActorSet], list[Incident]]:
    actors = [ActorFactory() for _ in range(4)]
    for subject, kind, target in world["relations"]:
        if subject != target:
            ActorRelation.objects.get_or_create(subject=actors[subject], kind=kind, object=actors[target])
    sets = []
    for number, members in enumerate(world["sets"]):
        actor_set = ActorSet.objects.create(name=f"Set {number}")
        actor_set.members.set([actors[i] for i in members])
        sets.append(actor_set)
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
    return actors, sets, incidents


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
def test_facts_kept_with_each_change_and_rebuilt_agree_with_a_plain_count(cast, world):
    analyst, editor = cast
    with transaction.atomic():
        # Written straight into the tables, round the services: only the rebuild counts them.
        actors, sets, incidents = build(world, analyst)
        tallies_rebuild()
        assert_tallies_agree_with_a_plain_count(actors, sets)

        # Through the services: each change is counted in its own transaction, nothing to run after it.
        for index, action in world["edits"]:
            edit(incidents[index % len(incidents)], action, editor)
        assert_tallies_agree_with_a_plain_count(actors, sets)
        kept, summed = facts(), sums()

        # The sums kept change by change are those of the facts summed at once.
        assert tallies_verify() == 0
        tallies_rebuild()
        assert (facts(), sums()) == (kept, summed)
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

    def best(*actors):
        question = TallyQuestion(actor_ids=tuple(a.pk for a in actors), attribution="confirmed", harm="killed")
        [cell] = tally_answer(question).cells
        return cell["best"]

    assert best(fama) == 25
    assert best(wagner) == 25
    assert best(fama, wagner) == 25  # not 50


def test_a_set_counts_once_what_two_or_three_of_its_members_share(cast):
    analyst, editor = cast
    a, b, c = ActorFactory(), ActorFactory(), ActorFactory()

    def incident(*records):
        """A published incident; each record (harm, best, its perpetrators) blamed on its actors."""
        made = IncidentFactory(status=IncidentStatus.PUBLISHED, published_at=timezone.now(), created_by=analyst)
        participants = {
            actor: IncidentParticipant.objects.create(incident=made, actor=actor, role="perpetrator")
            for actor in {actor for _harm, _best, actors in records for actor in actors}
        }
        for harm, best, actors in records:
            record = CasualtyRecord.objects.create(
                incident=made, harm=harm, victim_status="civilian", count_low=best, count_best=best, count_high=best
            )
            for actor in actors:
                CasualtyPerpetrator.objects.create(
                    incident=made, casualty_record=record, participant=participants[actor]
                )
        return made

    incident(("killed", 1, [a, b, c]))
    incident(("killed", 10, [a, b]))
    incident(("killed", 100, [a]), ("injured", 1000, [b]))  # one incident, its records on two members
    moved = incident(("killed", 10000, [b, c]))
    tallies_rebuild()

    def counted(*actors, harm=None):
        question = TallyQuestion(actor_ids=tuple(actor.pk for actor in actors), harm=harm)
        cells = tally_answer(question).cells
        return (cells[0]["incidents"], cells[0]["records"], cells[0]["best"]) if cells else None

    expected = {
        (a,): (3, 3, 111),
        (a, b): (4, 5, 11111),
        (a, c): (4, 4, 10111),
        (b, c): (4, 4, 11011),
        (a, b, c): (4, 5, 11111),
    }
    assert {actors: counted(*actors) for actors in expected} == expected
    assert counted(a, b, harm="injured") == (1, 1, 1000)
    assert counted(a, b, harm="killed") == (4, 4, 10111)

    # Retracted in its own transaction: counted no more, for any set holding its actors.
    incident_retract(incident=moved, by=editor, reason="Duplicate.")
    assert counted(b, c) == (3, 3, 1011)
    assert counted(a, b, c) == (3, 4, 1111)
    assert tallies_verify() == 0


def test_the_rebuild_runs_the_same_queries_for_few_incidents_and_many(cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    analyst, _ = cast

    def queries_of_a_rebuild() -> int:
        with CaptureQueriesContext(connection) as captured:
            tallies_rebuild()
        return len(captured.captured_queries)

    def incident_with_a_record():
        incident = IncidentFactory(status=IncidentStatus.PUBLISHED, published_at=timezone.now(), created_by=analyst)
        IncidentParticipant.objects.create(incident=incident, actor=ActorFactory(), role="perpetrator")
        CasualtyRecord.objects.create(
            incident=incident, harm="killed", victim_status="civilian", count_low=1, count_best=1, count_high=1
        )

    ActorRelation.objects.create(subject=ActorFactory(), kind=RelationKind.SUCCEEDED_BY, object=ActorFactory())
    incident_with_a_record()
    few = queries_of_a_rebuild()
    for _ in range(15):
        incident_with_a_record()
    ActorSet.objects.create(name="Every unit").members.set(ActorFactory.create_batch(3))

    assert queries_of_a_rebuild() == few


def test_the_rebuild_makes_again_every_index_and_key_it_set_aside(cast):
    """The rebuild writes each table without its indexes: each comes back as the migrations made it, the facts'
    primary key (actor, measure, record) included."""
    from django.db import connection

    def indexes() -> set[tuple[str, str]]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index"
                " WHERE indrelid IN ('tallies_casualtyfact'::regclass, 'tallies_casualtysum'::regclass)"
                " UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conrelid IN ('tallies_casualtyfact'::regclass, 'tallies_casualtysum'::regclass)"
            )
            return set(cursor.fetchall())

    analyst, _ = cast
    incident = IncidentFactory(status=IncidentStatus.PUBLISHED, published_at=timezone.now(), created_by=analyst)
    IncidentParticipant.objects.create(incident=incident, actor=ActorFactory(), role="perpetrator")
    CasualtyRecord.objects.create(
        incident=incident, harm="killed", victim_status="civilian", count_low=1, count_best=1, count_high=1
    )
    before = indexes()

    assert tallies_rebuild() == 1
    assert indexes() == before
    assert ("tallies_casualtyfact_pkey", "PRIMARY KEY (actor_id, measure, record_id)") in before
    assert tallies_verify() == 0


@pytest.mark.parametrize(
    ("after", "before", "quarters"),
    [
        (None, None, ["2024-01-01", "2024-04-01"]),
        ("2024-01-15", None, ["2024-04-01"]),  # the first quarter starts before the 15th
        ("2024-01-01", "2024-03-31", ["2024-01-01"]),
        (None, "2024-04-01", ["2024-01-01", "2024-04-01"]),  # the second quarter starts on the 1st of April
        ("2024-04-02", "2024-12-31", []),
    ],
)
def test_a_date_window_keeps_the_periods_starting_within_it(cast, after, before, quarters):
    analyst, _ = cast
    actor = ActorFactory()
    for day in (datetime.date(2024, 2, 10), datetime.date(2024, 5, 20)):
        incident = IncidentFactory(
            status=IncidentStatus.PUBLISHED,
            published_at=timezone.now(),
            created_by=analyst,
            start_date=day,
            end_date=day,
        )
        IncidentParticipant.objects.create(incident=incident, actor=actor, role="perpetrator")
        CasualtyRecord.objects.create(
            incident=incident, harm="killed", victim_status="civilian", count_low=1, count_best=1, count_high=1
        )
    tallies_rebuild()

    question = TallyQuestion(
        actor_ids=(actor.pk,),
        measure="involved",
        period="quarter",
        date_after=after and datetime.date.fromisoformat(after),
        date_before=before and datetime.date.fromisoformat(before),
    )

    assert [cell["period_start"].isoformat() for cell in tally_answer(question).cells] == quarters
