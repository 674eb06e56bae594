"""Spreadsheets (jcp.spreadsheet): read back cell for cell with openpyxl and odfpy, opened by
LibreOffice, reproducible, and written by `python -m jcp measure --format ods|xlsx`."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from jcp.cli import main
from jcp.measures.access import Scope
from jcp.measures.disclosure import MARKER, SUPPRESSED, Thresholds
from jcp.measures.filters import Filters
from jcp.measures.runner import default_period
from jcp.spreadsheet import SheetTable, Workbook, ods_bytes, xlsx_bytes
from jcp.web.formats import with_names

NATIONAL = Scope.national()
CREATED = dt.datetime(2026, 11, 2, 9, 30)
# Thresholds other than the defaults, so the cover's disclosure note must be written from them.
THRESHOLDS = Thresholds(min_count=7, min_denominator=12, min_payments=6)
CONTACT = "Performance team: jcp-performance@example.gov.uk"
TABLE_LINES = (
    "This worksheet contains one table. Some cells may refer to notes, which can be found on "
    "the notes worksheet."
)
# The catalogue's labels, units added where the label has none: what a header must say.
DEFERRAL_HEADERS = [
    "District",
    "District code",
    "Office",
    "Office code",
    "Interviews due",
    "Deferred",
    "Waived",
    "Deferral rate (%)",
    "Waiver rate (%)",
    "Median deferral (days)",
]


# Reading the files back -------------------------------------------------------------------


def read_ods(data: bytes) -> dict[str, list[list[tuple[str, object]]]]:
    """Every sheet of an ODS file as rows of (value type, value) cells, read by odfpy: numbers
    as floats from office:value, dates as their office:date-value text, text as text."""
    from odf import teletype
    from odf.opendocument import load
    from odf.table import Table, TableCell, TableRow

    document = load(io.BytesIO(data))
    sheets: dict[str, list[list[tuple[str, object]]]] = {}
    for table in document.spreadsheet.getElementsByType(Table):
        rows = []
        for row in table.getElementsByType(TableRow):
            cells: list[tuple[str, object]] = []
            for cell in row.getElementsByType(TableCell):
                assert not cell.getAttribute("numbercolumnsspanned"), "a merged cell"
                kind = cell.getAttribute("valuetype")
                if kind in ("float", "percentage", "currency"):
                    cells.append((kind, float(cell.getAttribute("value"))))
                elif kind == "date":
                    cells.append((kind, cell.getAttribute("datevalue")))
                else:
                    cells.append((kind, teletype.extractText(cell)))
            rows.append(cells)
        sheets[table.getAttribute("name")] = rows
    return sheets


def read_xlsx(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def excel_table(sheet) -> tuple[int, int, int]:
    """The sheet's one Excel table: its header row, last row and column count."""
    (table,) = sheet.tables.values()
    first, last = table.ref.split(":")
    header_row = int("".join(c for c in first if c.isdigit()))
    last_row = int("".join(c for c in last if c.isdigit()))
    assert first.startswith("A")
    return header_row, last_row, len(table.tableColumns)


def expected_cells(frame: pl.DataFrame) -> list[list[object]]:
    """What each cell of a runner's frame must read as: [c] where the row lists the column as
    hidden, [z] where it is empty, else the value (numbers as numbers, dates as dates)."""
    hidden = frame[SUPPRESSED].to_list() if SUPPRESSED in frame.columns else [[]] * frame.height
    shown = frame.drop(SUPPRESSED, strict=False)
    rows = []
    for values, cells in zip(shown.iter_rows(), hidden, strict=True):
        row: list[object] = []
        for name, value in zip(shown.columns, values, strict=True):
            if name in (cells or []):
                row.append(MARKER)
            elif value is None:
                row.append("[z]")
            elif isinstance(value, Decimal):
                row.append(float(value))
            else:
                row.append(value)
        rows.append(row)
    return rows


def assert_xlsx_cell(cell, expected: object) -> None:
    if isinstance(expected, str):
        assert (cell.data_type, cell.value) == ("s", expected), cell.coordinate
    elif isinstance(expected, dt.datetime):
        assert (cell.data_type, cell.value) == ("d", expected), cell.coordinate
    elif isinstance(expected, dt.date):
        # Excel has no date without a time: a date reads back as its midnight.
        assert cell.data_type == "d", cell.coordinate
        assert cell.value == dt.datetime.combine(expected, dt.time()), cell.coordinate
    else:
        assert cell.data_type == "n", cell.coordinate
        # XlsxWriter writes 16 significant digits.
        assert cell.value == pytest.approx(expected, rel=1e-15, abs=0), cell.coordinate


