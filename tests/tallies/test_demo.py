"""The tallies of the Mali demo data: lineages and sets counted as SPEC.md says."""

import datetime

from django.contrib.auth.models import User

from actors.models import Actor
from demo.actors import ACTOR_SETS, AFRICA_CORPS, FAMA, WAGNER
from events.services import (
    CasualtyData,
    IncidentParts,
    ParticipantData,
    claim_review,
    incident_create,
    incident_publish,
    incident_submit,
)
from tallies.models import ActorSet
from tallies.selectors import TallyQuestion, tally_answer
from tallies.services import tallies_rebuild
from tests.factories import ClaimFactory
from tests.helpers.tallies import facts

SET_NAME = next(iter(ACTOR_SETS))


def killed(*names: str, include_related: bool = False) -> dict | None:
    """The all-time killed of these actors (with their lineage if asked), alleged attributions included."""
    question = TallyQuestion(
        actor_ids=tuple(Actor.objects.get(name=name).pk for name in names),
        include_related=include_related,
        harm="killed",
    )
    cells = tally_answer(question).cells
    return cells[0] if cells else None


def the_set() -> tuple[str, ...]:
    return tuple(ActorSet.objects.get(name=SET_NAME).members.values_list("name", flat=True))


def test_the_army_and_wagner_together_count_each_joint_record_once(demo, db):
    fama, wagner = killed(FAMA), killed(WAGNER)
    together = killed(*the_set())

    # They acted jointly in the demo (the HRW figures), so adding their own tallies would count those twice.
    assert together["best"] < fama["best"] + wagner["best"]
    assert together["best"] >= max(fama["best"], wagner["best"])
    assert together["records"] < fama["records"] + wagner["records"]


def test_the_wagner_lineage_takes_in_africa_corps_incidents(demo, db):
    analyst, editor = User.objects.get(username="analyst"), User.objects.get(username="editor")
    africa_corps = Actor.objects.get(name=AFRICA_CORPS)
    before = {related: killed(WAGNER, include_related=related) for related in (False, True)}
    incident = incident_create(
        by=analyst,
        fields={
            "title": "Africa Corps convoy fires on a market",
            "start_date": datetime.date(2025, 3, 4),
            "end_date": datetime.date(2025, 3, 4),
            "country": "MLI",
            "admin1": "Tombouctou",
            "event_type": "Violence against civilians",
            "sub_event_type": "Attack",
        },
        parts=IncidentParts(
            participants=[ParticipantData(actor=africa_corps, role="perpetrator", attribution="alleged")],
            casualty_records=[
                CasualtyData(
                    harm="killed",
                    victim_status="civilian",
                    count_low=3,
                    count_best=4,
                    count_high=6,
                    perpetrators=[africa_corps],
                )
            ],
        ),
    )
    claim = ClaimFactory(incident=incident)
    incident = incident_submit(incident=incident, by=analyst)
    claim_review(claim=claim, by=editor, status="accepted")
    incident_publish(incident=incident, by=editor)

    assert killed(WAGNER, include_related=True)["best"] == before[True]["best"] + 4
    assert killed(WAGNER)["best"] == before[False]["best"]
    assert killed(*the_set())["best"] >= 4
    counted = facts()
    tallies_rebuild()
    assert facts() == counted
