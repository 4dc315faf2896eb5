"""Victims' names in the texts the public reads (claim quotes, document excerpts), through every door: the
claims and documents API, the claim search and the incident page. Staff read them unchanged.
tests/test_identity_leaks.py walks every door with a planted name; these pin down the rule itself."""

import pytest
from django.utils import timezone

from conflict_tracker.choices import Harm, VictimStatus
from conflict_tracker.redaction import WITHHELD, Withholder
from events.choices import IncidentStatus
from events.models import CasualtyRecord, NamedVictim
from tests.factories import DocumentFactory, IncidentFactory, ReviewedClaimFactory

NAME = "Aminata Walet Fictif"
QUOTE = f"They took four traders off the bus; {NAME} was one of them. Aminata's brother saw it."
EXCERPT = f"Among those detained was {NAME.upper()}, a trader from Sévaré."
PUBLIC = ["anonymous", "researcher"]
STAFF = ["analyst", "editor", "admin_user"]


@pytest.fixture
def witnessed(db):
    """A published incident with a named victim, and a claim whose quote and document excerpt name her."""
    incident = IncidentFactory(status=IncidentStatus.PUBLISHED, published_at=timezone.now())
    record = CasualtyRecord.objects.create(
        incident=incident,
        harm=Harm.DETAINED,
        victim_status=VictimStatus.CIVILIAN,
        count_low=4,
        count_best=4,
        count_high=5,
    )
    NamedVictim.objects.create(casualty_record=record, name=NAME)
    claim = ReviewedClaimFactory(incident=incident, quote=QUOTE, document=DocumentFactory(excerpt=EXCERPT))
    # No victim of its incident is named so, but a victim of another one is: the word is withheld all the same.
    other = ReviewedClaimFactory(quote="Aminata, a market town, was calm. Bamako was too.")
    IncidentFactory._meta.model.objects.filter(pk=other.incident_id).update(
        status=IncidentStatus.PUBLISHED, published_at=timezone.now()
    )
    return claim, other


def test_a_name_is_withheld_whole_word_by_word_and_without_its_accents():
    assert Withholder([NAME])(QUOTE) == (
        f"They took four traders off the bus; {WITHHELD} was one of them. {WITHHELD}'s brother saw it."
    )
    assert Withholder(["Ousmane Diállo"])("Ousmane DIALLO, Diállo and Diallobé") == (
        f"{WITHHELD}, {WITHHELD} and Diallobé"
    )
    assert Withholder(["Ag Ahmed"])("Ag Ahmed") == WITHHELD  # a short word goes with its whole name
    assert Withholder(["Ag Ahmed"])("Ag Alhassane") == "Ag Alhassane"  # but not on its own
    assert Withholder([])(QUOTE) == QUOTE
    assert Withholder(["Awa Diallo Sow", "N'Diaye"])("Diallo-Sow and N’DIÁYE") == f"{WITHHELD} and {WITHHELD}"
    assert Withholder(["Awa Diallo"])("https://example.org/awa-diallo") == f"https://example.org/{WITHHELD}"


@pytest.mark.parametrize("role", PUBLIC)
def test_the_public_reads_quotes_and_excerpts_without_the_name(witnessed, role, client_as):
    claim, other = witnessed
    client = client_as(role, session=True)

    listed = client.get("/api/v1/claims/").json()["results"]
    quotes = {item["id"]: item["quote"] for item in listed}
    detail = client.get(f"/api/v1/claims/{claim.pk}/").json()
    document = client.get(f"/api/v1/documents/{claim.document_id}/").json()
    page = client.get(f"/incidents/{claim.incident.code}/").content.decode()

    assert quotes[claim.pk] == detail["quote"] == Withholder([NAME])(QUOTE)
    assert WITHHELD in detail["quote"] and "Aminata" not in detail["quote"]
    assert quotes[other.pk] == f"{WITHHELD}, a market town, was calm. Bamako was too."
    assert document["excerpt"] == f"Among those detained was {WITHHELD}, a trader from Sévaré."
    assert "Aminata" not in page and "Walet" not in page
    assert "[name withheld]" in page


@pytest.mark.parametrize("role", STAFF)
def test_staff_read_the_quotes_as_written(witnessed, role, client_as):
    claim, _other = witnessed
    client = client_as(role, session=True)

    assert client.get(f"/api/v1/claims/{claim.pk}/").json()["quote"] == QUOTE
    assert client.get(f"/api/v1/documents/{claim.document_id}/").json()["excerpt"] == EXCERPT
    assert NAME in client.get(f"/incidents/{claim.incident.code}/").content.decode()


@pytest.mark.parametrize("role", PUBLIC)
@pytest.mark.parametrize("searched", ["Aminata", "walet", "Fictif was one", "Aminata Walet Fictif", "inata Wal"])
def test_the_public_cannot_find_a_claim_by_a_victims_name(witnessed, role, searched, client_as):
    claim, _other = witnessed

    found = {
        item["id"] for item in client_as(role, session=True).get("/api/v1/claims/", {"q": searched}).json()["results"]
    }

    assert claim.pk not in found


@pytest.mark.parametrize("role", PUBLIC)
def test_the_public_still_finds_claims_by_their_other_words(witnessed, role, client_as):
    claim, other = witnessed
    client = client_as(role, session=True)

    assert {item["id"] for item in client.get("/api/v1/claims/", {"q": "traders off"}).json()["results"]} == {claim.pk}
    assert {item["id"] for item in client.get("/api/v1/claims/", {"q": "Bamako"}).json()["results"]} == {other.pk}
    # A victim's name, or part of one, finds no claim that names any victim, whichever incident it is about.
    assert client.get("/api/v1/claims/", {"q": "Aminata"}).json()["results"] == []
    assert client.get("/api/v1/claims/", {"q": "mina"}).json()["results"] == []


@pytest.mark.parametrize("role", STAFF)
def test_staff_find_a_claim_by_a_victims_name(witnessed, role, client_as):
    claim, other = witnessed

    found = {
        item["id"] for item in client_as(role, session=True).get("/api/v1/claims/", {"q": "Aminata"}).json()["results"]
    }

    assert found == {claim.pk, other.pk}


def test_the_claims_list_still_runs_a_fixed_number_of_queries(witnessed, django_assert_max_num_queries, client_as):
    for _ in range(10):
        ReviewedClaimFactory(incident=witnessed[0].incident, quote=QUOTE)
    client = client_as("researcher", session=True)
    # One of them loads the victims' names, the first time or when they changed (conflict_tracker/redaction.py).
    with django_assert_max_num_queries(7):
        assert client.get("/api/v1/claims/", {"page_size": 5}).status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get("/api/v1/claims/", {"page_size": 50}).status_code == 200
