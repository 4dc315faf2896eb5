"""An imported event's version in its source, which decides which of two releases of one event wins, whatever the
order they are imported in (services/pipeline.py): ACLED's `timestamp` (when ACLED last changed the event, in
seconds since 1970), UCDP's GED release (24.1, or 24.0.3 for a monthly candidate release). Both are whole numbers
joined by dots, compared number by number; blank is no version."""

import re

VERSION = re.compile(r"^[0-9]{1,12}(?:\.[0-9]{1,4}){0,2}$")

# UCDP's names of its files: ged241.csv, ged231-csv.zip (release 24.1, 23.1); GEDEvent_v24_1.csv,
# GEDEvent_v24_0_3.csv (24.1, the candidate 24.0.3). ged_ukraine_2014_2021.csv names no release.
_UCDP_NAMES = (
    re.compile(r"(?<![a-z])ged([0-9]{2})([0-9])(?![0-9])", re.IGNORECASE),
    re.compile(r"(?<![a-z])ged[a-z]*[ _-]v([0-9]{2})[._]([0-9]{1,2})(?:[._]([0-9]{1,2}))?(?![0-9])", re.IGNORECASE),
)


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def is_version(value: str) -> bool:
    return bool(VERSION.match(value))


def older(incoming: str, stored: str) -> bool:
    """Whether a file's version of an event is older than the one imported before; never when either has none."""
    return bool(incoming and stored) and version_key(incoming) < version_key(stored)


def ucdp_version_in_name(file_name: str) -> str:
    """The GED release a UCDP file's name gives, or blank."""
    for pattern in _UCDP_NAMES:
        match = pattern.search(file_name)
        if match:
            return ".".join(str(int(part)) for part in match.groups() if part is not None)
    return ""
