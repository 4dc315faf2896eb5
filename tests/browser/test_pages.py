"""The existing pages in a real browser, on the Mali demo data: home per role, the incident list's filters and
exports, an incident's detail per role (claims, revisions, a revert, named victims), an actor's chart and the
French interface. Any console error on them fails the test (conftest.PageErrors)."""

import csv
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from actors.models import Actor
from conflict_tracker.choices import Harm
from events.choices import EventType, IncidentStatus
from events.models import CasualtyRecord, Incident, NamedVictim

pytestmark = pytest.mark.browser

GAO = "Convoy returning from a wedding attacked in the Gao region"
DRAFT = "Two men abducted on the road out of Ménaka (demo, fictional)"
DRAFT_VICTIM = "Hamadou Ag Fictif"
PUBLISHED_VICTIM = "Aminata Testée"  # added by the tests below to a published record


def incident(title: str) -> Incident:
    return Incident.objects.get(title=title)


def row_codes(page: Page) -> set[str]:
    return set(page.locator("table.incidents tbody tr td:first-child a").all_inner_texts())


def published_codes(**filters) -> set[str]:
    return set(Incident.objects.filter(status=IncidentStatus.PUBLISHED, **filters).values_list("code", flat=True))


@pytest.fixture
def named_published_victim(live_demo) -> str:
    """A named victim on a published incident, the case where only the role keeps the name from the page."""
    record = CasualtyRecord.objects.filter(incident__title=GAO, harm=Harm.KILLED).first()
    NamedVictim.objects.create(casualty_record=record, name=PUBLISHED_VICTIM, age=41)
    return incident(GAO).code


# Home and signing in


@pytest.mark.parametrize("role", [None, "researcher", "analyst", "editor", "admin"])
def test_the_home_page_shows_each_role_what_it_may_see(live_demo, page_as, screenshot, role):
    page = page_as(role)

    page.goto("/")

    expect(page.get_by_text(GAO).first).to_be_visible()
    if role is None:
        expect(page.locator("header").get_by_role("link", name="Sign in")).to_be_visible()
    else:
        expect(page.locator("header .who")).to_contain_text(role)
    # Analysts work in the app: the admin is for editors and admins.
    if role in ("editor", "admin"):
        expect(page.get_by_role("link", name="Edit in the admin")).to_be_visible()
    else:
        expect(page.get_by_role("link", name="Edit in the admin")).to_have_count(0)
    if role in (None, "researcher"):
        expect(page.get_by_text(DRAFT)).to_have_count(0)
    if role == "analyst":  # the demo's drafts are the analyst's own
        expect(page.get_by_text(DRAFT)).to_be_visible()
    if role in ("editor", "admin"):
        expect(page.get_by_role("heading", name="Waiting for your review")).to_be_visible()
    else:
        expect(page.get_by_role("heading", name="Waiting for your review")).to_have_count(0)
    screenshot(page, f"home-{role or 'anonymous'}")


def test_a_person_signs_in_through_the_form_after_a_wrong_password(live_demo, page, screenshot):
    page.goto("/incidents/")
    page.locator("header").get_by_role("link", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/incidents/$"))
    screenshot(page, "login")

    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.locator("main .error")).to_contain_text("enter a correct username and password")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/incidents/$"))
    expect(page.locator("header .who")).to_contain_text("editor")


# The incident list


