"""The incident form (create and edit, parts, new source evidence, inline errors, edit conflicts), the submit with
its similar-incident warning, and who may use them."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from actors.choices import RelationKind
from actors.models import ActorRelation
from events.choices import IncidentStatus
from events.filters import IncidentFilterSet
from events.models import CasualtyRecord, Incident, NamedVictim
from events.selectors import similar_incidents
from events.services import CasualtyData, IncidentParts, ParticipantData, VictimData, incident_create, incident_update
from sources.models import Claim, Document, Source
from tests.factories import (
    ActorFactory,
    ClaimFactory,
    DocumentFactory,
    IncidentFactory,
    ParticipantFactory,
    UserFactory,
)
from tests.helpers.forms import FIELDS, evidence, form_data
from tests.helpers.geo import great_circle

pytestmark = pytest.mark.django_db
NEW = reverse("events:incident-new")


def edit_url(incident) -> str:
    return reverse("events:incident-edit", kwargs={"code": incident.code})


def submit_url(incident) -> str:
    return reverse("events:incident-submit", kwargs={"code": incident.code})


def field_html(html: str, name: str) -> str:
    """The <label> that holds the named input, its messages included."""
    match = re.search(rf'<label[^>]*>(?:(?!</label>).)*name="{re.escape(name)}"(?:(?!</label>).)*</label>', html, re.S)
    assert match, f"no field {name}"
    return match.group(0)


@pytest.fixture
def actors():
    return {
        "fama": ActorFactory(name="Malian Armed Forces", acronym="FAMa", kind="state_forces"),
        "wagner": ActorFactory(name="Wagner Group", kind="external_other"),
        "villagers": ActorFactory(name="Civilians (Mali)", kind="civilians"),
    }


def participants(actors) -> list[dict]:
    return [
        {"actor": actors["fama"].pk, "actor_name": "Malian Armed Forces", "role": "perpetrator", "side": "A",
         "attribution": "alleged"},
        {"actor": actors["wagner"].pk, "actor_name": "Wagner Group", "role": "perpetrator", "side": "A",
         "attribution": "alleged"},
        {"actor": actors["villagers"].pk, "actor_name": "Civilians (Mali)", "role": "target", "side": "B",
         "attribution": "confirmed"},
    ]  # fmt: skip


def casualty(**overrides) -> dict:
    return {
        "harm": "killed",
        "victim_status": "civilian",
        "count_low": "300",
        "count_best": "300",
        "count_high": "500",
        "children": "",
        "women": "",
        "elderly": "",
        "perpetrators": ["0", "1"],
        "claims": ["new0"],
        "note": "",
        **overrides,
    }


def victim(**overrides) -> dict:
    return {"record": "0", "name": "Amadou Diallo", "sex": "male", "age": "34", "age_band": "adult",
            "community": "Peul", "fate": "Executed at the market.", **overrides}  # fmt: skip


# Creating


def test_an_analyst_logs_an_incident_with_its_parts_and_the_claim_they_rest_on(client, analyst, actors):
    client.force_login(analyst)
    data = form_data(
        participants=participants(actors),
        casualties=[casualty()],
        victims=[victim()],
        property=[{"kind": "homes", "harm": "burned", "count_low": "10", "count_best": "12", "count_high": "20",
                   "claims": [], "note": ""}],
        evidence=[evidence()],
    )  # fmt: skip

    response = client.post(NEW, data)

    incident = Incident.objects.get(title=FIELDS["title"])
    assert response.status_code == 302 and response["Location"] == edit_url(incident)
    assert incident.code.startswith("MLI-2025-") and incident.status == IncidentStatus.DRAFT
    assert incident.created_by == analyst and incident.admin2 == "Djenné" and incident.civilian_targeting
    assert incident.end_date == datetime.date(2025, 3, 31) and str(incident.latitude) == "14.14000"
    assert {(p.actor.name, p.role) for p in incident.participants.all()} == {
        ("Malian Armed Forces", "perpetrator"),
        ("Wagner Group", "perpetrator"),
        ("Civilians (Mali)", "target"),
    }
    record = CasualtyRecord.objects.get(incident=incident)
    assert (record.count_low, record.count_best, record.count_high) == (300, 300, 500)
    assert {p.actor.name for p in record.perpetrators.all()} == {"Malian Armed Forces", "Wagner Group"}
    claim = Claim.objects.get(incident=incident)
    assert list(record.claims.all()) == [claim]
    assert claim.quote == "executed an estimated 300 civilian men" and (claim.figure_low, claim.figure_high) == (
        300,
        350,
    )
    assert {a.name for a in claim.attributed_actors.all()} == {"Malian Armed Forces", "Wagner Group"}
    assert claim.document.source.name == "Human Rights Watch" and claim.document.source.reliability == "B"
    assert claim.document.author == "Corinne Dufka"
    assert NamedVictim.objects.get(casualty_record=record).name == "Amadou Diallo"
    assert incident.property_harms.get().count_best == 12
    assert (incident.fatalities_low, incident.fatalities_best, incident.fatalities_high) == (300, 300, 500)


def test_a_claim_can_come_from_an_existing_source(client, analyst, actors):
    source = Source.objects.create(name="ACLED", kind="research_body", reliability="B")
    client.force_login(analyst)
    data = form_data(
        participants=participants(actors)[:1],
        casualties=[casualty(perpetrators=["0"])],
        evidence=[evidence(source=str(source.pk), source_name="", source_kind="", claim_actors=["0"])],
    )

    response = client.post(NEW, data)

    assert response.status_code == 302
    assert Claim.objects.get().document.source == source
    assert Source.objects.count() == 1


def test_an_actor_typed_by_alias_without_the_script_is_resolved(client, analyst, actors):
    actors["wagner"].aliases.create(name="Africa Corps")
    client.force_login(analyst)
    row = {"actor": "", "actor_name": "africa corps", "role": "perpetrator", "side": "A", "attribution": "alleged"}

    response = client.post(NEW, form_data(participants=[row]))

    assert response.status_code == 302
    assert Incident.objects.get().participants.get().actor == actors["wagner"]


def test_blank_extra_rows_are_ignored(client, analyst):
    client.force_login(analyst)
    blank = {"role": "perpetrator", "side": "", "attribution": "alleged", "actor": "", "actor_name": ""}

    response = client.post(NEW, form_data(participants=[blank]))

    assert response.status_code == 302
    assert not Incident.objects.get().participants.exists()


# Inline errors, nothing written


def test_a_bad_count_is_shown_by_its_field_and_nothing_is_written(client, analyst, actors):
    client.force_login(analyst)
    data = form_data(
        participants=participants(actors),
        casualties=[casualty(count_low="400", count_best="300")],
        evidence=[evidence()],
    )

    response = client.post(NEW, data)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was saved" in html
    assert "The low count cannot exceed the best count." in field_html(html, "casualties-0-count_low")
    assert "Malian Armed Forces" in field_html(html, "participants-0-actor_name")  # the input is kept
    assert not Incident.objects.exists() and not Source.objects.exists() and not Claim.objects.exists()


def test_the_sub_event_type_must_belong_to_the_event_type(client, analyst):
    client.force_login(analyst)

    response = client.post(NEW, form_data({**FIELDS, "event_type": "Battles", "sub_event_type": "Attack"}))

    assert response.status_code == 200
    assert "is not a sub-event type of" in field_html(response.content.decode(), "sub_event_type")
    assert not Incident.objects.exists()


def test_the_page_carries_the_sub_types_of_each_type_for_the_script(client, analyst):
    client.force_login(analyst)

    html = client.get(NEW).content.decode()

    assert 'id="sub-event-types" type="application/json"' in html
    assert '"Battles": ["Armed clash", "Government regains territory"' in html
    assert "js/incident_form.js" in html and "<template data-empty-row>" in html


def test_a_refusal_of_the_services_lands_on_its_row_and_field(client, analyst, actors):
    """A target cannot be held responsible: the service names casualty_records[0].perpetrators."""
    client.force_login(analyst)
    rows = participants(actors)
    data = form_data(participants=rows, casualties=[casualty(perpetrators=["2"], claims=[])])

    response = client.post(NEW, data)

    html = response.content.decode()
    assert response.status_code == 200
    assert "is not a perpetrator of this incident" in field_html(html, "casualties-0-perpetrators")
    assert not Incident.objects.exists()


def test_too_many_named_victims_are_refused_on_their_record(client, analyst, actors):
    client.force_login(analyst)
    data = form_data(
        participants=participants(actors),
        casualties=[casualty(count_low="1", count_best="1", count_high="1", claims=[])],
        victims=[victim(), victim(name="Hamidou Barry")],
    )

    response = client.post(NEW, data)

    assert response.status_code == 200
    assert "2 named victims cannot belong to a record of at most 1 people." in response.content.decode()
    assert not Incident.objects.exists()


def test_a_document_already_recorded_is_refused_on_its_evidence_row(client, analyst, actors):
    document = DocumentFactory(url="https://www.hrw.org/news/2022/04/05/mali-massacre")
    client.force_login(analyst)
    data = form_data(
        participants=participants(actors),
        evidence=[evidence(source=str(document.source.pk), source_name="", source_kind="")],
    )

    response = client.post(NEW, data)

    html = response.content.decode()
    assert response.status_code == 200
    assert "This source already has a document at this URL" in field_html(html, "evidence-0-document_url")
    assert not Incident.objects.exists() and Document.objects.count() == 1


def test_an_evidence_row_needs_a_source(client, analyst):
    client.force_login(analyst)

    response = client.post(NEW, form_data(evidence=[evidence(source_name="", source_kind="")]))

    assert "Pick a source, or name a new one." in field_html(response.content.decode(), "evidence-0-source")
    assert not Incident.objects.exists()


def test_a_victim_of_a_removed_record_is_refused(client, analyst, actors):
    client.force_login(analyst)
    data = form_data(
        participants=participants(actors),
        casualties=[casualty(claims=[], DELETE="on")],
        victims=[victim()],
    )

    response = client.post(NEW, data)

    assert "That casualty record was removed or left blank." in field_html(
        response.content.decode(), "victims-0-record"
    )
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    "mangle",
    [
        lambda data: {k: v for k, v in data.items() if not k.endswith("_FORMS")},  # no management forms
        lambda data: {**data, "casualties-TOTAL_FORMS": "many"},
        lambda data: {**data, "participants-0-actor": "abc", "participants-0-role": "leader"},
        lambda data: {**data, "victims-0-record": "7", "casualties-0-claims": ["999999"]},
        lambda data: {**data, "start_date": "31/02/2025", "latitude": "north", "overwrite_version": "x"},
    ],
)
def test_a_mangled_post_gets_messages_not_a_500(client, analyst, actors, mangle):
    client.force_login(analyst)
    data = form_data(participants=participants(actors), casualties=[casualty(claims=[])], victims=[victim()])

    response = client.post(NEW, mangle(data))

    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert not Incident.objects.exists()


# Editing


@pytest.fixture
def draft(analyst, actors):
    """An analyst's draft made through the services, with a claim and parts."""
    incident = incident_create(
        by=analyst,
        fields={
            "title": "Attack near Moura",
            "start_date": datetime.date(2025, 3, 27),
            "end_date": datetime.date(2025, 3, 27),
            "country": "MLI",
            "admin2": "Djenné",
            "event_type": "Violence against civilians",
            "sub_event_type": "Attack",
        },
        parts=IncidentParts(
            participants=[ParticipantData(actor=actors["fama"], role="perpetrator", side="A")],
            casualty_records=[
                CasualtyData(
                    harm="killed",
                    victim_status="civilian",
                    count_low=20,
                    count_best=25,
                    count_high=30,
                    perpetrators=[actors["fama"]],
                    named_victims=[VictimData(name="Fatoumata Cissé")],
                )
            ],
        ),
    )
    ClaimFactory(incident=incident, quote="at least 20 killed")
    return incident


