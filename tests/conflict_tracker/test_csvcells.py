"""Formula-safe CSV cells (conflict_tracker.csvcells): what is quoted, what is not, that the way back is exact, and
that every CSV the app writes goes through the one writer."""

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conflict_tracker.csvcells import csv_writer, formula_safe, formula_safe_sql, original_cells

APPS = ("conflict_tracker", "actors", "events", "sources", "tallies", "imports")


# What formula_safe writes of each cell; formula_safe_sql writes the same of the text ones.
WRITTEN = [
    ("=1+1", "'=1+1"),
    ("+33 6 12 34 56 78", "'+33 6 12 34 56 78"),
    ("-2+3", "'-2+3"),
    ("-", "'-"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("'=1+1", "''=1+1"),  # already quoted: one more, so that reading back is exact
    ("'-3.61", "''-3.61"),
    ("-3.61", "-3.61"),  # a number is no formula: coordinates stay numbers
    ("+5", "+5"),
    ("-1e3", "-1e3"),
    ("-.5", "-.5"),
    ("-inf", "'-inf"),
    ("2024-03-05", "2024-03-05"),
    ("Moura", "Moura"),
    ("it's", "it's"),
    ("'quoted'", "'quoted'"),
    ("", ""),
    (-3, -3),
    (Decimal("-3.61"), Decimal("-3.61")),
    (None, None),
]


@pytest.mark.parametrize(("value", "written"), WRITTEN)
def test_a_cell_that_would_run_gets_an_apostrophe_and_nothing_else_changes(value, written):
    assert formula_safe(value) == written
    if isinstance(value, str):
        assert original_cells([written]) == [value]


@given(st.text())
def test_reading_back_a_written_cell_gives_the_original(text):
    assert original_cells([formula_safe(text)]) == [text]


@given(st.text())
def test_a_written_cell_never_starts_as_a_formula(text):
    written = formula_safe(text)

    assert not written.startswith(("=", "+", "-", "@", "\t", "\r")) or re.fullmatch(r"[+-][0-9.eE+-]+", written)


def test_the_writer_writes_every_row_formula_safe():
    out = io.StringIO()
    writer = csv_writer(out)

    writer.writerow(["=cmd", -3, "-3.61", "plain", None, "@x", "a, -b", "-3.61,x"])

    assert out.getvalue() == '\'=cmd,-3,-3.61,plain,,\'@x,"a, -b","\'-3.61,x"\r\n'
    assert csv_writer().writerow(["-1", "-1e"]) == "-1,'-1e\r\n"


CELLS = st.one_of(
    st.text(),
    st.text(alphabet="=+-@\t\r'\",.0123456789eE x\n", max_size=8),
    st.integers(),
    st.floats(),
    st.decimals(),
    st.none(),
)


@given(st.lists(CELLS, max_size=6))
def test_the_writer_writes_what_formula_safe_makes_of_each_cell(row):
    expected = io.StringIO()
    csv.writer(expected).writerow([formula_safe(cell) for cell in row])

    assert csv_writer().writerow(row) == expected.getvalue()


def test_every_csv_the_app_writes_goes_through_the_formula_safe_writer():
    writers = re.compile(r"\bcsv\.(writer|DictWriter)\(")
    owner = Path(django_settings.BASE_DIR) / "conflict_tracker" / "csvcells.py"
    found = [
        path.relative_to(django_settings.BASE_DIR)
        for app in APPS
        for path in (Path(django_settings.BASE_DIR) / app).rglob("*.py")
        if path != owner and writers.search(path.read_text(encoding="utf-8"))
    ]

    assert not found, f"write CSV with conflict_tracker.csvcells.csv_writer: {found}"


def _in_sql(texts: list[str]) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {formula_safe_sql('t.cell')} FROM unnest(%s::text[]) WITH ORDINALITY AS t(cell, n) ORDER BY t.n",
            [texts],
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
def test_the_sql_rule_writes_every_text_cell_as_the_python_one():
    texts = [(value, written) for value, written in WRITTEN if isinstance(value, str)]

    assert _in_sql([value for value, _ in texts]) == [written for _, written in texts]


@pytest.mark.django_db
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=50)
@given(
    st.lists(
        st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
        | st.text(alphabet="=+-@\t\r'.0123456789eE x", max_size=6)
    )
)
def test_the_sql_rule_agrees_with_the_python_one_on_any_text(texts):
    assert _in_sql(texts) == [formula_safe(text) for text in texts]
