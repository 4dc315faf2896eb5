"""What manage.py load_demo writes: the article's actors, sources, figures and incidents, and the demo users. The
demo is loaded once for the module (tests/conftest.py's `demo`) and each test's own writes are rolled back."""

import hashlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import User

from actors.models import Actor, ActorRelation
from events.choices import GeoPrecision, IncidentStatus
from events.models import CasualtyRecord, Incident, NamedVictim
from sources.choices import ReviewStatus
from sources.models import Claim, Document, Source

pytestmark = pytest.mark.django_db

ARTICLE_TITLE = "‘Callous’: Are Malian troops and Russian mercenaries attacking civilians?"
DEMO_INCIDENT_TITLES = {
    IncidentStatus.DRAFT: "Two men abducted on the road out of Ménaka (demo, fictional)",
    IncidentStatus.SUBMITTED: "Traders detained at a checkpoint near Sévaré (demo, fictional)",
    IncidentStatus.RETURNED: "Homes burned in a village near Ansongo (demo, fictional)",
}


@pytest.fixture
def article_text(demo) -> str:
    return Document.objects.get(source__name="Al Jazeera", title=ARTICLE_TITLE).snapshot_text


def killed_civilians(incident: Incident) -> CasualtyRecord:
    return incident.casualty_records.get(harm="killed", victim_status="civilian")


def perpetrator_names(record: CasualtyRecord) -> set[str]:
    return {participant.actor.name for participant in record.perpetrators.all()}


def hrw_claim(**fields) -> Claim:
    return Claim.objects.get(document__source__name="Human Rights Watch", **fields)


def test_it_records_the_gao_wedding_convoy_as_20_civilians_killed_by_fama_and_wagner(demo):
    incident = Incident.objects.get(title="Convoy returning from a wedding attacked in the Gao region")
    record = killed_civilians(incident)

    assert incident.status == IncidentStatus.PUBLISHED
    assert (incident.start_date.isoformat(), incident.date_precision, incident.admin1) == ("2025-02-01", "month", "Gao")
    assert (record.count_low, record.count_best, record.count_high) == (20, 20, 20)
    assert (record.children, record.elderly) == (None, None)
    assert "children and elderly" in record.note.lower()
    assert perpetrator_names(record) == {"Malian Armed Forces", "Wagner Group"}
    assert set(incident.participants.filter(role="perpetrator").values_list("attribution", flat=True)) == {"alleged"}
    assert incident.participants.get(role="target").actor.name == "Tuareg Ethnic Group (Mali)"
    assert incident.fatalities_best == 20


def test_it_records_the_january_2021_french_air_strike_on_a_wedding_as_19_civilians_killed(demo):
    incident = Incident.objects.get(title="French air strike on a wedding at Bounti")
    record = killed_civilians(incident)

    assert (incident.start_date.year, incident.start_date.month, incident.admin1) == (2021, 1, "Mopti")
    assert "January 2021" in incident.notes
    assert (record.count_low, record.count_best, record.count_high) == (19, 19, 19)
    assert perpetrator_names(record) == {"Military Forces of France"}
    assert (
        record.claims.get().quote == "A French air raid in January 2021 killed 19 civilians taking part in a wedding."
    )


def test_it_records_the_tinzaouaten_ambush_without_inventing_a_toll(demo):
    incident = Incident.objects.get(title__contains="Tinzaouaten")

    assert incident.status == IncidentStatus.PUBLISHED
    assert not incident.casualty_records.exists()
    assert {(p.actor.name, p.role) for p in incident.participants.all()} == {
        ("Coordination of Azawad Movements", "perpetrator"),
        ("Malian Armed Forces", "target"),
        ("Wagner Group", "target"),
    }
    claim = incident.claims.get()
    assert "numerous deaths or captures" in claim.quote
    assert (claim.figure_low, claim.figure_best, claim.figure_high) == (None, None, None)


def test_it_records_kidal_and_the_intahaka_mine_as_government_regaining_territory(demo):
    kidal = Incident.objects.get(title="Government forces and Wagner retake Kidal")
    mine = Incident.objects.get(title="Government forces retake the Intahaka gold mine")

    for incident in (kidal, mine):
        assert incident.sub_event_type == "Government regains territory"
        assert incident.date_precision == "month"
    assert (kidal.start_date.year, kidal.start_date.month) == (2023, 11)
    assert "late 20th century" in kidal.notes
    assert (mine.start_date.year, mine.start_date.month) == (2024, 2)
    assert "Inathaka" in mine.notes


