"""/api/v1/actor-crosswalk/: staff read the datasets' names and the actors they are tied to, with filters and as
CSV; editors add and tie them; every other role is refused, and bad input is a 400 naming the field. The admin ties
names through the same service."""

import csv
import io

import pytest

from actors.choices import ActorKind
from actors.models import Actor
from conflict_tracker.choices import ImportKind
from imports.models import ActorCrosswalk
from imports.services.actor_crosswalk import actor_crosswalk_create
from tests.helpers.admin import admin_form_data, admin_url
from tests.helpers.api import error_of

pytestmark = pytest.mark.django_db
CROSSWALK = "/api/v1/actor-crosswalk/"
ROLES = ("anonymous", "researcher", "analyst", "editor", "admin_user")
REFUSED = {"anonymous": 401, "researcher": 403}


@pytest.fixture
def crosswalk(editor):
    """The army matched to its UCDP and ACLED names; UCDP's IS recorded by an import with the flagged actor it made;
    a UCDP name an editor untied."""
    army = Actor.objects.create(name="Malian Armed Forces", acronym="FAMa", kind=ActorKind.STATE_FORCES)
    flagged = Actor.objects.create(name="IS", kind=ActorKind.REBEL_GROUP, needs_review=True)
    return {
        "army": army,
        "flagged": flagged,
        "mali": actor_crosswalk_create(by=editor, dataset=ImportKind.UCDP, name="Government of Mali", actor=army.pk),
        "mali_acled": actor_crosswalk_create(
            by=editor, dataset=ImportKind.ACLED, name="Military Forces of Mali (2021-)", actor=army.pk
        ),
        "is": ActorCrosswalk.objects.create(dataset=ImportKind.UCDP, name="IS", external_id="234", actor=flagged),
        "jnim": ActorCrosswalk.objects.create(dataset=ImportKind.UCDP, name="JNIM"),
    }


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["results"]]


@pytest.mark.parametrize("role", ROLES)
def test_staff_read_the_crosswalk_and_only_editors_change_it(client_as, crosswalk, role):
    client = client_as(role)

    listed = client.get(CROSSWALK)
    tied = client.patch(f"{CROSSWALK}{crosswalk['jnim'].pk}/", {"actor": crosswalk["army"].pk}, format="json")
    added = client.post(CROSSWALK, {"dataset": "acled", "name": "Malian army", "actor": None}, format="json")

    expected = {**REFUSED, "analyst": 403}.get(role)
    assert listed.status_code == REFUSED.get(role, 200)
    assert (tied.status_code, added.status_code) == ((expected, expected) if expected else (200, 201))
    crosswalk["jnim"].refresh_from_db()
    assert (crosswalk["jnim"].actor_id is not None) == (expected is None)


def test_an_editor_ties_and_unties_a_name(client_as, crosswalk, editor):
    client = client_as("editor")

    tied = client.patch(
        f"{CROSSWALK}{crosswalk['jnim'].pk}/", {"actor": crosswalk["army"].pk, "note": "Checked."}, format="json"
    )
    assert tied.json() | {"at": None} == {
        "id": crosswalk["jnim"].pk,
        "dataset": "ucdp",
        "name": "JNIM",
        "external_id": "",
        "actor": {"id": crosswalk["army"].pk, "name": "Malian Armed Forces", "acronym": "FAMa", "needs_review": False},
        "matched": True,
        "note": "Checked.",
        "by": "editor",
        "at": None,
    }

    untied = client.patch(f"{CROSSWALK}{crosswalk['jnim'].pk}/", {"actor": None}, format="json").json()
    assert (untied["actor"], untied["matched"], untied["note"]) == (None, False, "Checked.")


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"actor": 10**12}, "actor", "No actor has the id 1000000000000."),
        ({"actor": 2**63}, "actor", "less than or equal to"),
        ({"actor": "Wagner"}, "actor", "A valid integer is required."),
        ({}, "actor", "This field is required."),
    ],
)
def test_a_bad_tie_is_a_400_naming_the_field(client_as, crosswalk, body, field, message):
    response = client_as("editor").patch(f"{CROSSWALK}{crosswalk['jnim'].pk}/", body, format="json")

    error = error_of(response, 400)
    assert message in " ".join(error["fields"][field])
    crosswalk["jnim"].refresh_from_db()
    assert crosswalk["jnim"].actor is None


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"dataset": "acled", "external_id": "7"}, "external_id", "ACLED gives its actors no id"),
        ({"external_id": "two"}, "external_id", "two is not a UCDP actor id"),
        ({"name": "GOVERNMENT OF  MALI"}, "non_field_errors", "The crosswalk has this name"),
        ({"dataset": "gdelt"}, "dataset", "not a valid choice"),
    ],
)
def test_a_bad_entry_is_a_400_naming_the_field(client_as, crosswalk, body, field, message):
    response = client_as("editor").post(CROSSWALK, {"dataset": "ucdp", "name": "Government of Mali", **body})

    error = error_of(response, 400)
    assert message in " ".join(error["fields"][field])
    assert ActorCrosswalk.objects.count() == 4


