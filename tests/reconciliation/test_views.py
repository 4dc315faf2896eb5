"""The match queue page (/matches/): who may read it and who may answer, both records of each pair side by side with
the reasons in words, the filters, the answers made, refused (someone decided meanwhile, a pair that is no longer a
candidate, an unknown answer) and undone, through the real views, services and PostgreSQL."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from conflict_tracker.choices import ImportKind
from events.choices import IncidentStatus
from events.models import Incident
from events.services import incident_retract
from reconciliation.models import MatchDecision
from reconciliation.services import match_candidates_refresh, match_decide
from tests.factories import ActorFactory
from tests.helpers.reconciliation import DAY, record

pytestmark = pytest.mark.django_db

QUEUE = "/matches/"
DECIDE = "/matches/decisions/"
ROLES = ["anonymous", "researcher", "analyst", "editor", "admin_user"]
NEAR_GAO = (Decimal("16.39770"), Decimal("-0.04470"))  # 14 km north


@pytest.fixture
def records(settings):
    settings.RECONCILE_AUTO_SAME = 2  # none decided without an editor
    jnim = ActorFactory(name="JNIM")
    ucdp = record(ImportKind.UCDP, jnim, title="Killings at Ouatagouna (UCDP)")
    acled = record(
        ImportKind.ACLED, jnim, day=DAY + datetime.timedelta(days=2), place=NEAR_GAO, title="Attack on Ouatagouna"
    )
    own = record("own", jnim, title="Ouatagouna, as our analysts logged it")
    match_candidates_refresh([ucdp.pk, acled.pk, own.pk])
    return {"ucdp": ucdp, "acled": acled, "own": own}


def html(response) -> str:
    return response.content.decode()


def card_order(response) -> list[tuple[str, str]]:
    return [(card["candidate"].incident.code, card["candidate"].other.code) for card in response.context["cards"]]


def answer(client, incident, other, verdict, **fields):
    body = {"incident": incident.code, "other": other.code, "verdict": verdict, "back": QUEUE, **fields}
    return client.post(DECIDE, body, follow=True)


# -- who may use the page ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_staff_read_the_queue_editors_alone_answer(client_as, records, role):
    client = client_as(role, session=True)

    response = client.get(QUEUE)

    if role == "anonymous":
        assert (response.status_code, response["Location"]) == (302, f"{reverse('login')}?next={QUEUE}")
    elif role == "researcher":
        assert response.status_code == 403
    else:
        page = html(response)
        assert response.status_code == 200
        assert records["acled"].code in page and "Attack on Ouatagouna" in page
        answers = 'data-shortcut="s"' in page and 'name="verdict"' in page
        assert answers == (role in ("editor", "admin_user"))


@pytest.mark.parametrize("role", ["anonymous", "researcher", "analyst"])
def test_other_roles_can_neither_answer_nor_undo(client_as, records, editor, role):
    decision = match_decide(incident=records["ucdp"], other=records["acled"], verdict="same", by=editor)
    client = client_as(role, session=True)

    made = client.post(DECIDE, {"incident": records["ucdp"].code, "other": records["own"].code, "verdict": "same"})
    undone = client.post(reverse("reconciliation:undo", args=[decision.pk]))

    assert made.status_code == undone.status_code == (302 if role == "anonymous" else 403)
    assert list(MatchDecision.objects.values_list("pk", "undone_at")) == [(decision.pk, None)]


@pytest.mark.parametrize("role", ROLES)
def test_the_queue_is_in_the_navigation_of_staff_only(client_as, role):
    shown = f'href="{QUEUE}"' in html(client_as(role, session=True).get("/incidents/"))

    assert shown == (role in ("analyst", "editor", "admin_user"))


# -- the queue --------------------------------------------------------------------------------------------------------


def test_each_pair_shows_both_records_side_by_side_with_the_reasons_in_words(client_as, records):
    ucdp, acled = records["ucdp"], records["acled"]

    response = client_as("analyst", session=True).get(QUEUE, {"dataset": "acled,ucdp"})

    assert card_order(response) == [(ucdp.code, acled.code)]
    card = response.context["cards"][0]
    assert [(side["dataset"], side["external_id"]) for side in card["sides"]] == [
        ("UCDP GED", f"ucdp-{ucdp.pk}"),
        ("ACLED", f"acled-{acled.pk}"),
    ]
    assert card["reasons"] == [
        "2 days apart",
        "14 km apart",
        "same admin1 (region)",
        "shared actor: JNIM",
        "compatible types",
        f"killed: {ucdp.fatalities_best} and {acled.fatalities_best}",
    ]
    page = html(response)
    for text in ("Killings at Ouatagouna (UCDP)", "Attack on Ouatagouna", f"event acled-{acled.pk}", "JNIM"):
        assert text in page
    assert reverse("events:incident-detail", args=[acled.code]) in page
    assert f"{acled.latitude}, {acled.longitude}" in page and "Day" in page
    claim = acled.claims.get()
    assert claim.document.source.name in page and claim.document.title in page
    assert card["points"] == (
        f'[{{"side": 1, "lat": {float(ucdp.latitude)}, "lng": {float(ucdp.longitude)}, "label": "{ucdp.code}"}}, '
        f'{{"side": 2, "lat": {float(acled.latitude)}, "lng": {float(acled.longitude)}, "label": "{acled.code}"}}]'
    )


def test_undecided_pairs_come_first_then_the_most_alike(client_as, records, editor):
    ucdp, acled, own = records["ucdp"], records["acled"], records["own"]
    match_decide(incident=ucdp, other=own, verdict="unsure", note="Which village?", by=editor)

    response = client_as("analyst", session=True).get(QUEUE)

    # The two undecided pairs are as alike as each other: in the order of their incidents.
    assert card_order(response) == [(ucdp.code, acled.code), (acled.code, own.code), (ucdp.code, own.code)]
    decided = response.context["cards"][2]
    assert decided["decision"].verdict == "unsure"
    page = html(response)
    assert "decided by editor on" in page and "Which village?" in page
    assert "Undo this decision" not in page  # analysts read


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"dataset": "acled,ucdp"}, [("ucdp", "acled")]),
        ({"dataset": "own"}, [("ucdp", "own"), ("acled", "own")]),
        ({"dataset": "ucdp,own"}, [("ucdp", "own")]),
        ({"country": "MLI"}, [("ucdp", "own"), ("acled", "own"), ("ucdp", "acled")]),
        ({"country": "NER"}, []),
        ({"score_min": "0.95"}, [("ucdp", "own")]),
        ({"decided": "true"}, [("ucdp", "acled")]),
        ({"decided": "false"}, [("ucdp", "own"), ("acled", "own")]),
    ],
)
def test_the_filters(client_as, records, editor, params, expected):
    match_decide(incident=records["ucdp"], other=records["acled"], verdict="different", by=editor)

    response = client_as("editor", session=True).get(QUEUE, params)

    assert card_order(response) == [(records[a].code, records[b].code) for a, b in expected]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"score_min": "high"}, "Enter a number."),
        ({"dataset": "gdelt"}, "Select a valid choice."),
        ({"country": "Mali"}, "is not an ISO 3166-1 alpha-3 country code"),
        ({"decided": "perhaps"}, "Give true or false."),
    ],
)
def test_a_bad_filter_is_explained_next_to_its_field(client_as, records, params, message):
    response = client_as("analyst", session=True).get(QUEUE, params)

    assert response.status_code == 200
    assert message in html(response) and response.context["cards"] == []


def test_the_queue_reads_a_fixed_number_of_queries_whatever_its_length(
    client_as, records, editor, django_assert_max_num_queries
):
    client = client_as("editor", session=True)
    match_decide(incident=records["ucdp"], other=records["acled"], verdict="same", by=editor)
    # The session, the user, its roles, the count, the page, then one query each for the whole page: actors,
    # casualty records, claims, standing decisions, the shared actors' names.
    with django_assert_max_num_queries(10):
        assert len(client.get(QUEUE).context["cards"]) == 3
    army = ActorFactory()
    more = [record(dataset, army, admin1="Mopti") for dataset in ("ucdp", "acled", "own") for _ in range(3)]
    match_candidates_refresh([r.pk for r in more])

    with django_assert_max_num_queries(10):
        response = client.get(QUEUE)
    assert len(response.context["cards"]) == 10


# -- answers ----------------------------------------------------------------------------------------------------------


def test_an_editor_answers_and_goes_on_to_the_next_pair(client_as, records, editor):
    ucdp, acled, own = records["ucdp"], records["acled"], records["own"]
    client = client_as("editor", session=True)
    next_pair = f"pair-{ucdp.code}-{acled.code}"

    response = client.post(
        DECIDE,
        {
            "incident": ucdp.code,
            "other": own.code,
            "verdict": "same",
            "note": "Same village, same toll.",
            "next_pair": next_pair,
            "back": f"{QUEUE}?country=MLI",
        },
    )

    assert response.status_code == 302 and response["Location"] == f"{QUEUE}?country=MLI#{next_pair}"
    decision = MatchDecision.objects.get()
    assert (decision.incident, decision.other, decision.verdict, decision.note, decision.by) == (
        ucdp,
        own,
        "same",
        "Same village, same toll.",
        editor,
    )
    page = client.get(response["Location"])
    next_card = page.context["cards"][0]
    assert next_card["anchor"] == next_pair
    assert [str(notice) for notice in next_card["notices"]] == [f"Recorded: {ucdp.code} and {own.code}, same event."]


def test_an_answer_over_a_decision_unseen_is_refused_and_the_pair_shown_as_it_is(client_as, records, editor):
    ucdp, acled = records["ucdp"], records["acled"]
    client = client_as("editor", session=True)
    answer(client, ucdp, acled, "same")
    seen = MatchDecision.objects.get()
    other_editor_decision = match_decide(
        incident=ucdp, other=acled, verdict="different", by=editor, replaces=seen.pk, note="Two villages."
    )

    response = answer(client, acled, ucdp, "unsure", replaces=seen.pk)

    assert response.redirect_chain[-1][0] == f"{QUEUE}#pair-{ucdp.code}-{acled.code}"
    card = next(card for card in response.context["cards"] if card["anchor"] == f"pair-{ucdp.code}-{acled.code}")
    assert [str(notice) for notice in card["notices"]] == [
        f"Someone decided on {ucdp.code} and {acled.code} meanwhile. Reload them and decide again."
    ]
    assert card["decision"] == other_editor_decision and "Two villages." in html(response)
    assert MatchDecision.objects.filter(undone_at__isnull=True).get() == other_editor_decision

    replaced = answer(client, acled, ucdp, "unsure", replaces=other_editor_decision.pk)

    assert replaced.status_code == 200
    assert MatchDecision.objects.filter(undone_at__isnull=True).get().verdict == "unsure"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"verdict": "maybe"}, "maybe is not an answer: choose same event, different events or unsure."),
        ({"verdict": ""}, "Choose same event, different events or unsure."),
        ({"replaces": "x"}, "The page lost the decision it showed: reload it and answer again."),
        ({"other": "MLI-2024-9999"}, "are not a candidate pair (any more)"),
    ],
)
def test_bad_input_is_refused_with_a_message(client_as, records, fields, message):
    client = client_as("editor", session=True)
    body = {"incident": records["ucdp"].code, "other": records["acled"].code, "verdict": "same", **fields}

    response = client.post(DECIDE, body, follow=True)

    assert response.status_code == 200
    assert message in html(response)
    assert not MatchDecision.objects.exists()


def test_a_pair_whose_incident_was_retracted_meanwhile_is_refused_with_a_message(client_as, records, editor):
    ucdp, acled = records["ucdp"], records["acled"]
    incident_retract(incident=acled, by=editor, reason="A duplicate of our own record.")

    response = answer(client_as("editor", session=True), ucdp, acled, "same")

    assert f"{ucdp.code} and {acled.code} are not a candidate pair (any more)" in html(response)
    assert not MatchDecision.objects.exists()


def test_a_candidate_left_behind_by_an_unpublished_incident_is_refused_with_the_services_reason(client_as, records):
    ucdp, acled = records["ucdp"], records["acled"]
    Incident.objects.filter(pk=acled.pk).update(status=IncidentStatus.SUBMITTED)  # no announcement: the pair stays

    response = answer(client_as("editor", session=True), ucdp, acled, "same")

    assert f"Only published incidents are reconciled: {acled.code} is not." in html(response)
    assert not MatchDecision.objects.exists()


def test_the_back_address_stays_on_the_queue(client_as, records):
    response = client_as("editor", session=True).post(
        DECIDE,
        {
            "incident": records["ucdp"].code,
            "other": records["acled"].code,
            "verdict": "same",
            "back": "https://evil.example/",
        },
    )

    assert response["Location"].startswith(f"{QUEUE}#pair-")


def test_an_editor_undoes_a_decision_and_the_pair_is_undecided_again(client_as, records, editor):
    ucdp, acled = records["ucdp"], records["acled"]
    decision = match_decide(incident=ucdp, other=acled, verdict="same", by=editor)
    client = client_as("editor", session=True)
    page = html(client.get(QUEUE))
    assert reverse("reconciliation:undo", args=[decision.pk]) in page
    assert f'name="replaces" value="{decision.pk}"' in page

    response = client.post(reverse("reconciliation:undo", args=[decision.pk]), {"back": QUEUE}, follow=True)

    decision.refresh_from_db()
    assert (decision.undone_by, decision.undone_at is not None) == (editor, True)
    assert "was undone: the pair is undecided again." in html(response)
    again = client.post(reverse("reconciliation:undo", args=[decision.pk]), {"back": QUEUE}, follow=True)
    assert "This decision was undone already." in html(again)
    assert client.get(QUEUE, {"decided": "true"}).context["cards"] == []


def test_the_queue_and_its_messages_speak_french(client_as, records):
    client = client_as("editor", session=True)
    client.cookies["django_language"] = "fr"

    page = html(client.get(QUEUE))

    assert "File des rapprochements" in page and "Même événement" in page and "2 jours d’écart" in page