def assert_ods_cell(cell: tuple[str, object], expected: object, where: str) -> None:
    kind, value = cell
    if isinstance(expected, str):
        assert (kind, value) == ("string", expected), where
    elif isinstance(expected, dt.date):
        assert (kind, value) == ("date", expected.isoformat()), where
    else:
        assert kind in ("float", "percentage", "currency"), where
        assert value == float(expected), where  # written with repr: exactly the same float


# The workbook under test ------------------------------------------------------------------


@pytest.fixture(scope="module")
def tables(sample_runner) -> dict[str, pl.DataFrame]:
    """Runner results of every kind of column: counts, rates and days with [c] (deferrals by
    office), [c] and [z] (claim restarts by month: months whose claims are not yet 182 days
    on have no rate), money (FSF spend), changes and means (distance travelled), a list with
    dates and claims with no coach (the overdue worklist), a report with a date-time (loads),
    and no rows."""
    cat = sample_runner.catalogue
    first, last = default_period(sample_runner.extract_date)
    filters = Filters(first, last)

    def run(measure: str, by: str) -> pl.DataFrame:
        frame = sample_runner.run(filters.request(measure, by), NATIONAL)
        return with_names(frame, cat.district_names, cat.office_names)

    return {
        "Deferrals by office": run("deferrals", "office"),
        "Claim restarts by month": run("claim_restarts", "month"),
        "FSF spend by district": run("fsf_spend", "district"),
        "Distance travelled by district": run("distance_travelled", "district"),
        "Overdue deferred interviews": run("overdue_deferrals", "total"),
        "Loads": sample_runner.report("loads", NATIONAL),
        "Deferrals in no office": run("deferrals", "office").head(0),
    }


@pytest.fixture(scope="module")
def workbook(tables, sample_runner) -> Workbook:
    """A workbook of those tables, with the cover's facts set by the test."""
    return Workbook(
        title="Interviews and deferrals: test workbook",
        extract_date=sample_runner.extract_date,
        period="2025-11 to 2026-10",
        filters="period 2025-11 to 2026-10; districts all; offices all",
        scope="national",
        thresholds=THRESHOLDS,
        contact=CONTACT,
        tables=tuple(SheetTable(title, frame) for title, frame in tables.items()),
    )


@pytest.fixture(scope="module")
def xlsx(workbook) -> bytes:
    """The workbook as XLSX."""
    return xlsx_bytes(workbook, CREATED)


@pytest.fixture(scope="module")
def ods(workbook) -> bytes:
    """The workbook as ODS."""
    return ods_bytes(workbook, CREATED)


def _empty_cells(frame: pl.DataFrame) -> int:
    """Cells that are empty and not hidden."""
    return sum(
        1
        for row in frame.iter_rows(named=True)
        for name, value in row.items()
        if value is None and name not in (row.get(SUPPRESSED) or [])
    )


def test_the_runner_frames_hold_what_the_tests_need(tables) -> None:
    deferrals = tables["Deferrals by office"]
    assert deferrals[SUPPRESSED].list.len().sum() > 0, "some hidden cells"
    assert _empty_cells(deferrals) == 0
    restarts = tables["Claim restarts by month"]
    assert restarts[SUPPRESSED].list.len().sum() > 0 and _empty_cells(restarts) > 0
    assert _empty_cells(tables["FSF spend by district"]) == 0
    assert _empty_cells(tables["Distance travelled by district"]) == 0
    worklist = tables["Overdue deferred interviews"]
    assert worklist.height > 100 and SUPPRESSED not in worklist.columns
    assert worklist["work_coach_ref"].null_count() > 0
    assert _empty_cells(tables["Loads"]) == 0


SHEETS = ["Cover", "Contents", "Notes", *(f"Table_{n}" for n in range(1, 8))]


