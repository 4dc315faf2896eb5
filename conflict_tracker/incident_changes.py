"""Changes to published (or formerly published) incidents, announced by the apps that make them (events' services,
the imports) to the apps that keep figures derived from them (the tallies), which sit above them and may not be
imported by them.

A listener registers once at startup, in its app's AppConfig.ready (tallies registers the writer of its casualty
facts). Announcing runs every listener at once, in the writer's transaction: what a listener writes
commits or rolls back with the change itself.
"""

import datetime
from collections.abc import Callable, Iterable

# One changed incident: its id, every actor it had or has, every start date it had or has.
IncidentChange = tuple[int, Iterable[int], Iterable[datetime.date]]
Listener = Callable[[list[IncidentChange]], None]
LISTENERS: list[Listener] = []


def incident_changes_listen(listener: Listener) -> None:
    if listener not in LISTENERS:
        LISTENERS.append(listener)


def incident_changes_announce(changes: Iterable[IncidentChange]) -> None:
    changes = list(changes)
    if not changes:
        return
    for listener in LISTENERS:
        listener(changes)
