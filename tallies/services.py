"""Keeping the casualty facts (tallies.models.CasualtyFact) equal to the published records, and their sums
(CasualtySum) equal to the facts.

Every change to a published (or formerly published) incident is announced in its own transaction
(conflict_tracker.incident_changes); the facts of those incidents are rewritten right there, so they commit or roll
back with the change and a tally is never behind the data; what the old facts added to the sums is taken away and
what the new ones add is added. The full rebuild rewrites them all from scratch (after
a restore, or if a write ever went round the services), and the verification compares them with an independent
count of the records.
"""

import logging

from django.db import transaction

from events.choices import IncidentStatus
from events.models import Incident

from .queries import (
    FACT_TABLE,
    SUM_TABLE,
    facts_delete,
    facts_disagreeing,
    facts_truncate,
    facts_write,
    indexes_set_aside,
    rebuild_settings,
    sums_add,
    sums_disagreeing,
    sums_truncate,
    sums_write,
)

logger = logging.getLogger(__name__)


# The changed incidents are rewritten REFRESH_CHUNK at a time: four statements per chunk.
REFRESH_CHUNK = 20_000
# Rewriting a changed incident's facts and sums costs about 1.6 times its share of a full rebuild (17,081 new
# incidents among 17,081: 7.3 s against 4.6 s; the sums' upserts are most of it). From REBUILD_FROM changed
# incidents, when they are two thirds or more of the published ones (a first import, a large file into a small
# database), everything is rebuilt instead. The rebuild then holds the tallies exclusively until the change commits:
# a tally asked meanwhile waits for it.
REBUILD_FROM = 10_000
REBUILD_SHARE = 2 / 3


def casualty_facts_refresh(incident_ids: list[int]) -> None:
    """Rewrite the facts of the changed incidents and their sums, in the transaction of the change."""
    if len(incident_ids) >= REBUILD_FROM and len(incident_ids) >= REBUILD_SHARE * _published():
        tallies_rebuild()
        return
    for start in range(0, len(incident_ids), REFRESH_CHUNK):
        chunk = incident_ids[start : start + REFRESH_CHUNK]
        sums_add(chunk, -1)
        facts_delete(chunk)
        facts_write(chunk)
        sums_add(chunk, 1)


def _published() -> int:
    return Incident.objects.filter(status=IncidentStatus.PUBLISHED).count()


def tallies_rebuild() -> int:
    """Rewrite every fact from the published records, and the sums from the facts; returns how many facts there
    are.

    Emptied with TRUNCATE, which locks the table until the rebuild commits: it reads every change committed
    before it; a change committing meanwhile waits to rewrite its incident's facts after it, and a tally asked
    meanwhile waits for the new facts. Two rebuilds run one after the other. Under that lock, each table is written
    without its indexes, made again once it is full (rolled back with the rest if the rebuild fails)."""
    with transaction.atomic():
        sums_truncate()  # first, as a change's refresh locks them
        facts_truncate()
        rebuild_settings()
        with indexes_set_aside(FACT_TABLE):
            written = facts_write(None)
        with indexes_set_aside(SUM_TABLE):
            sums_write()
        return written


def tallies_verify() -> int:
    """Compare the facts with an independent count of the published records, and their sums with the facts summed
    anew. Each disagreement is logged as an error (something wrote around the services) and the facts and sums are
    rebuilt. Returns how many sums disagreed. Both counts run with a rebuild's settings (they sum every fact), in one
    transaction, the sums' first: it locks the two tables in the order a rebuild does."""
    with transaction.atomic():
        rebuild_settings()
        summed = sums_disagreeing()
        disagreeing = facts_disagreeing()
    for row in disagreeing:
        logger.error("Casualty facts disagree with the records: %s", row)
    for row in summed:
        logger.error("Casualty sums disagree with the facts: %s", row)
    disagreeing += summed
    if disagreeing:
        tallies_rebuild()
    return len(disagreeing)