def test_xlsx_sheets_cover_contents_and_notes(xlsx, tables) -> None:
    book = read_xlsx(xlsx)
    assert book.sheetnames == SHEETS
    assert book.properties.title == "Interviews and deferrals: test workbook"
    cover = [row[0] for row in book["Cover"].iter_rows(values_only=True) if row[0] is not None]
    assert cover == [
        "Interviews and deferrals: test workbook",
        "Introductory information",
        "Data as at 2026-10-31 (the date of the extract).",
        "Period: 2025-11 to 2026-10.",
        "Filters: period 2025-11 to 2026-10; districts all; offices all.",
        "Scope: national.",
        "Tables: 7, one a sheet; the contents worksheet lists them.",
        "About these data",
        # THRESHOLDS: counts 1 to 6 hidden, populations under 12, payments under 6.
        "Disclosure control: Figures are adjusted slightly to protect individuals; totals may "
        "not equal the sum of rows. [c]: too few to show (an adjusted count of 1 to 6, a rate "
        "or mean over fewer than 12 people, money from fewer than 6 payments). Money is "
        "rounded to the nearest £10.",
        cover[9],  # the operational list's note, checked with the notes
        cover[10],  # how the figures are made
        cover[11],  # the shorthand
        "Contact",
        CONTACT,
    ]
    assert cover[9].startswith("Operational list: not a statistic.")
    assert "docs/measures.md" in cover[10] and "[c]" in cover[11] and "[z]" in cover[11]

    contents = list(book["Contents"].iter_rows(values_only=True))
    assert contents[0][0] == "Table of contents"
    assert contents[2] == ("Sheet name", "Table description")
    # gptables leaves a space where it takes the note references out of a title.
    assert [(name, title.rstrip()) for name, title in contents[3:]] == [
        (f"Table_{n}", title) for n, title in enumerate(tables, start=1)
    ]
    for row in book["Contents"].iter_rows(min_row=4):
        assert row[0].hyperlink.location == f"'{row[0].value}'!A1"

    notes = list(book["Notes"].iter_rows(values_only=True))
    assert notes[2] == ("Note number", "Note text")
    numbers = {text.split(":")[0].split(".")[0]: number for number, text in notes[3:]}
    # Numbered as first referred to: table 1 (a statistic) refers to the disclosure note,
    # table 2 to it and the [z] note, table 5 (a list) to the operational list's.
    assert numbers == {
        "Figures are adjusted slightly to protect individuals; totals may not equal the sum "
        "of rows": 1,
        "[z]": 2,
        "Operational list": 3,
    }


def test_xlsx_tables_read_back_cell_for_cell(xlsx, tables) -> None:
    book = read_xlsx(xlsx)
    notes_of = {
        # Statistics refer to the disclosure note (1), those with [z] cells to the [z] note (2)
        # too; the worklist (with [z]: claims with no coach) and loads are exact (3).
        "Table_1": "[note 1]",
        "Table_2": "[note 1][note 2]",
        "Table_3": "[note 1]",
        "Table_4": "[note 1]",
        "Table_5": "[note 3][note 2]",
        "Table_6": "[note 3]",
        "Table_7": "[note 1]",
    }
    for number, (title, frame) in enumerate(tables.items(), start=1):
        sheet = book[f"Table_{number}"]
        assert not sheet.merged_cells.ranges
        a1 = sheet["A1"].value
        assert a1 == f"{title} {notes_of[f'Table_{number}']}"
        header_row, last_row, width = excel_table(sheet)
        lines = [sheet.cell(r, 1).value for r in range(2, header_row)]
        assert lines[0] == TABLE_LINES
        assert lines[-1].startswith("Source: Jobcentre Plus extract, data as at 2026-10-31")
        if frame.height == 0:
            assert [[c.value for c in row] for row in sheet.iter_rows(min_row=header_row)] == [
                ["Result"],
                ["No rows for these filters."],
            ]
            continue
        expected = expected_cells(frame)
        assert ("[c]: confidential, too few people to show; see the notes." in lines) == any(
            MARKER in row for row in expected
        )
        assert ("[z]: not applicable, no figure; see the notes." in lines) == any(
            "[z]" in row for row in expected
        )
        assert width == frame.drop(SUPPRESSED, strict=False).width
        assert last_row - header_row == frame.height  # no blank row, no row left out
        for row_number, row in enumerate(expected, start=header_row + 1):
            for column, value in enumerate(row, start=1):
                assert_xlsx_cell(sheet.cell(row_number, column), value)
    deferrals = book["Table_1"]
    header_row, _, _ = excel_table(deferrals)
    assert [c.value for c in deferrals[header_row]] == DEFERRAL_HEADERS
    formats = [c.number_format for c in deferrals[header_row + 1]]
    assert formats[4:] == ["#,##0", "#,##0", "#,##0", "0.0%", "0.0%", "#,##0.0"]
    fsf = book["Table_3"]
    header_row, _, _ = excel_table(fsf)
    assert [c.value for c in fsf[header_row]][3] == "Spend (£)"
    assert fsf.cell(header_row + 1, 4).number_format == "£#,##0.00"


