"""The reader alone: schemas, date formats decided per file, actor types, NA, HXL rows, truncated rows."""

import datetime
import io
from decimal import Decimal

import pytest

from imports.readers import acled_csv, csvfile
from tests.helpers.imports import FILES

CURRENT_HEADER = (
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,assoc_actor_1,"
    "inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,admin1,admin2,admin3,"
    "location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,tags,timestamp"
)


def _read(path):
    with path.open("rb") as binary:
        with csvfile.opened(binary) as text:
            fmt, notes = acled_csv.detect_date_format(text)
        with csvfile.opened(binary) as text:
            return fmt, notes, list(acled_csv.read_rows(text, fmt))


def _text(content: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(content.encode()), encoding="utf-8-sig", newline="")


def test_it_reads_the_current_schema_with_bom_crlf_na_and_a_quoted_newline():
    fmt, _notes, rows = _read(FILES / "acled_current.csv")
    assert fmt == "%Y-%m-%d"
    first = rows[0]
    assert first.event_id == "MLI9001"
    assert first.event_date == datetime.date(2024, 3, 5)
    assert first.actor1 == "Military Forces of Mali (2021-)"
    assert first.assoc_actor_1 == ["Wagner Group"]
    assert (first.kind1, first.kind2) == ("state_forces", "civilians")
    assert first.civilian_targeting is True
    assert first.country == "MLI"  # from the numeric iso 466
    assert first.admin3 == ""  # NA
    assert (first.latitude, first.longitude) == (Decimal("14.10000"), Decimal("-4.20000"))
    assert first.notes == (
        "Soldiers and foreign fighters entered Sama, searched houses and shot 14 men.\r\nResidents fled to Djenne."
    )
    assert "tags" not in first.extra  # NA
    assert first.extra["interaction"] == "State forces-Civilians"  # kept for the export, as ACLED wrote it
    assert rows[2].extra["tags"] == "crowd size=no report"
    assert [row.fatalities for row in rows] == [14, 7, 0]
    assert rows[1].date_precision == "week"
    assert rows[2].kind2 is None and rows[2].actor2 == ""


def test_it_skips_the_hxl_row_and_unnamed_index_column_of_the_2019_schema():
    fmt, _notes, rows = _read(FILES / "acled_2019.csv")
    assert fmt == "%d %B %Y"
    assert [row.event_id for row in rows] == ["MLI8001", "MLI8002"]
    assert [row.row for row in rows] == [3, 4]  # the HXL row is row 2
    assert rows[0].event_date == datetime.date(2020, 12, 31)
    assert rows[0].extra["data_id"] == "7001"
    # No civilian_targeting column: civilians as the second actor set it.
    assert [row.civilian_targeting for row in rows] == [False, True]


def test_it_maps_pre_2019_event_types_onto_the_current_taxonomy():
    fmt, _notes, rows = _read(FILES / "acled_pre2019.csv")
    assert fmt == "%d-%b-%y"
    assert [(row.event_type, row.sub_event_type) for row in rows] == [
        ("Battles", "Armed clash"),
        ("Explosions/Remote violence", ""),
        ("Riots", ""),  # Riots/Protests by rioters
        ("Protests", ""),  # Riots/Protests by protesters
        ("Violence against civilians", ""),
        ("Strategic developments", ""),
    ]
    assert rows[0].extra["acled_event_type"] == "Battle-No change of territory"
    assert rows[0].event_date == datetime.date(2014, 8, 5)
    assert rows[0].country == "MLI"  # from the country's name: GWNO is not an ISO code
    assert rows[5].date_precision == "month"


def test_an_ambiguous_date_format_is_decided_for_the_whole_file_not_guessed_per_row():
    fmt, notes, rows = _read(FILES / "acled_slashes.csv")
    assert fmt == "%d/%m/%Y"
    assert "%m/%d/%Y" in notes[1]
    assert rows[0].event_date == datetime.date(2019, 8, 5)  # 05/08/2019 read day first, like the rest
    assert rows[1].event_date == datetime.date(2019, 7, 31)
    assert isinstance(rows[2], csvfile.RowError) and rows[2].row == 4 and "07/31/2019" in rows[2].message
    assert rows[3].event_date == datetime.date(2019, 4, 3)


def test_day_first_two_digit_years():
    fmt, _notes, rows = _read(FILES / "acled_dyadic.csv")
    assert fmt == "%d-%m-%y"
    assert rows[0].event_date == datetime.date(2019, 12, 31)


def test_a_truncated_last_row_is_a_row_error_and_the_rows_before_it_are_read():
    _fmt, _notes, rows = _read(FILES / "acled_errors.csv")
    errors = [row for row in rows if isinstance(row, csvfile.RowError)]
    assert [(error.row, error.event_id) for error in errors] == [(4, "MLI5003"), (7, "MLI5006")]
    assert "many" in errors[0].message
    assert "cut short" in errors[1].message
    assert [row.event_id for row in rows if not isinstance(row, csvfile.RowError)] == [
        "MLI5001",
        "MLI5002",
        "MLI5004",
        "MLI5005",
    ]


@pytest.mark.parametrize(
    ("value", "kind"),
    [("1", "state_forces"), ("8", "external_other"), ("2.0", "rebel_group"), ("0", None), ("", None)]
    + [("State forces", "state_forces"), ("rioters", "rioters"), ("Political militias", "political_militia")],
)
def test_actor_types_are_read_as_numbers_or_labels(value, kind):
    assert acled_csv.actor_kind(value, "inter1") == kind


def test_an_unknown_actor_type_is_a_row_error():
    row = "MLI1,2024-01-01,2024,1,,Battles,Armed clash,A,,Soldiers,B,,2,,,466,,Mali,,,,X,1,1,1,,,,0,,"
    text = _text(f"{CURRENT_HEADER}\n{row}\n")
    (error,) = acled_csv.read_rows(text, "%Y-%m-%d")
    assert isinstance(error, csvfile.RowError) and "Soldiers" in error.message


def test_a_file_without_the_required_columns_is_refused_as_a_whole():
    with pytest.raises(csvfile.FileError, match="event_id_cnty"):
        acled_csv.detect_date_format(_text("id,date,fatalities\n1,2024-01-01,3\n"))


def test_a_file_that_is_not_utf8_is_refused_as_a_whole():
    binary = io.BytesIO(f"{CURRENT_HEADER}\nMLI1,2024-01-01,2024,1,,Battles,Armed clash,Ségou\n".encode("latin-1"))
    with pytest.raises(csvfile.FileError, match="UTF-8"):
        with csvfile.opened(binary) as text:
            acled_csv.detect_date_format(text)


def test_extra_columns_anywhere_are_ignored():
    header = CURRENT_HEADER.replace("actor1,", "actor1,analyst_comment,").replace(",timestamp", ",timestamp,")
    row = (
        'MLI1,2024-01-01,2024,1,,Battles,Armed clash,A,"ours, not ACLED\'s",,1,B,,2,,,466,,Mali,,,,X,1,1,1,,,,'
        "0,,1700000000,"
    )
    (parsed,) = acled_csv.read_rows(_text(f"{header}\n{row}\n"), "%Y-%m-%d")
    assert (parsed.actor1, parsed.assoc_actor_1, parsed.kind1, parsed.actor2) == ("A", [], "state_forces", "B")
    assert "analyst_comment" not in parsed.extra
