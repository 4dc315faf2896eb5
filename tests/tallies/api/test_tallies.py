"""GET /api/v1/tallies/ on the Mali demo data: actors, lineages and sets, provenance, freshness, errors."""

import datetime
import json

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from rest_framework.test import APIClient, APIRequestFactory

from actors.models import Actor
from demo.actors import AFRICA_CORPS, FAMA, FRANCE, WAGNER
from events.models import CasualtyRecord
from events.selectors import incident_parts
from events.services import incident_update
from sources.models import Claim
from tallies.api.rendering import tally_json
from tallies.api.serializers import TallySerializer
from tallies.selectors import TallyQuestion, cell_incidents_query, period_end, tally_answer

URL = "/api/v1/tallies/"


def tallies(params: dict, client: APIClient | None = None) -> list[dict]:
    response = (client or APIClient()).get(URL, params)
    assert response.status_code == 200, response.content
    return response.json()


def actor_id(name: str) -> int:
    return Actor.objects.get(name=name).pk


@pytest.mark.parametrize("role", ["anonymous", "researcher", "analyst", "editor"])
def test_every_role_reads_the_published_tallies(demo, db, client_as, role):
    client = client_as(role)

    [cell] = tallies({"actor": WAGNER, "harm": "killed"}, client)

    assert cell["subject"] == {"kind": "actor", "actors": [actor_id(WAGNER)]}
    assert cell["best"] > 0
    assert cell["stale"] is False


def test_include_related_reads_the_lineage_and_a_named_set_is_named(demo, db):
    [lineage] = tallies({"actor": WAGNER, "include_related": "true", "harm": "killed"})
    [named] = tallies({"actors": f"{FAMA},{WAGNER},{AFRICA_CORPS}", "harm": "killed"})

    assert lineage["subject"] == {"kind": "lineage", "actors": sorted([actor_id(WAGNER), actor_id(AFRICA_CORPS)])}
    assert named["subject"]["kind"] == "set"


def test_a_set_no_one_named_is_counted_with_joint_records_once(demo, db):
    [pair] = tallies({"actors": f"{FAMA},{WAGNER}", "harm": "killed"})
    [fama] = tallies({"actor": FAMA, "harm": "killed"})
    [wagner] = tallies({"actor": WAGNER, "harm": "killed"})
    [named] = tallies({"actors": f"{FAMA},{WAGNER},{AFRICA_CORPS}", "harm": "killed"})

    assert pair["subject"]["kind"] == "given"
    assert pair["best"] < fama["best"] + wagner["best"]
    # The demo has no Africa Corps incident: the named set and the given pair agree.
    assert {k: pair[k] for k in ("incidents", "records", "low", "best", "high")} == {
        k: named[k] for k in ("incidents", "records", "low", "best", "high")
    }


def test_each_cell_links_to_exactly_the_incidents_it_counts(demo, db):
    client = APIClient()
    cells = tallies({"actors": f"{FAMA},{WAGNER}", "period": "quarter", "measure": "involved"}, client)
    cells += tallies({"actor": WAGNER, "period": "year", "harm": "killed", "victim_status": "civilian"}, client)

    assert cells
    for cell in cells:
        listed = client.get(cell["incidents_url"] + "&page_size=500")
        assert listed.status_code == 200, listed.content
        codes = [row["code"] for row in listed.json()["results"]]
        assert len(codes) == cell["incidents"], cell
        starts = [row["start_date"] for row in listed.json()["results"]]
        assert all(cell["period_start"] <= start <= cell["period_end"] for start in starts)
        summed = client.get(cell["records_url"] + "&page_size=500").json()
        assert summed["count"] == cell["records"]
        assert sum(row["count_best"] for row in summed["results"]) == cell["best"]
        assert {row["incident"] for row in summed["results"]} == set(codes)


