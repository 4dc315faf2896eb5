import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from events.choices import IncidentStatus
from tests.factories import ClaimFactory, DocumentFactory, IncidentFactory, ReviewedClaimFactory

PUBLIC = ["anonymous", "researcher"]
STAFF = ["analyst", "editor", "admin_user"]


def published_incident():
    return IncidentFactory(status=IncidentStatus.PUBLISHED, published_at=timezone.now())


@pytest.fixture
def claims(db):
    """Reviewed claims about a published incident and about none (aggregate), one about a draft, and claims no
    editor reviewed yet, about the published incident and about none."""
    published = published_incident()
    return {
        "published": ReviewedClaimFactory(incident=published, quote="Published: 12 killed."),
        "draft": ReviewedClaimFactory(quote="Draft: 30 killed at the well."),
        "aggregate": ReviewedClaimFactory(incident=None, quote="Aggregate: 900 killed in 2024."),
        "in_review": ClaimFactory(incident=published, quote="Added since: 14 killed at the well."),
        "aggregate_in_review": ClaimFactory(incident=None, quote="Aggregate: 950 killed at the wells in 2024."),
    }


@pytest.mark.parametrize("role", PUBLIC)
def test_claims_of_draft_incidents_never_reach_the_public(client_as, claims, role):
    client = client_as(role)

    listed = {claim["id"] for claim in client.get("/api/v1/claims/").json()["results"]}
    assert listed == {claims["published"].pk, claims["aggregate"].pk}
    for hidden in ("draft", "in_review", "aggregate_in_review"):
        assert client.get(f"/api/v1/claims/{claims[hidden].pk}/").status_code == 404
    assert client.get("/api/v1/claims/", {"q": "well"}).json()["results"] == []
    assert client.get("/api/v1/claims/", {"incident": claims["draft"].incident_id}).json()["results"] == []


@pytest.mark.parametrize("role", PUBLIC)
def test_documents_behind_only_draft_incidents_never_reach_the_public(client_as, claims, role):
    client = client_as(role)
    draft_document = claims["draft"].document
    unused_document = DocumentFactory(title="Witness statement not yet used")

    listed = {document["id"] for document in client.get("/api/v1/documents/").json()["results"]}
    assert listed == {claims["published"].document_id, claims["aggregate"].document_id}
    assert client.get(f"/api/v1/documents/{draft_document.pk}/").status_code == 404
    # A document cited only by claims no editor reviewed yet waits with them.
    for in_review in ("in_review", "aggregate_in_review"):
        assert client.get(f"/api/v1/documents/{claims[in_review].document_id}/").status_code == 404
    assert client.get(f"/api/v1/documents/{unused_document.pk}/").status_code == 404


@pytest.mark.parametrize("role", STAFF)
def test_staff_see_every_document(client_as, claims, role):
    listed = {document["id"] for document in client_as(role).get("/api/v1/documents/").json()["results"]}
    assert claims["draft"].document_id in listed


@pytest.mark.parametrize("role", STAFF)
def test_staff_see_claims_of_draft_incidents(client_as, claims, role):
    client = client_as(role)

    listed = {claim["id"] for claim in client.get("/api/v1/claims/").json()["results"]}
    assert claims["draft"].pk in listed
    assert client.get(f"/api/v1/claims/{claims['draft'].pk}/").status_code == 200


def test_a_claim_shows_its_incident_code_and_actors_but_not_its_reviewer(claims):
    body = APIClient().get(f"/api/v1/claims/{claims['published'].pk}/").json()

    assert body["incident_code"] == claims["published"].incident.code
    assert body["attributed_actors"] == []
    assert "reviewed_by" not in body
    assert "review_note" not in body


def test_documents_filter_by_source(db):
    kept, other = (ReviewedClaimFactory(incident=published_incident()).document for _ in range(2))

    results = APIClient().get("/api/v1/documents/", {"source": kept.source_id}).json()["results"]

    assert [document["id"] for document in results] == [kept.pk]
    assert other.pk != kept.pk


def test_sources_reject_an_unknown_country_code(db):
    response = APIClient().get("/api/v1/sources/", {"country": "XXX"})

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["country"]


@pytest.mark.parametrize("endpoint", ["sources", "documents", "claims"])
def test_lists_run_a_fixed_number_of_queries(researcher, django_assert_max_num_queries, endpoint):
    client = APIClient()
    client.force_authenticate(researcher)
    incident = published_incident()
    for size, added in ((2, 2), (12, 10)):
        # Each claim comes with its own document and source: the three lists grow together.
        ReviewedClaimFactory.create_batch(added, incident=incident)
        # Count, page, the caller's groups (role check), prefetched actor links; the victims' names to withhold
        # when they changed (conflict_tracker/redaction.py).
        with django_assert_max_num_queries(5):
            response = client.get(f"/api/v1/{endpoint}/")
        assert response.json()["count"] == size
