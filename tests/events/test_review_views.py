"""The editors' review pages: the queue, one incident's claims side by side, the verdicts, and publish, return and
retract, through the real views, services and PostgreSQL."""

import datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from events.choices import IncidentStatus
from events.services import (
    CasualtyData,
    IncidentParts,
    ParticipantData,
    VictimData,
    claim_review,
    incident_create,
    incident_publish,
    incident_submit,
    incident_update,
)
from sources.choices import ReviewStatus
from tests.factories import ActorFactory, ClaimFactory, IncidentFactory

pytestmark = pytest.mark.django_db

QUEUE = "/incidents/review/"
ROLES = ["anonymous", "researcher", "analyst", "editor", "admin_user"]
ALLOWED = {"editor", "admin_user"}


@pytest.fixture
def moura(analyst):
    """A submitted incident logged through the services: one record citing HRW's claim, a named victim, and a
    second claim (the army's) about combatants the incident does not record."""
    army = ActorFactory(name="Malian Armed Forces")
    wagner = ActorFactory(name="Wagner Group")
    incident = incident_create(
        by=analyst,
        fields={
            "title": "Killings at Moura",
            "start_date": datetime.date(2022, 3, 27),
            "end_date": datetime.date(2022, 3, 31),
            "country": "MLI",
            "admin1": "Mopti",
            "location_name": "Moura",
            "event_type": "Violence against civilians",
            "sub_event_type": "Attack",
        },
    )
    hrw = ClaimFactory(
        incident=incident,
        document__source__name="Human Rights Watch",
        document__source__kind="human_rights_ngo",
        document__source__reliability="A",
        document__title="Mali: Massacre by Army, Foreign Soldiers",
        document__url="https://www.hrw.org/news/2022/04/05/mali-massacre",
        document__published_on=datetime.date(2022, 4, 5),
        quote="Malian armed forces and foreign soldiers executed about 300 civilian men.",
        figure_qualifier="about",
        figure_low=300,
        figure_best=300,
        figure_high=None,
    )
    hrw.attributed_actors.add(army, wagner)
    fama = ClaimFactory(
        incident=incident,
        document__source__name="FAMa communiqué",
        document__source__kind="government_military",
        document__source__reliability="D",
        document__title="Communiqué of the general staff",
        quote="203 terrorists were neutralised.",
        victim_status="combatant",
        figure_qualifier="exact",
        figure_low=203,
        figure_best=203,
        figure_high=203,
    )
    parts = IncidentParts(
        participants=[ParticipantData(actor=army, role="perpetrator", side="A", attribution="alleged")],
        casualty_records=[
            CasualtyData(
                harm="killed",
                victim_status="civilian",
                count_low=300,
                count_best=500,
                count_high=500,
                perpetrators=[army],
                claims=[hrw],
                named_victims=[VictimData(name="Amadou Barry", age=40)],
            )
        ],
    )
    incident = incident_update(incident=incident, by=analyst, expected_version=1, parts=parts)
    incident = incident_submit(incident=incident, by=analyst)
    return SimpleNamespace(incident=incident, hrw=hrw, fama=fama)


def review_url(incident) -> str:
    return reverse("events:incident-review", args=[incident.code])


def claim_url(incident, claim) -> str:
    return reverse("events:claim-review", args=[incident.code, claim.pk])


def sign_in(client, request, role: str):
    user = request.getfixturevalue(role)
    if user.is_authenticated:
        client.force_login(user)
    return user


def html(response) -> str:
    return response.content.decode()


# -- who may use the pages --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_editors_and_admins_open_the_queue_and_the_review_page(client, request, moura, role):
    sign_in(client, request, role)

    for url in (QUEUE, review_url(moura.incident)):
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302
            assert response["Location"] == f"{reverse('login')}?next={url}"
        elif role in ALLOWED:
            assert response.status_code == 200
            assert "Killings at Moura" in html(response)
        else:
            assert response.status_code == 403


