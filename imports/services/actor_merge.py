"""Merging an actor an import created (flagged for review) into the actor it turns out to be, and undoing it.

A merge, in one transaction: the flagged actor's name and aliases become aliases of the actor it is merged into,
its relations, participations, claim links and crosswalk entries (the datasets' names tied to it) move there (a
participation or link the other actor already has is folded into it), the flagged actor is deleted, and every
incident it took part in gets a new version (the merge is one revision of each, under the action `actor.merge`) and
fresh tallies. What it changed is kept on the ActorMerge, so that an undo restores the actor, its names, relations,
participations, claim links and crosswalk entries (those nobody has tied elsewhere since) exactly, with their ids,
as long as nobody has changed those incidents since.
"""

import datetime
from typing import Any

import pghistory
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from actors.models import Actor, ActorAlias, ActorRelation, normalize_actor_name
from conflict_tracker.exceptions import ChangedMeanwhile
from conflict_tracker.incident_changes import incident_changes_announce
from conflict_tracker.roles import Role, has_role
from events.models import CasualtyPerpetrator, Incident, IncidentParticipant
from sources.models import ClaimActor

from ..models import ActorCrosswalk, ActorMerge, ImportedEvent
from .actor_resolver import NAMES_LOCK

_ALIAS_FIELDS = ("id", "name", "valid_from", "valid_until", "note")
_RELATION_FIELDS = ("id", "subject_id", "kind", "object_id", "valid_from", "valid_until", "note")
_PARTICIPANT_FIELDS = ("id", "incident_id", "role", "side", "attribution")
_CROSSWALK_FIELDS = ("id", "matched", "by_id", "at")
_ACTOR_FIELDS = tuple(field.attname for field in Actor._meta.concrete_fields if field.attname != "normalized_name")


def _require_editor(user: User) -> None:
    if not has_role(user, Role.EDITOR):
        raise PermissionDenied(_("Only editors may merge actors."))


