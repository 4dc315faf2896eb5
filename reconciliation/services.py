"""Keeping the match candidates (reconciliation.models.MatchCandidate) equal to the published incidents."""

from django.db import transaction

from .queries import candidates_delete, candidates_truncate, candidates_write


def match_candidates_refresh(incident_ids: list[int]) -> None:
    """Find anew the candidates of the changed incidents (those still published), in the transaction of the change:
    an import announces everything it wrote at its end, so that its candidates are found in one statement."""
    candidates_delete(incident_ids)
    candidates_write(incident_ids)


def match_candidates_rebuild() -> int:
    """Find every candidate anew, from every published incident (after a change the incidents' announcements do not
    cover: an actor's new relation, new settings). Returns how many there are. The table is held until the rebuild
    commits: a change committing meanwhile waits to find its candidates after it."""
    with transaction.atomic():
        candidates_truncate()
        return candidates_write(None)
