"""Reading tallies: each one counted on request from the casualty facts (tallies.models), whom it is about (an
actor, its lineage, a named set or a set given with the request), and the incidents API query that lists what a
tally sums."""

import datetime
import functools
from dataclasses import dataclass
from urllib.parse import urlencode

import orjson
from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils import timezone

from actors.selectors import actor_lineage_ids
from conflict_tracker.choices import AttributionLevel, Measure, PeriodType
from events.choices import IncidentStatus
from sources.choices import ReviewStatus
from sources.models import Claim, Source

from .choices import SubjectKind
from .models import ActorSet
from .queries import quarter_rows, summary_rows, tally_rows, tally_sql

GIVEN = "given"


@dataclass(frozen=True)
class TallyQuestion:
    """What a caller asks: whose tally (actors, with or without their lineage) and which cells of it."""

    actor_ids: tuple[int, ...]
    include_related: bool = False
    measure: str = Measure.PERPETRATED
    attribution: str = AttributionLevel.ALLEGED
    period: str = PeriodType.ALL
    date_after: datetime.date | None = None
    date_before: datetime.date | None = None
    country: str | None = None
    admin1: str | None = None
    harm: str | None = None
    victim_status: str | None = None
    # A dataset's own view (acled, ucdp, own; several: the incidents merging a record of each): queries.tally_sql.
    datasets: tuple[str, ...] = ()


@dataclass(frozen=True)
class TallySubject:
    """Whom a tally is about: one actor, an actor with its lineage, a named set, or a set given with a request."""

    kind: str
    members: list[int]


@dataclass
class TallyAnswer:
    subject: TallySubject
    cells: list[dict]
    # The credits the datasets counted ask for (their attribution lines).
    attributions: list[str]

    @property
    def members(self) -> list[int]:
        return self.subject.members


