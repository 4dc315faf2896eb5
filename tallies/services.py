"""Computing the tally cells, in PostgreSQL: a full rebuild, and the refresh of what pending changes touch.

Both run the same statement (tallies/queries.py), the refresh restricted to the subjects and periods the changes
touch, so the two cannot drift apart. Each runs in one REPEATABLE READ transaction behind one advisory lock: the
cells, and the changes marked applied, come from one snapshot of the data, and two runs never interleave. A run
killed half-way leaves nothing (its transaction is rolled back) and the next run redoes it: cells are replaced,
never incremented.
"""

import datetime
from collections.abc import Iterable
from contextlib import contextmanager

from django.db import connection, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from actors.selectors import actor_lineages
from conflict_tracker.choices import PeriodType
from conflict_tracker.incident_changes import IncidentChange
from conflict_tracker.tasks import enqueue_on_commit
from events.models import Incident

from .choices import SubjectKind
from .models import ActorSet, TallyCell, TallyChange, TallySubject, TallySubjectMember
from .queries import insert_cells

# One lock for every writer of the cells; the number is arbitrary, the same everywhere.
_LOCK_KEY = 7_402_113


def period_starts(day: datetime.date) -> dict[str, datetime.date]:
    """The first day of the year, quarter and month holding `day`: the buckets an incident's start falls in."""
    return {
        PeriodType.YEAR: day.replace(month=1, day=1),
        PeriodType.QUARTER: day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1),
        PeriodType.MONTH: day.replace(day=1),
    }


@contextmanager
def _exclusive_run():
    """One transaction with one snapshot for all its reads, and no other writer of the cells meanwhile.

    The lock is taken before the transaction starts: a run that waited for it then reads what the run before it
    committed. (Inside a caller's transaction, a test's say, the snapshot is the caller's and the lock lasts
    until the caller's transaction ends.)"""
    outermost = not connection.in_atomic_block
    if outermost:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [_LOCK_KEY])
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                if outermost:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                else:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
            yield
    finally:
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])


def _sync_subjects(actor_ids: Iterable[int] | None = None) -> None:
    """Make the subjects match the actors: one per actor, one per actor whose lineage holds others, one per named
    set, each with its members. With `actor_ids`, only those actors' own subjects are made sure of (new actors
    met by a refresh); the rest (lineages that a new relation changed, sets) waits for the full rebuild.
    A fixed number of queries, however many actors."""
    lineages = actor_lineages(actor_ids)
    wanted: dict[tuple[str, int], set[int]] = {}
    for actor_id, lineage in lineages.items():
        wanted[(SubjectKind.ACTOR, actor_id)] = {actor_id}
        if len(lineage) > 1:
            wanted[(SubjectKind.LINEAGE, actor_id)] = lineage
    TallySubject.objects.bulk_create(
        [TallySubject(kind=kind, actor_id=actor_id) for kind, actor_id in wanted], ignore_conflicts=True
    )
    subjects = TallySubject.objects.filter(kind__in=[SubjectKind.ACTOR, SubjectKind.LINEAGE])
    if actor_ids is not None:
        subjects = subjects.filter(actor_id__in=list(lineages))
    members = {subject_id: wanted[key] for subject_id, key in _keys(subjects).items() if key in wanted}
    if actor_ids is None:
        # A lineage subject whose actor has no relation left, or whose actor is gone: its cells go with it.
        subjects.exclude(pk__in=list(members)).delete()
        sets = list(ActorSet.objects.prefetch_related("members"))
        TallySubject.objects.bulk_create(
            [TallySubject(kind=SubjectKind.SET, actor_set=actor_set) for actor_set in sets], ignore_conflicts=True
        )
        set_subjects = dict(TallySubject.objects.filter(kind=SubjectKind.SET).values_list("actor_set_id", "pk"))
        for actor_set in sets:
            members[set_subjects[actor_set.pk]] = {actor.pk for actor in actor_set.members.all()}
    _set_members(members)


def _keys(subjects) -> dict[int, tuple[str, int]]:
    return {pk: (kind, actor_id) for pk, kind, actor_id in subjects.values_list("pk", "kind", "actor_id")}


