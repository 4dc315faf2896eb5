"""ACLED's civilian fatalities: the dead of violence against civilians and of every event `civilian_targeting` marks
are civilians; who is held responsible is unchanged (side A in violence against civilians only). Through the real
import and the tallies API."""

import pytest
from rest_framework.test import APIClient

from conflict_tracker.choices import ImportKind
from imports.choices import ImportStatus
from imports.models import ImportedEvent

pytestmark = pytest.mark.django_db


def killed(event_id: str) -> list[tuple]:
    """The event's killed records: (victims' status, best count, names of those held responsible), and its claim's."""
    imported = ImportedEvent.objects.select_related("claim").get(kind=ImportKind.ACLED, external_id=event_id)
    records = [
        (
            record.victim_status,
            record.count_best,
            sorted(p.actor.name for p in record.perpetrators.select_related("actor")),
        )
        for record in imported.incident.casualty_records.filter(harm="killed")
    ]
    return [*records, ("claim", imported.claim.victim_status)]


def test_the_dead_of_civilian_targeting_events_are_civilians_and_attribution_is_unchanged(known_actors, run_import):
    job = run_import("acled_civilian_targeting.csv")
    assert job.status == ImportStatus.SUCCEEDED and job.error_count == 0, job.errors

    jnim = "Jama'at Nusrat al-Islam wal-Muslimin"
    assert killed("MLI9101") == [("civilian", 5, []), ("claim", "civilian")]  # a drone strike on a wedding
    assert killed("MLI9102") == [("civilian", 2, []), ("claim", "civilian")]  # a lynching
    assert killed("MLI9103") == [("unknown", 7, []), ("claim", "unknown")]  # a clash: no civilian targeting
    assert killed("MLI9104") == [("civilian", 3, [jnim]), ("claim", "civilian")]  # violence against civilians


def test_an_actors_civilian_dead_under_acleds_convention_count_its_civilian_targeting_events(
    known_actors, run_import, researcher
):
    run_import("acled_civilian_targeting.csv")
    client = APIClient()
    client.force_authenticate(researcher)

    def civilians_killed(actor: str) -> tuple[int, int]:
        response = client.get(
            "/api/v1/tallies/",
            {"actor": actor, "measure": "involved", "harm": "killed", "victim_status": "civilian"},
        )
        assert response.status_code == 200, response.content
        [cell] = response.json()
        return cell["incidents"], cell["best"]

    # ACLED's figure for the army: the fatalities of its events targeting civilians (the drone strike), not the clash.
    assert civilians_killed("FAMa") == (1, 5)
    assert civilians_killed("JNIM") == (1, 3)
    assert civilians_killed("Civilians (Mali)") == (3, 10)
