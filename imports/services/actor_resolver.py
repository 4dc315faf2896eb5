"""Resolving the actor names of an imported file to actors, creating (flagged for review) the ones nobody knows.

Names are matched as actors_resolve does (case, accents and spacing ignored; aliases within their validity
period first), but from an index held in memory for the whole file, so a million rows cost no query per name.
ACLED dates its labels of state forces by government ("Military Forces of Mali (2013-2020)", "(2021-)"), their
units' too, the period in the middle ("Military Forces of Mali (2021-) Special Forces"): a label whose exact
spelling is unknown but whose undated name matches the undated names of one actor's names and aliases resolves to
that actor, so every government's army, and each of its units, stays one actor. A unit met for the first time is
created `part_of` its force (found, or created, from the label's first part). A name matching several actors, or
none, is never merged into one of them: it becomes a new actor with needs_review set.

The actor crosswalk (imports.models.ActorCrosswalk) of the import's dataset comes first: an entry an editor matched
decides for its name and, for UCDP, its side id: the name and id together; else the id alone, which UCDP keeps when
it renames an actor; else the name alone, UCDP giving one name several ids ("DPR" is 5840 and 6711); each only where
it names one actor. Every name that ends at an actor flagged for review (created for it here, or by an earlier
import) and that the crosswalk does not have yet is recorded there, unmatched, with that actor: the list of names
that editors work through.

An actor's type comes from the file only where the file gives one for it (ACLED's inter1/inter2 for actor1/actor2,
UCDP's governments and rebels): a new actor met without one is of unknown type, which a later type fills in; a type
other than the actor's own is never written over it: the actor is flagged for review with what the file said.
"""

import datetime
import re
from dataclasses import dataclass

from django.db.models.functions import Now
from django.utils.translation import gettext as _

from actors.choices import ActorKind, RelationKind
from actors.models import Actor, ActorAlias, ActorRelation, normalize_actor_name

from ..models import ActorCrosswalk

_CACHE_SIZE = 100_000
# An advisory lock between the imports and the actor merges: an import holds it shared for its whole transaction,
# because its resolver keeps every actor's names in memory from the start; a merge, which deletes an actor, takes it
# exclusively or is refused, so that no import writes a participant for an actor merged away under it.
NAMES_LOCK = 7_402_204
# "Military Forces of Mali (2013-2020)", "(2021-)": ACLED's dated label of one government's forces; followed by the
# name of a unit of them in "Police Forces of Mali (2020-) Gendarmerie".
_DATED = re.compile(r"^(?P<base>.*?\S)\s*\((?P<start>[12][0-9]{3})-(?P<end>[12][0-9]{3})?\)(?:\s+(?P<unit>\S.*))?$")


@dataclass(frozen=True)
class _Name:
    actor_id: int
    valid_from: datetime.date | None
    valid_until: datetime.date | None

    def valid_on(self, day: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )


def undated(name: str) -> str:
    """The label without its period: "Military Forces of Mali (2021-) Special Forces" is "Military Forces of Mali
    Special Forces"."""
    match = _DATED.match(name.strip())
    if not match:
        return name.strip()
    return f"{match['base']} {match['unit']}" if match["unit"] else match["base"]


def _one(names: list[_Name], day: datetime.date) -> int | None:
    """The one actor these names point to: among those valid on the day if any are, else among all of them."""
    for pool in ([name for name in names if name.valid_on(day)], names):
        actors = {name.actor_id for name in pool}
        if len(actors) == 1:
            return actors.pop()
        if len(actors) > 1:
            return None
    return None