def edit_rows(incident, **changes) -> dict:
    """The edit form's POST as the page would send it, for the incident as it stands, with `changes` applied."""
    participant = incident.participants.get()
    record = incident.casualty_records.get()
    victim_row = record.named_victims.get()
    fields = {**{k: v for k, v in FIELDS.items() if k not in ("latitude", "longitude")}, "title": incident.title}
    fields.update(changes.pop("fields", {}))
    rows = {
        "participants": [{"id": participant.pk, "actor": participant.actor_id, "actor_name": participant.actor.name,
                          "role": "perpetrator", "side": "A", "attribution": "alleged"}],
        "casualties": [casualty(id=record.pk, count_low="20", count_best="25", count_high="30", perpetrators=["0"],
                                claims=[])],
        "victims": [victim(id=victim_row.pk, name=victim_row.name)],
    }  # fmt: skip
    for prefix, items in changes.items():
        rows[prefix] = items(rows[prefix]) if callable(items) else items
    return form_data(fields, version=incident.version, **rows)


def test_the_edit_page_shows_the_incident_as_it_stands(client, analyst, draft):
    client.force_login(analyst)

    html = client.get(edit_url(draft)).content.decode()

    assert 'value="Attack near Moura"' in html
    assert 'name="version" value="1"' in html
    assert 'value="Malian Armed Forces"' in field_html(html, "participants-0-actor_name")
    assert 'value="Fatoumata Cissé"' in field_html(html, "victims-0-name")
    assert "selected>#1 Killed Civilian<" in field_html(html, "victims-0-record")
    assert "at least 20 killed" in html  # the claim, offered to the records


