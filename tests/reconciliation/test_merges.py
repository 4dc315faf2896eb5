"""Merging: the records decided to be one event counted once, in an incident whose records rest on every record's
claims, with SPEC's rule for disagreeing figures; undone, the records come back as they were."""

import csv
import datetime
import io
from collections import defaultdict

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conflict_tracker.choices import ImportKind
from conflict_tracker.exceptions import TransitionNotAllowed
from conflict_tracker.incident_changes import incident_changes_announce
from events.choices import IncidentStatus
from events.models import CasualtyRecord, Incident
from events.services import incident_retract
from reconciliation.models import MatchDecision
from reconciliation.services import match_candidates_refresh, match_decide, match_decision_undo
from tallies.selectors import TallyQuestion, tally_answer
from tallies.services import tallies_verify
from tests.factories import ActorFactory, SourceFactory
from tests.helpers.api import error_of
from tests.helpers.reconciliation import DAY, record

pytestmark = pytest.mark.django_db

ACLED, UCDP, OWN = ImportKind.ACLED, ImportKind.UCDP, "own"


def announced(*records):
    """The records as their writer leaves them: announced, so that their facts and candidates are found."""
    incident_changes_announce([r.pk for r in records])
    return records


def killed_tally(actor, measure="involved") -> dict:
    cells = tally_answer(TallyQuestion(actor_ids=(actor.pk,), measure=measure, harm="killed")).cells
    return {name: cells[0][name] for name in ("incidents", "low", "best", "high")} if cells else {}


def state(incident) -> dict:
    """What a record is, less its version and state: unchanged by a merge and its undoing."""
    incident.refresh_from_db()
    return {
        "fields": {
            f.name: getattr(incident, f.name)
            for f in Incident._meta.concrete_fields
            if f.name not in ("version", "updated_at", "status", "merged_into", "search_vector")
        },
        "participants": sorted(incident.participants.values_list("actor_id", "role", "side", "attribution")),
        "records": sorted(
            incident.casualty_records.values_list("harm", "victim_status", "count_low", "count_best", "count_high")
        ),
        "claims": sorted(incident.claims.values_list("pk", flat=True)),
    }


@pytest.fixture
def event():
    """One attack as ACLED (one figure, Wagner named), UCDP (a range, the army) and our analysts record it."""
    army, wagner = ActorFactory(name="FAMa"), ActorFactory(name="Wagner Group")
    acled = record(ACLED, army, wagner, killed=(30, 30, 30), perpetrators=[army, wagner])
    ucdp = record(UCDP, army, killed=(22, 25, 40), perpetrators=[army], day=DAY + datetime.timedelta(days=1))
    return army, wagner, *announced(acled, ucdp)


def test_a_same_decision_makes_one_incident_counted_once_with_the_range_of_its_records(event, editor):
    army, wagner, acled, ucdp = event
    before = state(acled), state(ucdp)
    assert killed_tally(army) == {"incidents": 2, "low": 52, "best": 55, "high": 70}  # counted twice

    match_decide(incident=acled, other=ucdp, verdict="same", by=editor, note="Same attack.")

    acled.refresh_from_db()
    ucdp.refresh_from_db()
    assert acled.status == ucdp.status == IncidentStatus.MERGED
    merged = acled.merged_into
    assert merged == ucdp.merged_into and merged.status == IncidentStatus.PUBLISHED
    # The UCDP record's best (ranked before ACLED's), low and high the least and most of both records.
    assert (merged.fatalities_low, merged.fatalities_best, merged.fatalities_high) == (22, 25, 40)
    [killed] = merged.casualty_records.all()
    assert set(killed.claims.all()) == {*acled.claims.all(), *ucdp.claims.all()}
    assert merged.start_date == DAY + datetime.timedelta(days=1)
    assert "ACLED" in merged.notes and "UCDP GED" in merged.notes
    # Both datasets' actors take part; the UCDP record's split names the perpetrators.
    assert set(merged.participants.values_list("actor__name", flat=True)) == {"FAMa", "Wagner Group"}
    assert set(killed.perpetrators.values_list("actor__name", flat=True)) == {"FAMa"}

    assert killed_tally(army) == {"incidents": 1, "low": 22, "best": 25, "high": 40}
    assert killed_tally(wagner) == {"incidents": 1, "low": 22, "best": 25, "high": 40}
    assert tallies_verify() == 0
    assert list(Incident.objects.published().values_list("pk", flat=True)) == [merged.pk]
    # The records themselves are as their datasets give them.
    assert (state(acled), state(ucdp)) == before


