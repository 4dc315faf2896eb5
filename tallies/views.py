"""An actor's page: its names and relations, its casualty tallies per quarter, and sources' tolls beside ours."""

from datetime import date

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from actors.models import Actor, ActorRelation
from conflict_tracker.choices import AttributionLevel, FigureQualifier, Harm, Measure, PeriodType, VictimStatus
from conflict_tracker.decorators import public_read
from events.casualties import ACCEPTED_ATTRIBUTIONS
from events.comparisons import external_figures

from .selectors import (
    actor_quarters,
    actor_subject,
    actor_tally_summary,
    cell_incidents_query,
    counted_sources,
)

CHART_HEIGHT = 160
BAR_WIDTH = 26
BAR_GAP = 12
STATUS_ORDER = [VictimStatus.CIVILIAN, VictimStatus.COMBATANT, VictimStatus.UNKNOWN]


def _quarters_between(first: date, last: date) -> list[date]:
    """The first day of every quarter from `first`'s to `last`'s."""
    quarters, current = [], first
    while current <= last:
        quarters.append(current)
        current = date(current.year + current.month // 10, (current.month + 2) % 12 + 1, 1)
    return quarters


def _charts(quarters: list[dict], members: list[int], measure: str, attribution: str) -> list[dict]:
    """One stacked bar chart per harm: a bar per quarter, a segment per victim status, each segment linking to
    the incidents it counts on the incident list page. Every quarter between the first and the last is drawn,
    empty ones included, so the gaps show. Drawn as SVG on the server: no script, nothing to load."""
    incidents_url = reverse("events:incident-list")
    charts = []
    for harm in Harm:
        cells = [cell for cell in quarters if cell["harm"] == harm]
        if not cells:
            continue
        starts = _quarters_between(min(cell["period_start"] for cell in cells), max(c["period_start"] for c in cells))
        totals = {start: sum(c["best"] for c in cells if c["period_start"] == start) for start in starts}
        scale = CHART_HEIGHT / max(max(totals.values()), 1)
        bars = []
        for index, start in enumerate(starts):
            bottom = CHART_HEIGHT
            segments = []
            for status in STATUS_ORDER:
                cell = next((c for c in cells if c["period_start"] == start and c["victim_status"] == status), None)
                if cell is None or cell["best"] == 0:
                    continue
                height = cell["best"] * scale
                bottom -= height
                query = cell_incidents_query(
                    members,
                    {
                        **cell,
                        "measure": measure,
                        "attribution": attribution,
                        "period_type": PeriodType.QUARTER,
                        "country": None,
                        "admin1": None,
                        "dataset": None,
                    },
                )
                segments.append(
                    {
                        "status": status,
                        "y": round(bottom, 1),
                        "height": round(height, 1),
                        "cell": cell,
                        "url": f"{incidents_url}?{query}",
                    }
                )
            quarter = f"{start.year} Q{(start.month - 1) // 3 + 1}"
            bars.append(
                {"x": index * (BAR_WIDTH + BAR_GAP), "quarter": quarter, "total": totals[start], "segments": segments}
            )
        charts.append(
            {
                "harm": harm,
                "bars": bars,
                "width": max(len(bars) * (BAR_WIDTH + BAR_GAP), BAR_WIDTH),
                "height": CHART_HEIGHT,
                "bar_width": BAR_WIDTH,
            }
        )
    return charts


@public_read
def actor_detail(request, pk: int):
    """An actor: its names and relations, its casualty tallies per quarter, and sources' tolls beside ours."""
    actor = get_object_or_404(
        Actor.objects.prefetch_related(
            "aliases",
            Prefetch("relations", queryset=ActorRelation.objects.select_related("object")),
            Prefetch("inverse_relations", queryset=ActorRelation.objects.select_related("subject")),
        ),
        pk=pk,
    )
    include_related = request.GET.get("include_related") == "true"
    measure = request.GET.get("measure") if request.GET.get("measure") in Measure.values else Measure.PERPETRATED
    attribution = AttributionLevel.ALLEGED
    subject = actor_subject(actor.pk, include_related)
    members = subject.members
    quarters = actor_quarters(subject, measure, attribution)
    context = {
        "actor": actor,
        "include_related": include_related,
        "measure": measure,
        "measures": Measure.choices,
        "accepted": ACCEPTED_ATTRIBUTIONS[attribution],
        "summary": actor_tally_summary(actor.pk),
        "counted_sources": counted_sources(),
        "charts": _charts(quarters, members, measure, attribution),
        "figures": [
            {
                **figure,
                "wording": FigureQualifier(figure["figure_qualifier"]).label if figure["figure_qualifier"] else "",
            }
            for figure in external_figures(actor.attributed_claims.visible_to(request.user))
        ],
        "statuses": STATUS_ORDER,
    }
    return render(request, "actors/actor_detail.html", context)
