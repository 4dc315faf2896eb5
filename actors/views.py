"""Actor pages below the figures: the suggestions of the incident form. An actor's own page, which shows its
tallies, is tallies.views.actor_detail."""

from django.db.models import Prefetch, Q
from django.shortcuts import render

from conflict_tracker.decorators import role_required
from conflict_tracker.roles import STAFF_ROLES

from .models import Actor, ActorAlias, normalize_actor_name

SEARCH_LIMIT = 15


@role_required(*STAFF_ROLES)
def actor_search(request):
    """Actors whose name, acronym or any alias contains the query, ignoring case and accents ("africa corps",
    "famA", "wagner"), as a fragment of suggestions for the incident form. Staff only: it serves the form."""
    query = normalize_actor_name(request.GET.get("q", ""))
    actors = []
    if query:
        aliases = ActorAlias.objects.filter(normalized_name__contains=query)
        actors = list(
            Actor.objects.filter(
                Q(normalized_name__contains=query) | Q(acronym__icontains=query) | Q(pk__in=aliases.values("actor_id"))
            )
            .prefetch_related(Prefetch("aliases", queryset=aliases, to_attr="matching_aliases"))
            .order_by("name")[:SEARCH_LIMIT]
        )
    return render(request, "actors/partials/actor_suggestions.html", {"actors": actors, "query": query})
