"""The incident map in chromium, under the site's strict Content-Security-Policy and with no tile server: the demo's
points, their popups, the offline outline; and the other pages the policy could break (the API docs, the admin).

A CSP violation is a console error (which fails the test through `page_errors`) and also a
`securitypolicyviolation` event, recorded by a script the browser injects before the page's own and checked here
explicitly."""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


def watch_csp(page: Page) -> Page:
    page.add_init_script(RECORD_VIOLATIONS)
    return page


def violations(page: Page) -> list[str]:
    return page.evaluate("window.cspViolations")


def open_map(page: Page, query: str = "") -> None:
    page.goto(f"/incidents/map/{query}")
    expect(page.locator("#incident-map")).to_have_attribute("data-points-shown", re.compile(r"^\d+$"))


def test_the_public_map_draws_the_demo_points_on_the_offline_outline(live_demo, page, screenshot):
    watch_csp(page)

    open_map(page)

    expect(page.locator("#incident-map")).to_have_attribute("data-points-shown", "5")
    expect(page.locator("path.incident-point")).to_have_count(5)
    expect(page.locator("path.incident-point.event-battles")).to_have_count(3)
    assert page.locator("path.country-outline").count() > 100  # Natural Earth's countries, no tiles
    assert page.locator("img.leaflet-tile").count() == 0
    expect(page.locator("p.map-counts")).to_contain_text("2 more have no coordinates")
    screenshot(page, "incident-map-public")
    assert violations(page) == []


def test_a_popup_names_the_incident_and_leads_to_its_page(live_demo, page):
    open_map(page, "?search=Kidal&event_type=Battles&date_after=2023-11-01&date_before=2023-11-30")
    expect(page.locator("path.incident-point")).to_have_count(1)

    page.locator("path.incident-point").click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("Government forces and Wagner retake Kidal")
    # Followed from the keyboard: a click could land where the link was before the map panned to show the popup.
    link = popup.get_by_role("link")
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.locator("h1")).to_contain_text("Government forces and Wagner retake Kidal")


def test_an_editor_also_sees_the_unpublished_demo_incidents(live_demo, page_as):
    page = watch_csp(page_as("editor"))

    open_map(page)

    expect(page.locator("#incident-map")).to_have_attribute("data-points-shown", "8")
    assert violations(page) == []


def test_the_list_leads_to_the_map_with_its_filters(live_demo, page):
    page.goto("/incidents/?event_type=Battles")

    with page.expect_navigation():
        page.get_by_role("link", name="See these incidents on the map").click()

    expect(page.locator("#incident-map")).to_have_attribute("data-points-shown", "3")
    expect(page.locator("select[name=event_type]")).to_have_value("Battles")


def test_the_api_docs_work_under_the_policy(page):
    watch_csp(page)

    page.goto("/api/v1/docs/")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Conflict Tracker API")
    page.locator(".opblock-summary").first.click()  # an operation unfolds: the UI's scripts run
    expect(page.locator(".opblock-body").first).to_be_visible()
    assert violations(page) == []


@pytest.mark.parametrize("url", ["/admin/", "/admin/events/incident/", "/admin/events/incident/add/"])
def test_the_admin_works_under_the_policy(live_demo, page_as, url):
    page = watch_csp(page_as("admin"))

    page.goto(url)

    expect(page.locator("#content")).to_be_visible()
    assert violations(page) == []