class ActorResolver:
    """Names (with the dataset's id of the actor, where it gives one) to actor ids for one import of `dataset`;
    `created` counts the actors it had to create.

    Answers are kept per label and id: once for good when the label's names point to one actor whatever the day
    (nearly every label, a dated ACLED label being one actor's alias, and every label it created an actor for), else
    per label, id and day. A file names a few thousand actors over a million rows, so nearly every name costs a
    lookup."""

    def __init__(self, *, job_label: str, dataset: str):
        self.job_label = job_label
        self.dataset = dataset
        self.exact: dict[str, list[_Name]] = {}
        self.by_base: dict[str, list[_Name]] = {}
        self.undated: dict[tuple[str, str], int] = {}
        self.cache: dict[tuple[str, str, datetime.date], int] = {}
        self.created = 0
        self.kinds: dict[int, str] = {}
        # Actors flagged for review when the import started, and those it created: whose names it records in the
        # crosswalk. One it flags for a type the file disputes is not among them: what it is is known, only its type
        # is in question.
        self.flagged: set[int] = set()
        self.kinds_seen: set[tuple[int, str]] = set()
        self.kind_conflicts: list[str] = []  # one message per actor and type, for the job's notes
        for actor_id, name, kind, needs_review in Actor.objects.values_list("pk", "name", "kind", "needs_review"):
            self._index(name, _Name(actor_id, None, None))
            self.kinds[actor_id] = kind
            if needs_review:
                self.flagged.add(actor_id)
        for actor_id, name, valid_from, valid_until in ActorAlias.objects.values_list(
            "actor_id", "name", "valid_from", "valid_until"
        ):
            self._index(name, _Name(actor_id, valid_from, valid_until))
        # The dataset's crosswalk: (actor, matched) by (normalized name, id); the actors each id and name is matched to.
        self.crosswalk: dict[tuple[str, str], tuple[int | None, bool]] = {}
        self.crosswalk_ids: dict[str, set[int]] = {}
        self.crosswalk_names: dict[str, set[int]] = {}
        for name, external_id, actor_id, matched in ActorCrosswalk.objects.filter(dataset=dataset).values_list(
            "normalized_name", "external_id", "actor_id", "matched"
        ):
            self._index_crosswalk(name, external_id, actor_id, matched)

    def _index_crosswalk(self, name: str, external_id: str, actor_id: int | None, matched: bool) -> None:
        self.crosswalk[(name, external_id)] = (actor_id, matched)
        if matched:
            if external_id:
                self.crosswalk_ids.setdefault(external_id, set()).add(actor_id)
            self.crosswalk_names.setdefault(name, set()).add(actor_id)

    def _index(self, name: str, entry: _Name) -> None:
        self.exact.setdefault(normalize_actor_name(name), []).append(entry)
        self.by_base.setdefault(normalize_actor_name(undated(name)), []).append(entry)

    def resolve(self, label: str, *, kind: str | None, on: datetime.date, external_id: str = "") -> int:
        """The actor of the label (and the dataset's id of it, if any) on the day."""
        actor_id = self.undated.get((label, external_id)) or self.cache.get((label, external_id, on))
        if actor_id is None:
            if len(self.cache) + len(self.undated) >= _CACHE_SIZE:
                # Bounded memory; the index itself answers without a query anyway.
                self.cache.clear()
                self.undated.clear()
            actor_id = self._crosswalk(label, external_id)
            any_day = actor_id is not None
            if actor_id is None:
                actor_id, any_day = self._resolve(label, kind=kind, on=on)
                if actor_id in self.flagged:
                    self._unmatched(label, external_id, actor_id)
            if any_day:
                self.undated[(label, external_id)] = actor_id
            else:
                self.cache[(label, external_id, on)] = actor_id
        if kind and (actor_id, kind) not in self.kinds_seen:
            self.kinds_seen.add((actor_id, kind))
            self._given_kind(actor_id, kind, label)
        return actor_id

    def _given_kind(self, actor_id: int, kind: str, label: str) -> None:
        """The type the file gives the actor: taken if its type is unknown, else, if it differs, noted on the actor
        (flagged for review) and for the job, the actor's own type kept."""
        current = self.kinds[actor_id]
        if current == kind:
            return
        if current == ActorKind.UNKNOWN:
            Actor.objects.filter(pk=actor_id).update(kind=kind, updated_at=Now())
            self.kinds[actor_id] = kind
            return
        actor = Actor.objects.get(pk=actor_id)
        message = _("%(job)s gives %(label)s the type %(given)s; the actor %(actor)s is %(kind)s, which was kept.") % {
            "job": self.job_label,
            "label": label,
            "given": ActorKind(kind).label,
            "actor": actor.name,
            "kind": ActorKind(current).label,
        }
        actor.needs_review = True
        actor.review_note = "\n".join(note for note in (actor.review_note, message) if note)
        actor.save(update_fields=["needs_review", "review_note", "updated_at"])
        self.kind_conflicts.append(message)

    def _crosswalk(self, label: str, external_id: str) -> int | None:
        """The actor the crosswalk's matched entries tie the label to: by name and id, else by id, else by name (see
        the module's docstring); None where they tie it to none, or to several."""
        name = normalize_actor_name(label)
        actor_id, matched = self.crosswalk.get((name, external_id), (None, False))
        if matched:
            return actor_id
        candidates = [self.crosswalk_ids.get(external_id, set())] if external_id else []
        for actors in [*candidates, self.crosswalk_names.get(name, set())]:
            if len(actors) == 1:
                return next(iter(actors))
        return None

    def _unmatched(self, label: str, external_id: str, actor_id: int) -> None:
        """Record in the crosswalk, unmatched, that the name (and id) ends at an actor flagged for review, unless it
        has an entry with an actor already. An entry an editor adds meanwhile wins: nothing is written over it."""
        name = normalize_actor_name(label)
        if (name, external_id) not in self.crosswalk:
            ActorCrosswalk.objects.bulk_create(
                [
                    ActorCrosswalk(
                        dataset=self.dataset,
                        name=label.strip()[:200],
                        normalized_name=name,
                        external_id=external_id,
                        actor_id=actor_id,
                        note=_("Recorded by %(job)s, which could tie it to no vetted actor.") % {"job": self.job_label},
                    )
                ],
                ignore_conflicts=True,
            )
        elif self.crosswalk[(name, external_id)][0] is None:
            # An entry an editor untied: it gets the actor the import resolved the name to, still unmatched.
            ActorCrosswalk.objects.filter(
                dataset=self.dataset, normalized_name=name, external_id=external_id, actor__isnull=True
            ).update(actor_id=actor_id)
        else:
            return
        self._index_crosswalk(name, external_id, actor_id, False)

    def _resolve(self, label: str, *, kind: str | None, on: datetime.date) -> tuple[int, bool]:
        """The one actor the label's exact names point to on the day; if it has none, the one its undated name's
        names point to; else a new actor. With whether the answer holds whatever the day."""
        exact = self.exact.get(normalize_actor_name(label))
        names = exact or self.by_base.get(normalize_actor_name(undated(label)), [])
        actor_id = _one(names, on)
        if actor_id is None:
            return self._create(label, kind=kind, on=on), True
        any_day = len({name.actor_id for name in names}) == 1
        if not exact and any_day:
            # A dated label seen for the first time becomes the actor's alias, so that it can be looked up by the
            # name the file gives (the API's actor filter, the actor search) as well as by the names it had.
            self._dated_alias(actor_id, label)
        return actor_id, any_day

    def _create(self, label: str, *, kind: str | None, on: datetime.date) -> int:
        """A new actor under the label's undated name, the dated label as its alias for the label's years; a unit
        `part_of` its force."""
        match = _DATED.match(label.strip())
        name = undated(label)
        if normalize_actor_name(name) in self.exact:
            # The undated name is taken (by an actor the dated label could not be tied to): keep the label whole.
            name = label.strip()
        if normalize_actor_name(name) in self.exact:
            # Even the label is taken, by several actors it could not choose between: a name of its own.
            name = f"{label.strip()} ({self.job_label})"
        actor = Actor(
            name=name[:200],
            kind=kind or ActorKind.UNKNOWN,
            needs_review=True,
            description=_("Created by %(job)s from the name %(name)s, which matched no actor.")
            % {"job": self.job_label, "name": label},
        )
        actor.save()
        self.created += 1
        self._index(actor.name, _Name(actor.pk, None, None))
        self.kinds[actor.pk] = actor.kind
        self.flagged.add(actor.pk)
        if normalize_actor_name(label) != normalize_actor_name(actor.name):
            self._dated_alias(actor.pk, label)
        if match and match["unit"]:
            force_label = f"{match['base']} ({match['start']}-{match['end'] or ''})"
            force_id = self.resolve(force_label, kind=kind, on=on)
            if force_id != actor.pk:
                ActorRelation.objects.create(subject_id=actor.pk, kind=RelationKind.PART_OF, object_id=force_id)
        return actor.pk

    def _dated_alias(self, actor_id: int, label: str) -> None:
        """ACLED's dated label as the actor's alias for the label's years; nothing for a label with no years."""
        match = _DATED.match(label.strip())
        if not match or int(match["start"]) > int(match["end"] or match["start"]):
            return
        alias = ActorAlias(
            actor_id=actor_id,
            name=label.strip()[:200],
            valid_from=datetime.date(int(match["start"]), 1, 1),
            valid_until=datetime.date(int(match["end"]), 12, 31) if match["end"] else None,
            note=_("ACLED's dated label."),
        )
        alias.save()
        self._index(alias.name, _Name(actor_id, alias.valid_from, alias.valid_until))