def period_start(period_type: str, day: datetime.date) -> datetime.date:
    """The first day of the year, quarter or month holding `day`."""
    month = {PeriodType.YEAR: 1, PeriodType.QUARTER: (day.month - 1) // 3 * 3 + 1}.get(period_type, day.month)
    return datetime.date(day.year, month, 1)


# How many months each period type spans.
PERIOD_MONTHS = {PeriodType.YEAR: 12, PeriodType.QUARTER: 3, PeriodType.MONTH: 1}


def period_end(period_type: str, start: datetime.date | None) -> datetime.date | None:
    if start is None:
        return None
    month = start.month - 1 + PERIOD_MONTHS[period_type]
    return datetime.date(start.year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)


def _subject(question: TallyQuestion, members: set[int]) -> TallySubject:
    if len(question.actor_ids) == 1:
        kind = SubjectKind.LINEAGE if question.include_related and len(members) > 1 else SubjectKind.ACTOR
        return TallySubject(kind, sorted(members))
    # A named set with exactly these members; sets are few: their members, as arrays, in one query.
    sets = ActorSet.objects.alias(size=Count("members")).filter(size=len(members)).annotate(ids=ArrayAgg("members"))
    named = any(set(ids) == members for ids in sets.values_list("ids", flat=True))
    return TallySubject(SubjectKind.SET if named else GIVEN, sorted(members))


@dataclass(frozen=True)
class TallyQuery:
    """A tally's SQL, one row per period (tallies.queries.tally_sql), with whom it counts."""

    subject: TallySubject
    sql: str
    params: dict


def tally_query(question: TallyQuestion) -> TallyQuery:
    """The SQL answering `question` (its lineage and set resolved): what tally_answer runs, and what the API wraps
    to have PostgreSQL write its response."""
    members = set(question.actor_ids)
    if question.include_related:
        members = actor_lineage_ids(members)
    subject = _subject(question, members)
    # Periods starting within [date_after, date_before]: the start dates from the first period starting on or after
    # date_after to the last day of the period holding date_before.
    started_from = started_until = None
    if question.date_after:
        started_from = period_start(question.period, question.date_after)
        if started_from < question.date_after:
            started_from = period_end(question.period, started_from) + datetime.timedelta(days=1)
    if question.date_before:
        started_until = period_end(question.period, period_start(question.period, question.date_before))
    sql, params = tally_sql(
        actor_ids=members,
        measure=question.measure,
        attribution=question.attribution,
        period=question.period,
        started_from=started_from,
        started_until=started_until,
        country=question.country,
        admin1=question.admin1,
        harm=question.harm,
        victim_status=question.victim_status,
        datasets=list(question.datasets),
    )
    return TallyQuery(subject, sql, params)


def tally_echo(question: TallyQuestion) -> dict:
    """What every cell of a tally repeats of its question."""
    return {
        "measure": question.measure,
        "attribution": question.attribution,
        "period_type": question.period,
        "country": question.country,
        "admin1": question.admin1,
        "harm": question.harm,
        "victim_status": question.victim_status,
        "dataset": ",".join(question.datasets) or None,
    }


def tally_answer(question: TallyQuestion) -> TallyAnswer:
    """A tally's cells as Python values (the API has PostgreSQL write them as JSON instead: tallies.api.rendering)."""
    query = tally_query(question)
    echoed = tally_echo(question)
    now = timezone.now()
    rows = tally_rows(query.sql, query.params)
    cells = [{**echoed, **row, "computed_at": now, "reflects_change": None} for row in rows]
    return TallyAnswer(query.subject, cells, counted_attributions())


# The incidents query's parameters naming a cell's period, last in its query (tallies.api.rendering writes them in SQL).
PERIOD_PARAMETERS = ("started_after", "started_before")


def _counted() -> QuerySet[Source]:
    """The sources with an attribution line (the datasets whose licence asks for credit: ACLED, UCDP) behind an
    accepted claim of a published incident: what every tally and actor page names as counted (tallies count events
    whose records we may not pass on, `Incident.objects.redistributable`, and name whose they are). The lines are
    the published store's, not each tally's: telling which of a tally's records rest on which dataset would cost a
    pass over all of them on every request, and a line too many credits a dataset, where one too few would not. Each
    source stops at its first accepted claim."""
    evidence = Claim.objects.filter(
        document__source=OuterRef("pk"),
        review_status=ReviewStatus.ACCEPTED,
        incident__status=IncidentStatus.PUBLISHED,
    )
    return Source.objects.exclude(attribution="").filter(Exists(evidence))


def counted_sources() -> list[Source]:
    """The counted sources (`_counted`), by name: the actor page lists them."""
    return list(_counted().order_by("name"))


@functools.cache
def counted_attributions_sql() -> str:
    """The counted sources' attribution lines as a JSON array by source name, as an SQL subquery with no parameters,
    composed once: a tally reads them within its own query, with no ORM compilation per request (the ORM took 2 ms
    to build the query for a 0.2 ms read)."""
    sql, params = _counted().values("name", "attribution").query.sql_with_params()
    counted = connection.ops.compose_sql(sql, params)
    return f"(SELECT COALESCE(json_agg(s.attribution ORDER BY s.name), '[]') FROM ({counted}) AS s)"


def counted_attributions() -> list[str]:
    """The counted sources' attribution lines, by source name, read on their own (`counted_attributions_sql`)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counted_attributions_sql()}::text")
        return orjson.loads(cursor.fetchone()[0])


def cell_incidents_query(members: list[int], cell: dict) -> str:
    """The incidents API query that lists exactly the incidents a cell counts."""
    params = {
        "casualties_of": ",".join(str(actor_id) for actor_id in members),
        "casualty_measure": cell["measure"],
        "casualty_attribution": cell["attribution"],
    }
    if cell["harm"]:
        params["casualty_harm"] = cell["harm"]
    if cell["victim_status"]:
        params["casualty_victim_status"] = cell["victim_status"]
    if cell["dataset"]:
        params["casualty_dataset"] = cell["dataset"]
    if cell["country"]:
        params["country"] = cell["country"]
    if cell["admin1"] is not None:
        params["admin1"] = cell["admin1"]
    if cell["period_start"]:
        end = period_end(cell["period_type"], cell["period_start"])
        params |= dict(zip(PERIOD_PARAMETERS, (cell["period_start"].isoformat(), end.isoformat()), strict=True))
    return urlencode(params)


def actor_tally_summary(actor_id: int) -> dict:
    """An actor's all-time tallies (every place and victim status), on its own and with its lineage when it has
    one, for every harm and for the killed: the figures an actor page leads with. Two queries."""
    lineage = actor_lineage_ids([actor_id])
    cells = summary_rows(actor_id, sorted(lineage) if len(lineage) > 1 else [])
    return {"stale": False, "cells": cells}


def actor_quarters(subject: TallySubject, measure: str, attribution: str) -> list[dict]:
    """A subject's tallies per quarter, everywhere, by harm and victim status: what an actor's charts draw."""
    return quarter_rows(actor_ids=subject.members, measure=measure, attribution=attribution)


def actor_subject(actor_id: int, include_related: bool) -> TallySubject:
    """An actor as a tally's subject, with its lineage if asked and if it has one."""
    members = actor_lineage_ids([actor_id]) if include_related else {actor_id}
    return TallySubject(SubjectKind.LINEAGE if len(members) > 1 else SubjectKind.ACTOR, sorted(members))