@pytest.mark.parametrize("role", ["anonymous", "researcher", "analyst"])
def test_other_roles_can_neither_review_nor_publish(client, request, moura, role):
    sign_in(client, request, role)
    incident = moura.incident

    verdict = client.post(claim_url(incident, moura.hrw), {"status": "accepted"})
    publish = client.post(review_url(incident), {"action": "publish", "version": incident.version})

    assert verdict.status_code == publish.status_code == (302 if role == "anonymous" else 403)
    moura.hrw.refresh_from_db()
    incident.refresh_from_db()
    assert moura.hrw.review_status == ReviewStatus.PENDING
    assert incident.status == IncidentStatus.SUBMITTED


@pytest.mark.parametrize("role", ROLES)
def test_the_review_queue_is_in_the_navigation_of_editors_only(client, request, role):
    sign_in(client, request, role)

    shown = f'href="{QUEUE}"' in html(client.get("/incidents/"))

    assert shown == (role in ALLOWED)


# -- the queue --------------------------------------------------------------------------------------------------------


def submitted(title: str, days_ago: int, **fields):
    return IncidentFactory(
        title=title,
        status=IncidentStatus.SUBMITTED,
        submitted_at=timezone.now() - datetime.timedelta(days=days_ago),
        **fields,
    )


def test_the_queue_lists_submitted_incidents_oldest_first_with_their_claims_counted(client, editor):
    newer = submitted("Newer submission", days_ago=1)
    older = submitted("Older submission", days_ago=5)
    ClaimFactory.create_batch(2, incident=older)
    claim_review(claim=ClaimFactory(incident=older), by=editor, status="accepted")
    claim_review(claim=ClaimFactory(incident=older), by=editor, status="disputed", note="Figure unverified.")
    IncidentFactory(title="A draft", status=IncidentStatus.DRAFT)
    IncidentFactory(title="Already out", status=IncidentStatus.PUBLISHED, published_at=timezone.now())
    client.force_login(editor)

    response = client.get(QUEUE)

    page = html(response)
    assert page.index("Older submission") < page.index("Newer submission")
    assert "A draft" not in page and "Already out" not in page
    assert [
        (row.code, row.claims_pending, row.claims_accepted, row.claims_disputed, row.claims_rejected)
        for row in response.context["incidents"]
    ] == [(older.code, 2, 1, 1, 0), (newer.code, 0, 0, 0, 0)]
    assert review_url(older) in page and review_url(newer) in page


def test_the_home_page_links_to_the_queue(client, editor):
    submitted("Waiting", days_ago=1)
    client.force_login(editor)

    page = html(client.get(reverse("home")))

    assert "Waiting for your review" in page and f'href="{QUEUE}"' in page


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_queue_runs_the_same_queries_for_one_incident_or_ten(client, editor):
    client.force_login(editor)
    ClaimFactory(incident=submitted("First", days_ago=20))
    one = queries(client, QUEUE)
    for day in range(9):
        ClaimFactory.create_batch(2, incident=submitted(f"More {day}", days_ago=day))

    ten = queries(client, QUEUE)

    assert one == ten <= 5  # session, user, groups, the count, the page


# -- the review page --------------------------------------------------------------------------------------------------


def test_the_review_page_sets_each_claim_beside_the_records(client, editor, moura):
    client.force_login(editor)

    page = html(client.get(review_url(moura.incident)))

    # The claims, with their source, grade, document and what they assert.
    assert "Human Rights Watch" in page and "Human-rights NGO" in page and "Grade A" in page
    assert 'href="https://www.hrw.org/news/2022/04/05/mali-massacre"' in page and "April 5, 2022" in page
    assert "executed about 300 civilian men." in page
    assert "FAMa communiqué" in page and "Government or military" in page and "Grade D" in page
    assert "<dd>300 – 300 – — <small>" in page and "<dd>about</dd>" in page
    assert "<dd>203 – 203 – 203 <small>" in page and "<dd>exactly</dd>" in page
    # Wagner is named by HRW but is not (yet) a perpetrator of the incident.
    assert 'Wagner Group <small class="warning">(not a perpetrator of this incident)</small>' in page
    # How each compares with the records: HRW's figure fits 300-500 and is cited; nobody records combatants.
    assert "The incident records 300 – 500 – 500 for this harm." in page
    assert "This figure fits the recorded range." in page and "A record cites this claim." in page
    assert "The incident records nothing of this kind yet." in page
    # The parts in brief, identities included (editors may see them).
    assert "Amadou Barry" in page and f'href="#claim-{moura.hrw.pk}"' in page
    assert "2 pending" in page
    assert 'name="action" value="publish"' in page and 'name="action" value="return"' in page


