"""Changes to published (or formerly published) incidents, announced by the apps that make them (events' services,
the imports) to the apps that keep figures derived from them (the tallies), which sit above them and may not be
imported by them.

A listener registers once at startup, in its app's AppConfig.ready (tallies registers the writer of its casualty
facts), with the tables it writes. Announcing runs every listener at once, in the writer's transaction: what a
listener writes commits or rolls back with the change itself. A writer of many rows at once (an import) asks for
those tables too, to refresh the planner's statistics of everything its transaction wrote.
"""

import datetime
from collections.abc import Callable, Iterable

# One changed incident: its id, every actor it had or has, every start date it had or has.
IncidentChange = tuple[int, Iterable[int], Iterable[datetime.date]]
Listener = Callable[[list[IncidentChange]], None]
LISTENERS: dict[Listener, tuple[str, ...]] = {}


def incident_changes_listen(listener: Listener, *, writes: tuple[str, ...]) -> None:
    """Register `listener`, which writes the tables `writes` (their database names)."""
    LISTENERS[listener] = writes


def incident_changes_tables() -> list[str]:
    """Every table the listeners write."""
    return sorted({table for tables in LISTENERS.values() for table in tables})


def incident_changes_announce(changes: Iterable[IncidentChange]) -> None:
    changes = list(changes)
    if not changes:
        return
    for listener in LISTENERS:
        listener(changes)
