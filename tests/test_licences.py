"""Dataset licences: events known only from a source whose terms forbid passing them on (ACLED) reach no public door.

Three published incidents, each with a word of its own in every text it has: one resting only on an accepted ACLED
claim, one on an ACLED claim and our analysts' own document (mixed), one on our own document alone. Every event-level
door (the incident list and its search, the detail, every export, the changes feed, the claims, documents and tally
records behind them, the list, detail, map and home pages, an actor's incidents) is read by every role: staff see all
three, researchers and anonymous visitors the mixed one and our own, never the ACLED-only one. Then every GET path of
the API and the site's pages are read as the public, looking for the ACLED-only incident's word and code. Tallies
count all three and name ACLED as their licence asks.
"""

import re
from urllib.parse import quote

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from actors.models import Actor
from events.choices import IncidentStatus, ParticipantRole, Side
from events.exports import EXPORT_FORMATS
from events.models import CasualtyClaim, CasualtyPerpetrator, CasualtyRecord, Incident, IncidentParticipant
from sources.choices import ReviewStatus, SourceKind
from sources.datasets import ACLED_TERMS, UCDP_TERMS
from sources.models import Claim, Document, Source
from tallies.services import tallies_rebuild
from tests.factories import ActorFactory, IncidentFactory, SourceFactory
from tests.helpers.exports import cite

pytestmark = pytest.mark.django_db

STAFF = ["analyst", "editor", "admin_user"]
PUBLIC = ["anonymous", "researcher"]
ROLES = [*PUBLIC, *STAFF]
# A word of each incident's own, in every text it has.
WORDS = {"acled_only": "Quillacledonly", "mixed": "Quillmixedboth", "own": "Quillourown"}
ACLED_ATTRIBUTION = str(ACLED_TERMS["attribution"])


@pytest.fixture(autouse=True)
def unthrottled(settings):
    # Throttle counters live in the cache: without one, the walk's requests are all served.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


def _published(key: str, actor: Actor, *sources: Source) -> Incident:
    """A published incident, its word everywhere, a killed record perpetrated by `actor` resting on an accepted claim
    of each source (the claim's document and quote carrying the word too)."""
    word = WORDS[key]
    incident = IncidentFactory(
        status=IncidentStatus.PUBLISHED,
        published_at=timezone.now(),
        title=f"Attack {word}",
        notes=f"Notes {word}",
        location_name=f"{word} village",
        latitude="16.27170",
        longitude="-0.04470",
    )
    participant = IncidentParticipant.objects.create(
        incident=incident, actor=actor, role=ParticipantRole.PERPETRATOR, side=Side.A
    )
    record = CasualtyRecord.objects.create(
        incident=incident, harm="killed", victim_status="civilian", count_low=2, count_best=3, count_high=4
    )
    CasualtyPerpetrator.objects.create(incident=incident, casualty_record=record, participant=participant)
    for source in sources:
        claim = cite(incident, source)
        Document.objects.filter(pk=claim.document_id).update(title=f"Report {word}", excerpt=f"Excerpt {word}")
        Claim.objects.filter(pk=claim.pk).update(quote=f"Three killed at {word}.")
        CasualtyClaim.objects.create(casualty_record=record, claim=claim)
    Incident.objects.filter(pk=incident.pk).update(fatalities_low=2, fatalities_best=3, fatalities_high=4)
    incident.refresh_from_db()
    return incident


@pytest.fixture
def licensed(db):
    acled = SourceFactory(name="ACLED", acronym="ACLED", kind=SourceKind.RESEARCH_BODY, **ACLED_TERMS)
    own = SourceFactory(name="Our field team", kind=SourceKind.WITNESS)
    actor = ActorFactory(name="Katiba Licence")
    incidents = {
        "acled_only": _published("acled_only", actor, acled),
        "mixed": _published("mixed", actor, acled, own),
        "own": _published("own", actor, own),
    }
    # Evidence from our own documents that no editor accepted does not make an ACLED event ours.
    cite(incidents["acled_only"], own, ReviewStatus.PENDING)
    cite(incidents["acled_only"], own, ReviewStatus.REJECTED)
    return {"actor": actor, "acled_source": acled, "own_source": own, **incidents}


