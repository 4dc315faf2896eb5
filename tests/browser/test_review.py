"""The review in a real browser: an editor accepts the demo's submitted incident's claim (htmx swaps the card in
place, without a page load) and publishes it; a researcher then finds it."""

import re

import pytest
from playwright.sync_api import expect

from events.choices import IncidentStatus
from events.models import Incident
from sources.choices import ReviewStatus

pytestmark = pytest.mark.browser

TITLE = "Traders detained at a checkpoint near Sévaré (demo, fictional)"


def test_an_editor_accepts_a_claim_and_publishes_and_a_researcher_then_finds_it(live_demo, page_as, screenshot):
    incident = Incident.objects.get(title=TITLE)
    assert incident.status == IncidentStatus.SUBMITTED
    claim = incident.claims.get()
    editor = page_as("editor")

    editor.goto("/")
    editor.locator("header nav").get_by_role("link", name="Review queue").click()
    expect(editor.get_by_role("heading", name="Review queue")).to_be_visible()
    screenshot(editor, "review-queue")
    row = editor.locator("tr", has_text=TITLE)
    row.get_by_role("link", name="Review", exact=True).click()
    expect(editor.get_by_role("heading", name=TITLE)).to_be_visible()

    card = editor.locator(f"#claim-{claim.pk}")
    expect(card).to_contain_text("Grade")
    expect(card).to_contain_text("Aminata Walet Fictif was one of them")
    # Publishing before any claim is accepted is refused with the service's reason.
    editor.get_by_role("button", name="Publish").click()
    expect(editor.get_by_role("alert")).to_contain_text("has no accepted claim")

    # The verdict goes through htmx: the card is swapped, the page is not reloaded (the marker survives).
    editor.evaluate("window.reviewMarker = 1")
    card = editor.locator(f"#claim-{claim.pk}")
    card.get_by_label("Note (required to reject or dispute)").fill("The witness is consistent with the record.")
    card.get_by_role("button", name="Accept").click()
    expect(card).to_have_class(re.compile(r"review-accepted"))
    expect(card).to_contain_text("by editor")
    expect(editor.locator("#review-counts")).to_contain_text("1 accepted")
    expect(editor.get_by_role("alert")).to_have_count(0)  # the refusal no longer holds
    assert editor.evaluate("window.reviewMarker") == 1
    screenshot(editor, "review-claim-accepted")

    editor.get_by_role("button", name="Publish").click()
    expect(editor.get_by_text(f"{incident.code} is published.")).to_be_visible()
    screenshot(editor, "review-published")

    claim.refresh_from_db()
    incident.refresh_from_db()
    assert claim.review_status == ReviewStatus.ACCEPTED and claim.review_note.startswith("The witness")
    assert incident.status == IncidentStatus.PUBLISHED

    researcher = page_as("researcher")
    researcher.goto("/incidents/")
    researcher.get_by_role("link", name=incident.code).click()
    expect(researcher.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(researcher.get_by_role("columnheader", name="Named victims")).to_have_count(0)  # editors' only