def test_undoing_the_decision_restores_the_records_and_retracts_the_merge(event, editor):
    army, _wagner, acled, ucdp = event
    before = state(acled), state(ucdp)
    decision = match_decide(incident=acled, other=ucdp, verdict="same", by=editor)
    merged = Incident.objects.get(pk=acled.pk).merged_into

    match_decision_undo(decision=decision.pk, by=editor)

    assert set(Incident.objects.published().values_list("pk", flat=True)) == {acled.pk, ucdp.pk}
    merged.refresh_from_db()
    assert merged.status == IncidentStatus.RETRACTED and "undone" in merged.retraction_reason
    assert (state(acled), state(ucdp)) == before
    assert killed_tally(army) == {"incidents": 2, "low": 52, "best": 55, "high": 70}
    assert tallies_verify() == 0


def test_a_third_record_joins_the_merge_and_different_takes_it_out(event, editor):
    army, _wagner, acled, ucdp = event
    (ours,) = announced(record(OWN, army, killed=(28, 28, 35), perpetrators=[army]))
    match_decide(incident=acled, other=ucdp, verdict="same", by=editor)
    merged = Incident.objects.get(pk=acled.pk).merged_into

    joined = match_decide(incident=ours, other=acled, verdict="same", by=editor)

    merged.refresh_from_db()
    assert set(merged.merged_records.values_list("pk", flat=True)) == {acled.pk, ucdp.pk, ours.pk}
    # Our analysts' best first; low and high still the least and the most.
    assert (merged.fatalities_low, merged.fatalities_best, merged.fatalities_high) == (22, 28, 40)
    assert killed_tally(army)["incidents"] == 1

    match_decide(incident=ours, other=acled, verdict="different", by=editor, replaces=joined.pk)

    merged.refresh_from_db()
    assert set(merged.merged_records.values_list("pk", flat=True)) == {acled.pk, ucdp.pk}
    assert (merged.fatalities_low, merged.fatalities_best, merged.fatalities_high) == (22, 25, 40)
    assert Incident.objects.get(pk=ours.pk).status == IncidentStatus.PUBLISHED
    assert killed_tally(army) == {"incidents": 2, "low": 50, "best": 53, "high": 75}


def test_two_merges_joined_become_one_and_the_other_is_retracted(editor):
    army = ActorFactory()
    a, b = record(ACLED, army, killed=(3, 3, 3)), record(UCDP, army, killed=(2, 4, 5))
    c, d = record(OWN, army, killed=(4, 4, 4)), record(ACLED, army, killed=(6, 6, 6), day=DAY)
    announced(a, b, c, d)
    match_decide(incident=a, other=b, verdict="same", by=editor)
    match_decide(incident=c, other=d, verdict="same", by=editor)
    first, second = (Incident.objects.get(pk=x.pk).merged_into for x in (a, c))
    assert first != second and killed_tally(army)["incidents"] == 2

    match_decide(incident=b, other=c, verdict="same", by=editor)

    assert set(first.merged_records.values_list("pk", flat=True)) == {a.pk, b.pk, c.pk, d.pk}
    second.refresh_from_db()
    assert second.status == IncidentStatus.RETRACTED and first.code in second.retraction_reason
    assert killed_tally(army) == {"incidents": 1, "low": 2, "best": 4, "high": 6}


def test_a_merge_is_not_decided_on_and_a_changed_record_changes_its_merge(event, editor):
    army, _wagner, acled, ucdp = event
    match_decide(incident=acled, other=ucdp, verdict="same", by=editor)
    merged = Incident.objects.get(pk=acled.pk).merged_into
    (other,) = announced(record(OWN, army))

    with pytest.raises(ValidationError, match="merges records of one event"):
        match_decide(incident=merged, other=other, verdict="same", by=editor)

    # A new release of the UCDP event (as an import writes it), announced: the merge follows.
    CasualtyRecord.objects.filter(incident=ucdp).update(count_low=20, count_best=24, count_high=45)
    match_candidates_refresh([ucdp.pk])
    merged.refresh_from_db()
    assert (merged.fatalities_low, merged.fatalities_best, merged.fatalities_high) == (20, 24, 45)