def test_the_list_filters_change_the_rows_and_the_exports_follow_them(live_demo, page, screenshot):
    page.goto("/incidents/")
    expect(page.locator("table.incidents tbody tr").first).to_be_visible()
    assert row_codes(page) == published_codes()

    page.locator("[name=admin1]").fill("Kidal")
    page.locator("select[name=event_type]").select_option(EventType.BATTLES)
    page.get_by_role("button", name="Filter").click()

    expect(page).to_have_url(re.compile(r"admin1=Kidal"))
    kidal = published_codes(admin1="Kidal", event_type=EventType.BATTLES)
    assert kidal and kidal != published_codes()
    expect(page.locator("table.incidents tbody tr")).to_have_count(len(kidal))
    assert row_codes(page) == kidal
    screenshot(page, "incident-list")

    export = page.locator("p.exports").get_by_role("link", name="csv", exact=True)
    query = parse_qs(urlsplit(export.get_attribute("href")).query)
    assert (query["admin1"], query["event_type"], query["format"]) == (["Kidal"], [EventType.BATTLES], ["csv"])
    response = page.request.get(export.get_attribute("href"))
    assert response.ok
    assert {row["code"] for row in csv.DictReader(io.StringIO(response.text()))} == kidal


def test_a_bad_filter_value_is_explained_next_to_its_field(live_demo, page):
    page.goto("/incidents/")

    page.locator("[name=country]").fill("Mali")
    page.get_by_role("button", name="Filter").click()

    expect(page.locator("label", has=page.locator("[name=country]")).locator(".error")).to_be_visible()
    expect(page.locator("table.incidents tbody tr")).to_have_count(1)  # the "no incident matches" row


def test_staff_filter_by_status_and_find_the_drafts(live_demo, page_as):
    page = page_as("analyst")
    page.goto("/incidents/")
    expect(page.get_by_text(DRAFT)).to_be_visible()

    page.locator("select[name=status]").select_option("draft")
    page.get_by_role("button", name="Filter").click()

    drafts = set(Incident.objects.filter(status=IncidentStatus.DRAFT).values_list("code", flat=True))
    expect(page.locator("table.incidents tbody tr")).to_have_count(len(drafts))
    assert row_codes(page) == drafts


# An incident's page


@pytest.mark.parametrize("role", [None, "researcher"])
def test_the_public_see_claims_but_no_victim_names_and_no_revisions(named_published_victim, page_as, screenshot, role):
    page = page_as(role)

    page.goto(f"/incidents/{named_published_victim}/")

    expect(page.get_by_role("heading", name=GAO)).to_be_visible()
    claims = page.locator("table.data", has=page.get_by_role("columnheader", name="What it says"))
    expect(claims.locator("tbody tr")).to_have_count(incident(GAO).claims.count())
    expect(claims).to_contain_text("returning from a wedding in the Gao region")
    expect(page.get_by_role("columnheader", name="Named victims")).to_have_count(0)
    expect(page.get_by_text(PUBLISHED_VICTIM)).to_have_count(0)
    expect(page.get_by_role("heading", name="Revisions")).to_have_count(0)
    expect(page.get_by_role("button", name="Bring back")).to_have_count(0)
    screenshot(page, f"incident-detail-{role or 'anonymous'}")


@pytest.mark.parametrize("role", [None, "researcher"])
def test_the_public_cannot_open_a_draft(live_demo, page_as, page_errors, role):
    page_errors.allow(r"status of 404")  # the page itself answers 404, on purpose
    page = page_as(role)

    response = page.goto(f"/incidents/{incident(DRAFT).code}/")

    assert response.status == 404
    expect(page.get_by_text(DRAFT)).to_have_count(0)
    expect(page.get_by_text(DRAFT_VICTIM)).to_have_count(0)


def test_an_analyst_sees_names_and_revisions_but_cannot_revert(named_published_victim, page_as):
    page = page_as("analyst")

    page.goto(f"/incidents/{named_published_victim}/")

    expect(page.get_by_role("cell", name=re.compile(PUBLISHED_VICTIM))).to_be_visible()
    expect(page.locator("table.revisions tbody tr").first).to_be_visible()
    expect(page.get_by_role("button", name="Bring back")).to_have_count(0)


