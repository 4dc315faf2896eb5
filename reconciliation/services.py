"""Keeping the match candidates (reconciliation.models.MatchCandidate) equal to the published incidents, and the
editors' decisions on them (MatchDecision), a ledger."""

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conflict_tracker.exceptions import ChangedMeanwhile
from conflict_tracker.roles import Role, has_role
from events.choices import IncidentStatus
from events.models import Incident

from .choices import Verdict
from .models import MatchCandidate, MatchDecision
from .queries import candidates_delete, candidates_truncate, candidates_write, decisions_automatic


def match_candidates_refresh(incident_ids: list[int]) -> None:
    """Find anew the candidates of the changed incidents (those still published), in the transaction of the change,
    and decide the clearest of them (queries.decisions_automatic). An import announces everything it wrote at its
    end, so that its candidates are found in one statement."""
    candidates_delete(incident_ids)
    candidates_write(incident_ids)
    decisions_automatic(incident_ids)


def match_candidates_rebuild() -> int:
    """Find every candidate anew, from every published incident (after a change the incidents' announcements do not
    cover: an actor's new relation, new settings). Returns how many there are. The table is held until the rebuild
    commits: a change committing meanwhile waits to find its candidates after it. Decisions are kept."""
    with transaction.atomic():
        candidates_truncate()
        found = candidates_write(None)
        decisions_automatic(None)
        return found


def _require_editor(user: User) -> None:
    if not has_role(user, Role.EDITOR):
        raise PermissionDenied(_("Only editors may decide whether two incidents are one event."))


def match_decide(
    *, incident: Incident, other: Incident, verdict: str, by: User, note: str = "", replaces: int | None = None
) -> MatchDecision:
    """Decide whether two published incidents record one event. `replaces` is the id of the standing decision on
    the pair the editor saw (None if they saw none): if another was made or undone since, the decision is refused
    rather than made over it; the one it replaces is undone by it, and kept."""
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
        unpublished = [record.code for record in locked if record.status != IncidentStatus.PUBLISHED]
        if unpublished or len(locked) < 2:
            raise ValidationError(
                _("Only published incidents are reconciled: %(codes)s is not.") % {"codes": ", ".join(unpublished)}
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
        return MatchDecision.objects.create(
            incident=first,
            other=second,
            verdict=verdict,
            note=note.strip(),
            score=candidate.first(),
            by=by,
            at=now,
        )


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
        return record
