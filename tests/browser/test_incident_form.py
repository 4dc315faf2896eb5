"""The incident form in a real browser: an analyst logs an incident (actors found by alias, rows added by the
script, a casualty record citing the claim entered in the same form) and submits it; two people saving the same
incident: the second sees the conflict, with nothing of theirs lost."""

import datetime

import pytest
from playwright.sync_api import expect

from events.choices import IncidentStatus
from events.models import CasualtyRecord, Incident
from events.services import IncidentParts, ParticipantData, incident_create
from tests.factories import ActorAliasFactory, ActorFactory
from tests.helpers.browser import role_user

pytestmark = pytest.mark.browser


@pytest.fixture
def actors(transactional_db):
    fama = ActorFactory(name="Malian Armed Forces", acronym="FAMa", kind="state_forces")
    ActorAliasFactory(actor=fama, name="Forces armées maliennes")
    wagner = ActorFactory(name="Wagner Group", kind="external_other")
    ActorAliasFactory(actor=wagner, name="Africa Corps")
    return {"fama": fama, "wagner": wagner}


def choose_actor(page, index: int, typed: str, name: str) -> None:
    page.locator(f'[name="participants-{index}-actor_name"]').fill(typed)
    row = page.locator(".form-row", has=page.locator(f'[name="participants-{index}-actor_name"]'))
    row.get_by_role("button", name=name).click()
    expect(page.locator(f'[name="participants-{index}-actor_name"]')).to_have_value(name)


def test_an_analyst_logs_an_incident_and_submits_it(actors, page_as, screenshot):
    page = page_as("analyst")
    page.goto("/")
    page.locator("header nav").get_by_role("link", name="New incident").click()
    expect(page.get_by_role("heading", name="New incident")).to_be_visible()

    page.locator("#id_title").fill("Civilians killed at the Diafarabé fair")
    page.locator("#id_start_date").fill("2025-01-05")
    page.locator("#id_country").fill("MLI")
    page.locator("#id_admin1").fill("Mopti")
    page.locator("#id_location_name").fill("Diafarabé")
    page.locator("#id_latitude").fill("14.157")
    page.locator("#id_longitude").fill("-5.013")
    page.locator("#id_event_type").select_option("Violence against civilians")
    # The sub-types follow the type: a battle's are no longer offered.
    sub_type = page.locator("#id_sub_event_type")
    expect(sub_type.locator('option[value="Armed clash"]')).to_be_disabled()
    sub_type.select_option("Attack")

    choose_actor(page, 0, "famA", "Malian Armed Forces")
    page.get_by_role("button", name="Add an actor").click()
    choose_actor(page, 1, "africa corps", "Wagner Group")

    page.locator('[name="casualties-0-count_low"]').fill("20")
    page.locator('[name="casualties-0-count_best"]').fill("20")
    page.locator('[name="casualties-0-count_high"]').fill("25")
    page.locator('[name="evidence-0-source_name"]').fill("Human Rights Watch")
    page.locator('[name="evidence-0-source_kind"]').select_option("human_rights_ngo")
    page.locator('[name="evidence-0-document_title"]').fill("Mali: Army, Wagner Group Executions")
    page.locator('[name="evidence-0-document_url"]').fill("https://www.hrw.org/news/2025/01/mali-executions")
    page.locator('[name="evidence-0-claim_figure_low"]').fill("20")
    page.locator('[name="evidence-0-claim_actors"]').select_option(["0", "1"])
    page.locator('[name="evidence-0-claim_quote"]').fill("soldiers and Wagner fighters executed at least 20 men")

    # Both new rows are offered at once, before either has an id.
    page.locator('[name="casualties-0-perpetrators"]').select_option(["0", "1"])
    page.locator('[name="casualties-0-claims"]').select_option("new0")
    screenshot(page, "incident-form-new")

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("p.message.success")).to_contain_text("was saved")

    incident = Incident.objects.get(title="Civilians killed at the Diafarabé fair")
    record = CasualtyRecord.objects.get(incident=incident)
    assert {p.actor.name for p in record.perpetrators.all()} == {"Malian Armed Forces", "Wagner Group"}
    assert list(record.claims.all()) == [incident.claims.get()]

    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("p.lead")).to_contain_text("Submitted")
    screenshot(page, "incident-submitted")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.SUBMITTED


def test_the_second_of_two_saves_sees_the_conflict_and_loses_nothing(actors, page_as, screenshot):
    incident = incident_create(
        by=role_user("analyst"),
        fields={
            "title": "Attack on a convoy near Boni",
            "start_date": datetime.date(2025, 1, 12),
            "end_date": datetime.date(2025, 1, 12),
            "country": "MLI",
            "event_type": "Violence against civilians",
            "sub_event_type": "Attack",
        },
        parts=IncidentParts(participants=[ParticipantData(actor=actors["fama"], role="perpetrator", side="A")]),
    )
    url = f"/incidents/{incident.code}/edit/"
    analyst, editor = page_as("analyst"), page_as("editor")
    analyst.goto(url)
    editor.goto(url)

    analyst.locator("#id_title").fill("Convoy attacked near Boni")
    analyst.get_by_role("button", name="Save", exact=True).click()
    expect(analyst.locator("p.message.success")).to_contain_text("was saved")

    editor.locator("#id_title").fill("Convoy ambushed on the Boni road")
    editor.locator("#id_notes").fill("Three trucks burned.")
    editor.get_by_role("button", name="Add an actor").click()
    choose_actor(editor, 1, "wagner", "Wagner Group")
    editor.get_by_role("button", name="Save", exact=True).click()

    conflict = editor.locator("#edit-conflict")
    expect(conflict).to_contain_text("Someone else saved this incident")
    expect(conflict).to_contain_text("Convoy attacked near Boni")  # what they changed
    expect(editor.locator("#id_title")).to_have_value("Convoy ambushed on the Boni road")  # what I typed
    expect(editor.locator("#id_notes")).to_have_value("Three trucks burned.")
    expect(editor.locator('[name="participants-1-actor_name"]')).to_have_value("Wagner Group")
    screenshot(editor, "incident-form-conflict")
    incident.refresh_from_db()
    assert incident.title == "Convoy attacked near Boni"

    editor.get_by_role("button", name="Save mine over version 2").click()
    expect(editor.locator("p.message.success")).to_contain_text("was saved")
    incident.refresh_from_db()
    assert (incident.title, incident.notes, incident.version) == (
        "Convoy ambushed on the Boni road",
        "Three trucks burned.",
        3,
    )
    assert {p.actor.name for p in incident.participants.all()} == {"Malian Armed Forces", "Wagner Group"}