def test_ods_has_the_same_sheets_read_back_cell_for_cell(ods, xlsx, tables) -> None:
    sheets = read_ods(ods)
    assert list(sheets) == SHEETS
    book = read_xlsx(xlsx)
    # Cover, contents and notes: the same text in the same cells as the XLSX.
    for name in ("Cover", "Contents", "Notes"):
        expected = [
            [c for c in row if c is not None]
            for row in book[name].iter_rows(values_only=True)
            if any(c is not None for c in row)
        ]
        assert [[value for _, value in row] for row in sheets[name]] == [
            [float(c) if isinstance(c, int) else c for c in row] for row in expected
        ]
    for number, frame in enumerate(tables.values(), start=1):
        rows = sheets[f"Table_{number}"]
        assert rows[0] == [("string", book[f"Table_{number}"]["A1"].value)]
        header_row, _, _ = excel_table(book[f"Table_{number}"])
        texts = [row[0][1] for row in rows[1 : header_row - 1]]
        assert texts == [book[f"Table_{number}"].cell(r, 1).value for r in range(2, header_row)]
        table = rows[header_row - 1 :]
        if frame.height == 0:
            assert table == [[("string", "Result")], [("string", "No rows for these filters.")]]
            continue
        assert [value for _, value in table[0]] == [
            c.value for c in book[f"Table_{number}"][header_row]
        ]
        expected = expected_cells(frame)
        assert len(table) - 1 == frame.height
        for row_number, (row, wanted) in enumerate(zip(table[1:], expected, strict=True)):
            assert len(row) == len(wanted)
            for column, (cell, value) in enumerate(zip(row, wanted, strict=True)):
                assert_ods_cell(cell, value, f"Table_{number} row {row_number} column {column}")
    # Numbers carry their kind's type: a rate a percentage, money currency, a count a float.
    values = [[value for _, value in row] for row in sheets["Table_1"]]
    deferrals = sheets["Table_1"][values.index(DEFERRAL_HEADERS) :]
    numbers = [
        {kind for kind, _ in (row[column] for row in deferrals[1:]) if kind != "string"}
        for column in range(4, 10)
    ]
    assert numbers == [{"float"}] * 3 + [{"percentage"}] * 2 + [{"float"}]
    values = [[value for _, value in row] for row in sheets["Table_3"]]
    spend = sheets["Table_3"][[row[3:4] for row in values].index(["Spend (£)"]) :]
    assert {row[3][0] for row in spend[1:]} == {"currency"}


def test_ods_numbers_have_number_styles(ods) -> None:
    package = zipfile.ZipFile(io.BytesIO(ods))
    content = package.read("content.xml").decode("utf-8")
    styles = package.read("styles.xml").decode("utf-8")
    # Rates are percentages to one place; money pounds and pence; a change has its "+" style.
    assert re.search(
        r'<number:percentage-style style:name="N_rate"[^>]*><number:number '
        r'number:decimal-places="1"',
        styles,
    )
    assert re.search(
        r'<number:currency-symbol [^>]*country="GB">£</number:currency-symbol>', styles
    )
    assert re.search(r'<number:number-style style:name="N_change_up"[^>]*><number:text>\+<', styles)
    assert re.search(r'style:name="C_rate"[^>]*style:data-style-name="N_rate"', content)
    assert 'office:value-type="percentage"' in content
    assert 'office:value-type="currency" office:currency="GBP"' in content


def test_same_inputs_and_time_give_the_same_bytes(workbook, xlsx, ods, monkeypatch) -> None:
    assert xlsx_bytes(workbook, CREATED) == xlsx
    assert ods_bytes(workbook, CREATED) == ods
    later = CREATED + dt.timedelta(minutes=1)
    assert xlsx_bytes(workbook, later) != xlsx
    assert ods_bytes(workbook, later) != ods
    # ODF: the mimetype first, stored, and every member dated alike.
    members = zipfile.ZipFile(io.BytesIO(ods)).infolist()
    assert (members[0].filename, members[0].compress_type) == ("mimetype", zipfile.ZIP_STORED)
    assert {m.date_time for m in members} == {(1980, 1, 1, 0, 0, 0)}
    # SOURCE_DATE_EPOCH pins the creation time: 1767225600 s is 2026-01-01 00:00 UTC.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    pinned = read_xlsx(xlsx_bytes(workbook)).properties.created
    assert pinned == dt.datetime(2026, 1, 1)
    meta = zipfile.ZipFile(io.BytesIO(ods_bytes(workbook))).read("meta.xml").decode("utf-8")
    assert "<meta:creation-date>2026-01-01T00:00:00</meta:creation-date>" in meta


