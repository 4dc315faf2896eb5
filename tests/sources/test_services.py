import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from pghistory.models import Events

from sources.services import document_update, source_update
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db


def test_only_editors_correct_documents_and_sources_and_each_correction_is_a_revision(analyst, editor):
    document = DocumentFactory(title="Mali: massacre", snapshot_text="What the page said.")
    with pytest.raises(PermissionDenied):
        document_update(document=document, by=analyst, fields={"title": "Changed"})
    with pytest.raises(PermissionDenied):
        source_update(source=document.source, by=analyst, fields={"name": "Changed"})

    document = document_update(document=document, by=editor, fields={"title": "Mali: Massacre by Army"})
    source = source_update(source=document.source, by=editor, fields={"reliability": "A"})

    assert (document.title, source.reliability) == ("Mali: Massacre by Army", "A")
    for row, action in ((document, "document.update"), (source, "source.update")):
        change = Events.objects.tracks(row).filter(pgh_label="update").get()
        assert (change.pgh_context["user"], change.pgh_context["action"]) == (editor.pk, action)


@pytest.mark.parametrize("field", ["source", "snapshot_text", "snapshot_file"])
def test_a_document_keeps_its_source_and_snapshot(editor, field):
    with pytest.raises(ValidationError, match=f"cannot be changed: {field}"):
        document_update(document=DocumentFactory(), by=editor, fields={field: "x"})
