"""The match queue: the candidate pairs of incidents (MatchCandidate) with both records side by side, for staff; and
the editors' answers on them (same event, different events, unsure), made and undone through the services.

Every form is a plain POST that redirects back to the queue, to the next pair (or, when refused, to the same pair,
with the reason in its card); static/js/match_queue.js adds the keyboard shortcuts and the small maps.
"""

import json
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, prefetch_related_objects
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from actors.models import Actor
from conflict_tracker.choices import Dataset
from conflict_tracker.decorators import role_required
from conflict_tracker.exceptions import ChangedMeanwhile
from conflict_tracker.roles import STAFF_ROLES, Role, has_role
from events.models import CasualtyRecord, Incident, IncidentParticipant
from sources.models import Claim

from .choices import Verdict
from .filters import MatchCandidateFilterSet
from .forms import MatchDecisionForm
from .models import MatchCandidate, MatchDecision
from .services import match_decide, match_decision_undo

QUEUE_PAGE_SIZE = 10
# The filters the page's form shows; the API's others (incident, verdict) work in its URL too.
FORM_FIELDS = ("dataset", "country", "score_min", "decided")
# The keys that answer on the current pair (static/js/match_queue.js), shown on its buttons.
SHORTCUTS = {Verdict.SAME: "s", Verdict.DIFFERENT: "d", Verdict.UNSURE: "u"}


def _standing() -> QuerySet[MatchDecision]:
    return MatchDecision.objects.filter(incident=OuterRef("incident"), other=OuterRef("other"), undone_at__isnull=True)


def _anchor(incident: Incident, other: Incident) -> str:
    """The id of a pair's card on the page, which a redirect's fragment scrolls to."""
    return f"pair-{incident.code}-{other.code}"


def _candidates(filterset: MatchCandidateFilterSet):
    """The candidates the filters match, undecided ones first, then the most alike, with their standing decision's
    id; each side its datasets and event ids (the incident's own columns)."""
    return (
        filterset.qs.select_related("incident", "other")
        .annotate(decision_id=Subquery(_standing().values("pk")[:1]))
        .alias(decided=Exists(_standing()))
        .order_by("decided", "-score", "incident_id", "other_id")
    )


def _load_sides(candidates: list[MatchCandidate], user) -> None:
    """Each incident's actors, casualty records and claims, in one query each for the whole page."""
    prefetch_related_objects(
        [incident for candidate in candidates for incident in (candidate.incident, candidate.other)],
        Prefetch("participants", IncidentParticipant.objects.select_related("actor").order_by("role", "side", "id")),
        Prefetch("casualty_records", CasualtyRecord.objects.order_by("harm", "victim_status", "id")),
        Prefetch(
            "claims",
            Claim.objects.visible_to(user).select_related("document__source").order_by("document__published_on", "id"),
        ),
    )


def _side(incident: Incident) -> dict:
    external = incident.external_ids[0].split(":", 1)[1] if incident.external_ids else ""
    return {"incident": incident, "dataset": Dataset(incident.datasets[0]).label, "external_id": external}


def _reasons(reasons: dict, actor_names: dict[int, str]) -> list[str]:
    """What the score rests on, in words: "2 days apart", "14 km apart", "shared actor: JNIM"."""
    days = reasons["days_apart"]
    words = [
        _("dates overlap")
        if days == 0
        else ngettext("%(days)s day apart", "%(days)s days apart", days) % {"days": days}
    ]
    if reasons["km"] is not None:
        words.append(_("%(km)s km apart") % {"km": floatformat(reasons["km"], -1)})
    if reasons["same_admin1"]:
        words.append(_("same admin1 (region)"))
    shared = [actor_names[pk] for pk in reasons["shared_actors"] if pk in actor_names]
    if shared:
        words.append(
            ngettext("shared actor: %(names)s", "shared actors: %(names)s", len(shared)) % {"names": ", ".join(shared)}
        )
    else:
        words.append(_("no shared actor"))
    words.append(_("compatible types") if reasons["types_compatible"] else _("types not compatible"))
    first, second = reasons["killed"]
    words.append(_("killed: %(first)s and %(second)s") % {"first": first, "second": second})
    return words


def _points(candidate: MatchCandidate) -> str:
    """Both places for the card's small map, as JSON in a data- attribute (no inline script under the CSP)."""
    return json.dumps(
        [
            {"side": side, "lat": float(incident.latitude), "lng": float(incident.longitude), "label": incident.code}
            for side, incident in enumerate((candidate.incident, candidate.other), start=1)
            if incident.latitude is not None
        ]
    )