def hostile_workbook() -> Workbook:
    """One exact list whose text cells are what an extract could hold: a formula, a Markdown
    link, a gptables note reference, symbols only, a control character, no coach."""
    frame = pl.DataFrame(
        {
            "work_coach_ref": [
                '=HYPERLINK("http://evil.example/","open me")',
                "[open me](http://evil.example/)",
                "$$disclosure$$",
                "---",
                "WC\x0107",
                None,
            ],
            "days_overdue": [-2, 3, 4, 5, 6, 7],
            "flagged": [True, False, True, False, True, False],
            "spend": [Decimal("12.50"), None, None, None, None, Decimal("0.00")],
        }
    )
    return Workbook(
        "Hostile text",
        dt.date(2026, 10, 31),
        "2026-01 to 2026-10",
        "offices [x](http://evil.example/)",
        "national",
        Thresholds(),
        None,
        (SheetTable("Worklist", frame),),
    )


HOSTILE_CELLS = [
    ['\'=HYPERLINK("http://evil.example/","open me")', -2, "Yes", 12.5],
    ["[open me](http://evil.example/)", 3, "No", "[z]"],
    ["$$disclosure$$", 4, "Yes", "[z]"],
    ["'---", 5, "No", "[z]"],
    ["WC\ufffd07", 6, "Yes", "[z]"],
    ["[z]", 7, "No", 0.0],
]


def test_text_from_the_extract_stays_text(tmp_path) -> None:
    book = read_xlsx(xlsx_bytes(hostile_workbook(), CREATED))
    sheet = book["Table_1"]
    header_row, last_row, _ = excel_table(sheet)
    for row_number, row in enumerate(HOSTILE_CELLS, start=header_row + 1):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row_number, column)
            assert_xlsx_cell(cell, value)
            assert cell.hyperlink is None
    assert sheet["A1"].value == "Worklist [note 1][note 2]"
    cover = [row[0] for row in book["Cover"].iter_rows(values_only=True)]
    assert "Filters: offices [x](http://evil.example/)." in cover
    assert all(cell.hyperlink is None for row in book["Cover"].iter_rows() for cell in row)
    assert "No contact is set ([app] contact in jcp.toml)." in cover

    table = read_ods(ods_bytes(hostile_workbook(), CREATED))["Table_1"]
    values = [[value for _, value in row] for row in table[header_row:]]
    assert values == [[float(v) if isinstance(v, int) else v for v in row] for row in HOSTILE_CELLS]


def _soffice_csv(files: list[Path], out: Path, profile: Path) -> dict[str, list[list[str]]]:
    """Every sheet of each file converted to CSV by LibreOffice headless, by "stem-sheet".

    The filter options: comma, double quote, UTF-8, from line 1, numbers not as shown (their
    values), and -1: every sheet, each into a file of its own (LibreOffice 7.2 and later).
    """
    done = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,UTF8,1,,0,false,true,false,false,false,-1",
            "--outdir",
            str(out),
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "Error" not in done.stderr, done.stderr
    return {
        path.stem: list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
        for path in out.glob("*.csv")
    }


def _number(text: str) -> float:
    return float(text[:-1]) / 100 if text.endswith("%") else float(text)


def test_both_files_open_in_libreoffice(tmp_path, workbook, xlsx, ods, tables) -> None:
    (tmp_path / "from_ods.ods").write_bytes(ods)
    (tmp_path / "from_xlsx.xlsx").write_bytes(xlsx)
    converted = _soffice_csv(
        [tmp_path / "from_ods.ods", tmp_path / "from_xlsx.xlsx"],
        tmp_path / "csv",
        tmp_path / "lo-profile",
    )
    assert set(converted) == {
        f"{stem}-{name}" for stem in ("from_ods", "from_xlsx") for name in SHEETS
    }
    deferrals = tables["Deferrals by office"]
    expected = expected_cells(deferrals)
    for stem in ("from_ods", "from_xlsx"):
        rows = converted[f"{stem}-Table_1"]
        header = rows.index(DEFERRAL_HEADERS)
        body = rows[header + 1 :]
        assert len(body) == deferrals.height
        for row, wanted in zip(body, expected, strict=True):
            for text, value in zip(row, wanted, strict=True):
                if isinstance(value, str):
                    assert text == value
                else:
                    # LibreOffice writes 15 significant digits.
                    assert _number(text) == pytest.approx(float(value), rel=1e-13)
        assert converted[f"{stem}-Cover"][0][0] == "Interviews and deferrals: test workbook"


