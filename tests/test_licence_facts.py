"""The licence facts each incident keeps (events/licences.py) give the public exactly the incidents the licence rule
gives, after every write that can change the answer: a claim recorded, reviewed, deleted or moved to another
document; a document moved to another source; a source's licence or acronym changed; an incident saved from a copy
loaded before its claims changed; an import; and a change of the deployment's licences (a setting, no write at all).

Each test compares `Incident.objects.redistributable()` with the rule asked the slow way, through the claims, their
documents and sources (tests/helpers/licences.py), and checks the answer that write was meant to flip.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from events.choices import IncidentStatus
from events.models import Incident
from events.services.claims import claim_create, claim_review
from sources.choices import ReviewStatus, SourceKind
from sources.datasets import ACLED_TERMS
from sources.models import Claim, Document, Source
from sources.services import source_update
from tests.factories import DocumentFactory, IncidentFactory, SourceFactory
from tests.helpers.exports import cite
from tests.helpers.licences import passed_on_by_claims

pytestmark = pytest.mark.django_db


def _passed_on(settings) -> set[int]:
    """The incidents the stored facts let through, checked against the rule asked through the claims."""
    stored = set(Incident.objects.redistributable().values_list("pk", flat=True))
    assert stored == passed_on_by_claims(settings)
    return stored


def _public(incident: Incident) -> bool:
    return Incident.objects.visible_to(AnonymousUser()).filter(pk=incident.pk).exists()


@pytest.fixture
def acled(db):
    return SourceFactory(name="ACLED", acronym="ACLED", kind=SourceKind.RESEARCH_BODY, **ACLED_TERMS)


@pytest.fixture
def own(db):
    return SourceFactory(name="Our field team", kind=SourceKind.WITNESS)


@pytest.fixture
def acled_only(acled):
    """A published incident resting on one accepted ACLED claim."""
    incident = IncidentFactory(status=IncidentStatus.PUBLISHED, published_at=timezone.now())
    cite(incident, acled)
    return incident


def test_an_incident_with_no_claim_is_passed_on_and_one_on_acled_alone_is_not(acled_only, settings):
    bare = IncidentFactory(status=IncidentStatus.PUBLISHED, published_at=timezone.now())

    passed_on = _passed_on(settings)

    assert bare.pk in passed_on and acled_only.pk not in passed_on
    assert _public(bare) and not _public(acled_only)


def test_a_claim_recorded_then_accepted_through_the_services_makes_the_incident_public(
    acled_only, own, editor, client_as, settings
):
    claim = claim_create(
        by=editor,
        document=DocumentFactory(source=own),
        incident=acled_only,
        fields={"quote": "Three killed.", "harm": "killed"},
    )
    assert acled_only.pk not in _passed_on(settings)

    claim_review(claim=claim, by=editor, status=ReviewStatus.ACCEPTED)

    assert acled_only.pk in _passed_on(settings)
    codes = [row["code"] for row in client_as("anonymous").get("/api/v1/incidents/").json()["results"]]
    assert acled_only.code in codes


def test_rejecting_the_only_claim_of_our_own_hides_the_incident_again(acled_only, own, editor, settings):
    claim = cite(acled_only, own)
    assert _public(acled_only)

    claim_review(claim=claim, by=editor, status=ReviewStatus.REJECTED, note="Another village.")

    assert acled_only.pk not in _passed_on(settings)
    assert not _public(acled_only)


def test_rejecting_the_only_acled_claim_leaves_an_incident_with_no_accepted_claim_public(acled_only, editor, settings):
    claim = Claim.objects.get(incident=acled_only)

    claim_review(claim=claim, by=editor, status=ReviewStatus.DISPUTED, note="Figures disputed.")

    assert acled_only.pk in _passed_on(settings)


def test_deleting_the_claim_of_our_own_hides_the_incident(acled_only, own, settings):
    claim = cite(acled_only, own)
    assert acled_only.pk in _passed_on(settings)

    Claim.objects.filter(pk=claim.pk).delete()

    assert acled_only.pk not in _passed_on(settings)


def test_a_claim_moved_to_an_acled_document_and_a_document_moved_to_acled_hide_the_incident(
    acled_only, acled, own, settings
):
    ours = cite(acled_only, own)
    second = cite(acled_only, own)

    Claim.objects.filter(pk=ours.pk).update(document=DocumentFactory(source=acled))
    assert acled_only.pk in _passed_on(settings)
    Document.objects.filter(pk=second.document_id).update(source=acled)

    assert acled_only.pk not in _passed_on(settings)
    Document.objects.filter(pk=second.document_id).update(source=own)
    assert acled_only.pk in _passed_on(settings)


def test_a_source_s_licence_changed_through_the_service_or_in_bulk_flips_its_incidents(
    acled_only, acled, own, editor, settings
):
    ours = IncidentFactory(status=IncidentStatus.PUBLISHED, published_at=timezone.now())
    cite(ours, own)

    source_update(source=acled, by=editor, fields={"redistributable": True})
    assert acled_only.pk in _passed_on(settings)

    Source.objects.filter(pk__in=[acled.pk, own.pk]).update(redistributable=False)
    passed_on = _passed_on(settings)
    assert acled_only.pk not in passed_on and ours.pk not in passed_on


def test_the_deployment_s_licences_are_read_when_asked_and_a_source_s_acronym_when_written(
    acled_only, acled, editor, settings
):
    settings.REDISTRIBUTION_LICENSED = ["ACLED"]
    assert acled_only.pk in _passed_on(settings)
    assert _public(acled_only)

    source_update(source=acled, by=editor, fields={"acronym": "ACLED-EU"})
    assert acled_only.pk not in _passed_on(settings)

    settings.REDISTRIBUTION_LICENSED = ["ACLED-EU"]
    assert acled_only.pk in _passed_on(settings)
    settings.REDISTRIBUTION_LICENSED = []
    assert acled_only.pk not in _passed_on(settings)


def test_an_incident_saved_from_a_copy_loaded_before_its_claims_changed_keeps_the_facts_of_its_claims(
    acled_only, own, settings
):
    stale = Incident.objects.get(pk=acled_only.pk)
    assert stale.open_provenance is False
    cite(acled_only, own)

    stale.title = "Attack, title corrected"
    stale.save()

    assert acled_only.pk in _passed_on(settings)
    stale.refresh_from_db()
    assert stale.open_provenance is True


def _accepted_claim(*, document_id: int, incident_id: int, by) -> Claim:
    """An accepted claim written by id, so its document or incident may come later in the transaction."""
    return Claim.objects.create(
        document_id=document_id,
        incident_id=incident_id,
        quote="Three killed.",
        review_status=ReviewStatus.ACCEPTED,
        reviewed_by=by,
        reviewed_at=timezone.now(),
    )


def test_a_claim_written_before_its_document_in_one_transaction_counts_once_the_document_is(acled, own, settings):
    incident = IncidentFactory(status=IncidentStatus.PUBLISHED, published_at=timezone.now())
    cite(incident, acled)
    document_id = Document.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000

    with transaction.atomic():
        _accepted_claim(document_id=document_id, incident_id=incident.pk, by=incident.created_by)
        Document.objects.create(pk=document_id, source=own, title="Field report")

    assert incident.pk in _passed_on(settings)


def test_an_incident_written_after_its_claim_in_one_transaction_gets_the_facts_of_its_claim(acled, settings):
    """As an import writes them: the claims first, the incidents after, the foreign keys checked at commit."""
    cited = IncidentFactory(status=IncidentStatus.PUBLISHED, published_at=timezone.now())
    cite(cited, acled)
    document = Document.objects.get()
    incident_id = cited.pk + 1000

    with transaction.atomic():
        _accepted_claim(document_id=document.pk, incident_id=incident_id, by=cited.created_by)
        written = IncidentFactory(pk=incident_id, status=IncidentStatus.PUBLISHED, published_at=timezone.now())

    written.refresh_from_db()
    assert (written.open_provenance, written.restricted_sources) == (False, ["ACLED"])
    assert written.pk not in _passed_on(settings)