def _cards(candidates: list[MatchCandidate], user, notices: list) -> list[dict]:
    """Everything a pair's card shows. The standing decisions and the shared actors' names are read in one query
    each, for the whole page."""
    _load_sides(candidates, user)
    decisions = MatchDecision.objects.select_related("by").in_bulk(
        [candidate.decision_id for candidate in candidates if candidate.decision_id]
    )
    actor_ids = {pk for candidate in candidates for pk in candidate.reasons["shared_actors"]}
    actor_names = dict(Actor.objects.filter(pk__in=actor_ids).values_list("pk", "name")) if actor_ids else {}
    anchors = [_anchor(candidate.incident, candidate.other) for candidate in candidates]
    return [
        {
            "candidate": candidate,
            "anchor": anchors[index],
            "next_anchor": anchors[index + 1] if index + 1 < len(anchors) else "",
            "sides": [_side(candidate.incident), _side(candidate.other)],
            "reasons": _reasons(candidate.reasons, actor_names),
            "points": _points(candidate),
            "decision": decisions.get(candidate.decision_id),
            "notices": [notice for notice in notices if notice.extra_tags == anchors[index]],
        }
        for index, candidate in enumerate(candidates)
    ]


def _page_url(query, number: int) -> str:
    query = query.copy()
    query["page"] = number
    return f"?{query.urlencode()}"


@require_GET
@role_required(*STAFF_ROLES)
def match_queue(request):
    """The candidate pairs, undecided first and the most alike first, filtered with the API's filters, each with
    both records side by side; editors answer on each, others read."""
    filterset = MatchCandidateFilterSet(request.GET, queryset=MatchCandidate.objects.all())
    notices = list(messages.get_messages(request))
    page, cards = None, []
    if filterset.is_valid():
        page = Paginator(_candidates(filterset), QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
        cards = _cards(list(page.object_list), request.user, notices)
    query = request.GET.copy()
    query.pop("page", None)
    on_cards = {card["anchor"] for card in cards}
    context = {
        "fields": [filterset.form[name] for name in FORM_FIELDS],
        "page": page,
        "cards": cards,
        # A message about a pair goes in its card; the others (and those of pairs not on this page) above the queue.
        "notices": [notice for notice in notices if notice.extra_tags not in on_cards],
        "may_decide": has_role(request.user, Role.EDITOR),
        "verdicts": [(value, label, SHORTCUTS[value]) for value, label in Verdict.choices],
        "previous_url": _page_url(query, page.previous_page_number()) if page and page.has_previous() else "",
        "next_url": _page_url(query, page.next_page_number()) if page and page.has_next() else "",
        "tile_url": settings.MAP_TILE_URL,
        "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
    return render(request, "reconciliation/matchcandidate_list.html", context)


def _back(request) -> str:
    """The queue page (with its filters) the form was posted from, to go back to."""
    queue = reverse("reconciliation:queue")
    back = request.POST.get("back", "")
    safe = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return back if safe and urlsplit(back).path == queue else queue


def _refusal(error: Exception) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


@require_POST
@role_required(Role.EDITOR)
def decision_create(request):
    """Record an editor's answer on a pair, then go on to the next pair; a refusal (someone decided meanwhile, a
    pair no longer a candidate, an unknown answer) is said in the pair's card, which shows the pair as it now is."""
    back = _back(request)
    form = MatchDecisionForm(request.POST)
    if not form.is_valid():
        problems = [error for errors in form.errors.values() for error in errors]
        messages.error(request, " ".join(problems))
        return redirect(back)
    data = form.cleaned_data
    codes = (data["incident"], data["other"])
    candidate = (
        MatchCandidate.objects.select_related("incident", "other")
        .filter(Q(incident__code=codes[0], other__code=codes[1]) | Q(incident__code=codes[1], other__code=codes[0]))
        .first()
    )
    if candidate is None:
        messages.error(
            request,
            _(
                "%(first)s and %(second)s are not a candidate pair (any more): one of them may have changed or been "
                "retracted since the page was loaded. Here is the queue as it is now."
            )
            % {"first": codes[0], "second": codes[1]},
        )
        return redirect(back)
    here = _anchor(candidate.incident, candidate.other)
    try:
        decision = match_decide(
            incident=candidate.incident,
            other=candidate.other,
            verdict=data["verdict"],
            by=request.user,
            note=data["note"],
            replaces=data["replaces"],
        )
    except (ChangedMeanwhile, ValidationError) as refusal:
        messages.error(request, _refusal(refusal), extra_tags=here)
        return redirect(f"{back}#{here}")
    then = data["next_pair"] or here
    messages.success(
        request,
        _("Recorded: %(first)s and %(second)s, %(verdict)s.")
        % {"first": candidate.incident.code, "second": candidate.other.code, "verdict": decision.get_verdict_display()},
        extra_tags=then,
    )
    return redirect(f"{back}#{then}")


@require_POST
@role_required(Role.EDITOR)
def decision_undo(request, pk: int):
    """Undo a standing decision: the pair is undecided again, the decision kept in the ledger."""
    decision = get_object_or_404(MatchDecision.objects.select_related("incident", "other"), pk=pk)
    here = _anchor(decision.incident, decision.other)
    try:
        match_decision_undo(decision=decision.pk, by=request.user)
    except (ChangedMeanwhile, ValidationError) as refusal:
        messages.error(request, _refusal(refusal), extra_tags=here)
    else:
        messages.success(
            request,
            _("The decision on %(first)s and %(second)s was undone: the pair is undecided again.")
            % {"first": decision.incident.code, "second": decision.other.code},
            extra_tags=here,
        )
    return redirect(f"{_back(request)}#{here}")