def _no_import_running() -> None:
    """Take the names lock for this transaction, or refuse while an import is resolving names (see NAMES_LOCK)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [NAMES_LOCK])
        if not cursor.fetchone()[0]:
            raise ChangedMeanwhile(_("An import is running: merge actors, or undo a merge, once it has finished."))


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.date | datetime.datetime) else value


def _rows(queryset, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{name: _json(value) for name, value in row.items()} for row in queryset.values(*fields)]


def _dates(row: dict[str, Any], *names: str) -> dict[str, Any]:
    """The row with its date columns read back from their JSON form."""
    return {**row, **{name: datetime.date.fromisoformat(row[name]) if row[name] else None for name in names}}


def actor_merge(*, actor: int, into: int, by: User) -> ActorMerge:
    """Merge the flagged actor `actor` into the actor `into` (ids); see the module's docstring."""
    _require_editor(by)
    with transaction.atomic(), pghistory.context(user=by.pk, action="actor.merge"):
        _no_import_running()
        # Locked in id order, as every merge locks them, so that two merges cannot wait for each other.
        locked = {a.pk: a for a in Actor.objects.select_for_update().filter(pk__in=[actor, into]).order_by("pk")}
        merged, target = locked.get(actor), locked.get(into)
        if actor == into:
            raise ValidationError({"into": _("An actor cannot be merged into itself.")})
        if target is None:
            raise ValidationError({"into": _("No actor has the id %(id)s.") % {"id": into}})
        if merged is None:
            raise ChangedMeanwhile(
                _("Actor %(id)s no longer exists: someone has merged or deleted it meanwhile. Reload the list.")
                % {"id": actor}
            )
        if not merged.needs_review:
            raise ValidationError(
                {
                    "actor": _("%(name)s is not flagged for review: only actors an import created can be merged.")
                    % {"name": merged.name}
                }
            )
        sets = list(merged.actor_sets.values_list("name", flat=True))
        if sets:
            raise ValidationError(
                {
                    "actor": _("%(name)s belongs to the actor sets %(sets)s: take it out of them first.")
                    % {"name": merged.name, "sets": ", ".join(sets)}
                }
            )
        participants = IncidentParticipant.objects.filter(actor=merged)
        claim_links = ClaimActor.objects.filter(actor=merged)
        relations = ActorRelation.objects.filter(Q(subject=merged) | Q(object=merged))
        before = {
            "actor": {name: _json(getattr(merged, name)) for name in _ACTOR_FIELDS},
            "aliases": _rows(merged.aliases.all(), _ALIAS_FIELDS),
            "relations": _rows(relations, _RELATION_FIELDS),
            "participants": [
                {**row, "perpetrator_of": sorted(links.get(row["id"], []))}
                for links in [_perpetrator_links(participants)]
                for row in _rows(participants, _PARTICIPANT_FIELDS)
            ],
            "claim_links": _rows(claim_links, ("id", "claim_id")),
            "crosswalk": _rows(merged.crosswalk_entries.all(), _CROSSWALK_FIELDS),
        }
        incident_ids = sorted({row["incident_id"] for row in before["participants"]})
        _lock_incidents(incident_ids)
        moved = {
            "aliases": _names_to(target, merged, before["aliases"]),
            "relations": _relations_to(target, merged, before["relations"]),
            **_participants_to(target, before["participants"]),
            **_claim_links_to(target, before["claim_links"]),
            # The datasets' names of the flagged actor are the target's: tied by the editor who merged.
            "crosswalk": [entry["id"] for entry in before["crosswalk"]],
        }
        ActorCrosswalk.objects.filter(pk__in=moved["crosswalk"]).update(
            actor=target, matched=True, by=by, at=timezone.now()
        )
        merged_id = merged.pk
        merged.delete()
        record = ActorMerge.objects.create(
            merged_actor_id=merged_id,
            merged_name=merged.name,
            into_actor_id=target.pk,
            into_name=target.name,
            by=by,
            before=before,
            moved=moved,
        )
        pghistory.context(merge=record.pk)
        record.incident_versions = _new_versions(incident_ids)
        record.save(update_fields=["incident_versions"])
    return record


def _perpetrator_links(participants) -> dict[int, list[tuple[int, int]]]:
    """Each participant's casualty attributions: (the link's id, the casualty record's id)."""
    links: dict[int, list[tuple[int, int]]] = {}
    for link_id, participant_id, record_id in CasualtyPerpetrator.objects.filter(
        participant__in=participants
    ).values_list("pk", "participant_id", "casualty_record_id"):
        links.setdefault(participant_id, []).append((link_id, record_id))
    return links


def _lock_incidents(incident_ids: list[int]) -> None:
    """Hold the incidents until commit, so that an edit saved meanwhile is either before the merge or refused."""
    list(Incident.objects.select_for_update().filter(pk__in=incident_ids).order_by("pk").values_list("pk"))


def _names_to(target: Actor, merged: Actor, aliases: list[dict[str, Any]]) -> list[int]:
    """The merged actor's name and aliases as the target's aliases (those it lacks); the ids of those created."""
    taken = {normalize_actor_name(target.name), *target.aliases.values_list("normalized_name", flat=True)}
    created = []
    note = _("Merged from the actor %(name)s.") % {"name": merged.name}
    for alias in [{"name": merged.name, "valid_from": None, "valid_until": None, "note": note}, *aliases]:
        if normalize_actor_name(alias["name"]) in taken:
            continue
        taken.add(normalize_actor_name(alias["name"]))
        row = ActorAlias(
            actor=target, **_dates({k: alias[k] for k in _ALIAS_FIELDS if k != "id"}, "valid_from", "valid_until")
        )
        row.save()
        created.append(row.pk)
    return created


