"""Exports are data: no CSV cell of a download or of `measure --format csv` starts a formula."""

from __future__ import annotations

import csv
import io

import polars as pl
from extracts import claim, valid_tables, write_extract

from jcp.cli import main
from jcp.load import load
from jcp.output import csv_text

HOSTILE = ['=HYPERLINK("http://x")', "+1", "-1+1", "@SUM(A1)", "\tx", "\rx"]


def _cells(text: str) -> list[list[str]]:
    """The CSV's rows as a spreadsheet's CSV import would split them (quotes removed)."""
    return list(csv.reader(io.StringIO(text, newline="")))


def test_text_cells_that_start_a_formula_are_prefixed_and_numbers_stay_numbers() -> None:
    frame = pl.DataFrame(
        {
            "office_name": [*HOSTILE, "Leeds = north", "", None],
            "change": [-3, -1, 0, 2, -7, 4, 5, None, 1],
            "rate": [-0.25, 0.5, -1.0, 0.0, 0.125, -0.5, 1.0, 2.0, None],
        }
    )
    rows = _cells(csv_text(frame))
    assert rows[0] == ["office_name", "change", "rate"]
    # Each hostile text cell gets one leading ' and is otherwise as it was; text that only
    # contains such a character later, and empty or missing cells, are left alone. Numbers
    # are written as numbers, negative ones with their minus sign.
    assert rows[1:] == [
        ['\'=HYPERLINK("http://x")', "-3", "-0.25"],
        ["'+1", "-1", "0.5"],
        ["'-1+1", "0", "-1.0"],
        ["'@SUM(A1)", "2", "0.0"],
        ["'\tx", "-7", "0.125"],
        ["'\rx", "4", "-0.5"],
        ["Leeds = north", "5", "1.0"],
        ["", "", "2.0"],
        ["", "1", ""],
    ]


def test_negative_numbers_in_a_column_with_hidden_cells_stay_numbers() -> None:
    # A hidden cell turns its column into text ([c]) for the export; the column's other cells
    # are numbers written as text, and -0.25 must not be mistaken for a formula and prefixed.
    frame = pl.DataFrame(
        {
            "office_code": ["-O1", "O2", "O3"],
            "mean_change": [-0.25, None, -3.0],
            "suppressed": [[], ["mean_change"], []],
        },
        schema_overrides={"suppressed": pl.List(pl.String)},
    )
    assert _cells(csv_text(frame)) == [
        ["office_code", "mean_change"],
        ["'-O1", "-0.25"],
        ["O2", "[c]"],
        ["O3", "-3.0"],
    ]


def test_app_download_neutralises_cells_after_its_own_header() -> None:
    from jcp.ui import csv_bytes

    header = "# Overdue deferred interviews. Data as at 2026-10-31.\n# Operational list.\n"
    frame = pl.DataFrame({"work_coach_ref": ["@SUM(A1)", "WC02"], "days_overdue": [-2, 3]})
    text = csv_bytes(header, frame).decode("utf-8")
    assert text.startswith(header)
    assert _cells(text[len(header) :]) == [
        ["work_coach_ref", "days_overdue"],
        ["'@SUM(A1)", "-2"],
        ["WC02", "3"],
    ]


def test_measure_command_csv_neutralises_extract_text(tmp_path, capsys) -> None:
    # A work-coach ref in the extract that is a formula; C1's deferred interview (due
    # 2026-01-12, deferred until 2026-02-20, never held, claim open) is overdue at the extract
    # date 2026-10-31, so the worklist has exactly C1's row with that ref.
    formula = '=HYPERLINK("http://evil.example/","open me")'
    tables = valid_tables()
    tables["claims"][0] = claim("C1", "D01-O01", work_coach_ref=formula)
    db = tmp_path / "tiny.duckdb"
    load(write_extract(tmp_path / "extract", tables), db)
    capsys.readouterr()
    status = main(
        ["measure", "overdue_deferrals", "--db", str(db), "--national", "--format", "csv"]
    )
    out, err = capsys.readouterr()
    assert status == 0, err
    (row,) = list(csv.DictReader(io.StringIO(out)))
    assert row["claim_id"] == "C1"
    assert row["work_coach_ref"] == "'" + formula
    # 2026-02-20 to 2026-10-31: 8 days left of February, then 31+30+31+30+31+31+30+31 = 245.
    assert row["days_overdue"] == "253"
