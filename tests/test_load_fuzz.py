"""Random bad CSV extracts: every row read is accepted or rejected, or one line and exit 2.

Hypothesis writes small extracts from the valid tables of tests/extracts.py with random fields
(any text, bytes that are not UTF-8, quotes, line breaks, dates and numbers of any shape), rows
of the wrong length, byte-order marks and extract dates. Whatever it writes, `load` must either
succeed with every row of every table counted once and a database the pages can use, or stop
with one line on stderr and exit status 2, leaving the old database byte for byte as it was.
A traceback fails the test.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from extracts import EXTRACT_DATE, valid_tables, write_extract
from hypothesis import event, given, settings
from hypothesis import strategies as st

from jcp.cli import main
from jcp.extract import contract
from jcp.measures.access import Scope
from jcp.measures.filters import available_months
from jcp.measures.runner import RequestError, Runner

TABLE_NAMES = [t.name for t in contract.TABLES]


@pytest.fixture(scope="module")
def reference_db(tmp_path_factory) -> Iterator[Path]:
    """A database loaded from the valid extract: each example starts from a copy of it."""
    folder = tmp_path_factory.mktemp("reference")
    db = folder / "dashboard.duckdb"
    assert (
        main(["load", str(write_extract(folder / "extract", valid_tables())), "--db", str(db)]) == 0
    )
    yield db


def _codes(table: contract.Table) -> list[bytes]:
    """The allowed values of the table's enumerations, so random rows sometimes pass them."""
    return [v.encode() for c in table.columns for v in c.allowed]


# Dates at the ends of the contract's range and of the calendar.
edge_dates = st.sampled_from(
    ["0000-01-01", "0001-01-01", "1999-12-31", "2000-01-01", "2027-10-31", "9999-12-31"]
)
# Values a row may get. Bytes that are not UTF-8 stop the whole file, so they come rarely, to
# leave most examples loading and exercising the row rules.
plausible = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=12).map(str.encode),
    st.sampled_from([b"", b" ", b"\t", b'"', b'""', b",", b"\n", b"\r\n", b"\xef\xbb\xbf"]),
    st.dates().map(lambda d: d.isoformat().encode()),
    edge_dates.map(str.encode),
    st.dates(dt.date(1995, 1, 1), dt.date(2030, 12, 31)).map(lambda d: d.isoformat().encode()),
    st.integers(min_value=-(10**12), max_value=10**12).map(lambda n: str(n).encode()),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(lambda d: str(d).encode()),
    st.sampled_from([c for t in contract.TABLES for c in _codes(t)]),
)
not_utf8 = st.one_of(
    st.binary(min_size=1, max_size=8),
    # Lone surrogates give the bytes of CESU-8, which is not UTF-8.
    st.text(st.characters(categories=["Cs"]), min_size=1, max_size=3).map(
        lambda v: v.encode("utf-8", "surrogatepass")
    ),
)
# Weighted by repeating: an integer compared with 0 would be drawn as 0 far more often than
# one time in N, as Hypothesis tries the ends of a range first.
fields = st.sampled_from([plausible] * 60 + [not_utf8]).flatmap(lambda values: values)
rarely = st.sampled_from([False] * 24 + [True])


@st.composite
def rows(draw, table: contract.Table, valid: list[dict]) -> list[list[bytes]]:
    """The table's valid rows, some fields replaced, some rows added, dropped or of the wrong
    length."""
    width = len(table.columns)
    out = [
        [b"" if row[c] is None else str(row[c]).encode() for c in table.column_names]
        for row in valid
    ]
    if out and draw(st.booleans()):  # valid rows dropped, repeated or reordered
        out = draw(st.lists(st.sampled_from(out).map(list), max_size=6))
    for _ in range(draw(st.integers(0, 3))):
        out.append(draw(st.lists(fields, min_size=width, max_size=width)))
    for row in out:
        for _ in range(draw(st.integers(0, 2))):
            row[draw(st.integers(0, width - 1))] = draw(fields)
    if out and draw(rarely):  # a row of the wrong length
        index = draw(st.integers(0, len(out) - 1))
        out[index] = out[index] + [b"extra"] if draw(st.booleans()) else out[index][:-1]
    return out


def _field(value: bytes, quote_all: bool) -> bytes:
    if quote_all or any(c in value for c in (b",", b'"', b"\n", b"\r")):
        return b'"' + value.replace(b'"', b'""') + b'"'
    return value