def test_an_edit_changes_fields_and_parts_in_place(client, analyst, actors, draft):
    claim = draft.claims.get()
    record = draft.casualty_records.get()
    client.force_login(analyst)

    def add_wagner(rows):
        return [*rows, {"actor": actors["wagner"].pk, "actor_name": "Wagner Group", "role": "perpetrator",
                        "side": "A", "attribution": "alleged"}]  # fmt: skip

    data = edit_rows(
        draft,
        fields={"title": "Massacre in Moura"},
        participants=add_wagner,
        casualties=lambda rows: [{**rows[0], "perpetrators": ["0", "1"], "claims": [str(claim.pk)]}],
    )

    response = client.post(edit_url(draft), data)

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "Massacre in Moura" and draft.version == 2
    record = CasualtyRecord.objects.get(pk=record.pk)  # kept in place, same id
    assert {p.actor.name for p in record.perpetrators.all()} == {"Malian Armed Forces", "Wagner Group"}
    assert list(record.claims.all()) == [claim]
    assert record.named_victims.get().name == "Fatoumata Cissé"


def test_a_removed_row_is_deleted(client, analyst, draft):
    client.force_login(analyst)
    data = edit_rows(draft, victims=lambda rows: [{**rows[0], "DELETE": "on"}])

    assert client.post(edit_url(draft), data).status_code == 302

    assert not NamedVictim.objects.filter(casualty_record__incident=draft).exists()