def test_a_figure_outside_the_records_is_flagged(client, editor, moura):
    ClaimFactory(
        incident=moura.incident,
        quote="12 killed.",
        figure_qualifier="exact",
        figure_low=12,
        figure_best=12,
        figure_high=12,
    )
    ClaimFactory(incident=moura.incident, quote="At least 600 killed.", figure_low=600, figure_best=600)
    client.force_login(editor)

    page = html(client.get(review_url(moura.incident)))

    assert "This figure is below the recorded range." in page
    assert "This figure is above the recorded range." in page


def test_the_review_page_runs_the_same_queries_for_two_claims_or_eight(client, editor, moura):
    client.force_login(editor)
    url = review_url(moura.incident)
    two = queries(client, url)
    for _ in range(6):
        claim = ClaimFactory(incident=moura.incident)
        claim.attributed_actors.add(ActorFactory())

    eight = queries(client, url)

    assert two == eight <= 12


def test_a_verdict_runs_the_same_queries_for_two_claims_or_eight(client, editor, moura):
    client.force_login(editor)

    def verdict_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.post(claim_url(moura.incident, moura.hrw), {"status": "accepted"}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        return len(captured)

    two = verdict_queries()
    ClaimFactory.create_batch(6, incident=moura.incident)

    assert verdict_queries() == two


# -- verdicts on claims -----------------------------------------------------------------------------------------------


def test_a_plain_post_accepts_a_claim_and_goes_back_to_it(client, editor, moura):
    client.force_login(editor)
    before = timezone.now()

    response = client.post(claim_url(moura.incident, moura.hrw), {"status": "accepted", "note": "Corroborated."})

    assert response.status_code == 302
    assert response["Location"] == f"{review_url(moura.incident)}#claim-{moura.hrw.pk}"
    moura.hrw.refresh_from_db()
    assert moura.hrw.review_status == ReviewStatus.ACCEPTED
    assert moura.hrw.reviewed_by == editor and moura.hrw.reviewed_at >= before
    assert moura.hrw.review_note == "Corroborated."
    assert "Accepted" in html(client.get(response["Location"]))


@pytest.mark.parametrize("verdict", ["rejected", "disputed"])
def test_an_htmx_verdict_returns_the_claims_card_and_the_counts(client, editor, moura, verdict):
    client.force_login(editor)

    response = client.post(
        claim_url(moura.incident, moura.fama),
        {"status": verdict, "note": "The army's own count of 'terrorists'."},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    fragment = html(response)
    assert "<html" not in fragment and fragment.count("<article") == 1
    assert f'id="claim-{moura.fama.pk}"' in fragment and f"review-{verdict}" in fragment
    assert "The army&#x27;s own count of &#x27;terrorists&#x27;." in fragment
    assert "by editor" in fragment
    assert 'id="review-counts" class="review-counts" hx-swap-oob="true"' in fragment
    assert f"1 {verdict}" in fragment and "1 pending" in fragment
    assert '<div id="review-errors" hx-swap-oob="true"></div>' in fragment
    moura.fama.refresh_from_db()
    assert moura.fama.review_status == verdict and moura.fama.reviewed_by == editor


def test_the_card_form_posts_with_htmx_and_without(client, editor, moura):
    client.force_login(editor)

    page = html(client.get(review_url(moura.incident)))

    url = claim_url(moura.incident, moura.hrw)
    assert f'action="{url}" hx-post="{url}" hx-target="#claim-{moura.hrw.pk}" hx-swap="outerHTML"' in page


@pytest.mark.parametrize("htmx", [True, False])
def test_disputing_without_a_note_is_refused_next_to_the_note(client, editor, moura, htmx):
    client.force_login(editor)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}

    response = client.post(claim_url(moura.incident, moura.hrw), {"status": "disputed", "note": "  "}, **headers)

    assert response.status_code == 200
    page = html(response)
    assert ("<html" in page) is not htmx
    note_box = page.index(f'id="claim-{moura.hrw.pk}-note"')
    assert page.index("Say why the claim is rejected or disputed.") > note_box
    moura.hrw.refresh_from_db()
    assert moura.hrw.review_status == ReviewStatus.PENDING and moura.hrw.reviewed_by is None


@pytest.mark.parametrize("status", ["bogus", "pending", ""])
def test_an_unknown_verdict_is_refused_with_a_message(client, editor, moura, status):
    client.force_login(editor)

    response = client.post(claim_url(moura.incident, moura.hrw), {"status": status}, HTTP_HX_REQUEST="true")

    page = html(response)
    assert response.status_code == 200
    if status:
        assert f"{status} is not a review: choose accept, reject or disputed." in page
    else:
        assert "Choose accept, reject or disputed." in page
    moura.hrw.refresh_from_db()
    assert moura.hrw.review_status == ReviewStatus.PENDING


def test_a_claim_of_another_incident_is_not_found_and_get_is_not_allowed(client, editor, moura):
    client.force_login(editor)
    stranger = ClaimFactory()

    assert client.post(claim_url(moura.incident, stranger), {"status": "accepted"}).status_code == 404
    assert client.get(claim_url(moura.incident, moura.hrw)).status_code == 405
    stranger.refresh_from_db()
    assert stranger.review_status == ReviewStatus.PENDING


# -- publish, return, retract -----------------------------------------------------------------------------------------


def test_publishing_without_an_accepted_claim_is_refused_with_the_reason(client, editor, moura):
    client.force_login(editor)
    incident = moura.incident
    claim_review(claim=moura.fama, by=editor, status="rejected", note="Not about civilians.")

    response = client.post(review_url(incident), {"action": "publish", "version": incident.version})

    assert response.status_code == 200
    assert f"{incident.code} has no accepted claim: accept a source claim before publishing." in html(response)
    version = incident.version
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.SUBMITTED and incident.version == version
    assert incident.published_at is None


def test_after_an_accept_publishing_puts_the_incident_before_researchers(client, editor, researcher, moura):
    client.force_login(editor)
    incident = moura.incident
    client.post(claim_url(incident, moura.hrw), {"status": "accepted"}, HTTP_HX_REQUEST="true")

    response = client.post(review_url(incident), {"action": "publish", "version": incident.version}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("events:incident-detail", args=[incident.code])
    assert f"{incident.code} is published." in html(response)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.PUBLISHED and incident.published_at is not None
    client.force_login(researcher)
    assert "Killings at Moura" in html(client.get("/incidents/"))
    codes = [row["code"] for row in client.get("/api/v1/incidents/").json()["results"]]
    assert codes == [incident.code]


def test_publishing_from_a_stale_page_is_an_edit_conflict(client, editor, moura):
    client.force_login(editor)
    incident = moura.incident
    claim_review(claim=moura.hrw, by=editor, status="accepted")
    seen = incident.version
    incident_update(incident=incident, by=editor, expected_version=seen, fields={"title": "Moura, 27-31 March"})

    response = client.post(review_url(incident), {"action": "publish", "version": seen})

    assert response.status_code == 409
    page = html(response)
    assert "was changed by someone else" in page
    assert f'name="version" value="{seen + 1}"' in page  # the page now shows the current version
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.SUBMITTED


@pytest.mark.parametrize("version", ["", "abc", "0"])
def test_a_lost_version_is_refused_with_a_message(client, editor, moura, version):
    client.force_login(editor)

    response = client.post(review_url(moura.incident), {"action": "publish", "version": version})

    assert "The page lost the version it shows: reload it and try again." in html(response)
    moura.incident.refresh_from_db()
    assert moura.incident.status == IncidentStatus.SUBMITTED


@pytest.mark.parametrize(
    ("action", "message"),
    [("delete", "delete is not a step of the review."), ("", "Choose publish, return or retract.")],
)
def test_an_unknown_step_is_refused_with_a_message(client, editor, moura, action, message):
    client.force_login(editor)

    response = client.post(review_url(moura.incident), {"action": action, "version": moura.incident.version})

    assert response.status_code == 200
    assert message in html(response)
    moura.incident.refresh_from_db()
    assert moura.incident.status == IncidentStatus.SUBMITTED


def test_a_returned_incident_shows_the_comment_on_the_analysts_home_page(client, editor, analyst, moura):
    client.force_login(editor)
    incident = moura.incident

    response = client.post(
        review_url(incident),
        {"action": "return", "version": incident.version, "comment": "Add the second HRW report."},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == QUEUE
    assert "was returned to its analyst" in html(response)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RETURNED and incident.return_comment == "Add the second HRW report."
    client.force_login(analyst)
    home = html(client.get(reverse("home")))
    assert "Returned to you" in home and "Add the second HRW report." in home


def test_returning_without_a_comment_is_refused_under_the_comment_box(client, editor, moura):
    client.force_login(editor)
    incident = moura.incident

    page = html(client.post(review_url(incident), {"action": "return", "version": incident.version, "comment": " "}))

    assert page.index("Say what needs fixing: a returned incident needs a comment.") > page.index('id="return-comment"')
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.SUBMITTED and incident.return_comment == ""


@pytest.fixture
def published(editor, moura):
    claim_review(claim=moura.hrw, by=editor, status="accepted")
    return incident_publish(incident=moura.incident, by=editor)


@pytest.mark.parametrize("role", ROLES)
def test_the_incident_page_offers_the_retraction_to_editors_only(client, request, published, role):
    sign_in(client, request, role)

    page = html(client.get(reverse("events:incident-detail", args=[published.code])))

    offered = 'name="action" value="retract"' in page and f'action="{review_url(published)}"' in page
    assert offered == (role in ALLOWED)


def test_a_retraction_keeps_the_record_and_the_reason(client, editor, researcher, published):
    client.force_login(editor)

    response = client.post(
        review_url(published),
        {"action": "retract", "version": published.version, "reason": "The village was misidentified."},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("events:incident-detail", args=[published.code])
    page = html(response)
    assert "was retracted" in page and "Retracted: The village was misidentified." in page
    published.refresh_from_db()
    assert published.status == IncidentStatus.RETRACTED and published.retracted_at is not None
    assert published.retraction_reason == "The village was misidentified."
    assert published.casualty_records.count() == 1 and published.claims.count() == 2
    client.force_login(researcher)
    assert "Killings at Moura" not in html(client.get("/incidents/"))


def test_retracting_without_a_reason_is_refused_under_the_reason_box(client, editor, published):
    client.force_login(editor)

    response = client.post(review_url(published), {"action": "retract", "version": published.version, "reason": ""})

    page = html(response)
    assert page.index("Give the reason for retracting: it is kept with the record.") > page.index('id="retract-reason"')
    published.refresh_from_db()
    assert published.status == IncidentStatus.PUBLISHED


def test_a_step_that_does_not_fit_the_state_is_refused(client, editor, moura):
    client.force_login(editor)
    incident = moura.incident

    response = client.post(review_url(incident), {"action": "retract", "version": incident.version, "reason": "x"})

    assert "cannot be retract" in html(response)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.SUBMITTED