# The command line -------------------------------------------------------------------------


def test_measure_writes_a_spreadsheet_to_a_file(sample_db, sample_runner, tmp_path) -> None:
    config = tmp_path / "jcp.toml"
    config.write_text(f'[app]\ncontact = "{CONTACT}"\n', encoding="utf-8")
    cat = sample_runner.catalogue
    frame = with_names(
        sample_runner.run(sample_runner.default_request("deferrals", by="office"), NATIONAL),
        cat.district_names,
        cat.office_names,
    )
    expected = expected_cells(frame)
    for fmt in ("xlsx", "ods"):
        out = tmp_path / f"deferrals.{fmt}"
        args = ["measure", "deferrals", "--by", "office", "--national", "--db", str(sample_db)]
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("JCP_CONFIG", str(config))
            assert main([*args, "--format", fmt, "--output", str(out)]) == 0
        data = out.read_bytes()
        if fmt == "xlsx":
            book = read_xlsx(data)
            sheet = book["Table_1"]
            # The spec's title, grouped; a statistic with no empty cell: the disclosure note only.
            assert sheet["A1"].value == (
                "Deferrals of the initial Work Focused Interview by office [note 1]"
            )
            header_row, _, _ = excel_table(sheet)
            assert [c.value for c in sheet[header_row]] == DEFERRAL_HEADERS
            for row_number, row in enumerate(expected, start=header_row + 1):
                for column, value in enumerate(row, start=1):
                    assert_xlsx_cell(sheet.cell(row_number, column), value)
            cover = [row[0] for row in book["Cover"].iter_rows(values_only=True)]
            assert CONTACT in cover and "Scope: national." in cover
        else:
            rows = read_ods(data)["Table_1"]
            header = [[v for _, v in row] for row in rows].index(DEFERRAL_HEADERS)
            for row, wanted in zip(rows[header + 1 :], expected, strict=True):
                for column, (cell, value) in enumerate(zip(row, wanted, strict=True)):
                    assert_ods_cell(cell, value, f"column {column}")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--format", "ods"], "error: --format ods writes a file: give --output FILE\n"),
        (["--format", "xlsx"], "error: --format xlsx writes a file: give --output FILE\n"),
        (
            ["--format", "ods", "--output", "/nonexistent-folder/x.ods"],
            "error: /nonexistent-folder/x.ods: cannot write (No such file or directory)\n",
        ),
    ],
)
def test_measure_spreadsheet_without_a_file_is_refused(
    extra, message, sample_db, capsys, tmp_path
) -> None:
    capsys.readouterr()
    status = main(["measure", "deferrals", "--national", "--db", str(sample_db), *extra])
    out, err = capsys.readouterr()
    assert (status, err, out) == (2, message, "")


def test_source_date_epoch_must_be_a_number(sample_db, capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    capsys.readouterr()
    out = tmp_path / "x.xlsx"
    status = main(
        ["measure", "caseload", "--national", "--db", str(sample_db), "--format", "xlsx"]
        + ["--output", str(out)]
    )
    _, err = capsys.readouterr()
    assert status == 2
    assert err == (
        "error: SOURCE_DATE_EPOCH='yesterday' is not a whole number of seconds since 1970\n"
    )
    assert not out.exists()


def test_a_page_workbook_holds_a_table_shown_twice_once() -> None:
    """A chart and the table under it offer the same figures under one title: one sheet."""
    from jcp.web.workbook import PageWorkbook

    book = PageWorkbook(
        title="Test page",
        slug="test",
        extract_date=dt.date(2026, 10, 31),
        period_from="2025-11",
        period_to="2026-10",
        filters="all districts",
        scope="national",
        thresholds=THRESHOLDS,
        contact=None,
        district_names={},
        office_names={},
    )
    by_district = pl.DataFrame({"district_code": ["D01", "D02"], "claims": [12, 30]})
    book.add("Claims by district", by_district)
    book.add("Claims by district", by_district.clone())  # the table under the chart
    book.add("Claims by district", by_district.with_columns(claims=pl.lit(5)))  # other figures
    book.add("Claims by month", by_district)  # same figures, another title
    assert [title for title, _ in book.tables()] == [
        "Claims by district",
        "Claims by district",
        "Claims by month",
    ]
    # 12 + 30 claims' two rows in each of the three sheets kept.
    assert book.rows == 6