# Edit conflicts


def test_a_conflicting_save_keeps_the_input_shows_their_changes_and_can_overwrite(client, analyst, editor, draft):
    client.force_login(analyst)
    mine = edit_rows(draft, fields={"title": "My better title", "admin1": "Mopti"})
    incident_update(incident=draft, by=editor, expected_version=1, fields={"title": "The editor's title"})

    response = client.post(edit_url(draft), mine)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Someone else saved this incident" in html
    assert 'value="My better title"' in field_html(html, "title")  # nothing of mine is lost
    conflict = html[html.index('id="edit-conflict"') : html.index('id="incident-form"')]
    assert "Attack near Moura" in conflict and "The editor&#x27;s title" in conflict and "My better title" in conflict
    assert "editor" in conflict and "Version 2" in conflict
    draft.refresh_from_db()
    assert draft.title == "The editor's title"  # and nothing of mine was written

    assert 'name="overwrite_version" value="2"' in html
    response = client.post(edit_url(draft), {**mine, "overwrite_version": "2"})

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "My better title" and draft.version == 3


def test_a_conflict_undoes_the_new_evidence_too(client, analyst, editor, draft):
    client.force_login(analyst)
    mine = edit_rows(draft, evidence=[evidence(claim_actors=["0"])])
    incident_update(incident=draft, by=editor, expected_version=1, fields={"title": "Changed meanwhile"})

    response = client.post(edit_url(draft), mine)

    assert response.status_code == 200
    assert not Source.objects.filter(name="Human Rights Watch").exists()
    assert draft.claims.count() == 1
    assert 'value="Human Rights Watch"' in field_html(response.content.decode(), "evidence-0-source_name")