def test_a_merge_of_restricted_records_stays_hidden_from_the_public(editor, settings):
    settings.REDISTRIBUTION_LICENSED = []
    army = ActorFactory()
    restricted = SourceFactory(acronym="ACLED", redistributable=False)
    acled = record(ACLED, army, killed=(5, 5, 5), source=restricted)
    twin = record(OWN, army, killed=(4, 4, 4), source=restricted, day=DAY + datetime.timedelta(days=2))
    announced(acled, twin)
    assert not Incident.objects.redistributable().filter(pk__in=[acled.pk, twin.pk]).exists()

    match_decide(incident=acled, other=twin, verdict="same", by=editor)

    merged = Incident.objects.get(pk=acled.pk).merged_into
    assert (merged.open_provenance, merged.restricted_sources) == (False, ["ACLED"])
    assert not Incident.objects.redistributable().filter(pk=merged.pk).exists()


def test_the_clearest_twin_an_import_announces_is_merged_without_an_editor():
    army = ActorFactory()
    acled, ucdp = announced(record(ACLED, army, killed=(7, 7, 7)), record(UCDP, army, killed=(6, 7, 9)))

    [decision] = MatchDecision.objects.all()
    assert decision.automatic and decision.by is None
    merged = Incident.objects.get(pk=acled.pk).merged_into
    assert merged == Incident.objects.get(pk=ucdp.pk).merged_into
    assert merged.created_by == ucdp.created_by
    assert killed_tally(army) == {"incidents": 1, "low": 6, "best": 7, "high": 9}


# -- any sequence of decisions ---------------------------------------------------------------------------------------

RECORDS = st.lists(
    st.tuples(
        st.sampled_from([ACLED, UCDP, OWN]),
        st.sets(st.integers(0, 2), min_size=1),  # participants, by index
        st.tuples(st.integers(0, 20), st.integers(0, 10), st.integers(0, 10)),  # low, + to best, + to high
    ),
    min_size=2,
    max_size=5,
)
STEPS = st.lists(
    st.tuples(st.integers(0, 4), st.integers(0, 4), st.sampled_from(["same", "different", "unsure", "undo"])),
    max_size=8,
)


def brute_force(actors, records) -> dict:
    """Per actor, the killed it is involved in, counted from the groups of records the standing `same` decisions
    join (each group once: its first record's best, the least low and the most high of its records)."""
    parent = {r.pk: r.pk for r in records}

    def root(pk):
        while parent[pk] != pk:
            pk = parent[pk]
        return pk

    for decision in MatchDecision.objects.filter(verdict="same", undone_at__isnull=True):
        parent[root(decision.incident_id)] = root(decision.other_id)
    groups = defaultdict(list)
    for r in records:
        groups[root(r.pk)].append(r)
    rank = {OWN: 0, UCDP: 1, ACLED: 2}
    expected = {}
    for actor in actors:
        totals = {"incidents": 0, "low": 0, "best": 0, "high": 0}
        for members in groups.values():
            if not any(actor in r.actors for r in members):
                continue
            first = min(members, key=lambda r: (rank[r.dataset], r.pk))
            totals["incidents"] += 1
            totals["low"] += min(r.figures[0] for r in members)
            totals["best"] += first.figures[1]
            totals["high"] += max(r.figures[2] for r in members)
        expected[actor.pk] = totals if totals["incidents"] else {}
    return expected


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=RECORDS, steps=STEPS)
def test_tallies_after_any_decisions_count_each_group_of_records_once(editor, records, steps):
    # Hypothesis runs every example in the test's one transaction: the last example's records are put aside.
    MatchDecision.objects.all().delete()
    leftover = list(Incident.objects.exclude(status=IncidentStatus.DRAFT).values_list("pk", flat=True))
    Incident.objects.filter(pk__in=leftover).update(status=IncidentStatus.DRAFT, merged_into=None)
    incident_changes_announce(leftover)
    actors = [ActorFactory() for _ in range(3)]
    made = []
    for dataset, members, (low, plus_best, plus_high) in records:
        figures = (low, low + plus_best, low + plus_best + plus_high)
        incident = record(dataset, *(actors[i] for i in sorted(members)), killed=figures)
        incident.dataset, incident.actors, incident.figures = dataset, {actors[i] for i in members}, figures
        made.append(incident)
    announced(*made)
    for first, second, verdict in steps:
        a, b = made[first % len(made)], made[second % len(made)]
        if a.pk == b.pk:
            continue
        low, high = sorted((a.pk, b.pk))
        standing = MatchDecision.objects.filter(incident=low, other=high, undone_at__isnull=True).first()
        if verdict == "undo":
            if standing:
                match_decision_undo(decision=standing.pk, by=editor)
            continue
        match_decide(incident=a, other=b, verdict=verdict, by=editor, replaces=standing.pk if standing else None)

    assert {actor.pk: killed_tally(actor) for actor in actors} == brute_force(actors, made)
    assert tallies_verify() == 0