def serialized(question: TallyQuestion, request) -> list[dict]:
    """tally_answer's cells as TallySerializer writes them, each with its links: what PostgreSQL must write."""
    answer = tally_answer(question)
    incidents = request.build_absolute_uri(reverse("api:incident-list"))
    records = request.build_absolute_uri(reverse("api:tally-records"))
    rows = []
    for cell in answer.cells:
        query = cell_incidents_query(answer.members, cell)
        rows.append(
            {
                **cell,
                "subject": {"kind": answer.subject.kind, "actors": answer.members},
                "period_end": period_end(cell["period_type"], cell["period_start"]),
                "stale": False,
                "incidents_url": f"{incidents}?{query}",
                "records_url": f"{records}?{query}",
                "source_attributions": answer.attributions,
            }
        )
    return json.loads(json.dumps(TallySerializer(rows, many=True).data))


@pytest.mark.parametrize(
    ("names", "asked"),
    [
        ((WAGNER,), {"period": "quarter", "harm": "killed"}),
        ((WAGNER,), {"include_related": True, "period": "year", "measure": "involved"}),
        ((FAMA, WAGNER), {"period": "month", "measure": "involved"}),
        ((FAMA, WAGNER, AFRICA_CORPS), {"victim_status": "civilian"}),
        ((FRANCE, FAMA), {"period": "month", "attribution": "confirmed", "country": "MLI", "admin1": "Mopti"}),
        ((FAMA,), {"period": "quarter", "date_after": datetime.date(2024, 2, 1), "country": "MLI"}),
        ((FAMA,), {"period": "year", "date_after": datetime.date(2040, 1, 1)}),
    ],
)
def test_postgresql_writes_each_cell_as_the_serializer_would(demo, db, names, asked):
    question = TallyQuestion(actor_ids=tuple(actor_id(name) for name in names), **asked)
    request = APIRequestFactory().get(URL)

    written = json.loads(tally_json(question, request).contents)
    expected = serialized(question, request)

    assert bool(expected) == (question.date_after != datetime.date(2040, 1, 1))  # cells to compare, but the last

    assert [list(cell) for cell in written] == [list(cell) for cell in expected]  # the same fields in the same order
    for cell in written + expected:
        assert datetime.datetime.fromisoformat(cell.pop("computed_at")).tzinfo == datetime.UTC
    assert written == expected


def test_a_change_is_counted_as_soon_as_it_commits(demo, db):
    editor = User.objects.get(username="editor")
    blamed = CasualtyRecord.objects.filter(incident__status="published", perpetrators__actor__name=WAGNER)
    incident = blamed.first().incident
    [before] = tallies({"actor": WAGNER})
    parts = incident_parts(incident)
    for record in parts.casualty_records:
        record.count_high += 10
    incident_update(incident=incident, by=editor, expected_version=incident.version, parts=parts)

    [after] = tallies({"actor": WAGNER})
    assert after["high"] == before["high"] + 10 * blamed.filter(incident=incident).count()
    assert after["stale"] is False


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({}, "actor"),
        ({"actor": WAGNER, "actors": FAMA}, "actor"),
        ({"actor": "Nobody at all"}, "actor"),
        ({"actors": f"{FAMA},Nobody"}, "actors"),
        ({"actor": WAGNER, "admin1": "Gao"}, "country"),
        ({"actor": WAGNER, "date_after": "2024-01-01"}, "period"),
        ({"actor": WAGNER, "period": "decade"}, "period"),
        ({"actor": WAGNER, "measure": "killed"}, "measure"),
        ({"actor": WAGNER, "harm": "maimed"}, "harm"),
        ({"actor": WAGNER, "country": "XXX"}, "country"),
        ({"actor": WAGNER, "period": "year", "date_after": "2025-01-01", "date_before": "2024-01-01"}, "date_before"),
        ({"actor": WAGNER, "actor_set": "1"}, "actor_set"),
    ],
)
def test_bad_parameters_answer_400_naming_them(demo, db, params, name):
    response = APIClient().get(URL, params)

    assert response.status_code == 400
    assert name in response.json()["error"]["fields"]


def test_the_query_count_does_not_grow_with_the_number_of_periods(demo, db, django_assert_max_num_queries):
    assert len(tallies({"actor": FAMA, "period": "month"})) > len(tallies({"actor": FAMA, "period": "all"}))
    for period in ("all", "month"):
        with django_assert_max_num_queries(6):
            tallies({"actor": FAMA, "period": period})