# Similar incidents and submitting


@pytest.fixture
def near_duplicate(actors, draft):
    """Published the day after, 5 km away, by Wagner's successor (Africa Corps)."""
    africa_corps = ActorFactory(name="Africa Corps")
    ActorRelation.objects.create(subject=actors["fama"], kind=RelationKind.ALLIED_WITH, object=africa_corps)
    ActorRelation.objects.create(subject=actors["wagner"], kind=RelationKind.SUCCEEDED_BY, object=africa_corps)
    Incident.objects.filter(pk=draft.pk).update(latitude=14.14, longitude=-4.29)
    draft.refresh_from_db()
    ParticipantFactory(incident=draft, actor=actors["wagner"])
    other = IncidentFactory(
        title="Killings at Moura",
        start_date=datetime.date(2025, 3, 28),
        latitude=14.18,
        longitude=-4.27,
        status=IncidentStatus.PUBLISHED,
        published_at=timezone.now(),
    )
    ParticipantFactory(incident=other, actor=africa_corps)
    return other


def test_similar_incidents_share_dates_place_and_an_actor_lineage(analyst, actors, draft, near_duplicate):
    found = similar_incidents(draft, analyst)

    assert found == [near_duplicate]
    assert 3 < found[0].distance_km < 6


@pytest.mark.parametrize(
    "change",
    [
        {"start_date": datetime.date(2025, 4, 2), "end_date": datetime.date(2025, 4, 2)},  # 5 days later
        {"latitude": 14.5, "longitude": -4.29},  # 40 km north
        {"latitude": None, "longitude": None, "admin2": "Mopti"},  # no point, another cercle
    ],
)
def test_incidents_apart_in_time_or_place_are_not_similar(analyst, draft, near_duplicate, change):
    Incident.objects.filter(pk=near_duplicate.pk).update(**change)

    assert similar_incidents(draft, analyst) == []


@pytest.mark.parametrize(
    ("dates", "precision", "similar"),
    [
        ((datetime.date(2025, 3, 10), datetime.date(2025, 3, 10)), "day", False),  # 17 days before
        ((datetime.date(2025, 3, 10), datetime.date(2025, 3, 10)), "month", True),  # some day of March
        ((datetime.date(2025, 2, 15), datetime.date(2025, 2, 15)), "month", False),  # February
        ((datetime.date(2025, 6, 1), datetime.date(2025, 6, 1)), "year", True),  # some day of 2025
        ((datetime.date(2024, 6, 1), datetime.date(2024, 6, 1)), "year", False),
    ],
)
def test_a_date_known_only_to_the_week_month_or_year_may_be_any_day_of_it(
    analyst, draft, near_duplicate, dates, precision, similar
):
    Incident.objects.filter(pk=near_duplicate.pk).update(
        start_date=dates[0], end_date=dates[1], date_precision=precision
    )

    assert similar_incidents(draft, analyst) == ([near_duplicate] if similar else [])


@pytest.mark.parametrize(
    ("other", "precision"),
    [
        (datetime.date(2025, 3, 2), "month"),  # 25 days before, and the draft's 27 March stands for some day of March
        (datetime.date(2025, 4, 2), "week"),  # 6 days after, and the draft's is the week of 24-30 March
    ],
)
def test_the_incident_being_submitted_may_be_known_only_to_the_week_or_month_too(
    analyst, draft, near_duplicate, other, precision
):
    Incident.objects.filter(pk=near_duplicate.pk).update(start_date=other, end_date=other)
    assert similar_incidents(draft, analyst) == []

    draft.date_precision = precision

    assert similar_incidents(draft, analyst) == [near_duplicate]


