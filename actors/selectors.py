"""Reads about actors that follow rules: resolving a name, as ACLED or a source spells it, to one actor, and
an actor's lineage (its units, predecessors and successors)."""

import datetime
import functools
from collections.abc import Iterable

from django.db import connection
from django.db.models import Q, Subquery
from django.db.models.functions import Coalesce

from conflict_tracker.compiled import compiled_sql

from .choices import RelationKind
from .models import Actor, ActorAlias, ActorRelation, normalize_actor_name


def actor_resolve(name: str, *, on: datetime.date | None = None) -> Actor | None:
    """The actor called `name` (its own name or an alias, ignoring case and accents), or None.

    With a date, an alias counts only within its validity period: ACLED's "Military Forces of Mali (2021-)"
    is not the army of 2015.
    """
    normalized = normalize_actor_name(name)
    if on is not None:
        return _resolution(normalized, on).first()
    # Without a date (an API filter's `actor`, at every request that gives one), the same query from its SQL compiled
    # once: building and compiling it cost more than running it.
    with connection.cursor() as cursor:
        cursor.execute(_resolution_sql(), [normalized, normalized])
        row = cursor.fetchone()
    return None if row is None else Actor.from_db(connection.alias, _ACTOR_FIELDS, row)


def _resolution(normalized: str, on: datetime.date | None):
    """In one query: the actor of the first alias if one matches, else the first actor by that name (in the actors'
    order, as .first() gives it)."""
    aliases = ActorAlias.objects.filter(normalized_name=normalized)
    if on is not None:
        aliases = aliases.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on)).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=on)
        )
    by_alias = aliases.order_by("-valid_from", "id").values("actor_id")[:1]
    by_name = Actor.objects.filter(normalized_name=normalized).order_by(*Actor._meta.ordering).values("pk")[:1]
    return Actor.objects.filter(pk=Coalesce(Subquery(by_alias), Subquery(by_name)))


_ACTOR_FIELDS = [field.attname for field in Actor._meta.concrete_fields]


@functools.cache
def _resolution_sql() -> str:
    """The SQL of `_resolution` without a date, its two parameters the normalized name, selecting _ACTOR_FIELDS."""
    return compiled_sql(_resolution("", None).values_list(*_ACTOR_FIELDS)[:1], "", "")


def actors_called(name: str) -> list[Actor]:
    """The actors a reader may mean by `name`: the actor of that name or alias (as `actor_resolve` finds it without a
    date) if there is one, else every actor with that acronym ("FAMa", "CMA"), ignoring case and spacing. More than
    one means the name is ambiguous: the caller names them rather than choosing."""
    actor = actor_resolve(name)
    if actor is not None:
        return [actor]
    return list(Actor.objects.filter(acronym__iexact=" ".join(name.split())).order_by(*Actor._meta.ordering, "pk"))


# A lineage grows along these edges: from a force to its units (part_of, downwards only, so asking for a unit
# does not pull in the whole army), and from an actor to its predecessors and successors (succeeded_by, both ways).
# Each root's lineage is walked separately, so one query answers for many roots.
_LINEAGES_SQL = """
WITH RECURSIVE edges (source, target) AS (
    SELECT object_id, subject_id FROM {table} WHERE kind = %(part_of)s
    UNION ALL
    SELECT subject_id, object_id FROM {table} WHERE kind = %(succeeded_by)s
    UNION ALL
    SELECT object_id, subject_id FROM {table} WHERE kind = %(succeeded_by)s
), lineage (root, member) AS (
    SELECT id, id FROM {actors} WHERE id = ANY(%(roots)s::bigint[])
    UNION
    SELECT lineage.root, edges.target FROM edges JOIN lineage ON edges.source = lineage.member
)
SELECT root, member FROM lineage
"""


def actor_lineages(roots: Iterable[int]) -> dict[int, set[int]]:
    """Each root actor's lineage (itself, its units transitively, its predecessors and successors
    transitively). One recursive query; UNION (not UNION ALL) makes it stop
    on cycles. Relations count whatever their validity period: the lineage is about who the actor is, the dates
    belong to the incidents."""
    sql = _LINEAGES_SQL.format(
        table=connection.ops.quote_name(ActorRelation._meta.db_table),
        actors=connection.ops.quote_name(Actor._meta.db_table),
    )
    params = {
        "part_of": RelationKind.PART_OF,
        "succeeded_by": RelationKind.SUCCEEDED_BY,
        "roots": sorted({int(root) for root in roots}),
    }
    lineages: dict[int, set[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for root, member in cursor.fetchall():
            lineages.setdefault(root, set()).add(member)
    return lineages


def actor_lineage_ids(actor_ids: Iterable[int]) -> set[int]:
    """The actors themselves with all their lineages, as one set."""
    actor_ids = list(actor_ids)
    if not actor_ids:
        return set()
    return set().union(*actor_lineages(actor_ids).values())