def test_the_query_count_does_not_grow_with_the_set(demo, db, django_assert_max_num_queries):
    for params in ({"actors": f"{FAMA},{WAGNER}"}, {"actors": f"{FAMA},{WAGNER},{AFRICA_CORPS}"}):
        assert tallies(params | {"period": "month"})
        with django_assert_max_num_queries(6):
            tallies(params | {"period": "month"})


def test_the_actor_page_carries_its_all_time_tallies(demo, db):
    body = APIClient().get(f"/api/v1/actors/{actor_id(WAGNER)}/").json()
    [own] = tallies({"actor": WAGNER, "harm": "killed"})
    [lineage] = tallies({"actor": WAGNER, "include_related": "true", "harm": "killed"})

    cells = {
        (cell["include_related"], cell["measure"], cell["attribution"], cell["harm"]): cell["best"]
        for cell in body["casualties"]["cells"]
    }
    assert cells[(False, "perpetrated", "alleged", "killed")] == own["best"]
    assert cells[(True, "perpetrated", "alleged", "killed")] == lineage["best"]
    assert (False, "involved", "alleged", None) in cells
    assert body["casualties"]["stale"] is False
    assert "casualties" not in APIClient().get("/api/v1/actors/").json()["results"][0]


def _own_count(claim, measure: str) -> int:
    """Killed in the claim's actors' published incidents of its period and country, each record once, counted
    plainly."""
    actors = set(claim.attributed_actors.values_list("pk", flat=True))
    total = 0
    for record in CasualtyRecord.objects.filter(incident__status="published").select_related("incident"):
        incident = record.incident
        if not (claim.period_start <= incident.start_date <= claim.period_end and incident.country == claim.country):
            continue
        if claim.harm and record.harm != claim.harm:
            continue
        if claim.victim_status not in ("", "unknown") and record.victim_status != claim.victim_status:
            continue
        if measure == "perpetrated":
            blamed = {link.participant.actor_id for link in record.perpetrator_links.select_related("participant")}
            blamed_ok = {
                link.participant.actor_id
                for link in record.perpetrator_links.select_related("participant")
                if link.participant.attribution in ("confirmed", "alleged")
            }
            counts = bool(blamed_ok & actors) and bool(blamed)
        else:
            counts = incident.participants.filter(actor__in=actors, attribution__in=["confirmed", "alleged"]).exists()
        total += record.count_best if counts else 0
    return total


def test_a_sources_toll_is_shown_beside_our_own_count(demo, db):
    claim = Claim.objects.get(incident__isnull=True, figure_low=900)

    comparison = APIClient().get(f"/api/v1/claims/{claim.pk}/").json()["comparison"]

    assert (comparison["figure_qualifier"], comparison["figure_low"]) == ("more_than", 900)
    for measure in ("perpetrated", "involved"):
        assert comparison["ours"][measure]["best"] == _own_count(claim, measure)
        assert comparison["difference"][measure] == comparison["ours"][measure]["best"] - 900
    assert comparison["ours"]["perpetrated"]["best"] > 0


def test_the_actor_page_lists_the_sources_tolls_that_name_it(demo, db):
    claim = Claim.objects.get(incident__isnull=True, figure_low=900)

    figures = APIClient().get(f"/api/v1/actors/{actor_id(WAGNER)}/").json()["external_figures"]

    assert claim.pk in [figure["claim"] for figure in figures]
    assert all(actor_id(WAGNER) in figure["actors"] for figure in figures)


def test_a_claim_about_one_incident_has_no_comparison(demo, db):
    claim = Claim.objects.filter(incident__status="published").first()

    assert APIClient().get(f"/api/v1/claims/{claim.pk}/").json()["comparison"] is None


@pytest.mark.parametrize(
    ("params", "name"),
    [({}, "casualties_of"), ({"casualties_of": "Nobody"}, "casualties_of"), ({"casualties_of": "1", "x": "1"}, "x")],
)
def test_the_records_list_names_a_bad_parameter(demo, db, params, name):
    response = APIClient().get("/api/v1/tallies/records/", params)

    assert response.status_code == 400
    assert name in response.json()["error"]["fields"]
