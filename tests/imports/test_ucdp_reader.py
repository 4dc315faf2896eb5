"""The UCDP reader alone, on the file handling it shares with the ACLED reader (imports/readers/csvfile.py): the header
found by name past an unnamed index column, the HXL row skipped, and a whole file refused in UCDP's own words."""

import csv
import io

import pytest

from imports.readers import acled_csv, csvfile, ucdp_csv
from tests.helpers.imports import FILES


def _text(content: bytes) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(content), encoding="utf-8-sig", newline="")


def _records() -> list[list[str]]:
    with (FILES / "ucdp_current.csv").open(newline="", encoding="utf-8-sig") as file:
        return list(csv.reader(file))


def _csv(records: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(records)
    return out.getvalue().encode()


def test_an_unnamed_index_column_and_the_hxl_row_are_skipped():
    header, hxl, *events = _records()
    assert hxl[2].startswith("#")  # the fixture's HXL row, as the Humanitarian Data Exchange gives it
    # What pandas writes when it saves a file it read with an index: an unnamed first column numbering the rows.
    indexed = [["", *header], ["", *hxl], *([str(number), *cells] for number, cells in enumerate(events))]

    rows = list(ucdp_csv.read_rows(_text(_csv(indexed))))

    plain = list(ucdp_csv.read_rows(_text(_csv([header, hxl, *events]))))
    assert [row.event_id for row in rows] == [row.event_id for row in plain] == [cells[0] for cells in events]
    assert [row.row for row in rows] == [3, 4, 5]  # the HXL row is row 2
    assert [row.best for row in rows] == [row.best for row in plain]
    assert "" not in rows[0].extra and rows[0].extra["relid"] == events[0][1]


def test_a_row_error_names_the_event_by_its_ucdp_id():
    header, _hxl, first, *_others = _records()
    first[header.index("type_of_violence")] = "9"

    (error,) = ucdp_csv.read_rows(_text(_csv([header, first])))

    assert isinstance(error, csvfile.RowError)
    assert (error.row, error.event_id) == (2, first[0])
    assert error.message == "type_of_violence is 9; UCDP's types are 1, 2 and 3."


def test_a_row_cut_short_or_with_a_value_too_many_is_a_row_error_and_the_others_are_read():
    header, hxl, first, second, third = _records()
    # Trailing empty cells, which spreadsheets add, are allowed; a value past the header's last column is not.
    content = _csv([header, hxl, [*first, "", ""], [*second, "stray"], third[:10]])

    first_row, extra_value, cut_short = ucdp_csv.read_rows(_text(content))

    assert first_row.event_id == first[0]
    assert (extra_value.row, extra_value.event_id) == (4, second[0])
    assert extra_value.message == (
        f"The row has {len(header) + 1} values for the header's {len(header)} columns (an unquoted comma?)."
    )
    assert (cut_short.row, cut_short.event_id) == (5, third[0])
    assert cut_short.message.startswith(f"The row has 10 of the header's {len(header)} columns: it is cut short")


def test_a_file_that_is_not_utf8_is_refused_as_a_whole_in_ucdp_s_words():
    header, hxl, first, *_others = _records()
    first[header.index("where_description")] = "Région de Donetsk"
    # Well past the text stream's first chunk, so that the error comes while the rows are read, not the header.
    good = _csv([header, hxl, *[first] * 200])
    assert len(good) > 8 * io.DEFAULT_BUFFER_SIZE
    rows = ucdp_csv.read_rows(_text(good + _csv([first]).decode().encode("latin-1", errors="replace")))

    assert next(rows).event_id == first[0]
    with pytest.raises(
        csvfile.FileError, match=r"^The file is not UTF-8 text: save it from UCDP again as CSV \(UTF-8\)\.$"
    ):
        list(rows)


@pytest.mark.parametrize("read_header", [acled_csv.read_header, ucdp_csv.read_header], ids=["acled", "ucdp"])
def test_a_file_of_blank_lines_is_refused_as_empty(read_header):
    with pytest.raises(csvfile.FileError, match=r"^The file is empty\.$"):
        read_header(_text(b"\n,,\n  \n"))


def test_the_header_tells_the_schema_and_refuses_a_file_without_ucdp_s_columns():
    header, *_rows = _records()
    found, _records_after = ucdp_csv.read_header(_text(_csv([header])))
    assert found.schema == "current"
    old, _records_after = ucdp_csv.read_header(_text(_csv([[name for name in header if name != "relid"]])))
    assert old.schema == "pre-2018"

    with pytest.raises(
        csvfile.FileError, match=r"^This is not a UCDP GED file: the header has no id, side_a column\.$"
    ):
        ucdp_csv.read_header(_text(_csv([[name for name in header if name not in ("id", "side_a")]])))
