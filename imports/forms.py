"""The import upload: the form of the import page and the checks an uploaded file must pass (shared with the API);
the merge of a flagged actor."""

import codecs

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actors.filters import ActorField
from conflict_tracker.choices import ImportKind

# What the first bytes of the files people most often pick by mistake look like.
_NOT_CSV_SIGNATURES = (
    (b"PK\x03\x04", gettext_lazy("This is an Excel workbook or a zip archive, not a CSV file")),
    (b"\xd0\xcf\x11\xe0", gettext_lazy("This is an old Excel workbook, not a CSV file")),
    (b"%PDF", gettext_lazy("This is a PDF, not a CSV file")),
    (b"\x1f\x8b", gettext_lazy("This is a gzip archive, not a CSV file")),
)
# Enough of the start of a file to see its header row and a few events.
_SNIFF_BYTES = 64 * 1024


def max_upload_bytes() -> int:
    return settings.IMPORT_MAX_UPLOAD_MB * 1024 * 1024


def validate_import_file(upload: UploadedFile) -> None:
    """Refuse what cannot be an ACLED or UCDP CSV export, with a message saying what to do instead. Only the
    start of the file is read: whether the columns and rows are right is the job's to say, row by row."""
    if upload.size == 0:
        raise ValidationError(_("The file is empty: choose an ACLED or UCDP export (a .csv file)."), code="empty")
    limit = settings.IMPORT_MAX_UPLOAD_MB
    if upload.size > max_upload_bytes():
        raise ValidationError(
            _(
                "The file is %(size)s MB; the largest file an import takes is %(limit)s MB. Split it (by year or by "
                "country) and import the parts."
            )
            % {"size": f"{upload.size / 1024 / 1024:.1f}", "limit": limit},
            code="too_big",
        )
    upload.seek(0)
    start = upload.read(_SNIFF_BYTES)
    upload.seek(0)
    for signature, message in _NOT_CSV_SIGNATURES:
        if start.startswith(signature):
            raise ValidationError(
                _("%(what)s: save it as CSV (UTF-8) and upload that.") % {"what": message}, code="not_csv"
            )
    try:
        # Incremental, so a character cut at the end of the sniffed bytes is not taken for bad UTF-8.
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(start, final=False)
    except UnicodeDecodeError:
        raise ValidationError(
            _("The file is not UTF-8 text: save it again as CSV (UTF-8) and upload that."), code="not_utf8"
        ) from None
    if "\x00" in text:
        raise ValidationError(_("The file is binary, not a CSV file."), code="not_csv")
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    if "," not in first_line:
        raise ValidationError(
            _("The first line has no commas: this is not a comma-separated export (a .csv file from ACLED or UCDP)."),
            code="not_csv",
        )


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        max_length=255,
        help_text=gettext_lazy("An ACLED or UCDP GED export, as downloaded (CSV, UTF-8)."),
        error_messages={
            "required": gettext_lazy("Choose the CSV file to import."),
            "empty": gettext_lazy("The file is empty: choose an ACLED or UCDP export (a .csv file)."),
            "invalid": gettext_lazy("No file was received: choose the file again."),
            "max_length": gettext_lazy("The file's name is too long: rename it (at most %(max)d characters)."),
        },
        validators=[validate_import_file],
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Dataset"),
        choices=ImportKind.choices,
        initial=ImportKind.ACLED,
        error_messages={
            "required": gettext_lazy("Say which dataset the file comes from."),
            "invalid_choice": gettext_lazy("%(value)s is not a dataset we import: choose ACLED or UCDP."),
        },
    )
    dataset_version = forms.CharField(
        label=gettext_lazy("Dataset version"),
        required=False,
        max_length=20,
        help_text=gettext_lazy(
            "UCDP only: the GED release the file is (24.1), when its name (ged241.csv, GEDEvent_v24_1.csv) does not "
            "say. An event is never replaced by an older release of it."
        ),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run"),
        required=False,
        help_text=gettext_lazy("Report what would change; write nothing."),
    )


class ActorMergeForm(forms.Form):
    """Merge one flagged actor into the actor named (its name, an alias, its acronym or its id)."""

    actor = forms.IntegerField(widget=forms.HiddenInput)
    into = ActorField(
        label=gettext_lazy("Merge into"),
        help_text=gettext_lazy("The actor it is: its name, an alias, its acronym or its id."),
    )