@st.composite
def extracts(draw) -> dict:
    valid = valid_tables()
    broken = draw(st.lists(st.sampled_from(TABLE_NAMES), min_size=1, max_size=3, unique=True))
    return {
        "tables": {name: draw(rows(contract.TABLES_BY_NAME[name], valid[name])) for name in broken},
        "quote_all": draw(st.booleans()),
        "newline": draw(st.sampled_from([b"\n", b"\r\n"])),
        "bom": draw(st.booleans()),
        "unescaped_quote": draw(rarely),  # a bare quote inside a field
        "extract_date": (
            draw(st.one_of(edge_dates, st.dates().map(str))) if draw(rarely) else EXTRACT_DATE
        ),
    }


def _write(folder: Path, example: dict) -> dict[str, int]:
    """Write the extract; return the data rows each table's file holds."""
    write_extract(folder, valid_tables(), extract_date=example["extract_date"])
    written = {name: len(rows) for name, rows in valid_tables().items()}
    for name, table_rows in example["tables"].items():
        newline = example["newline"]
        lines = [",".join(contract.TABLES_BY_NAME[name].column_names).encode()]
        for row in table_rows:
            lines.append(b",".join(_field(v, example["quote_all"]) for v in row))
        if example["unescaped_quote"] and len(lines) > 1:
            lines[-1] = lines[-1].replace(b",", b'x"y,', 1)
        data = newline.join(lines) + newline
        (folder / f"{name}.csv").write_bytes((b"\xef\xbb\xbf" if example["bom"] else b"") + data)
        written[name] = len(table_rows)
    return written


def _state(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


@settings(max_examples=50, deadline=None)
@given(example=extracts())
def test_a_load_counts_every_row_or_stops_cleanly(reference_db, example) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder, db = Path(scratch) / "extract", Path(scratch) / "data" / "dashboard.duckdb"
        db.parent.mkdir()
        shutil.copy2(reference_db, db)  # keeps the modification time too
        before = _state(db)
        written = _write(folder, example)
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            status = main(["load", str(folder), "--db", str(db)])

        assert sorted(p.name for p in db.parent.iterdir()) == ["dashboard.duckdb"]
        # What the examples came to (pytest --hypothesis-show-statistics): most should load.
        event(f"exit 2: {err.getvalue().split(': ', 2)[-1][:50]}" if status == 2 else "loaded")
        if status == 2:
            assert out.getvalue() == ""
            assert err.getvalue().startswith("error: ") and err.getvalue().count("\n") == 1
            assert _state(db) == before
            return
        assert status == 0 and err.getvalue() == "", err.getvalue()
        con = duckdb.connect(str(db), read_only=True)
        try:
            loads = {
                row[0]: row[1:]
                for row in con.execute(
                    "select table_name, rows_read, accepted, rejected from loads"
                ).fetchall()
            }
            in_rejects = dict(
                con.execute("select table_name, count(*) from rejects group by all").fetchall()
            )
            in_tables = {name: len(con.table(name).fetchall()) for name in TABLE_NAMES}
            if in_tables["districts"]:
                # Whatever dates loaded, the pages can use them: every month they offer.
                runner = Runner(con)
                request = runner.default_request("caseload", by="month")
                first = available_months(runner.catalogue)[0]
                runner.run(replace(request, period_from=first), Scope.national())
            else:  # nothing to show: the runner says so in a sentence
                with pytest.raises(RequestError, match="holds no districts"):
                    Runner(con)
        finally:
            con.close()
        for name in TABLE_NAMES:
            rows_read, accepted, rejected = loads[name]
            assert rows_read == written[name], name
            assert accepted + rejected == rows_read, name
            assert (in_tables[name], in_rejects.get(name, 0)) == (accepted, rejected), name


def test_the_writer_of_this_test_writes_csv_a_reader_reads_back(tmp_path) -> None:
    """The fuzz test's own CSV writer, on values with commas, quotes and line breaks."""
    example = {
        "tables": {"districts": [[b"D9", b'A "big", one', b"line\nbreak"]]},
        "quote_all": False,
        "newline": b"\r\n",
        "bom": False,
        "unescaped_quote": False,
        "extract_date": EXTRACT_DATE,
    }
    written = _write(tmp_path / "x", example)
    with (tmp_path / "x" / "districts.csv").open(newline="", encoding="utf-8") as handle:
        assert list(csv.reader(handle)) == [
            ["district_code", "district_name", "region"],
            ["D9", 'A "big", one', "line\nbreak"],
        ]
    assert written["districts"] == 1
