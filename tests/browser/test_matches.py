"""The match queue in chromium: an editor answers the first pair with the `s` key and the next with `d`, a note typed
first (the keys leave a note alone), each answer stored and the next pair highlighted; an analyst reads the same
pairs, with their small maps, without answers; and the cards fit a phone's width."""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from conflict_tracker.choices import ImportKind
from reconciliation.models import MatchDecision
from reconciliation.services import match_candidates_refresh
from tests.factories import ActorFactory
from tests.helpers.reconciliation import DAY, record

pytestmark = pytest.mark.browser

NEAR_GAO = (Decimal("16.39770"), Decimal("-0.04470"))


@pytest.fixture
def pairs(transactional_db, django_db_serialized_rollback, settings):
    """Three records of one killing, each pair a candidate: UCDP and ours alike (first), then UCDP and ACLED, and
    ACLED and ours, as alike as each other (in their incidents' order)."""
    settings.RECONCILE_AUTO_SAME = 2  # none decided without an editor
    jnim = ActorFactory(name="JNIM")
    ucdp = record(ImportKind.UCDP, jnim, title="Killings at Ouatagouna (UCDP)")
    acled = record(ImportKind.ACLED, jnim, day=DAY + datetime.timedelta(days=2), place=NEAR_GAO)
    own = record("own", jnim, title="Ouatagouna, as our analysts logged it")
    match_candidates_refresh([ucdp.pk, acled.pk, own.pk])
    return ucdp, acled, own


def card(page: Page, first, second):
    return page.locator(f"#pair-{first.code}-{second.code}")


def test_an_editor_answers_with_the_keyboard_and_goes_on_to_the_next_pair(pairs, page_as, screenshot):
    ucdp, acled, own = pairs
    page = page_as("editor")
    page.goto("/")
    page.locator("header nav").get_by_role("link", name="Matches").click()
    expect(page.get_by_role("heading", name="Match queue")).to_be_visible()

    first = card(page, ucdp, own)
    expect(first).to_have_class("match-card current")
    expect(first.get_by_role("button", name="Same event")).to_have_attribute("aria-keyshortcuts", "s")
    expect(first.locator("kbd.shortcut").first).to_be_visible()
    expect(page.locator("#shortcuts-hint")).to_be_visible()
    expect(first.locator(".match-map")).to_have_attribute("data-points-shown", "2")
    screenshot(page, "match-queue-editor")

    note = first.get_by_label("Note")
    note.press_sequentially("Same village, same toll: UCDP's is ours.")
    assert not MatchDecision.objects.exists()  # the s, d and u typed were the note's
    first.locator("h2").click()  # out of the note, still on the pair
    with page.expect_navigation():
        page.keyboard.press("s")

    decision = MatchDecision.objects.get()
    assert (decision.incident, decision.other, decision.verdict, decision.by.username) == (ucdp, own, "same", "editor")
    assert decision.note == "Same village, same toll: UCDP's is ours."
    second = card(page, ucdp, acled)
    expect(second).to_have_class("match-card current")
    expect(second.get_by_role("status")).to_have_text(f"Recorded: {ucdp.code} and {own.code}, same event.")
    expect(second).to_be_focused()
    expect(card(page, ucdp, own)).to_contain_text("decided by editor on")

    with page.expect_navigation():
        page.keyboard.press("d")

    assert MatchDecision.objects.get(incident=ucdp, other=acled).verdict == "different"
    expect(card(page, acled, own)).to_have_class("match-card current")
    screenshot(page, "match-queue-answered")


def test_an_analyst_reads_the_pairs_without_answers_and_they_fit_a_phone(pairs, page_as, screenshot):
    ucdp, acled, own = pairs
    page = page_as("analyst")
    page.set_viewport_size({"width": 375, "height": 800})

    page.goto("/matches/")

    expect(page.locator(".match-card")).to_have_count(3)
    expect(card(page, ucdp, acled)).to_contain_text("shared actor: JNIM")
    expect(page.locator(".match-map[data-points-shown='2']")).to_have_count(3)
    expect(page.get_by_role("button", name="Same event")).to_have_count(0)
    expect(page.locator("#shortcuts-hint")).to_have_count(0)
    page.keyboard.press("s")
    assert page.evaluate("document.querySelector('main').scrollWidth <= document.querySelector('main').clientWidth")
    assert not MatchDecision.objects.exists()
    screenshot(page, "match-queue-analyst-phone")
