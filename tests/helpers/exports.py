"""The incident exports as the API serves them, and the evidence their rows cite."""

from sources.choices import ReviewStatus
from tests.factories import ClaimFactory, DocumentFactory, ReviewedClaimFactory

# A casualty record's note: internal, in no export.
CASUALTY_NOTE = "Brother of the village chief, shot at the well"


def body(response) -> str:
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content).decode()


def export(client, export_format: str, **params):
    return client.get("/api/v1/incidents/", {"format": export_format, **params})


def cite(record, source, review_status=ReviewStatus.ACCEPTED):
    """A claim about the incident, from a new document of the source."""
    factory = ClaimFactory if review_status == ReviewStatus.PENDING else ReviewedClaimFactory
    extra = {} if review_status == ReviewStatus.PENDING else {"review_status": review_status}
    return factory(incident=record, document=DocumentFactory(source=source), **extra)
