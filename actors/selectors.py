"""Reads about actors that follow rules: resolving a name, as ACLED or a source spells it, to one actor."""

import datetime

from django.db.models import Q

from .models import Actor, ActorAlias, normalize_actor_name


def actor_resolve(name: str, *, on: datetime.date | None = None) -> Actor | None:
    """The actor called `name` (its own name or an alias, ignoring case and accents), or None.

    With a date, an alias counts only within its validity period: ACLED's "Military Forces of Mali (2021-)"
    is not the army of 2015.
    """
    normalized = normalize_actor_name(name)
    aliases = ActorAlias.objects.filter(normalized_name=normalized)
    if on is not None:
        aliases = aliases.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on)).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=on)
        )
    alias = aliases.select_related("actor").order_by("-valid_from", "id").first()
    if alias is not None:
        return alias.actor
    return Actor.objects.filter(normalized_name=normalized).first()
