from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from conflict_tracker.choices import ImportKind
from imports.forms import validate_import_file
from imports.models import ActorCrosswalk, ActorMerge, ImportJob


class ImportRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row's number in the file, the header being row 1.")
    event_id = serializers.CharField(allow_blank=True, help_text="The row's event id, if it had one.")
    message = serializers.CharField()


class ImportJobSerializer(serializers.ModelSerializer):
    """A job as the list shows it: where it stands and what it counted, without the per-row detail."""

    user = serializers.CharField(source="user.get_username", read_only=True)
    progress = serializers.IntegerField(read_only=True, min_value=0, max_value=100, help_text="Percent done.")

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "file_name",
            "dry_run",
            "dataset_version",
            "user",
            "status",
            "progress",
            "rows_read",
            "events_total",
            "events_done",
            "created",
            "updated",
            "unchanged",
            "older",
            "absent",
            "conflicts",
            "actors_created",
            "error_count",
            "failure",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class ImportJobDetailSerializer(ImportJobSerializer):
    """The job with what the reader found (notes), its row errors and the events absent from the file."""

    errors = ImportRowErrorSerializer(many=True, read_only=True, help_text="The first row errors the job kept.")
    errors_not_stored = serializers.SerializerMethodField(help_text="Row errors counted beyond those kept in `errors`.")
    notes = serializers.ListField(child=serializers.CharField(), read_only=True)
    absent_ids = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Event ids imported before, missing from this file."
    )

    class Meta(ImportJobSerializer.Meta):
        fields = [*ImportJobSerializer.Meta.fields, "notes", "errors", "errors_not_stored", "absent_ids"]
        read_only_fields = fields

    def get_errors_not_stored(self, job) -> int:
        return max(job.error_count - len(job.errors), 0)


@extend_schema_field({"type": "string", "format": "binary"})
class UploadField(serializers.FileField):
    """A file sent in a multipart body (the schema would otherwise call it a URI, as a FileField reads back)."""


class ImportJobInputSerializer(serializers.Serializer):
    """An upload: the file, the dataset it comes from, and whether to write anything."""

    file = UploadField(help_text="The CSV export, as downloaded (UTF-8).", max_length=255)
    kind = serializers.ChoiceField(choices=ImportKind.choices, default=ImportKind.ACLED)
    dry_run = serializers.BooleanField(default=False, help_text="Report what would change; write nothing.")
    dataset_version = serializers.CharField(
        default="",
        allow_blank=True,
        max_length=20,
        help_text="UCDP only: the GED release the file is (24.1), when its name does not say.",
    )

    def validate_file(self, upload):
        validate_import_file(upload)
        return upload


class ActorMergeSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.get_username", read_only=True)
    undone_by = serializers.CharField(source="undone_by.get_username", read_only=True, default=None)

    class Meta:
        model = ActorMerge
        fields = [
            "id",
            "merged_actor_id",
            "merged_name",
            "into_actor_id",
            "into_name",
            "by",
            "at",
            "incident_versions",
            "undone_by",
            "undone_at",
        ]


class ActorMergeInputSerializer(serializers.Serializer):
    # Ids are PostgreSQL bigints: a larger number names no actor, and is told so rather than sent to the database.
    actor = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="The id of the actor flagged for review, which the merge deletes."
    )
    into = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="The id of the actor it is, which takes its names and records."
    )


class CrosswalkActorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    acronym = serializers.CharField()
    needs_review = serializers.BooleanField(help_text="Flagged for review: an import created it for an unknown name.")


class ActorCrosswalkSerializer(serializers.ModelSerializer):
    """A dataset's name and the actor of ours it is: tied by an editor (`matched`), or the actor an import found or
    created for it (flagged for review), or none."""

    actor = CrosswalkActorSerializer(allow_null=True, read_only=True)
    by = serializers.CharField(source="by.get_username", read_only=True, default=None)

    class Meta:
        model = ActorCrosswalk
        fields = ["id", "dataset", "name", "external_id", "actor", "matched", "note", "by", "at"]
        read_only_fields = fields


# Ids are PostgreSQL bigints: a larger number names no actor, and is told so rather than sent to the database.
_ACTOR_ID = {"min_value": 1, "max_value": 2**63 - 1, "allow_null": True}


class ActorCrosswalkInputSerializer(serializers.Serializer):
    """A dataset's name to add to the crosswalk, tied to one of our actors or to none yet."""

    dataset = serializers.ChoiceField(choices=ImportKind.choices)
    name = serializers.CharField(max_length=200, help_text="The name exactly as the dataset writes it.")
    external_id = serializers.CharField(
        max_length=20, required=False, default="", allow_blank=True, help_text="UCDP's actor id of the side, if any."
    )
    actor = serializers.IntegerField(required=False, default=None, help_text="Our actor's id, or null.", **_ACTOR_ID)
    note = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


class ActorCrosswalkUpdateSerializer(serializers.Serializer):
    """The actor to tie the name to (null unties it), and optionally a new note."""

    actor = serializers.IntegerField(help_text="Our actor's id; null unties the name.", **_ACTOR_ID)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)
