"""The match candidates and decisions through the API: what staff read (both sides, their datasets and ids, the
score, its reasons, the standing decision), the filters, and decisions made, refused and undone by editors."""

import datetime

import pytest

from conflict_tracker.choices import ImportKind
from reconciliation.models import MatchDecision
from reconciliation.services import match_candidates_refresh
from tests.factories import ActorFactory
from tests.helpers.api import error_of
from tests.helpers.reconciliation import DAY, record

pytestmark = pytest.mark.django_db

MATCHES, DECISIONS = "/api/v1/matches/", "/api/v1/match-decisions/"


@pytest.fixture
def records(settings):
    settings.RECONCILE_AUTO_SAME = 2  # none decided without an editor
    army = ActorFactory()
    ucdp = record(ImportKind.UCDP, army)
    acled = record(ImportKind.ACLED, army, day=DAY + datetime.timedelta(days=2))
    own = record("own", army)
    match_candidates_refresh([ucdp.pk, acled.pk, own.pk])
    return {"ucdp": ucdp, "acled": acled, "own": own}


def codes(body) -> list[tuple[str, str]]:
    return [(item["incident"]["code"], item["other"]["code"]) for item in body["results"]]


def test_staff_read_each_pair_with_both_sides_its_score_and_reasons_most_alike_first(client_as, records):
    body = client_as("analyst").get(MATCHES).json()

    ucdp, acled, own = records["ucdp"], records["acled"], records["own"]
    assert codes(body) == [(ucdp.code, own.code), (acled.code, own.code), (ucdp.code, acled.code)]
    first = body["results"][0]
    assert (first["incident"]["dataset"], first["incident"]["external_id"]) == ("ucdp", f"ucdp:ucdp-{ucdp.pk}")
    assert (first["other"]["dataset"], first["other"]["external_id"]) == ("own", None)
    assert first["score"] == "1.000" and first["decision"] is None
    scores = [item["score"] for item in body["results"]]
    assert scores == sorted(scores, reverse=True)
    assert body["results"][2]["reasons"]["days_apart"] == 2


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"dataset": "acled"}, [("acled", "own"), ("ucdp", "acled")]),
        ({"dataset": "own"}, [("ucdp", "own"), ("acled", "own")]),
        ({"dataset": "acled,ucdp"}, [("ucdp", "acled")]),
        ({"dataset": "ucdp,own"}, [("ucdp", "own")]),
        ({"country": "NER"}, []),
        ({"score_min": "0.95"}, [("ucdp", "own")]),
        ({"incident": "{acled}"}, [("acled", "own"), ("ucdp", "acled")]),
        ({"decided": "true"}, [("ucdp", "acled")]),
        ({"decided": "false"}, [("ucdp", "own"), ("acled", "own")]),
        ({"verdict": "different"}, [("ucdp", "acled")]),
        ({"verdict": "same"}, []),
        ({"ordering": "score"}, [("ucdp", "acled"), ("acled", "own"), ("ucdp", "own")]),
    ],
)
def test_the_filters_of_the_candidates(client_as, records, params, expected):
    client_as("editor").post(
        DECISIONS,
        {"incident": records["ucdp"].code, "other": records["acled"].code, "verdict": "different"},
        format="json",
    )
    params = {name: value.format(acled=records["acled"].code) for name, value in params.items()}

    body = client_as("editor").get(MATCHES, params).json()

    assert codes(body) == [(records[a].code, records[b].code) for a, b in expected]


def test_the_list_reads_a_fixed_number_of_queries_whatever_its_length(
    client_as, records, django_assert_max_num_queries
):
    client = client_as("editor")
    army = ActorFactory()
    more = [record(dataset, army, admin1="Mopti") for dataset in ("ucdp", "acled", "own") for _ in range(4)]
    match_candidates_refresh([r.pk for r in more])

    with django_assert_max_num_queries(4):
        body = client.get(MATCHES, {"page_size": 500}).json()
    assert len(body["results"]) > 40


def test_an_editor_decides_is_refused_over_a_decision_unseen_and_undoes(client_as, records):
    client = client_as("editor")
    pair = {"incident": records["ucdp"].code, "other": records["acled"].code}

    made = client.post(DECISIONS, {**pair, "verdict": "same", "note": "Same village, same toll."}, format="json")
    assert made.status_code == 201, made.content
    decision = made.json()
    assert (decision["verdict"], decision["by"], decision["automatic"]) == ("same", "editor", False)
    assert (
        client.get(MATCHES, {"incident": records["acled"].code, "decided": "true"}).json()["results"][0]["decision"][
            "id"
        ]
        == decision["id"]
    )

    unseen = client.post(DECISIONS, {**pair, "verdict": "different"}, format="json")
    assert "meanwhile" in error_of(unseen, 409)["message"]

    replaced = client.post(DECISIONS, {**pair, "verdict": "different", "replaces": decision["id"]}, format="json")
    assert replaced.status_code == 201

    undone = client.post(f"{DECISIONS}{replaced.json()['id']}/undo/")
    assert (undone.status_code, undone.json()["undone_by"]) == (200, "editor")
    assert client.post(f"{DECISIONS}{replaced.json()['id']}/undo/").status_code == 409

    ledger = client.get(DECISIONS, {"incident": records["ucdp"].code}).json()["results"]
    assert [(d["verdict"], d["undone_by"]) for d in ledger] == [("different", "editor"), ("same", "editor")]
    assert client.get(DECISIONS, {"standing": "true"}).json()["results"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"verdict": "maybe"}, "verdict"),
        ({"other": "MLI-2024-9999"}, "other"),
        ({"replaces": "x"}, "replaces"),
    ],
)
def test_bad_input_is_named(client_as, records, body, field):
    pair = {"incident": records["ucdp"].code, "other": records["acled"].code, "verdict": "same"}

    response = client_as("editor").post(DECISIONS, {**pair, **body}, format="json")

    assert field in error_of(response, 400)["fields"]
    assert not MatchDecision.objects.exists()


@pytest.mark.parametrize(
    "params",
    [
        {"score_min": "high"},
        {"dataset": "gdelt"},
        {"dataset": "acled,acled"},
        {"country": "Mali"},
        {"decided": "perhaps"},
    ],
)
def test_bad_filters_are_named(client_as, records, params):
    response = client_as("analyst").get(MATCHES, params)

    assert next(iter(params)) in error_of(response, 400)["fields"]