def _relations_to(target: Actor, merged: Actor, relations: list[dict[str, Any]]) -> list[int]:
    """The merged actor's relations as the target's, unless they would relate it to itself or repeat one it has."""
    created = []
    for relation in relations:
        subject = target.pk if relation["subject_id"] == merged.pk else relation["subject_id"]
        other = target.pk if relation["object_id"] == merged.pk else relation["object_id"]
        exists = ActorRelation.objects.filter(subject_id=subject, kind=relation["kind"], object_id=other).exists()
        if subject == other or exists:
            continue
        fields = _dates({k: relation[k] for k in ("valid_from", "valid_until", "note")}, "valid_from", "valid_until")
        created.append(
            ActorRelation.objects.create(subject_id=subject, kind=relation["kind"], object_id=other, **fields).pk
        )
    return created


def _participants_to(target: Actor, participants: list[dict[str, Any]]) -> dict[str, Any]:
    """Each participation moved to the target; one the target already has in that role absorbs it (its casualty
    attributions added to the target's). The ids moved, and the attributions added to the target's."""
    existing = {
        (p.incident_id, p.role): p.pk
        for p in IncidentParticipant.objects.filter(
            actor=target, incident_id__in=[row["incident_id"] for row in participants]
        )
    }
    moved, added_links = [], []
    for row in participants:
        absorbing = existing.get((row["incident_id"], row["role"]))
        if absorbing is None:
            moved.append(row["id"])
            continue
        have = set(
            CasualtyPerpetrator.objects.filter(participant_id=absorbing).values_list("casualty_record_id", flat=True)
        )
        for _link_id, record_id in row["perpetrator_of"]:
            if record_id not in have:
                link = CasualtyPerpetrator.objects.create(
                    incident_id=row["incident_id"], casualty_record_id=record_id, participant_id=absorbing
                )
                added_links.append(link.pk)
    IncidentParticipant.objects.filter(pk__in=moved).update(actor=target)
    # The absorbed ones go, their attributions with them: `before` keeps both for an undo.
    absorbed = [row["id"] for row in participants if row["id"] not in moved]
    IncidentParticipant.objects.filter(pk__in=absorbed).delete()
    return {"participants": moved, "perpetrator_links": added_links}


def _claim_links_to(target: Actor, links: list[dict[str, Any]]) -> dict[str, list[int]]:
    """The claims holding the merged actor responsible hold the target responsible (once)."""
    have = set(ClaimActor.objects.filter(actor=target).values_list("claim_id", flat=True))
    moved = [link["id"] for link in links if link["claim_id"] not in have]
    ClaimActor.objects.filter(pk__in=moved).update(actor=target)
    ClaimActor.objects.filter(pk__in=[link["id"] for link in links if link["id"] not in moved]).delete()
    return {"claim_links": moved}


def _new_versions(incident_ids: list[int]) -> dict[str, int]:
    """Raise the incidents' versions (each gets a revision), keep their imported events' versions in step (a merge
    is not an edit that a later import should leave alone), and refresh the incidents' tallies. The new versions."""
    if not incident_ids:
        return {}
    Incident.objects.filter(pk__in=incident_ids).update(version=F("version") + 1, updated_at=timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {ImportedEvent._meta.db_table} e SET incident_version = i.version "
            f"FROM {Incident._meta.db_table} i WHERE e.incident_id = i.id AND i.id = ANY(%s) "
            "AND e.incident_version = i.version - 1",
            [incident_ids],
        )
    incidents = list(Incident.objects.filter(pk__in=incident_ids).values_list("pk", "version"))
    incident_changes_announce(pk for pk, _version in incidents)
    return {str(pk): version for pk, version in incidents}