# -- through the API --------------------------------------------------------------------------------------------------

INCIDENTS = "/api/v1/incidents/"


@pytest.fixture
def merged(event, editor):
    _army, _wagner, acled, ucdp = event
    match_decide(incident=acled, other=ucdp, verdict="same", by=editor)
    return Incident.objects.get(pk=acled.pk).merged_into, acled, ucdp


@pytest.mark.parametrize("who", ["anonymous", "researcher", "editor"])
def test_the_merged_incident_shows_each_dataset_s_record_with_its_own_figures_and_claims(client_as, merged, who):
    incident, acled, ucdp = merged

    body = client_as(who).get(f"{INCIDENTS}{incident.code}/").json()

    assert body["datasets"] == ["acled", "ucdp"]
    assert body["external_ids"] == sorted([*acled.external_ids, *ucdp.external_ids])
    records = {r["code"]: r for r in body["merged_records"]}
    assert set(records) == {acled.code, ucdp.code}
    assert [records[acled.code][f"fatalities_{n}"] for n in ("low", "best", "high")] == [30, 30, 30]
    assert [records[ucdp.code][f"fatalities_{n}"] for n in ("low", "best", "high")] == [22, 25, 40]
    assert records[ucdp.code]["datasets"] == ["ucdp"]
    claims = {c["id"] for r in body["merged_records"] for c in r["claims"]}
    [killed] = body["casualty_records"]
    assert set(killed["claims"]) == claims == {c.pk for c in (*acled.claims.all(), *ucdp.claims.all())}
    # The list renders it as the detail does, and the records merged into it are not published.
    listed = client_as(who).get(INCIDENTS, {"status": "published"}).json()["results"]
    assert [item["code"] for item in listed] == [incident.code]
    assert listed[0]["merged_records"] == body["merged_records"]
    # The records themselves: not found by the public, their state for staff.
    answer = client_as(who).get(f"{INCIDENTS}{acled.code}/")
    if who == "editor":
        assert answer.json()["status"] == "merged"
    else:
        assert answer.status_code == 404


def test_an_incident_is_found_by_a_dataset_s_event_id_and_by_the_datasets_it_holds(client_as, merged):
    incident, acled, ucdp = merged
    army = ActorFactory()
    (alone,) = announced(record(ACLED, army, day=DAY - datetime.timedelta(days=30)))
    client = client_as("researcher")

    def found(**params):
        answer = client.get(INCIDENTS, params)
        assert answer.status_code == 200, answer.json()
        return {item["code"] for item in answer.json()["results"]}

    assert found(external_id=acled.external_ids[0]) == {incident.code}
    assert found(external_id=ucdp.external_ids[0]) == {incident.code}
    assert found(external_id=alone.external_ids[0]) == {alone.code}
    assert found(dataset="acled") == {incident.code, alone.code}
    assert found(dataset="acled,ucdp") == found(dataset="UCDP, acled") == {incident.code}
    assert found(dataset="own") == set()


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"dataset": "acled,gdelt"}, "dataset", "gdelt is not a dataset"),
        ({"external_id": "MLI2612"}, "external_id", "acled:MLI2612"),
        ({"external_id": "gdelt:1"}, "external_id", "acled:MLI2612"),
    ],
)
def test_a_wrong_dataset_or_event_id_is_named(client_as, params, field, message):
    error = error_of(client_as("researcher").get(INCIDENTS, params), 400)

    assert message in " ".join(error["fields"][field])


