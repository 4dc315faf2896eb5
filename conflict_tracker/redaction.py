"""Victims' names withheld from the texts the public reads.

Named victims are visible only to staff (SPEC.md), but the quotes and excerpts of the documents behind an
incident are public, and a witness or a news report often names the dead. For readers who may not see
identities, every name of the incident's named victims, and each word of it, is replaced in those texts. Each
name is also matched without its accents, as sources spell names both ways.
"""

import re
import unicodedata
from collections.abc import Iterable

WITHHELD = "[name withheld]"
# Words of a name shorter than this ("Ag", "el") are left: withholding them would blank ordinary words.
SHORTEST_WORD = 3


def _without_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def withhold_names(text: str, names: Iterable[str]) -> str:
    """`text` with each of `names` (whole, then word by word) replaced by WITHHELD, ignoring case and accents."""
    if not text:
        return text
    spellings = set()
    for name in filter(None, names):
        for spelling in (name, _without_accents(name)):
            spellings.add(spelling.strip())
            spellings.update(word for word in re.split(r"[\s,'’-]+", spelling) if len(word) >= SHORTEST_WORD)
    if not spellings:
        return text
    # Longest first, so a whole name is withheld as one before its words are looked for.
    pattern = "|".join(re.escape(spelling) for spelling in sorted(spellings, key=len, reverse=True) if spelling)
    withheld = re.sub(rf"(?<!\w)(?:{pattern})(?!\w)", WITHHELD, text, flags=re.IGNORECASE)
    # "[name withheld] [name withheld]" from a name matched word by word reads as one name.
    return re.sub(rf"{re.escape(WITHHELD)}(?:[\s-]+{re.escape(WITHHELD)})+", WITHHELD, withheld)
