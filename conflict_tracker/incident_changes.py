"""Changes to published (or formerly published) incidents, announced by the apps that make them (events' services,
the imports) to the apps that keep figures derived from them (the tallies), which sit above them and may not be
imported by them.

A listener registers once at startup, in its app's AppConfig.ready (tallies registers the writer of its casualty
facts), with the tables it writes. Announcing runs every listener at once, in the writer's transaction: what a
listener writes commits or rolls back with the change itself. A writer of many rows at once (an import) asks for
those tables too, to refresh the planner's statistics of everything its transaction wrote.
"""

from collections.abc import Callable, Iterable

# A listener is given the ids of the changed incidents, each once, in order.
Listener = Callable[[list[int]], None]
LISTENERS: dict[Listener, tuple[str, ...]] = {}


def incident_changes_listen(listener: Listener, *, writes: tuple[str, ...]) -> None:
    """Register `listener`, which writes the tables `writes` (their database names)."""
    LISTENERS[listener] = writes


def incident_changes_tables() -> list[str]:
    """Every table the listeners write."""
    return sorted({table for tables in LISTENERS.values() for table in tables})


def incident_changes_announce(incident_ids: Iterable[int]) -> None:
    """Announce that the incidents `incident_ids` changed. A writer of many announces them together (an import, all
    it created): a listener may then rewrite everything at once rather than incident by incident."""
    incident_ids = sorted(set(incident_ids))
    if not incident_ids:
        return
    for listener in LISTENERS:
        listener(incident_ids)
