"""Writing incidents through the API: analysts log them, editors review and publish, all through the services."""

import datetime

import pytest
from django.apps import apps
from django.utils import timezone

from events.choices import IncidentStatus
from events.models import CasualtyRecord, Incident, IncidentParticipant, NamedVictim
from sources.choices import ReviewStatus
from tests.factories import ActorFactory, ClaimFactory, DocumentFactory, UserFactory
from tests.helpers.incidents import incident_fields

LIST = "/api/v1/incidents/"
VICTIM = "Aminata Traoré"
IncidentEvent = apps.get_model("events", "IncidentEvent")


def detail(code: str) -> str:
    return f"{LIST}{code}/"


def step(code: str, name: str) -> str:
    return f"{LIST}{code}/{name}/"


@pytest.fixture
def actors(db):
    return {"fama": ActorFactory(name="FAMa"), "wagner": ActorFactory(name="Wagner Group"), "civilians": ActorFactory()}


def logged(client, actors) -> dict:
    """An analyst's new draft (through the analyst's client) with two perpetrators and a civilian target."""
    body = incident_fields(
        participants=[
            {"actor": actors["fama"].pk, "role": "perpetrator", "side": "A", "attribution": "alleged"},
            {"actor": actors["wagner"].pk, "role": "perpetrator", "side": "A", "attribution": "alleged"},
            {"actor": actors["civilians"].pk, "role": "target", "side": "B"},
        ]
    )
    response = client.post(LIST, body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def with_claim_and_casualties(client, actors, created: dict) -> dict:
    """Add a claim, then a casualty record resting on it and attributed to both perpetrators."""
    claim = client.post(
        "/api/v1/claims/",
        {
            "document": DocumentFactory().pk,
            "incident_code": created["code"],
            "quote": "Soldiers and Russian fighters killed at least 12 civilians.",
            "attributed_actors": [actors["fama"].pk, actors["wagner"].pk],
            "harm": "killed",
            "victim_status": "civilian",
            "figure_qualifier": "at_least",
            "figure_low": 12,
            "figure_best": 12,
        },
        format="json",
    )
    assert claim.status_code == 201, claim.json()
    response = client.patch(
        detail(created["code"]),
        {
            "version": created["version"],
            "casualty_records": [
                {
                    "harm": "killed",
                    "victim_status": "civilian",
                    "count_low": 12,
                    "count_best": 14,
                    "count_high": 20,
                    "perpetrators": [actors["fama"].pk, actors["wagner"].pk],
                    "claims": [claim.json()["id"]],
                    "named_victims": [{"name": VICTIM, "sex": "female", "age": 41}],
                }
            ],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    return response.json()


def test_an_analyst_logs_an_incident_with_its_parts(analyst, actors, client_as):
    created = logged(client_as(analyst), actors)

    assert created["code"] == "MLI-2024-0001"
    assert created["status"] == "draft"
    assert created["version"] == 1
    assert [(p["actor"], p["role"]) for p in created["participants"]] == [
        (actors["fama"].pk, "perpetrator"),
        (actors["wagner"].pk, "perpetrator"),
        (actors["civilians"].pk, "target"),
    ]
    incident = Incident.objects.get(code=created["code"])
    assert incident.created_by == analyst
    assert incident.participants.count() == 3


def test_create_answers_with_the_location_of_the_new_incident(analyst, actors, client_as):
    response = client_as(analyst).post(LIST, incident_fields(), format="json")

    assert response.status_code == 201
    assert response["Location"] == detail(response.json()["code"])


def test_an_edit_keeps_the_part_lists_it_does_not_send(analyst, actors, client_as):
    created = logged(client_as(analyst), actors)
    participant_ids = [p["id"] for p in created["participants"]]

    edited = with_claim_and_casualties(client_as(analyst), actors, created)

    assert [p["id"] for p in edited["participants"]] == participant_ids
    assert edited["version"] == 2
    assert edited["fatalities_best"] == 14
    (record,) = edited["casualty_records"]
    assert sorted(record["perpetrators"]) == sorted([actors["fama"].pk, actors["wagner"].pk])
    assert [victim["name"] for victim in record["named_victims"]] == [VICTIM]


def test_a_part_sent_with_its_id_is_changed_in_place(analyst, actors, client_as):
    edited = with_claim_and_casualties(client_as(analyst), actors, logged(client_as(analyst), actors))
    record = edited["casualty_records"][0]
    record["count_best"] = 16
    record["named_victims"][0]["age"] = 42

    response = client_as(analyst).patch(
        detail(edited["code"]), {"version": edited["version"], "casualty_records": [record]}, format="json"
    )

    assert response.status_code == 200, response.json()
    (after,) = response.json()["casualty_records"]
    assert after["id"] == record["id"]
    assert after["count_best"] == 16
    assert after["named_victims"][0]["id"] == record["named_victims"][0]["id"]
    assert NamedVictim.objects.get().age == 42
    assert response.json()["fatalities_best"] == 16


def test_a_stale_edit_is_refused_with_the_current_version_and_changes_nothing(analyst, editor, actors, client_as):
    created = logged(client_as(analyst), actors)
    first = client_as(editor).patch(
        detail(created["code"]), {"version": 1, "title": "Convoy ambushed north of Gao"}, format="json"
    )
    assert first.status_code == 200

    second = client_as(analyst).patch(detail(created["code"]), {"version": 1, "title": "Something else"}, format="json")

    assert second.status_code == 409
    assert second.json()["error"]["current_version"] == 2
    assert Incident.objects.get(code=created["code"]).title == "Convoy ambushed north of Gao"


def test_an_edit_without_the_version_is_refused_naming_it(analyst, actors, client_as):
    created = logged(client_as(analyst), actors)

    response = client_as(analyst).patch(detail(created["code"]), {"title": "New"}, format="json")

    assert response.status_code == 400
    assert "version" in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("record", "path"),
    [
        ({"count_low": 9, "count_best": 5, "count_high": 12}, "casualty_records[0]"),
        ({"count_low": 1, "count_best": 2, "count_high": 3, "harm": "vanished"}, "casualty_records[0].harm"),
        ({"count_low": -1, "count_best": 2, "count_high": 3}, "casualty_records[0].count_low"),
    ],
)
def test_bad_counts_are_refused_naming_the_record_and_field(analyst, actors, record, path, client_as):
    created = logged(client_as(analyst), actors)
    body = {"harm": "killed", "victim_status": "civilian", **record}

    response = client_as(analyst).patch(
        detail(created["code"]), {"version": 1, "casualty_records": [body]}, format="json"
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert path in error["fields"]
    assert error["message"].startswith(path)
    assert CasualtyRecord.objects.count() == 0
    assert Incident.objects.get(code=created["code"]).version == 1


def test_harm_cannot_be_attributed_to_an_actor_that_is_not_a_perpetrator(analyst, actors, client_as):
    created = logged(client_as(analyst), actors)
    body = {
        "harm": "killed",
        "victim_status": "civilian",
        "count_low": 1,
        "count_best": 1,
        "count_high": 1,
        "perpetrators": [actors["civilians"].pk],
    }

    response = client_as(analyst).patch(
        detail(created["code"]), {"version": 1, "casualty_records": [body]}, format="json"
    )

    assert response.status_code == 400
    assert "casualty_records[0].perpetrators" in response.json()["error"]["fields"]
    assert CasualtyRecord.objects.count() == 0


def test_the_same_actor_twice_in_one_role_is_refused(analyst, actors, client_as):
    body = incident_fields(
        participants=[
            {"actor": actors["fama"].pk, "role": "perpetrator"},
            {"actor": actors["fama"].pk, "role": "perpetrator"},
        ]
    )

    response = client_as(analyst).post(LIST, body, format="json")

    assert response.status_code == 400
    assert "participants[1].actor" in response.json()["error"]["fields"]
    assert not Incident.objects.exists()


def test_an_unknown_actor_is_refused_naming_the_participant(analyst, client_as):
    body = incident_fields(participants=[{"actor": 999999, "role": "perpetrator"}])

    response = client_as(analyst).post(LIST, body, format="json")

    assert response.status_code == 400
    assert "participants[0].actor" in response.json()["error"]["fields"]


def test_a_part_id_of_another_incident_is_refused(analyst, actors, client_as):
    first = logged(client_as(analyst), actors)
    second = logged(client_as(analyst), actors)
    foreign = first["participants"][0]

    response = client_as(analyst).patch(
        detail(second["code"]),
        {"version": 1, "participants": [{"id": foreign["id"], "actor": foreign["actor"], "role": "perpetrator"}]},
        format="json",
    )

    assert response.status_code == 400
    assert "participants[0].id" in response.json()["error"]["fields"]
    assert IncidentParticipant.objects.filter(incident__code=first["code"]).count() == 3


def test_a_casualty_record_cannot_rest_on_another_incidents_claim(analyst, actors, client_as):
    created = logged(client_as(analyst), actors)
    foreign = ClaimFactory()
    body = {"harm": "killed", "victim_status": "civilian", "count_low": 1, "count_best": 1, "count_high": 1}

    response = client_as(analyst).patch(
        detail(created["code"]), {"version": 1, "casualty_records": [{**body, "claims": [foreign.pk]}]}, format="json"
    )

    assert response.status_code == 400
    assert "casualty_records[0].claims" in response.json()["error"]["fields"]


def test_the_whole_workflow_through_the_api(analyst, editor, researcher, actors, client_as):
    created = with_claim_and_casualties(client_as(analyst), actors, logged(client_as(analyst), actors))
    code = created["code"]
    analyst_client, editor_client = client_as(analyst), client_as(editor)

    submitted = analyst_client.post(step(code, "submit"), {"version": created["version"]}, format="json")
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["status"] == "submitted"

    refused = editor_client.post(step(code, "publish"), {"version": submitted.json()["version"]}, format="json")
    assert refused.status_code == 400
    assert "accepted claim" in refused.json()["error"]["message"]

    claim_id = created["claims"][0]["id"]
    reviewed = editor_client.post(f"/api/v1/claims/{claim_id}/review/", {"status": "accepted"}, format="json")
    assert reviewed.status_code == 200
    assert reviewed.json()["review_status"] == ReviewStatus.ACCEPTED

    published = editor_client.post(step(code, "publish"), {"version": submitted.json()["version"]}, format="json")
    assert published.status_code == 200, published.json()
    assert published.json()["status"] == "published"

    public = client_as(researcher).get(detail(code)).json()
    assert public["fatalities_best"] == 14
    assert "named_victims" not in public["casualty_records"][0]
    assert VICTIM not in str(public)

    retracted = editor_client.post(
        step(code, "retract"), {"version": published.json()["version"], "reason": "Duplicate of another report."}
    )
    assert retracted.status_code == 200
    assert retracted.json()["status"] == "retracted"
    assert client_as(researcher).get(detail(code)).status_code == 404


def test_return_needs_a_comment_and_reopen_takes_it_back_to_draft(analyst, editor, actors, client_as):
    created = with_claim_and_casualties(client_as(analyst), actors, logged(client_as(analyst), actors))
    code = created["code"]
    version = client_as(analyst).post(step(code, "submit"), {"version": 2}, format="json").json()["version"]

    no_comment = client_as(editor).post(step(code, "return"), {"version": version, "comment": ""}, format="json")
    assert no_comment.status_code == 400
    assert "comment" in no_comment.json()["error"]["fields"]

    returned = client_as(editor).post(
        step(code, "return"), {"version": version, "comment": "Add the HRW report."}, format="json"
    )
    assert returned.status_code == 200
    assert returned.json()["status"] == "returned"

    reopened = client_as(analyst).post(step(code, "reopen"), {"version": returned.json()["version"]}, format="json")
    assert reopened.status_code == 200
    assert reopened.json()["status"] == "draft"


def test_a_step_from_a_stale_version_is_a_conflict(analyst, actors, client_as):
    created = with_claim_and_casualties(client_as(analyst), actors, logged(client_as(analyst), actors))

    response = client_as(analyst).post(step(created["code"], "submit"), {"version": 1}, format="json")

    assert response.status_code == 409
    assert response.json()["error"]["current_version"] == 2
    assert Incident.objects.get(code=created["code"]).status == IncidentStatus.DRAFT


def test_a_step_that_does_not_start_from_the_current_state_is_a_conflict(editor, analyst, actors, client_as):
    created = logged(client_as(analyst), actors)

    response = client_as(editor).post(
        step(created["code"], "retract"), {"version": 1, "reason": "Wrong."}, format="json"
    )

    assert response.status_code == 409
    assert "Draft" in response.json()["error"]["message"]


def test_analysts_may_not_publish_or_edit_what_they_submitted(analyst, actors, client_as):
    created = with_claim_and_casualties(client_as(analyst), actors, logged(client_as(analyst), actors))
    client = client_as(analyst)
    client.post(step(created["code"], "submit"), {"version": 2}, format="json")

    assert client.post(step(created["code"], "publish"), {"version": 3}, format="json").status_code == 403
    assert client.patch(detail(created["code"]), {"version": 3, "title": "x"}, format="json").status_code == 403
    assert Incident.objects.get(code=created["code"]).title == "Convoy attacked near Gao"


def test_another_analyst_may_not_edit_add_claims_to_submit_or_reopen_my_draft(analyst, actors, client_as):
    created = with_claim_and_casualties(client_as(analyst), actors, logged(client_as(analyst), actors))
    code, version = created["code"], created["version"]
    other = client_as(UserFactory(username="other-analyst", role="analyst"))
    refusal = f"{code} is another analyst's"

    edit = other.patch(detail(code), {"version": version, "title": "Mine now"}, format="json")
    claim = other.post(
        "/api/v1/claims/", {"document": DocumentFactory().pk, "incident_code": code, "quote": "x"}, format="json"
    )
    submit = other.post(step(code, "submit"), {"version": version}, format="json")

    for response in (edit, claim, submit):
        assert response.status_code == 403
        assert response.json()["error"]["message"].startswith(refusal)
    incident = Incident.objects.get(code=code)
    assert (incident.title, incident.status, incident.version, incident.claims.count()) == (
        "Convoy attacked near Gao",
        IncidentStatus.DRAFT,
        version,
        1,
    )


def test_an_editor_reverts_to_an_earlier_version_as_a_new_revision(analyst, editor, actors, client_as):
    created = logged(client_as(analyst), actors)
    client_as(analyst).patch(detail(created["code"]), {"version": 1, "title": "Renamed"}, format="json")

    response = client_as(editor).post(step(created["code"], "revert"), {"version": 2, "to_version": 1}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["title"] == "Convoy attacked near Gao"
    assert response.json()["version"] == 3
    last = IncidentEvent.objects.filter(pgh_obj__code=created["code"]).order_by("-pgh_id").first()
    assert last.pgh_context.metadata["action"] == "incident.revert"
    assert last.pgh_context.metadata["user"] == editor.pk


def test_every_write_is_a_revision_by_its_author(analyst, actors, client_as):
    created = with_claim_and_casualties(client_as(analyst), actors, logged(client_as(analyst), actors))
    incident = Incident.objects.get(code=created["code"])

    # One revision is one history context, however many snapshots of the row it wrote.
    revisions = list(
        dict.fromkeys(
            (event.pgh_context.metadata["action"], event.pgh_context.metadata["user"], event.version)
            for event in IncidentEvent.objects.filter(pgh_obj=incident).order_by("pgh_id").select_related("pgh_context")
        )
    )

    assert revisions == [("incident.create", analyst.pk, 1), ("incident.update", analyst.pk, 2)]


@pytest.mark.parametrize(("role", "expected"), [("anonymous", 401), ("researcher", 403)])
def test_the_public_may_not_write(client_as, db, role, expected):
    response = client_as(role).post(LIST, incident_fields(), format="json")

    assert response.status_code == expected
    assert not Incident.objects.exists()


def test_put_is_not_offered_a_part_list_is_replaced_only_when_sent(analyst, actors, client_as):
    created = logged(client_as(analyst), actors)

    response = client_as(analyst).put(detail(created["code"]), incident_fields(version=1), format="json")

    assert response.status_code == 405


# Committed requests, as in real use: each revision has its own transaction time to be ordered by. A test that
# commits empties the tables when it ends, so it starts from a copy of what the migrations wrote (the role groups).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_staff_read_the_revisions_with_who_did_what(analyst, editor, actors, client_as):
    created = with_claim_and_casualties(client_as(analyst), actors, logged(client_as(analyst), actors))
    client_as(analyst).post(step(created["code"], "submit"), {"version": 2}, format="json")
    client_as(editor).post(step(created["code"], "return"), {"version": 3, "comment": "Add the HRW report."})

    response = client_as(editor).get(step(created["code"], "revisions"))

    assert response.status_code == 200
    revisions = response.json()
    assert [(r["action"], r["user"], r["version"]) for r in revisions] == [
        ("incident.return", "editor", 4),
        ("incident.submit", "analyst", 3),
        ("incident.update", "analyst", 2),
        ("claim.create", "analyst", None),
        ("incident.create", "analyst", 1),
    ]
    assert revisions[0]["comment"] == "Add the HRW report."
    update = revisions[2]
    changed = {change["record"] for change in update["changes"]}
    assert {"incident", "casualtyrecord"} <= changed
    incident_change = next(change for change in update["changes"] if change["record"] == "incident")
    assert incident_change["fields"]["fatalities_best"] == {"from": 0, "to": 14}


@pytest.mark.parametrize(("role", "expected"), [("anonymous", 401), ("researcher", 403)])
def test_revisions_are_for_staff_only(client_as, analyst, actors, role, expected):
    created = logged(client_as(analyst), actors)

    assert client_as(role).get(step(created["code"], "revisions")).status_code == expected


def test_a_date_before_1900_is_refused_naming_the_field(analyst, client_as):
    response = client_as(analyst).post(
        LIST, incident_fields(start_date="0338-07-19", end_date="0338-07-19"), format="json"
    )

    assert response.status_code == 400
    assert "start_date" in response.json()["error"]["fields"]
    assert not Incident.objects.exists()


def test_an_incident_cannot_start_in_the_future(analyst, client_as):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()

    response = client_as(analyst).post(LIST, incident_fields(start_date=tomorrow, end_date=tomorrow), format="json")

    assert response.status_code == 400
    assert "start_date" in response.json()["error"]["fields"]