def test_the_list_filters_by_dataset_matched_search_and_actor(client_as, crosswalk):
    client = client_as("analyst")

    assert names(client.get(CROSSWALK, {"dataset": "acled"})) == ["Military Forces of Mali (2021-)"]
    assert names(client.get(CROSSWALK, {"dataset": "ucdp", "unmatched": "true"})) == ["IS", "JNIM"]
    # By dataset, then name.
    tied = ["Military Forces of Mali (2021-)", "Government of Mali"]
    assert names(client.get(CROSSWALK, {"unmatched": "false"})) == tied
    assert names(client.get(CROSSWALK, {"search": "malian armed"})) == tied
    assert names(client.get(CROSSWALK, {"search": "234"})) == ["IS"]
    assert names(client.get(CROSSWALK, {"actor": "FAMa", "dataset": "ucdp"})) == ["Government of Mali"]
    assert "unmatched" in error_of(client.get(CROSSWALK, {"unmatched": "maybe"}), 400)["fields"]
    assert "matched" in error_of(client.get(CROSSWALK, {"matched": "true"}), 400)["fields"]


def test_the_list_costs_the_same_queries_for_many_entries(client_as, crosswalk, django_assert_max_num_queries):
    client = client_as("analyst")
    ActorCrosswalk.objects.bulk_create(
        ActorCrosswalk(
            dataset=ImportKind.UCDP,
            name=f"Group {number}",
            normalized_name=f"group {number}",
            external_id=str(number),
            actor=crosswalk["army" if number % 2 else "flagged"],
        )
        for number in range(60)
    )

    # The session's user and roles, the page's count and rows (actors and editors joined).
    with django_assert_max_num_queries(4):
        response = client.get(CROSSWALK, {"page_size": 100})
    with django_assert_max_num_queries(4):
        exported = client.get(f"{CROSSWALK}csv/")

    assert len(response.json()["results"]) == 64
    assert len(exported.content.decode().splitlines()) == 65


def test_the_csv_export_gives_each_entry_filtered_as_the_list(client_as, crosswalk):
    response = client_as("analyst").get(f"{CROSSWALK}csv/", {"dataset": "ucdp"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="actor-crosswalk-')
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    at = crosswalk["mali"].at.isoformat()
    assert [{**row, "at": row["at"] == at or row["at"]} for row in rows[:1]] == [
        {
            "dataset": "ucdp",
            "name": "Government of Mali",
            "dataset_id": "",
            "actor_id": str(crosswalk["army"].pk),
            "actor": "Malian Armed Forces",
            "matched": "true",
            "note": "",
            "by": "editor",
            "at": True,
        }
    ]
    assert [(row["name"], row["dataset_id"], row["actor"], row["matched"], row["by"]) for row in rows[1:]] == [
        ("IS", "234", "IS", "false", ""),
        ("JNIM", "", "", "false", ""),
    ]
    assert client_as("researcher").get(f"{CROSSWALK}csv/").status_code == 403
    assert "page" in error_of(client_as("analyst").get(f"{CROSSWALK}csv/", {"page": 2}), 400)["fields"]


def test_the_admin_ties_a_name_through_the_service_and_refuses_what_the_model_refuses(client_as, crosswalk, editor):
    client = client_as("editor", session=True)
    url = admin_url(ActorCrosswalk, "change", crosswalk["is"].pk)

    tied = client.post(url, {**admin_form_data(client.get(url)), "actor": crosswalk["army"].pk, "note": "Admin."})
    refused = client.post(
        admin_url(ActorCrosswalk, "add"), {"dataset": "acled", "name": "Malian army", "external_id": "12", "note": ""}
    )

    assert tied.status_code == 302
    crosswalk["is"].refresh_from_db()
    assert (crosswalk["is"].actor, crosswalk["is"].matched, crosswalk["is"].note, crosswalk["is"].by) == (
        crosswalk["army"],
        True,
        "Admin.",
        editor,
    )
    assert refused.status_code == 200
    assert "ACLED gives its actors no id" in refused.content.decode()
    assert not ActorCrosswalk.objects.filter(name="Malian army").exists()

    untied = client.post(url, {**admin_form_data(client.get(url)), "actor": ""})
    assert untied.status_code == 302
    crosswalk["is"].refresh_from_db()
    assert (crosswalk["is"].actor, crosswalk["is"].matched) == (None, False)
