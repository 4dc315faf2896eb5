"""The import tests' sample files."""

from pathlib import Path

# Small ACLED and UCDP files, each made to show one thing (tests/imports/files/).
FILES = Path(__file__).resolve().parents[1] / "imports" / "files"