def test_the_warning_measures_distance_as_the_near_filter_does(analyst, draft, near_duplicate):
    found = similar_incidents(draft, analyst)[0]
    by_filter = IncidentFilterSet(
        {"near": "14.14,-4.29", "radius_km": f"{found.distance_km + 1e-6:.6f}"}, queryset=Incident.objects.all()
    ).qs

    assert near_duplicate in by_filter
    assert found.distance_km == pytest.approx(great_circle(14.14, -4.29, 14.18, -4.27), rel=1e-9)


def test_without_coordinates_the_same_cercle_counts_as_near(analyst, draft, near_duplicate):
    Incident.objects.filter(pk=near_duplicate.pk).update(latitude=None, longitude=None, admin2="djenné")

    assert similar_incidents(draft, analyst) == [near_duplicate]


def test_incidents_without_an_actor_in_common_are_not_similar(analyst, draft, near_duplicate):
    near_duplicate.participants.update(actor=ActorFactory(name="Katiba Macina"))

    assert similar_incidents(draft, analyst) == []


def test_a_researcher_is_never_warned_about_drafts(researcher, analyst, draft, near_duplicate):
    Incident.objects.filter(pk=near_duplicate.pk).update(status=IncidentStatus.DRAFT)

    assert similar_incidents(draft, analyst) == [near_duplicate]
    assert similar_incidents(draft, researcher) == []


def test_submitting_with_a_similar_incident_asks_to_confirm(client, analyst, draft, near_duplicate):
    client.force_login(analyst)

    response = client.post(submit_url(draft), {"version": draft.version})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Similar incidents" in html and reverse("events:incident-detail", args=[near_duplicate.code]) in html
    assert 'name="confirm_similar"' in html
    assert f'action="{edit_url(draft)}"' in html  # the form on this page still saves to the edit page
    draft.refresh_from_db()
    assert draft.status == IncidentStatus.DRAFT

    response = client.post(submit_url(draft), {"version": draft.version, "confirm_similar": "1"})

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == IncidentStatus.SUBMITTED