def test_it_keeps_the_hrw_findings_as_aggregate_claims_and_the_drone_strike_as_one_incident(demo):
    killed = hrw_claim(incident=None, harm="killed", figure_low=32)
    disappeared = hrw_claim(incident=None, harm="disappeared")
    homes = hrw_claim(incident=None, measure="property")
    drone_strike = hrw_claim(incident__isnull=False)
    jihadists = hrw_claim(incident=None, attributed_actors__name="Jama'at Nusrat al-Islam wal-Muslimin")

    for claim in (killed, disappeared, homes):
        assert {actor.name for actor in claim.attributed_actors.all()} == {"Malian Armed Forces", "Wagner Group"}
        assert (claim.period_start.isoformat(), claim.period_end.year) == ("2024-05-01", 2024)
    assert (killed.victim_status, killed.figure_qualifier) == ("civilian", "at_least")
    assert (disappeared.victim_status, disappeared.figure_best) == ("civilian", 4)
    assert (homes.property_kind, homes.figure_qualifier, homes.figure_low) == ("homes", "at_least", 100)
    assert (drone_strike.harm, drone_strike.figure_best) == ("killed", 7)
    assert drone_strike.incident.sub_event_type == "Air/drone strike"
    assert drone_strike.incident.date_precision == "year"
    assert killed_civilians(drone_strike.incident).count_best == 7
    assert {actor.acronym for actor in jihadists.attributed_actors.all()} == {"ISGS", "JNIM"}
    assert jihadists.figure_best is None


def test_it_keeps_acleds_figures_in_their_own_wording(demo):
    acled = Claim.objects.filter(document__source__name="ACLED", incident=None)
    state_forces = acled.get(figure_qualifier="more_than")
    armed_groups = acled.get(figure_qualifier="about")
    activity = acled.get(measure="activity_change")

    assert (state_forces.harm, state_forces.figure_low, state_forces.period_start.year) == ("killed", 900, 2024)
    assert {actor.name for actor in state_forces.attributed_actors.all()} == {"Malian Armed Forces", "Wagner Group"}
    assert (armed_groups.harm, armed_groups.figure_best) == ("killed", 400)
    assert activity.change_ratio == Decimal(2)
    assert (activity.period_start.isoformat(), activity.period_end.isoformat()) == ("2023-10-01", "2023-12-31")
    assert [actor.name for actor in activity.attributed_actors.all()] == ["Wagner Group"]


def test_it_records_the_wagner_and_cma_successions(demo):
    wagner = ActorRelation.objects.get(subject__name="Wagner Group", kind="succeeded_by")
    cma = ActorRelation.objects.get(subject__acronym="CMA", kind="succeeded_by")

    assert (wagner.object.name, wagner.valid_from.year) == ("Africa Corps", 2024)
    assert (cma.object.acronym, cma.valid_from.year) == ("FLA", 2024)
    assert ActorRelation.objects.filter(subject__name="Africa Corps", kind="part_of").exists()
    assert Actor.objects.get(acronym="FAMa").aliases.filter(name="Military Forces of Mali (2021-)").exists()


def test_it_holds_the_articles_six_sources_and_the_article_with_its_digest(article_text):
    names = set(Source.objects.values_list("name", flat=True))
    article = Document.objects.get(title=ARTICLE_TITLE)

    assert {
        "Al Jazeera",
        "Human Rights Watch",
        "ACLED",
        "The Washington Post",
        "Clingendael Institute",
        "Royal United Services Institute",
    } <= names
    assert article.snapshot_sha256 == hashlib.sha256(article_text.encode()).hexdigest()
    assert "Wagner" in article_text


def test_every_quote_and_excerpt_taken_from_the_article_is_verbatim(article_text):
    claims = Claim.objects.exclude(document__source__kind="witness")
    excerpts = Document.objects.exclude(source__kind="witness").exclude(excerpt="").values_list("excerpt", flat=True)

    assert claims.count() > 15
    for text in [*claims.values_list("quote", flat=True), *excerpts]:
        assert text in article_text, text


