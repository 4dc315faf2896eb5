"""The compiled French catalogue is committed (running the app needs no gettext): it must match its source."""

import gettext
import re
from pathlib import Path

from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES"
# A one-line entry: msgid "…" then msgstr "…" (multi-line and plural entries are left to msgfmt).
ENTRY = re.compile(r'^msgid "(.+)"\nmsgstr "(.+)"$', re.MULTILINE)


ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda match: ESCAPES.get(match.group(1), match.group(0)), text)


def test_the_compiled_catalogue_holds_every_translation_of_its_source():
    source = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    entries = [(msgid, msgstr) for msgid, msgstr in ENTRY.findall(source) if "#, fuzzy" not in msgid]
    with (CATALOGUE / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)

    assert len(entries) > 300
    stale = [msgid for msgid, msgstr in entries if catalogue.gettext(_unescape(msgid)) != _unescape(msgstr)]
    assert not stale, f"run `make messages`: {stale[:5]}"
