import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from sources.models import Claim, Document
from tests.factories import ClaimFactory, DocumentFactory, SourceFactory

pytestmark = pytest.mark.django_db


def test_a_text_snapshot_is_fingerprinted_with_sha256():
    document = DocumentFactory(snapshot_text="At least 20 people were killed.")
    assert document.snapshot_sha256 == hashlib.sha256(b"At least 20 people were killed.").hexdigest()


def test_a_file_snapshot_is_fingerprinted_from_its_bytes(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    document = DocumentFactory.build(source=SourceFactory(), snapshot_text="ignored when a file is archived")
    document.snapshot_file.save("report.pdf", ContentFile(b"%PDF-1.7 report"), save=False)
    document.save()
    assert Document.objects.get(pk=document.pk).snapshot_sha256 == hashlib.sha256(b"%PDF-1.7 report").hexdigest()


def test_the_stored_digest_must_be_a_sha256():
    document = DocumentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Document.objects.filter(pk=document.pk).update(snapshot_sha256="not-a-digest")


def test_a_document_url_is_recorded_once_per_source():
    document = DocumentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        DocumentFactory(source=document.source, url=document.url)


@pytest.mark.parametrize(
    ("figures", "message"),
    [
        ({"figure_low": 30, "figure_best": 20}, "low figure cannot exceed the best"),
        ({"figure_low": None, "figure_best": 30, "figure_high": 20}, "best figure cannot exceed the high"),
        ({"figure_low": 30, "figure_best": None, "figure_high": 20}, "low figure cannot exceed the high"),
    ],
)
def test_claim_figures_are_ordered(figures, message):
    claim = ClaimFactory.build(document=DocumentFactory(), incident=None, **figures)
    with pytest.raises(ValidationError, match=message):
        claim.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        claim.save()


def test_a_reviewed_claim_records_its_reviewer():
    claim = ClaimFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(review_status="accepted")


def test_a_document_with_claims_cannot_be_deleted():
    from django.db.models.deletion import ProtectedError

    claim = ClaimFactory()
    with pytest.raises(ProtectedError):
        claim.document.delete()