def _set_members(members: dict[int, set[int]]) -> None:
    """Give each of these subjects exactly these member actors: one read, one delete, one insert."""
    current = TallySubjectMember.objects.filter(subject_id__in=list(members))
    present = {
        (subject_id, actor_id): pk for pk, subject_id, actor_id in current.values_list("pk", "subject_id", "actor_id")
    }
    wanted = {(subject_id, actor_id) for subject_id, actor_ids in members.items() for actor_id in actor_ids}
    TallySubjectMember.objects.filter(pk__in=[pk for pair, pk in present.items() if pair not in wanted]).delete()
    TallySubjectMember.objects.bulk_create(
        TallySubjectMember(subject_id=subject_id, actor_id=actor_id)
        for subject_id, actor_id in sorted(wanted - set(present))
    )


def tallies_rebuild() -> int:
    """Recompute every cell from the published records; the pending changes it covers are marked applied.
    Returns the number of cells."""
    with _exclusive_run():
        _sync_subjects()
        pending = list(TallyChange.objects.filter(applied_at__isnull=True).values_list("pk", flat=True))
        reflects = TallyChange.objects.order_by("-pk").values_list("pk", flat=True).first()
        TallyCell.objects.all().delete()
        insert_cells(subjects=None, periods=None, reflects=reflects)
        TallyChange.objects.filter(pk__in=pending).update(applied_at=timezone.now())
        return TallyCell.objects.count()


def tallies_refresh() -> int:
    """Recompute the cells that the pending changes touch: their subjects, in all time and in the years,
    quarters and months of the incidents' start dates before and after. Returns how many changes it applied."""
    with _exclusive_run():
        changes = list(TallyChange.objects.filter(applied_at__isnull=True).order_by("pk"))
        if not changes:
            return 0
        incident_actors = set(
            Incident.objects.filter(pk__in={change.incident_id for change in changes}).values_list(
                "participants__actor_id", flat=True
            )
        ) - {None}
        _sync_subjects(incident_actors)
        subjects = sorted(
            {subject for change in changes for subject in change.subjects}
            | set(TallySubjectMember.objects.filter(actor_id__in=incident_actors).values_list("subject_id", flat=True))
        )
        periods = sorted(
            {
                (period_type, start)
                for change in changes
                for day in change.start_dates
                for period_type, start in period_starts(day).items()
            }
        )
        stale = TallyCell.objects.filter(subject_id__in=subjects)
        stale.filter(period_type=PeriodType.ALL).delete()
        for period_type, start in periods:
            stale.filter(period_type=period_type, period_start=start).delete()
        insert_cells(subjects=subjects, periods=periods, reflects=changes[-1].pk)
        TallyChange.objects.filter(pk__in=[change.pk for change in changes]).update(applied_at=timezone.now())
        return len(changes)


def tallies_refresh_overdue(*, older_than: datetime.timedelta) -> int:
    """tallies_refresh, if a pending change has waited longer than `older_than`: its refresh was not enqueued (the
    broker was down at the commit) or was lost. The changes are an outbox written with the data; this sweeps it,
    so every change is applied without waiting for another. Returns how many changes it applied."""
    overdue = TallyChange.objects.filter(applied_at__isnull=True, enqueued_at__lte=timezone.now() - older_than)
    if not overdue.exists():
        return 0
    return tallies_refresh()


def tally_changes_record(changes: Iterable[IncidentChange]) -> None:
    """Note, in the transaction of changes to published or formerly published incidents, the cells each one
    touches, given as (incident id, every actor it had or has, every start date it had or has), and have them
    refreshed once it commits. One statement, however many incidents (an import): each change's subjects, those
    its actors are members of, are looked up in SQL."""
    changes = [
        {
            "incident_id": incident_id,
            "actors": list(set(actors)),
            "start_dates": [str(day) for day in sorted(set(dates))],
        }
        for incident_id, actors, dates in changes
    ]
    if not changes:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {TallyChange._meta.db_table} (incident_id, subjects, start_dates, enqueued_at)
            SELECT c.incident_id,
                   ARRAY(SELECT DISTINCT m.subject_id FROM {TallySubjectMember._meta.db_table} m
                         WHERE m.actor_id = ANY(c.actors) ORDER BY m.subject_id),
                   c.start_dates, %s
            FROM jsonb_to_recordset(%s) AS c(incident_id bigint, actors bigint[], start_dates date[])
            """,
            [timezone.now(), Jsonb(changes)],
        )
    from .tasks import refresh_tallies  # tasks call the services; the services only enqueue them

    enqueue_on_commit(refresh_tallies)