def test_every_published_casualty_figure_cites_an_accepted_claim_quoted_from_the_article(article_text):
    records = CasualtyRecord.objects.filter(incident__status=IncidentStatus.PUBLISHED)

    assert records.count() >= 3
    for record in records:
        claims = record.claims.all()
        assert claims, record
        for claim in claims:
            assert claim.review_status == ReviewStatus.ACCEPTED
            assert claim.quote in article_text
            assert claim.figure_low is not None or claim.figure_best is not None


def test_published_incidents_rest_on_accepted_claims_and_carry_the_demo_users_history(demo):
    published = Incident.objects.filter(status=IncidentStatus.PUBLISHED)
    history = apps.get_model("events", "IncidentEvent").objects.filter(pgh_obj__in=published)
    users = dict(User.objects.values_list("pk", "username"))

    assert published.count() == 7
    for incident in published:
        assert incident.claims.filter(review_status=ReviewStatus.ACCEPTED).exists(), incident
        assert incident.claims.exclude(review_status=ReviewStatus.ACCEPTED).count() == 0, incident
        assert incident.created_by.username == "analyst"
    actions = {(event.pgh_context.metadata["action"], users[event.pgh_context.metadata["user"]]) for event in history}
    assert {
        ("incident.create", "analyst"),
        ("incident.update", "analyst"),
        ("incident.submit", "analyst"),
        ("incident.publish", "editor"),
    } <= actions
    assert set(Claim.objects.filter(incident__in=published).values_list("reviewed_by__username", flat=True)) == {
        "editor"
    }


def test_it_leaves_demo_incidents_in_draft_submitted_and_returned_with_named_victims(demo):
    for status, title in DEMO_INCIDENT_TITLES.items():
        incident = Incident.objects.get(title=title)
        assert incident.status == status
        assert incident.notes.startswith("DEMO RECORD: fictional")
    returned = Incident.objects.get(status=IncidentStatus.RETURNED)
    assert returned.return_comment
    assert returned.claims.get().review_status == ReviewStatus.DISPUTED
    assert Claim.objects.filter(incident__status=IncidentStatus.SUBMITTED, review_status="pending").exists()
    victims = NamedVictim.objects.all()
    assert victims.exists()
    assert {victim.casualty_record.incident.status for victim in victims} <= {
        IncidentStatus.DRAFT,
        IncidentStatus.SUBMITTED,
    }


def test_it_creates_the_demo_users_with_their_roles_and_password(demo, settings):
    users = {user.username: user for user in User.objects.prefetch_related("groups")}

    assert users["admin"].is_superuser and users["admin"].is_staff
    for role in ("analyst", "editor", "researcher"):
        assert [group.name for group in users[role].groups.all()] == [role]
        assert users[role].check_password(settings.DEMO_PASSWORD)
    # Editors may sign in to the admin; analysts work in the app, researchers read.
    assert users["editor"].is_staff
    assert not users["analyst"].is_staff and not users["researcher"].is_staff


def test_the_incidents_that_name_a_place_have_its_coordinates_and_show_on_the_map(demo, client):
    located = Incident.objects.filter(latitude__isnull=False)
    unlocated = Incident.objects.filter(latitude__isnull=True)
    kidal = Incident.objects.get(title="Government forces and Wagner retake Kidal")
    convoy = Incident.objects.get(title="Convoy returning from a wedding attacked in the Gao region")

    assert located.count() == 8
    for incident in located:
        # Inside Mali's bounding box, and no more precise than we know the place to be.
        assert 10 < incident.latitude < 25 and -12.5 < incident.longitude < 4.5, incident
        assert incident.location_name or incident.admin2 or incident.geo_precision == GeoPrecision.REGION, incident
    assert (kidal.latitude, kidal.longitude, kidal.geo_precision) == (Decimal("18.4411"), Decimal("1.4078"), 1)
    assert convoy.geo_precision == GeoPrecision.REGION
    # The article gives no place for the drone strike, and three cities for the events of 2012: no single point.
    assert set(unlocated.values_list("title", flat=True)) == {
        "Drone strike kills 7 civilians in central or northern Mali",
        "Tuareg separatists take Timbuktu, Kidal and Gao",
    }
    public = client.get("/incidents/map/points/").json()["features"]
    assert len(public) == located.filter(status=IncidentStatus.PUBLISHED).count() == 5
    assert "2 more have no coordinates" in client.get("/incidents/map/").content.decode()
