from rest_framework import serializers

from sources.models import Document, Source
from sources.services import SOURCE_EDITABLE_FIELDS


class SourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["id", *SOURCE_EDITABLE_FIELDS]


class DocumentSerializer(serializers.ModelSerializer):
    source_name = serializers.CharField(source="source.name", read_only=True)
    # Victims' names are withheld from these unless you may see them (conflict_tracker/redaction.py).
    title = serializers.CharField(source="title_for_reader", read_only=True)
    author = serializers.CharField(source="author_for_reader", read_only=True)
    url = serializers.CharField(source="url_for_reader", read_only=True)
    excerpt = serializers.CharField(
        source="excerpt_for_reader", read_only=True, help_text="Victims' names are withheld unless you may see them."
    )

    class Meta:
        model = Document
        fields = [
            "id",
            "source",
            "source_name",
            "title",
            "url",
            "author",
            "published_on",
            "language",
            "accessed_on",
            "excerpt",
            "snapshot_sha256",
            "created_at",
        ]


class DocumentInputSerializer(DocumentSerializer):
    # Written as given: the model's own fields, not the reader's renderings.
    title = author = url = None
    excerpt = serializers.CharField(required=False, allow_blank=True, help_text="The passage that matters.")
    snapshot_text = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="The document's text as archived when it was read; its SHA-256 is kept with the document.",
    )

    class Meta(DocumentSerializer.Meta):
        fields = [*DocumentSerializer.Meta.fields, "snapshot_text"]
