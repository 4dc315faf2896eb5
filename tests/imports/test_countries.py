"""Countries of imported rows: iso3, else the ISO number, else the name (ACLED's old ROM for Romania beside a good
number and name), Kosovo as XKX; a row is refused only when none of them places it. Through the real import, the
list's filter and the ACLED export."""

import csv
import io

import pytest
from rest_framework.test import APIClient

from events.models import Incident
from imports.choices import ImportStatus
from imports.models import ImportedEvent
from imports.readers.csvfile import country_code

pytestmark = pytest.mark.django_db


def incident_of(event_id: str) -> Incident:
    return ImportedEvent.objects.select_related("incident").get(external_id=event_id).incident


def test_romania_under_acleds_old_code_and_kosovo_are_imported_and_a_row_no_cell_places_is_refused(run_import):
    job = run_import("acled_countries.csv")

    assert job.status == ImportStatus.SUCCEEDED, job.failure
    assert job.created == 2
    romania, kosovo = incident_of("ROU101"), incident_of("XKX102")
    assert (romania.country, romania.code) == ("ROU", "ROU-2021-0001")
    assert (kosovo.country, kosovo.code) == ("XKX", "XKX-2021-0001")
    assert [(error["row"], error["event_id"], error["message"]) for error in job.errors] == [
        (
            4,
            "ATL103",
            'No country in iso3 "ROX", iso "999", country "Atlantis": none is a country of ISO 3166 (or XKX, Kosovo) '
            "by its code, number or name.",
        )
    ]


def test_kosovo_is_a_country_for_the_filters_and_the_acled_export_gives_back_acleds_cells(run_import, editor, tmp_path):
    run_import("acled_countries.csv")
    client = APIClient()
    client.force_authenticate(editor)

    listed = client.get("/api/v1/incidents/", {"country": "XKX"})
    assert listed.status_code == 200, listed.content
    assert [incident["code"] for incident in listed.json()["results"]] == ["XKX-2021-0001"]
    refused = client.get("/api/v1/incidents/", {"country": "ROM"})
    assert refused.status_code == 400
    assert "ROM is not an ISO 3166-1 alpha-3 country code" in refused.content.decode()

    response = client.get("/api/v1/incidents/", {"format": "acled", "ordering": "start_date"})
    assert response.status_code == 200
    exported = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [(row["event_id_cnty"], row["iso"], row["country"], row["region"]) for row in rows] == [
        ("ROU101", "642", "Romania", "Europe"),
        ("XKX102", "0", "Kosovo", "Europe"),
    ]

    # The export (current schema: no iso3) places both again, by number.
    path = tmp_path / "export.csv"
    path.write_text(exported, encoding="utf-8")
    again = run_import(path)
    assert (again.created, again.error_count) == (0, 0), again.errors
    assert (incident_of("ROU101").country, incident_of("XKX102").country) == ("ROU", "XKX")


@pytest.mark.parametrize(
    ("iso3", "iso", "name", "code"),
    [
        ("ROM", "642", "Romania", "ROU"),  # a retired code: the number places it
        ("ROM", "", "Romania", "ROU"),  # nor a number: the name does
        ("XKX", "0", "Kosovo", "XKX"),
        ("", "0", "", "XKX"),  # ACLED's number for Kosovo
        ("", "", "Kosovo", "XKX"),
        ("", "642.0", "", "ROU"),  # a spreadsheet's number
        ("", "", "Democratic Republic of Congo", "COD"),  # ACLED's spelling
        ("", "", "Curacao", "CUW"),  # ISO's "Curaçao", accents aside
        ("", "", "Saint-Barthelemy", "BLM"),
        ("ROM", "", "", None),
        ("ROX", "999", "Atlantis", None),
    ],
)
def test_each_country_cell_is_tried_in_turn(iso3, iso, name, code):
    assert country_code(iso3, iso, name) == code
