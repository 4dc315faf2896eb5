"""Per-actor tallies of an imported ACLED file against the figures ACLED's own convention gives for the same rows:
an actor's events are those that name it in actor1, assoc_actor_1, actor2 or assoc_actor_2 (in any of an event's
rows, for a monadic export), and its fatalities are the sum of those events' fatality figures, each event once.
The reference is computed here from the CSV with the standard library, independently of the importer."""

import csv
from collections import defaultdict

import pytest
from rest_framework.test import APIClient

from actors.models import Actor
from imports.choices import ImportStatus
from imports.services.actor_resolver import undated
from tallies.services import tallies_rebuild
from tests.helpers.acled_file import HEADER, write_acled_file

pytestmark = pytest.mark.django_db
ACTOR_COLUMNS = [HEADER.index(name) for name in ("actor1", "assoc_actor_1", "actor2", "assoc_actor_2")]


def acled_figures(path) -> dict[str, tuple[int, int]]:
    """(events, fatalities) per actor, ACLED's dated labels of one force taken together; the rows an import must
    refuse (bad values, the truncated last row) left out."""
    events: dict[str, tuple[int, set[str]]] = {}
    with path.open(newline="", encoding="utf-8") as stream:
        rows = csv.reader(stream)
        next(rows)
        for row in rows:
            if len(row) != len(HEADER) or row[0].startswith("BAD"):
                continue
            fatalities, actors = events.setdefault(row[0], (int(row[HEADER.index("fatalities")]), set()))
            actors.update(undated(name) for column in ACTOR_COLUMNS for name in row[column].split("; "))
    figures: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for fatalities, actors in events.values():
        for actor in actors - {"NA", ""}:
            figures[actor][0] += 1
            figures[actor][1] += fatalities
    return {actor: tuple(figure) for actor, figure in figures.items()}


def test_per_actor_involved_tallies_match_acleds_figures_for_the_same_rows(run_import, tmp_path, researcher):
    path = tmp_path / "acled.csv"
    write_acled_file(path, 3000)
    expected = acled_figures(path)
    job = run_import(path)
    assert job.status == ImportStatus.SUCCEEDED
    tallies_rebuild()

    client = APIClient()
    client.force_authenticate(researcher)  # a researcher's rate: a request per actor
    found = {}
    for actor in Actor.objects.all():
        response = client.get("/api/v1/tallies/", {"actor": actor.pk, "measure": "involved", "harm": "killed"})
        assert response.status_code == 200, response.content
        [cell] = response.json()
        found[actor.name] = (cell["incidents"], cell["best"])

    assert len(expected) > 80  # armies under their dated labels, armed groups, militias, civilians, associates
    assert found == expected
