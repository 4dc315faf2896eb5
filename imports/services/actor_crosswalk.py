"""The actor crosswalk's writes: editors add a dataset's name and tie it to one of our actors (it is then matched),
or untie it (unmatched again, until someone ties it).

Tying a name changes what the dataset's next imports resolve it to (actor_resolver.py); what earlier imports wrote
stays as it is until the dataset is imported again, or until the flagged actor an import made for the name is merged
into the actor it is (actor_merge.py), which moves the past records too and ties the name.
"""

import pghistory
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from actors.models import Actor
from conflict_tracker.roles import Role, has_role

from ..models import ActorCrosswalk


def _require_editor(user: User) -> None:
    if not has_role(user, Role.EDITOR):
        raise PermissionDenied(_("Only editors may change the actor crosswalk."))


def _actor(actor: int | None) -> Actor | None:
    """The actor of that id, locked until commit so that a merge cannot delete it under the entry; None for None."""
    if actor is None:
        return None
    found = Actor.objects.select_for_update().filter(pk=actor).first()
    if found is None:
        raise ValidationError({"actor": _("No actor has the id %(id)s.") % {"id": actor}})
    return found


def actor_crosswalk_create(
    *, by: User, dataset: str, name: str, external_id: str = "", actor: int | None = None, note: str = ""
) -> ActorCrosswalk:
    """A dataset's name (and, for UCDP, its actor id) tied to the actor of id `actor`, or to none yet."""
    _require_editor(by)
    with transaction.atomic(), pghistory.context(user=by.pk, action="actor_crosswalk.create"):
        entry = ActorCrosswalk(
            dataset=dataset,
            name=name.strip(),
            external_id=external_id.strip(),
            actor=_actor(actor),
            matched=actor is not None,
            note=note.strip(),
            by=by,
        )
        entry.full_clean()
        entry.save()
    return entry


def actor_crosswalk_update(*, entry: int, by: User, actor: int | None, note: str | None = None) -> ActorCrosswalk:
    """Tie the entry `entry` (an id) to the actor of id `actor`, or untie it (None): its name is then resolved by
    the actors' names and aliases again, and listed as unmatched. `note`, when given, replaces the entry's note."""
    _require_editor(by)
    with transaction.atomic(), pghistory.context(user=by.pk, action="actor_crosswalk.update"):
        row = ActorCrosswalk.objects.select_for_update().filter(pk=entry).first()
        if row is None:
            raise ValidationError({"entry": _("No crosswalk entry has the id %(id)s.") % {"id": entry}})
        row.actor, row.matched = _actor(actor), actor is not None
        if note is not None:
            row.note = note.strip()
        row.by, row.at = by, timezone.now()
        row.full_clean()
        row.save()
    return row