def _text(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _shown(text: str, incident: Incident, key: str) -> bool:
    return WORDS[key] in text or incident.code in text


# Every event-level door, as (name, URL given the fixture): its body shows an incident by its word or code.
DOORS = {
    "api list": lambda f: "/api/v1/incidents/?page_size=100",
    "api search": lambda f: "/api/v1/incidents/?search=Attack",
    **{f"export {name}": (lambda f, name=name: f"/api/v1/incidents/?format={name}") for name in EXPORT_FORMATS},
    "api list by actor": lambda f: f"/api/v1/incidents/?actor={f['actor'].pk}",
    "changes": lambda f: "/api/v1/changes/?updated_since=2000-01-01",
    "claims": lambda f: "/api/v1/claims/?page_size=100",
    "documents": lambda f: "/api/v1/documents/?page_size=100",
    "tally records": lambda f: f"/api/v1/tallies/records/?casualties_of={f['actor'].pk}",
    "list page": lambda f: "/incidents/",
    "list page search": lambda f: "/incidents/?search=Attack",
    "actor's incidents page": lambda f: f"/incidents/?casualties_of={f['actor'].pk}",
    "map points": lambda f: "/incidents/map/points/",
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("door", DOORS)
def test_each_door_shows_an_acled_only_event_to_staff_only(licensed, role, door, client_as):
    client = client_as(role, session=True)

    response = client.get(DOORS[door](licensed))

    assert response.status_code == 200, (door, response.status_code)
    text = _text(response)
    staff = role in STAFF
    shown = {key: _shown(text, licensed[key], key) for key in WORDS}
    assert shown == {"acled_only": staff, "mixed": True, "own": True}, (door, role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", list(WORDS))
def test_the_detail_api_and_page_answer_404_for_an_acled_only_event_to_the_public(licensed, role, key, client_as):
    client = client_as(role, session=True)
    incident = licensed[key]
    visible = role in STAFF or key != "acled_only"

    for url in (f"/api/v1/incidents/{incident.code}/", f"/incidents/{incident.code}/"):
        response = client.get(url)
        assert response.status_code == (200 if visible else 404), url
        # Not even the error body names what it refused.
        assert (WORDS[key] in _text(response)) == visible, url


@pytest.mark.parametrize("role", PUBLIC)
def test_no_get_path_of_the_api_and_no_page_shows_an_acled_only_event(licensed, role, client_as):
    client = client_as(role, session=True)
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = [path for path, operations in schema["paths"].items() if "get" in operations]
    ids = {
        "code": [incident.code for incident in Incident.objects.all()],
        "/api/v1/claims/": [str(pk) for pk in Claim.objects.values_list("pk", flat=True)],
        "/api/v1/documents/": [str(pk) for pk in Document.objects.values_list("pk", flat=True)],
        "/api/v1/sources/": [str(licensed["acled_source"].pk)],
        "/api/v1/actors/": [str(licensed["actor"].pk)],
    }
    urls = []
    for path in paths:
        match = re.search(r"\{(\w+)\}", path)
        if not match:
            urls.append(path)
            continue
        values = ids.get(match[1]) or next((v for prefix, v in ids.items() if path.startswith(prefix)), [])
        urls += [path.replace(match[0], quote(value)) for value in values]
    urls += [f"/api/v1/incidents/?format={name}" for name in [*EXPORT_FORMATS, "json", "api"]]
    urls += [
        "/",
        "/incidents/",
        "/incidents/map/",
        "/incidents/map/points/",
        f"/actors/{licensed['actor'].pk}/",
        *(f"/incidents/{incident.code}/" for incident in Incident.objects.all()),
    ]
    code = licensed["acled_only"].code

    problems = []
    for url in urls:
        response = client.get(url)
        text = _text(response)
        if response.status_code >= 500:
            problems.append(f"{url}: {response.status_code}")
        elif WORDS["acled_only"] in text or code in text:
            problems.append(f"{url}: {response.status_code} shows the ACLED-only event")
    assert not problems, "\n".join(problems)
    assert len(urls) > 30


def test_a_deployment_licensed_for_acled_serves_its_events(licensed, client_as, settings):
    settings.REDISTRIBUTION_LICENSED = ["ACLED"]
    client = client_as("anonymous")

    listed = _text(client.get("/api/v1/incidents/"))
    exported = _text(client.get("/api/v1/incidents/", {"format": "csv"}))
    detail = client.get(f"/api/v1/incidents/{licensed['acled_only'].code}/")

    assert WORDS["acled_only"] in listed and WORDS["acled_only"] in exported
    assert detail.status_code == 200


def test_a_source_marked_not_redistributable_hides_the_events_resting_only_on_it(licensed, client_as):
    Source.objects.filter(pk=licensed["own_source"].pk).update(redistributable=False)

    text = _text(client_as("researcher").get("/api/v1/incidents/"))

    assert not any(word in text for word in WORDS.values())


def test_an_accepted_claim_of_our_own_makes_an_acled_event_public(licensed, client_as):
    cite(licensed["acled_only"], licensed["own_source"])

    text = _text(client_as("anonymous").get("/api/v1/incidents/"))

    assert WORDS["acled_only"] in text


def test_an_incident_resting_on_no_accepted_claim_is_not_withheld(licensed, client_as):
    Claim.objects.filter(incident=licensed["acled_only"], review_status=ReviewStatus.ACCEPTED).update(
        review_status=ReviewStatus.DISPUTED
    )

    text = _text(client_as("anonymous").get("/api/v1/incidents/"))

    assert WORDS["acled_only"] in text


def test_the_public_list_runs_a_fixed_number_of_queries(licensed, client_as, django_assert_max_num_queries):
    for n in range(20):
        _published("acled_only" if n % 2 else "own", licensed["actor"], licensed["acled_source"])
    client = client_as("anonymous")
    client.get("/api/v1/incidents/")  # prepared statements and caches warmed

    with django_assert_max_num_queries(2):
        response = client.get("/api/v1/incidents/", {"page_size": 50})
    assert response.status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_tallies_count_acled_only_events_and_carry_acled_s_attribution(licensed, role, client_as):
    tallies_rebuild()  # the incidents above were written directly, not through the services that keep the facts
    client = client_as(role)

    [cell] = client.get("/api/v1/tallies/", {"actor": licensed["actor"].pk}).json()

    assert (cell["incidents"], cell["best"]) == (3, 9)
    assert cell["source_attributions"] == [ACLED_ATTRIBUTION]


def test_tallies_name_the_datasets_behind_published_accepted_claims_only(licensed, client_as):
    """The lines are the published store's: UCDP, cited here only by a pending claim and by an accepted claim of an
    unpublished incident, is not named; ACLED, behind published incidents, is named on every tally."""
    ucdp = SourceFactory(name="Uppsala Conflict Data Program", acronym="UCDP", **UCDP_TERMS)
    cite(licensed["own"], ucdp, ReviewStatus.PENDING)
    cite(IncidentFactory(status=IncidentStatus.DRAFT), ucdp)
    other = ActorFactory(name="Katiba Own")
    _published("own", other, licensed["own_source"])
    tallies_rebuild()

    [cell] = client_as("researcher").get("/api/v1/tallies/", {"actor": other.pk}).json()
    assert cell["source_attributions"] == [ACLED_ATTRIBUTION]

    Claim.objects.filter(document__source=licensed["acled_source"]).update(review_status=ReviewStatus.REJECTED)
    [cell] = client_as("researcher").get("/api/v1/tallies/", {"actor": other.pk}).json()
    assert cell["source_attributions"] == []


def test_the_actor_page_names_the_datasets_its_figures_count(licensed, client_as):
    tallies_rebuild()
    page = _text(client_as("anonymous", session=True).get(f"/actors/{licensed['actor'].pk}/"))

    assert "Armed Conflict Location &amp; Event Data (ACLED); www.acleddata.com" in page
    assert "Events known only from ACLED are counted but not listed" in page


def test_the_sources_api_gives_each_source_s_licence(licensed, client_as):
    ucdp = SourceFactory(name="Uppsala Conflict Data Program", acronym="UCDP", **UCDP_TERMS)

    rows = {row["name"]: row for row in client_as("researcher").get("/api/v1/sources/").json()["results"]}

    assert rows["ACLED"]["redistributable"] is False and rows["ACLED"]["licence"] == "ACLED Terms of Use"
    assert rows[ucdp.name]["redistributable"] is True and rows[ucdp.name]["licence"] == "CC BY 4.0"
    assert rows["Our field team"]["redistributable"] is True
