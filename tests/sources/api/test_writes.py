"""Adding sources, documents and claims through the API, and the editors' review of claims."""

import hashlib

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from events.choices import IncidentStatus
from sources.choices import ReviewStatus
from sources.models import Claim, Document, Source
from tests.factories import ActorFactory, ClaimFactory, DocumentFactory, IncidentFactory, SourceFactory


def claim_body(document, incident, **overrides) -> dict:
    return {
        "document": document.pk,
        "incident_code": incident.code if incident else None,
        "quote": "Witnesses said at least 20 villagers were killed.",
        "harm": "killed",
        "victim_status": "civilian",
        "figure_qualifier": "at_least",
        "figure_low": 20,
        "figure_best": 20,
        **overrides,
    }


def test_an_analyst_adds_a_source_and_a_document_with_its_snapshot(analyst, client_as):
    client = client_as(analyst)

    source = client.post(
        "/api/v1/sources/", {"name": "Studio Tamani", "kind": "news_media", "country": "MLI", "language": "fr"}
    )
    assert source.status_code == 201, source.json()
    document = client.post(
        "/api/v1/documents/",
        {
            "source": source.json()["id"],
            "title": "Des civils tués à Diafarabé",
            "url": "https://example.org/diafarabe",
            "published_on": "2025-05-14",
            "snapshot_text": "Texte archivé de l'article.",
        },
    )

    assert document.status_code == 201, document.json()
    assert document.json()["snapshot_sha256"] == hashlib.sha256("Texte archivé de l'article.".encode()).hexdigest()
    assert Document.objects.get().source == Source.objects.get(name="Studio Tamani")


def test_a_bad_country_code_is_refused_naming_the_field(analyst, client_as):
    response = client_as(analyst).post("/api/v1/sources/", {"name": "X", "kind": "news_media", "country": "XXX"})

    assert response.status_code == 400
    assert "country" in response.json()["error"]["fields"]
    assert not Source.objects.exists()


def test_the_same_url_twice_for_one_source_is_refused(analyst, client_as):
    existing = DocumentFactory()

    response = client_as(analyst).post(
        "/api/v1/documents/", {"source": existing.source_id, "title": "Again", "url": existing.url}
    )

    assert response.status_code == 400
    assert Document.objects.count() == 1


def test_an_analyst_adds_a_pending_claim_to_a_draft(analyst, client_as):
    incident = IncidentFactory()
    actor = ActorFactory()

    response = client_as(analyst).post(
        "/api/v1/claims/",
        claim_body(DocumentFactory(), incident, attributed_actors=[actor.pk], review_status="accepted"),
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["review_status"] == ReviewStatus.PENDING
    assert body["attributed_actors"] == [actor.pk]
    assert body["incident_code"] == incident.code


def test_an_analyst_may_not_add_claims_to_a_published_incident_but_an_editor_may(analyst, editor, client_as):
    incident = IncidentFactory(status=IncidentStatus.PUBLISHED, published_at=timezone.now())
    document = DocumentFactory()

    refused = client_as(analyst).post("/api/v1/claims/", claim_body(document, incident), format="json")
    accepted = client_as(editor).post("/api/v1/claims/", claim_body(document, incident), format="json")

    assert refused.status_code == 403
    assert accepted.status_code == 201
    assert Claim.objects.count() == 1


def test_an_aggregate_claim_needs_no_incident(analyst, client_as):
    actors = [ActorFactory(), ActorFactory()]
    body = claim_body(
        DocumentFactory(),
        None,
        quote="The army and its Russian allies killed more than 900 people in 2024.",
        attributed_actors=[actor.pk for actor in actors],
        figure_qualifier="more_than",
        figure_low=900,
        figure_best=None,
        period_start="2024-01-01",
        period_end="2024-12-31",
        country="MLI",
    )

    response = client_as(analyst).post("/api/v1/claims/", body, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["incident"] is None


def test_a_claim_with_figures_out_of_order_is_refused(analyst, client_as):
    body = claim_body(DocumentFactory(), IncidentFactory(), figure_low=30, figure_best=20)

    response = client_as(analyst).post("/api/v1/claims/", body, format="json")

    assert response.status_code == 400
    assert not Claim.objects.exists()


def test_an_editor_reviews_a_claim(editor, client_as):
    claim = ClaimFactory()

    response = client_as(editor).post(
        f"/api/v1/claims/{claim.pk}/review/", {"status": "disputed", "note": "The army denies it."}
    )

    assert response.status_code == 200
    claim.refresh_from_db()
    assert (claim.review_status, claim.review_note, claim.reviewed_by) == ("disputed", "The army denies it.", editor)


def test_rejecting_a_claim_needs_a_note(editor, client_as):
    claim = ClaimFactory()

    response = client_as(editor).post(f"/api/v1/claims/{claim.pk}/review/", {"status": "rejected"})

    assert response.status_code == 400
    assert "note" in response.json()["error"]["fields"]
    claim.refresh_from_db()
    assert claim.review_status == ReviewStatus.PENDING


@pytest.mark.parametrize("verdict", ["pending", "maybe"])
def test_a_review_is_a_verdict(editor, verdict, client_as):
    claim = ClaimFactory()

    response = client_as(editor).post(f"/api/v1/claims/{claim.pk}/review/", {"status": verdict})

    assert response.status_code == 400
    assert "status" in response.json()["error"]["fields"]


def test_analysts_do_not_review_claims(analyst, client_as):
    claim = ClaimFactory()

    response = client_as(analyst).post(f"/api/v1/claims/{claim.pk}/review/", {"status": "accepted"})

    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.review_status == ReviewStatus.PENDING


def test_sources_are_written_only_through_creation(editor, client_as):
    source = SourceFactory()

    client = client_as(editor)

    assert client.patch(f"/api/v1/sources/{source.pk}/", {"name": "Renamed"}).status_code == 405
    assert client.delete(f"/api/v1/sources/{source.pk}/").status_code == 405


def test_a_claim_about_an_unknown_incident_is_refused_naming_the_field(analyst, client_as):
    body = claim_body(DocumentFactory(), None, incident_code="MLI-2099-0001")

    response = client_as(analyst).post("/api/v1/claims/", body, format="json")

    assert response.status_code == 400
    assert "incident_code" in response.json()["error"]["fields"]
    assert not Claim.objects.exists()


@pytest.mark.parametrize("about", ["published incident", "no incident"])
def test_evidence_added_after_publication_waits_for_an_editor_before_the_public_sees_it(
    analyst, editor, about, client_as
):
    if about == "no incident":
        incident, writer = None, analyst
    else:
        incident = IncidentFactory(status=IncidentStatus.PUBLISHED, published_at=timezone.now())
        writer = editor  # analysts may not add evidence to a published incident at all
    document = DocumentFactory(title="A witness statement naming the dead")
    created = client_as(writer).post("/api/v1/claims/", claim_body(document, incident), format="json")
    assert created.status_code == 201, created.json()
    claim_id = created.json()["id"]
    public = APIClient()

    assert claim_id not in [claim["id"] for claim in public.get("/api/v1/claims/").json()["results"]]
    assert public.get(f"/api/v1/claims/{claim_id}/").status_code == 404
    assert document.pk not in [item["id"] for item in public.get("/api/v1/documents/").json()["results"]]

    client_as(editor).post(f"/api/v1/claims/{claim_id}/review/", {"status": "accepted"})
    assert claim_id in [claim["id"] for claim in public.get("/api/v1/claims/").json()["results"]]
