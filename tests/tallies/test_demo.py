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
from tallies.models import ActorSet, TallyCell, TallyChange, TallySubject
from tallies.services import tallies_rebuild, tallies_refresh
from tests.factories import ClaimFactory

SET_NAME = next(iter(ACTOR_SETS))


def killed(subject: TallySubject, measure: str = "perpetrated") -> TallyCell | None:
    return TallyCell.objects.filter(
        subject=subject,
        measure=measure,
        attribution="alleged",
        period_type="all",
        country=None,
        harm="killed",
        victim_status=None,
    ).first()


def subject(kind: str, name: str) -> TallySubject:
    if kind == "set":
        return TallySubject.objects.get(kind=kind, actor_set=ActorSet.objects.get(name=name))
    return TallySubject.objects.get(kind=kind, actor=Actor.objects.get(name=name))


def test_the_army_and_wagner_together_count_each_joint_record_once(demo, db):
    fama, wagner = killed(subject("actor", FAMA)), killed(subject("actor", WAGNER))
    together = killed(subject("set", SET_NAME))

    # They acted jointly in the demo (the HRW figures), so adding their own tallies would count those twice.
    assert together.best < fama.best + wagner.best
    assert together.best >= max(fama.best, wagner.best)
    assert together.records < fama.records + wagner.records


def test_the_wagner_lineage_takes_in_africa_corps_incidents(demo, db):
    analyst, editor = User.objects.get(username="analyst"), User.objects.get(username="editor")
    africa_corps = Actor.objects.get(name=AFRICA_CORPS)
    before = {kind: killed(subject(kind, WAGNER)) for kind in ("actor", "lineage")}
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
    assert TallyChange.objects.filter(incident=incident, applied_at__isnull=True).exists()

    assert tallies_refresh() == 1

    assert killed(subject("lineage", WAGNER)).best == before["lineage"].best + 4
    assert killed(subject("actor", WAGNER)).best == before["actor"].best
    assert killed(subject("set", SET_NAME)).best >= 4
    refreshed = list(TallyCell.objects.order_by("pk").values_list("subject_id", "best"))
    tallies_rebuild()
    assert sorted(TallyCell.objects.values_list("subject_id", "best")) == sorted(refreshed)
