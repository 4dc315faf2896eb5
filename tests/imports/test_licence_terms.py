"""What an import records of its dataset's licence: ACLED's events stay with staff, UCDP's (CC BY 4.0) are public."""

import pytest

from conflict_tracker.choices import ImportKind
from events.models import Incident
from imports.services import import_job_create, import_job_run
from sources.models import Source
from tests.helpers.imports import FILES
from tests.helpers.licences import passed_on_by_claims

pytestmark = pytest.mark.django_db


def test_an_acled_import_records_acled_s_terms_and_its_events_stay_with_staff(
    run_import, known_actors, client_as, settings
):
    run_import("acled_current.csv")

    acled = Source.objects.get(acronym="ACLED")
    assert (acled.licence, acled.redistributable) == ("ACLED Terms of Use", False)
    assert "acleddata.com" in acled.attribution
    assert client_as("editor").get("/api/v1/incidents/").json()["results"]
    for role in ("anonymous", "researcher"):
        assert client_as(role).get("/api/v1/incidents/").json()["results"] == []
    # The facts the imported incidents keep give the rule's answer.
    assert set(Incident.objects.redistributable().values_list("pk", flat=True)) == passed_on_by_claims(settings)


def test_a_ucdp_import_records_its_cc_by_licence_and_its_events_are_public(editor, client_as):
    job = import_job_create(by=editor, kind=ImportKind.UCDP, file_name="ucdp_current.csv", dry_run=False)
    with (FILES / "ucdp_current.csv").open("rb") as stream:
        import_job_run(job=job, stream=stream)

    ucdp = Source.objects.get(acronym="UCDP")
    assert (ucdp.licence, ucdp.redistributable) == ("CC BY 4.0", True)
    assert client_as("anonymous").get("/api/v1/incidents/").json()["results"]