def actor_merge_undo(*, merge: int, by: User) -> ActorMerge:
    """Undo the merge `merge` (an id): the merged actor comes back as it was, with its ids; refused if it was undone
    already, if the actor it was merged into is gone, or if one of its incidents has been changed since the merge
    (an undo must not lose that change)."""
    _require_editor(by)
    with transaction.atomic(), pghistory.context(user=by.pk, action="actor.merge_undo", merge=merge):
        _no_import_running()
        record = ActorMerge.objects.select_for_update().filter(pk=merge).first()
        if record is None:
            raise ValidationError({"merge": _("No actor merge has the id %(id)s.") % {"id": merge}})
        if record.undone_at is not None:
            raise ChangedMeanwhile(_("This merge of %(name)s was undone already.") % {"name": record.merged_name})
        if not Actor.objects.select_for_update().filter(pk=record.into_actor_id).exists():
            raise ChangedMeanwhile(
                _("%(into)s, which %(name)s was merged into, has been merged or deleted since: undo that first.")
                % {"into": record.into_name, "name": record.merged_name}
            )
        incident_ids = sorted(int(pk) for pk in record.incident_versions)
        _lock_incidents(incident_ids)
        changed = (
            Incident.objects.filter(pk__in=incident_ids)
            .exclude(_at_versions(record.incident_versions))
            .values_list("code", flat=True)
        )
        if changed:
            raise ChangedMeanwhile(
                _("%(codes)s changed after the merge of %(name)s: undo those changes first, or merge no further.")
                % {"codes": ", ".join(sorted(changed)), "name": record.merged_name}
            )
        before, moved = record.before, record.moved
        actor = Actor(**_dates(before["actor"], "active_from", "active_until"))
        try:
            with transaction.atomic():
                actor.save(force_insert=True)
        except IntegrityError as error:
            raise ChangedMeanwhile(
                _("Another actor is now called %(name)s: rename it before undoing this merge.") % {"name": actor.name}
            ) from error
        # Its own times, not the undo's.
        Actor.objects.filter(pk=actor.pk).update(
            created_at=before["actor"]["created_at"], updated_at=before["actor"]["updated_at"]
        )
        ActorAlias.objects.filter(pk__in=moved["aliases"]).delete()
        ActorRelation.objects.filter(pk__in=moved["relations"]).delete()
        for alias in before["aliases"]:
            ActorAlias(actor=actor, **_dates(alias, "valid_from", "valid_until")).save(force_insert=True)
        ActorRelation.objects.bulk_create(
            ActorRelation(**_dates(relation, "valid_from", "valid_until")) for relation in before["relations"]
        )
        CasualtyPerpetrator.objects.filter(pk__in=moved["perpetrator_links"]).delete()
        IncidentParticipant.objects.filter(pk__in=moved["participants"]).update(actor=actor)
        for row in before["participants"]:
            if row["id"] in moved["participants"]:
                continue
            fields = {k: row[k] for k in _PARTICIPANT_FIELDS}
            IncidentParticipant(actor=actor, **fields).save(force_insert=True)
            CasualtyPerpetrator.objects.bulk_create(
                CasualtyPerpetrator(
                    id=link_id, incident_id=row["incident_id"], casualty_record_id=record_id, participant_id=row["id"]
                )
                for link_id, record_id in row["perpetrator_of"]
            )
        ClaimActor.objects.filter(pk__in=moved["claim_links"]).update(actor=actor)
        # A merge made before the crosswalk moved none of its entries.
        for entry in before.get("crosswalk", []):
            ActorCrosswalk.objects.filter(pk=entry["id"], actor=record.into_actor_id).update(
                actor=actor, matched=entry["matched"], by_id=entry["by_id"], at=entry["at"]
            )
        ClaimActor.objects.bulk_create(
            ClaimActor(id=link["id"], claim_id=link["claim_id"], actor=actor)
            for link in before["claim_links"]
            if link["id"] not in moved["claim_links"]
        )
        _new_versions(incident_ids)
        record.undone_by, record.undone_at = by, timezone.now()
        record.save(update_fields=["undone_by", "undone_at"])
    return record


def _at_versions(versions: dict[str, int]) -> Q:
    query = Q(pk__in=[])
    for pk, version in versions.items():
        query |= Q(pk=int(pk), version=version)
    return query
