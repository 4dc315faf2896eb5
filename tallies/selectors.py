"""Reading tallies: which stored subject answers a question (or, for a set no one stored, the cells computed
on request), whether its cells are stale, and the incidents API query that lists what a cell sums."""

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count, Q

from actors.selectors import actor_lineage_ids
from conflict_tracker.choices import AttributionLevel, Harm, Measure, PeriodType

from .choices import SubjectKind
from .models import TallyCell, TallyChange, TallySubject
from .queries import given_set_cells

CELL_FIELDS = (
    "measure",
    "attribution",
    "period_type",
    "period_start",
    "country",
    "admin1",
    "harm",
    "victim_status",
    "incidents",
    "records",
    "low",
    "best",
    "high",
    "week_precision",
    "month_precision",
    "year_precision",
    "computed_at",
    "reflects_change",
)


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


@dataclass
class TallyAnswer:
    members: list[int]
    subject: TallySubject | None  # None: a set no one stored, computed for this request
    stale: bool
    cells: list[dict]


def period_end(period_type: str, start: datetime.date | None) -> datetime.date | None:
    if start is None:
        return None
    months = {PeriodType.YEAR: 12, PeriodType.QUARTER: 3, PeriodType.MONTH: 1}[period_type]
    month = start.month - 1 + months
    return datetime.date(start.year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)


def _stored_subject(question: TallyQuestion, members: set[int]) -> TallySubject | None:
    if len(question.actor_ids) == 1:
        (actor_id,) = question.actor_ids
        kind = SubjectKind.LINEAGE if question.include_related and len(members) > 1 else SubjectKind.ACTOR
        return TallySubject.objects.filter(kind=kind, actor_id=actor_id).first()
    # A named set with exactly these members; sets are few, and their members come in the same query.
    sets = (
        TallySubject.objects.filter(kind=SubjectKind.SET)
        .annotate(size=Count("member_links"))
        .filter(size=len(members))
        .prefetch_related("member_links")
    )
    return next((s for s in sets if {link.actor_id for link in s.member_links.all()} == members), None)


def tally_answer(question: TallyQuestion) -> TallyAnswer:
    members = set(question.actor_ids)
    if question.include_related:
        members = actor_lineage_ids(members)
    subject = _stored_subject(question, members)
    wanted = {
        "measure": question.measure,
        "attribution": question.attribution,
        "period_type": question.period,
        "country": question.country,
        "admin1": question.admin1,
        "harm": question.harm,
        "victim_status": question.victim_status,
    }
    if subject is not None:
        cells = TallyCell.objects.filter(subject=subject, **wanted)
        if question.date_after:
            cells = cells.filter(period_start__gte=question.date_after)
        if question.date_before:
            cells = cells.filter(period_start__lte=question.date_before)
        rows = list(cells.order_by("period_start").values(*CELL_FIELDS))
        stale = TallyChange.objects.filter(applied_at__isnull=True, subjects__contains=[subject.pk]).exists()
        return TallyAnswer(sorted(members), subject, stale, rows)
    where = " AND ".join(f"{name} IS NOT DISTINCT FROM %(w_{name})s" for name in wanted)
    where += " AND (%(w_after)s::date IS NULL OR period_start >= %(w_after)s)"
    where += " AND (%(w_before)s::date IS NULL OR period_start <= %(w_before)s)"
    params = {f"w_{name}": value for name, value in wanted.items()}
    params |= {"w_after": question.date_after, "w_before": question.date_before}
    rows = given_set_cells(members, where, params)
    rows.sort(key=lambda row: row["period_start"] or datetime.date.min)
    return TallyAnswer(sorted(members), None, False, [{name: row[name] for name in CELL_FIELDS} for row in rows])


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
    if cell["country"]:
        params["country"] = cell["country"]
    if cell["admin1"] is not None:
        params["admin1"] = cell["admin1"]
    if cell["period_start"]:
        params["started_after"] = cell["period_start"].isoformat()
        params["started_before"] = period_end(cell["period_type"], cell["period_start"]).isoformat()
    return urlencode(params)


def actor_tally_summary(actor_id: int) -> dict:
    """An actor's all-time tallies (every place and victim status), on its own and with its lineage, for every
    harm and for the killed: the figures an actor page leads with. Two queries."""
    cells = list(
        TallyCell.objects.filter(
            Q(harm__isnull=True) | Q(harm=Harm.KILLED),
            subject__actor_id=actor_id,
            period_type=PeriodType.ALL,
            country__isnull=True,
            victim_status__isnull=True,
        )
        .order_by("subject__kind", "measure", "attribution", "harm")
        .values("subject_id", "subject__kind", "measure", "attribution", "harm", "incidents", "low", "best", "high")
    )
    subjects = {cell["subject_id"] for cell in cells}
    stale = (
        bool(subjects)
        and TallyChange.objects.filter(applied_at__isnull=True, subjects__overlap=list(subjects)).exists()
    )
    return {
        "stale": stale,
        "cells": [
            {
                "include_related": cell["subject__kind"] == SubjectKind.LINEAGE,
                **{name: cell[name] for name in ("measure", "attribution", "harm", "incidents", "low", "best", "high")},
            }
            for cell in cells
        ],
    }


def actor_quarters(subject: TallySubject, measure: str, attribution: str) -> list[dict]:
    """A subject's cells per quarter, everywhere, by harm and victim status: what an actor's charts draw."""
    return list(
        TallyCell.objects.filter(
            subject=subject,
            measure=measure,
            attribution=attribution,
            period_type=PeriodType.QUARTER,
            country__isnull=True,
            harm__isnull=False,
            victim_status__isnull=False,
        )
        .order_by("harm", "period_start", "victim_status")
        .values("harm", "victim_status", "period_start", "incidents", "records", "low", "best", "high")
    )


def actor_subject(actor_id: int, include_related: bool) -> TallySubject | None:
    """The stored subject for an actor, with its lineage if asked and if it has one."""
    subjects = {s.kind: s for s in TallySubject.objects.filter(actor_id=actor_id)}
    if include_related and SubjectKind.LINEAGE in subjects:
        return subjects[SubjectKind.LINEAGE]
    return subjects.get(SubjectKind.ACTOR)
