"""Keeping the match candidates (reconciliation.models.MatchCandidate) equal to the records (published incidents and
those merged into one), the editors' decisions on them (MatchDecision), a ledger, and the merges the decisions make
(events.services.merges)."""

from contextvars import ContextVar

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conflict_tracker.exceptions import ChangedMeanwhile
from conflict_tracker.roles import Role, has_role
from events.models import Incident
from events.services import incident_merge_release, incident_merge_write

from .choices import Verdict
from .combine import RECORD_PARTS, combined_fields, combined_parts, ranked
from .models import MatchCandidate, MatchDecision
from .queries import (
    RECONCILED,
    candidates_delete,
    candidates_truncate,
    candidates_write,
    decisions_automatic,
    groups_of,
)

# Set while a merge is written: the changes it announces (the merge, its records) are its own, not records changed
# whose merge must follow.
_merging: ContextVar[bool] = ContextVar("merging", default=False)


def match_candidates_refresh(incident_ids: list[int]) -> None:
    """Find anew the candidates of the changed records, in the transaction of the change, decide the clearest of
    them (queries.decisions_automatic), and write again the merges of the records decided or changed. An import
    announces everything it wrote at its end, so that its candidates are found in one statement."""
    candidates_delete(incident_ids)
    candidates_write(incident_ids)
    decided = decisions_automatic(incident_ids)
    if _merging.get():
        return
    changed = Incident.objects.filter(pk__in=incident_ids, merged_into__isnull=False).values_list("pk", flat=True)
    merges_refresh(sorted({*decided, *changed}), by=None)


def merges_refresh(incident_ids: list[int], *, by: User | None) -> None:
    """Make the merges of these records and of those decided the same event as them what the standing decisions
    say: each group of two or more records counted as one incident (the one some of them are merged into already,
    or a new one), written again from its records as they are now (reconciliation.combine); a record left alone
    published again; a merge left merging nothing retracted. `by` is the editor whose decision it is (None: the
    automatic decisions of an import, written in the name of the group's first record's author)."""
    if not incident_ids:
        return
    token = _merging.set(True)
    try:
        with transaction.atomic():
            merged_with = Incident.objects.filter(
                merged_into__in=Incident.objects.filter(pk__in=incident_ids).values("merged_into")
            ).values_list("pk", flat=True)
            groups = groups_of(sorted({*incident_ids, *merged_with}))
            records = {
                record.pk: record
                for record in Incident.objects.filter(pk__in=[pk for group in groups for pk in group])
                .select_for_update(of=("self",), no_key=True)
                .order_by("pk")
            }
            alone = [group[0] for group in groups if len(group) == 1 and records[group[0]].merged_into_id is not None]
            incident_merge_release(
                records=alone,
                by_id=by.pk if by else None,
                reason=_("Its records were found to be different events: the merge was undone."),
            )
            taken: set[int] = set()
            for group in groups:
                if len(group) < 2:
                    continue
                into_ids = sorted({records[pk].merged_into_id for pk in group} - {None} - taken)
                into = Incident.objects.get(pk=into_ids[0]) if into_ids else None
                members = ranked(Incident.objects.filter(pk__in=group).prefetch_related(*RECORD_PARTS))
                merged = incident_merge_write(
                    into=into,
                    records=members,
                    fields=combined_fields(members),
                    parts=combined_parts(members),
                    by_id=by.pk if by else members[0].created_by_id,
                )
                taken.add(merged.pk)
    finally:
        _merging.reset(token)


def match_candidates_rebuild() -> int:
    """Find every candidate anew, from every published incident (after a change the incidents' announcements do not
    cover: an actor's new relation, new settings). Returns how many there are. The table is held until the rebuild
    commits: a change committing meanwhile waits to find its candidates after it. Decisions are kept."""
    with transaction.atomic():
        candidates_truncate()
        found = candidates_write(None)
        merges_refresh(decisions_automatic(None), by=None)
        return found


def _require_editor(user: User) -> None:
    if not has_role(user, Role.EDITOR):
        raise PermissionDenied(_("Only editors may decide whether two incidents are one event."))


def match_decide(
    *, incident: Incident, other: Incident, verdict: str, by: User, note: str = "", replaces: int | None = None
) -> MatchDecision:
    """Decide whether two records (published incidents, or records merged into one) record one event; the merges
    follow (merges_refresh). `replaces` is the id of the standing decision on the pair the editor saw (None if they
    saw none): if another was made or undone since, the decision is refused rather than made over it; the one it
    replaces is undone by it, and kept."""
    _require_editor(by)
    if verdict not in Verdict.values:
        raise ValidationError({"verdict": _("Choose one of: %(verdicts)s.") % {"verdicts": ", ".join(Verdict.values)}})
    if incident.pk == other.pk:
        raise ValidationError({"other": _("An incident is always the same event as itself.")})
    first, second = sorted((incident, other), key=lambda record: record.pk)
    with transaction.atomic():
        # Both incidents locked in id order, as any two decisions lock them: two editors deciding on one pair at once
        # decide one after the other, and the second sees the first's decision.
        locked = list(
            Incident.objects.select_for_update(no_key=True).filter(pk__in=[first.pk, second.pk]).order_by("pk")
        )
        unpublished = [record.code for record in locked if record.status not in RECONCILED]
        if unpublished or len(locked) < 2:
            raise ValidationError(
                _("Only published incidents are reconciled: %(codes)s is not.") % {"codes": ", ".join(unpublished)}
            )
        merges = Incident.objects.filter(merged_into__in=locked).values_list("merged_into__code", flat=True)
        if merges:
            raise ValidationError(
                _("%(codes)s merges records of one event: decide on its records.")
                % {"codes": ", ".join(sorted(set(merges)))}
            )
        standing = MatchDecision.objects.filter(incident=first, other=second, undone_at__isnull=True).first()
        if (standing.pk if standing else None) != replaces:
            raise ChangedMeanwhile(
                _("Someone decided on %(first)s and %(second)s meanwhile. Reload them and decide again.")
                % {"first": first.code, "second": second.code}
            )
        now = timezone.now()
        if standing is not None:
            standing.undone_by, standing.undone_at = by, now
            standing.save(update_fields=["undone_by", "undone_at"])
        candidate = MatchCandidate.objects.filter(incident=first, other=second).values_list("score", flat=True)
        decision = MatchDecision.objects.create(
            incident=first,
            other=second,
            verdict=verdict,
            note=note.strip(),
            score=candidate.first(),
            by=by,
            at=now,
        )
        merges_refresh([first.pk, second.pk], by=by)
        return decision


def match_decision_undo(*, decision: int, by: User) -> MatchDecision:
    """Undo the standing decision `decision` (an id): the pair is undecided again, and the decision kept."""
    _require_editor(by)
    with transaction.atomic():
        record = MatchDecision.objects.select_for_update().filter(pk=decision).first()
        if record is None:
            raise ValidationError({"decision": _("No match decision has the id %(id)s.") % {"id": decision}})
        if record.undone_at is not None:
            raise ChangedMeanwhile(_("This decision was undone already."))
        record.undone_by, record.undone_at = by, timezone.now()
        record.save(update_fields=["undone_by", "undone_at"])
        merges_refresh([record.incident_id, record.other_id], by=by)
        return record