def test_the_changes_feed_tells_a_researcher_to_drop_the_merged_records(client_as, merged):
    incident, acled, ucdp = merged

    entries = {
        e["code"]: e for e in client_as("researcher").get("/api/v1/changes/?updated_since=2000-01-01").json()["results"]
    }

    assert entries[incident.code]["change"] == "published"
    for record_ in (acled, ucdp):
        assert entries[record_.code] == {
            "code": record_.code,
            "change": "merged",
            "changed_at": entries[record_.code]["changed_at"],
            "version": Incident.objects.get(pk=record_.pk).version,
            "merged_into": incident.code,
        }


def test_each_dataset_s_own_view_of_a_tally_and_the_incidents_and_records_behind_it(client_as, merged):
    incident, acled, ucdp = merged
    army = acled.participants.get(actor__name="FAMa").actor
    views = {
        None: {"incidents": 1, "low": 22, "best": 25, "high": 40},
        ("acled",): {"incidents": 1, "low": 30, "best": 30, "high": 30},
        ("ucdp",): {"incidents": 1, "low": 22, "best": 25, "high": 40},
        ("acled", "ucdp"): {"incidents": 1, "low": 22, "best": 25, "high": 40},
        ("own",): {},
    }
    for datasets, expected in views.items():
        question = TallyQuestion(actor_ids=(army.pk,), measure="involved", harm="killed", datasets=datasets or ())
        cells = tally_answer(question).cells
        assert ({k: cells[0][k] for k in expected} if cells else {}) == expected, datasets

    client = client_as("researcher")
    [cell] = client.get(
        "/api/v1/tallies/", {"actor": army.pk, "measure": "involved", "dataset": "acled", "harm": "killed"}
    ).json()
    assert (cell["dataset"], cell["best"]) == ("acled", 30)
    assert [i["code"] for i in client.get(cell["incidents_url"]).json()["results"]] == [incident.code]
    records = client.get(cell["records_url"]).json()["results"]
    assert [(r["incident"], r["count_best"]) for r in records] == [(acled.code, 30)]
    error = error_of(client.get("/api/v1/tallies/", {"actor": army.pk, "dataset": "gdelt"}), 400)
    assert "gdelt is not a dataset" in error["fields"]["dataset"][0]


@pytest.mark.parametrize("who", ["anonymous", "editor"])
def test_the_incident_page_lists_the_records_of_the_event_and_a_record_s_page_leads_to_it(client_as, merged, who):
    incident, acled, ucdp = merged
    client = client_as(who, session=True)

    page = client.get(f"/incidents/{incident.code}/").content.decode()

    assert "The records of this event" in page
    for record_ in (acled, ucdp):
        assert record_.external_ids[0] in page and record_.code in page
    for claim in (*acled.claims.all(), *ucdp.claims.all()):
        assert claim.quote in page
    answer = client.get(f"/incidents/{acled.code}/")
    if who == "editor":
        assert f"counted in {incident.code}" in answer.content.decode()
    else:
        assert answer.status_code == 302 and answer["Location"] == f"/incidents/{incident.code}/"


def test_the_crosswalk_export_gives_our_code_each_dataset_s_ids_and_the_decision(client_as, merged, editor):
    incident, acled, ucdp = merged
    url = "/api/v1/match-decisions/crosswalk/"
    assert client_as("researcher").get(url).status_code == 403

    answer = client_as("analyst").get(url)

    assert answer["Content-Type"] == "text/csv; charset=utf-8"
    [row] = list(csv.DictReader(io.StringIO(answer.content.decode())))
    first, second = sorted((acled, ucdp), key=lambda r: r.pk)
    assert row == {
        "code": incident.code,
        "record": first.code,
        "other_record": second.code,
        "acled_ids": acled.external_ids[0].split(":", 1)[1],
        "ucdp_ids": ucdp.external_ids[0].split(":", 1)[1],
        "own_codes": "",
        "decision": "same",
        "automatic": "false",
        "score": str(MatchDecision.objects.get().score),
        "by": editor.username,
        "at": row["at"],
        "note": "",
    }


def test_a_merge_and_its_records_are_not_retracted_under_each_other(merged, editor):
    incident, acled, _ucdp = merged

    with pytest.raises(ValidationError, match="undo the decisions that merged them"):
        incident_retract(incident=incident, by=editor, reason="Wrong.")
    with pytest.raises(TransitionNotAllowed):
        incident_retract(incident=Incident.objects.get(pk=acled.pk), by=editor, reason="Wrong.")
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.PUBLISHED
