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

from actors.choices import RelationKind
from events.models import Incident

from .choices import PeriodType, SubjectKind
from .models import ActorSet, TallyCell, TallyChange, TallySubject, TallySubjectMember
from .queries import insert_cells

# One lock for every writer of the cells; the number is arbitrary, the same everywhere.
_LOCK_KEY = 7_402_113

# Each actor's lineage (itself, its units downwards, its predecessors and successors both ways), for every
# actor at once: (root, member) pairs. The same edges as actors.selectors.actor_lineage_ids.
_LINEAGES_SQL = """
WITH RECURSIVE edges (source, target) AS (
    SELECT object_id, subject_id FROM actors_actorrelation WHERE kind = %(part_of)s
    UNION ALL
    SELECT subject_id, object_id FROM actors_actorrelation WHERE kind = %(succeeded_by)s
    UNION ALL
    SELECT object_id, subject_id FROM actors_actorrelation WHERE kind = %(succeeded_by)s
), lineage (root, member) AS (
    SELECT id, id FROM actors_actor WHERE %(every)s OR id = ANY(%(roots)s)
    UNION
    SELECT lineage.root, edges.target FROM edges JOIN lineage ON edges.source = lineage.member
)
SELECT root, member FROM lineage
"""


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


def _lineages(roots: Iterable[int] | None) -> dict[int, set[int]]:
    """Each root actor's lineage; every actor's when `roots` is None. One query."""
    params = {
        "part_of": RelationKind.PART_OF,
        "succeeded_by": RelationKind.SUCCEEDED_BY,
        "every": roots is None,
        "roots": sorted(roots or []),
    }
    lineages: dict[int, set[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(_LINEAGES_SQL, params)
        for root, member in cursor.fetchall():
            lineages.setdefault(root, set()).add(member)
    return lineages


def _set_members(subject: TallySubject, actor_ids: set[int]) -> None:
    current = set(subject.member_links.values_list("actor_id", flat=True))
    if current == actor_ids:
        return
    subject.member_links.exclude(actor_id__in=actor_ids).delete()
    TallySubjectMember.objects.bulk_create(
        TallySubjectMember(subject=subject, actor_id=actor_id) for actor_id in sorted(actor_ids - current)
    )


def _sync_subjects(actor_ids: Iterable[int] | None = None) -> None:
    """Make the subjects match the actors: one per actor, one per actor whose lineage holds others, one per named
    set. With `actor_ids`, only those actors' own subjects are made sure of (new actors met by a refresh); the
    rest (lineages that a new relation changed, sets) waits for the full rebuild."""
    lineages = _lineages(actor_ids)
    subjects = TallySubject.objects.filter(kind__in=[SubjectKind.ACTOR, SubjectKind.LINEAGE])
    if actor_ids is not None:
        subjects = subjects.filter(actor_id__in=lineages)
    existing = {(subject.kind, subject.actor_id): subject for subject in subjects}
    for actor_id, lineage in lineages.items():
        wanted = {SubjectKind.ACTOR: {actor_id}}
        if len(lineage) > 1:
            wanted[SubjectKind.LINEAGE] = lineage
        for kind, members in wanted.items():
            subject = existing.pop((kind, actor_id), None)
            if subject is None:
                subject = TallySubject.objects.create(kind=kind, actor_id=actor_id)
            _set_members(subject, members)
    if actor_ids is not None:
        return
    # A lineage subject whose actor has no relation left, or whose actor is gone: its cells go with it.
    TallySubject.objects.filter(pk__in=[subject.pk for subject in existing.values()]).delete()
    for actor_set in ActorSet.objects.prefetch_related("members"):
        subject, _ = TallySubject.objects.get_or_create(kind=SubjectKind.SET, actor_set=actor_set)
        _set_members(subject, {actor.pk for actor in actor_set.members.all()})


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


def subjects_of_actors(actor_ids: Iterable[int]) -> list[int]:
    """Every subject that stands for one of these actors: theirs, the lineages and the sets they belong to."""
    return sorted(
        set(TallySubjectMember.objects.filter(actor_id__in=list(actor_ids)).values_list("subject_id", flat=True))
    )


def tally_change_record(*, incident: Incident, actors_before: Iterable[int], start_before: datetime.date | None):
    """Note, in the transaction of a change to a published or formerly published incident, the cells it
    touches, and have them refreshed once it commits."""
    from .tasks import refresh_tallies  # tasks call the services; the services only enqueue them

    actors = set(actors_before) | set(incident.participants.values_list("actor_id", flat=True))
    start_dates = sorted({day for day in (start_before, incident.start_date) if day is not None})
    TallyChange.objects.create(incident=incident, subjects=subjects_of_actors(actors), start_dates=start_dates)
    transaction.on_commit(refresh_tallies.delay)