@pytest.mark.parametrize("role", ["editor", "admin"])
def test_an_editor_brings_back_an_earlier_version(named_published_victim, page_as, screenshot, role):
    gao = incident(GAO)
    page = page_as(role)
    page.goto(f"/incidents/{gao.code}/")
    expect(page.get_by_role("cell", name=re.compile(PUBLISHED_VICTIM))).to_be_visible()
    revisions = page.locator("table.revisions tbody tr")
    expect(revisions.first).to_be_visible()
    expect(page.get_by_role("button", name="Bring back")).not_to_have_count(0)
    if role == "editor":
        screenshot(page, "incident-detail-editor")
    before = revisions.count()

    page.locator("table.revisions tr", has=page.locator("input[name=to_version][value='1']")).get_by_role(
        "button", name="Bring back"
    ).click()

    expect(page.locator(".message")).to_have_text("Version 1 was brought back as a new revision.")
    expect(page.locator("p.lead")).to_contain_text(f"version {gao.version + 1}")
    expect(revisions).to_have_count(before + 1)
    assert Incident.objects.get(pk=gao.pk).version == gao.version + 1


# An actor's page


def test_the_actor_chart_links_each_bar_to_the_incidents_it_counts(live_demo, page, screenshot):
    wagner = Actor.objects.get(name="Wagner Group")
    page.goto(f"/actors/{wagner.pk}/")

    bars = page.locator("figure.chart svg a rect")
    expect(bars.first).to_be_visible()
    assert bars.count() >= 2
    screenshot(page, "actor-wagner")

    segment = page.locator("figure.chart", has_text="Killed").locator("svg a").first
    title = segment.locator("title").text_content()
    counted = int(re.search(r"(\d+) incidents?$", title).group(1))
    quarter = re.match(r"(\d{4}) Q(\d)", title)
    year, first_month = int(quarter.group(1)), 3 * int(quarter.group(2)) - 2
    href = segment.get_attribute("href")
    with page.expect_navigation() as navigation:
        segment.locator("rect").click()

    assert navigation.value.ok and page.url.endswith(href)
    query = href.split("?", 1)[1]
    listed = page.request.get(f"/api/v1/incidents/?{query}", headers={"Accept": "application/json"}).json()["results"]
    assert len(listed) == counted >= 1
    for item in listed:  # the incident list the bar opened shows each of them
        expect(page.locator("body")).to_contain_text(item["code"])
        start = item["start_date"]
        assert int(start[:4]) == year and first_month <= int(start[5:7]) < first_month + 3
        perpetrators = {p["actor_name"] for p in item["participants"] if p["role"] == "perpetrator"}
        assert "Wagner Group" in perpetrators


# French


def test_the_language_switch_turns_the_pages_french(live_demo, page):
    page.goto("/incidents/")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_label("Language").select_option("fr")
    page.locator("header").get_by_role("button", name="Change").click()

    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page).to_have_url(re.compile(r"/incidents/$"))
    expect(page.get_by_role("button", name="Filtrer")).to_be_visible()
    expect(page.get_by_text("Télécharger ces incidents")).to_be_visible()
    page.locator("header .brand").click()  # the choice is kept for the next page
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("header").get_by_role("link", name="Se connecter")).to_be_visible()


def test_a_first_visit_follows_a_french_browser(live_demo, page_as, screenshot):
    page = page_as("editor", locale="fr-FR", via_form=True)

    page.goto(f"/incidents/{incident(GAO).code}/")

    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", name="Révisions")).to_be_visible()
    expect(page.locator("header").get_by_role("button", name="Se déconnecter")).to_be_visible()
    screenshot(page, "incident-detail-editor-fr")


# The harness itself


def test_console_errors_and_uncaught_exceptions_are_caught(page, page_errors):
    page.goto("/accounts/login/")

    page.evaluate("console.error('logged on purpose'); setTimeout(() => { throw new Error('thrown on purpose'); })")
    page.wait_for_timeout(100)

    unexpected = page_errors.unexpected()
    assert any("logged on purpose" in error for error in unexpected)
    assert any("thrown on purpose" in error for error in unexpected)
    page_errors.allow("on purpose")  # so that they do not fail this test