def test_with_htmx_the_warning_replaces_the_submit_button(client, analyst, draft, near_duplicate):
    client.force_login(analyst)

    response = client.post(submit_url(draft), {"version": draft.version}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert html.startswith('<div id="submit-area"') and near_duplicate.code in html and "<html" not in html

    response = client.post(
        submit_url(draft), {"version": draft.version, "confirm_similar": "1"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 204 and response["HX-Redirect"] == f"/incidents/{draft.code}/"


def test_submitting_without_similar_incidents_needs_no_confirmation(client, analyst, draft):
    client.force_login(analyst)

    response = client.post(submit_url(draft), {"version": draft.version})

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == IncidentStatus.SUBMITTED


def test_a_refused_submit_says_why(client, analyst):
    draft = IncidentFactory(created_by=analyst)  # without a claim
    client.force_login(analyst)

    response = client.post(submit_url(draft), {"version": draft.version}, follow=True)

    assert "Attach at least one source claim before submitting" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == IncidentStatus.DRAFT


def test_the_form_shows_similar_incidents_after_saving(client, analyst, draft, near_duplicate):
    client.force_login(analyst)

    html = client.get(edit_url(draft)).content.decode()

    assert 'id="similar-incidents"' in html and near_duplicate.code in html
    assert "Submit for review" in html


def test_the_incident_page_offers_edit_and_submit_to_the_author(client, analyst, draft):
    client.force_login(analyst)

    html = client.get(reverse("events:incident-detail", args=[draft.code])).content.decode()

    assert f'href="{edit_url(draft)}"' in html
    assert f'action="{submit_url(draft)}"' in html


def test_the_incident_page_offers_neither_to_a_researcher(client, researcher, draft):
    Incident.objects.filter(pk=draft.pk).update(status=IncidentStatus.PUBLISHED, published_at=timezone.now())
    client.force_login(researcher)

    html = client.get(reverse("events:incident-detail", args=[draft.code])).content.decode()

    assert edit_url(draft) not in html and submit_url(draft) not in html


def test_the_navigation_offers_a_new_incident_to_staff_only(client, analyst, researcher):
    client.force_login(researcher)
    assert f'href="{NEW}"' not in client.get(reverse("home")).content.decode()

    client.force_login(analyst)
    assert f'href="{NEW}"' in client.get(reverse("home")).content.decode()


# Who may do what


@pytest.fixture
def incidents(analyst, draft):
    now = timezone.now()
    return {
        "own_draft": draft,
        "submitted": IncidentFactory(status=IncidentStatus.SUBMITTED, submitted_at=now),
        "published": IncidentFactory(status=IncidentStatus.PUBLISHED, published_at=now),
    }


def test_an_anonymous_visitor_is_sent_to_sign_in(client, incidents):
    for url in (NEW, edit_url(incidents["own_draft"]), edit_url(incidents["published"])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    response = client.post(submit_url(incidents["own_draft"]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("role", "target", "status"),
    [
        ("researcher", "new", 403),
        ("researcher", "own_draft", 403),
        ("researcher", "published", 403),
        ("analyst", "new", 200),
        ("analyst", "own_draft", 200),
        ("analyst", "submitted", 403),
        ("analyst", "published", 403),
        ("editor", "new", 200),
        ("editor", "own_draft", 200),
        ("editor", "submitted", 200),
        ("editor", "published", 200),
        ("admin_user", "new", 200),
        ("admin_user", "published", 200),
    ],
)
def test_the_form_is_open_to_the_roles_that_may_write(client, request, incidents, role, target, status):
    client.force_login(request.getfixturevalue(role))
    url = NEW if target == "new" else edit_url(incidents[target])

    assert client.get(url).status_code == status


def test_a_researcher_cannot_post_the_form(client, researcher, incidents):
    client.force_login(researcher)

    assert client.post(NEW, form_data()).status_code == 403
    assert not Incident.objects.filter(title=FIELDS["title"]).exists()


def test_an_editor_edits_a_submitted_incident(client, editor, incidents):
    incident = incidents["submitted"]
    client.force_login(editor)
    data = form_data({**FIELDS, "title": "Edited by the editor"}, version=incident.version)

    assert client.post(edit_url(incident), data).status_code == 302
    incident.refresh_from_db()
    assert incident.title == "Edited by the editor"


@pytest.mark.parametrize(("role", "status"), [("researcher", 403), ("editor", 302)])
def test_only_the_author_or_an_editor_may_submit(client, request, draft, role, status):
    client.force_login(request.getfixturevalue(role))

    assert client.post(submit_url(draft), {"version": draft.version}).status_code == status


def test_another_analyst_may_not_submit_my_draft(client, draft):
    client.force_login(UserFactory(username="other-analyst", role="analyst"))

    assert client.post(submit_url(draft), {"version": draft.version}).status_code == 403


# Queries

# Session, user, roles; the incident, its claims, the sources; its parts (participants, records with their
# perpetrators, claims and victims, property); similar incidents: the same at 1 part as at 5.
QUERIES = 15


def add_parts(incident, by, count: int) -> Incident:
    actors = [ActorFactory() for _ in range(count)]
    claim = ClaimFactory(incident=incident)
    parts = IncidentParts(
        participants=[ParticipantData(actor=actor, role="perpetrator", side="A") for actor in actors],
        casualty_records=[
            CasualtyData(harm="killed", victim_status="civilian", count_low=1, count_best=2, count_high=3,
                         perpetrators=[actor], claims=[claim], named_victims=[VictimData(name=f"Victim {i}")])
            for i, actor in enumerate(actors)
        ],
    )  # fmt: skip
    return incident_update(incident=incident, by=by, expected_version=incident.version, parts=parts)


@pytest.mark.parametrize("count", [1, 5])
def test_the_edit_page_reads_a_fixed_number_of_queries(client, analyst, django_assert_num_queries, count):
    incident = add_parts(IncidentFactory(created_by=analyst, latitude=14.1, longitude=-4.2), analyst, count)
    client.force_login(analyst)

    with django_assert_num_queries(QUERIES):
        html = client.get(edit_url(incident)).content.decode()

    assert html.count('data-row="casualties"') == count + 2  # the rows, one blank, the template
