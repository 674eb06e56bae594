"""docs/data-contract.md states every table, column, allowed value and rule of the contract."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from jcp.extract import contract
from jcp.extract.load import LOADS_DDL, REJECTS_DDL, _rule_descriptions

DOC = Path(__file__).resolve().parents[1] / "docs" / "data-contract.md"
TEXT = DOC.read_text(encoding="utf-8")
TABLE_NAMES = [t.name for t in contract.TABLES]


def _section(name: str) -> str:
    """The text under the heading "### `name`", up to the next heading of level 1 to 3."""
    match = re.search(rf"^### `{re.escape(name)}`\n(.*?)(?=^#{{1,3}} |\Z)", TEXT, re.M | re.S)
    assert match, f"{DOC.name} has no section headed ### `{name}`"
    return match.group(1)


def _table_rows(section: str, width: int) -> list[list[str]]:
    """The cells of every markdown table row in `section` that has `width` cells."""
    rows = []
    for line in section.splitlines():
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == width:
            rows.append(cells)
    return rows


def _code(cell: str) -> str | None:
    """The text of a cell that is exactly one `code span`, else None."""
    match = re.fullmatch(r"`([^`]+)`", cell)
    return match.group(1) if match else None


def test_table_sections_follow_the_load_order() -> None:
    headings = re.findall(r"^### `([a-z_]+)`$", TEXT, re.M)
    assert [h for h in headings if h in TABLE_NAMES] == TABLE_NAMES


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_column_table_matches_the_contract(name: str) -> None:
    table = contract.TABLES_BY_NAME[name]
    rows = {_code(r[0]): r[1:] for r in _table_rows(_section(name), 4) if _code(r[0])}
    assert list(rows) == table.column_names
    for column in table.columns:
        type_cell, required_cell, rules_cell = rows[column.name]
        assert f"`{column.type}`" in type_cell, (column.name, type_cell)
        assert required_cell == ("yes" if column.required else "no"), column.name
        for value in column.allowed:
            assert f"`{value}`" in rules_cell, (column.name, value)


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_rule_table_matches_the_loader(name: str) -> None:
    """Every rule id and text, in the order the loader checks them."""
    table = contract.TABLES_BY_NAME[name]
    rows = [(_code(r[0]), r[1]) for r in _table_rows(_section(name), 2) if _code(r[0])]
    assert rows == list(_rule_descriptions(table).items())


def test_every_rule_id_is_in_the_document() -> None:
    missing = [rule_id for rule_id in contract.all_rule_ids() if f"`{rule_id}`" not in TEXT]
    assert missing == []


def test_document_names_no_unknown_rule_id() -> None:
    tables = "|".join(TABLE_NAMES)
    named = set(re.findall(rf"`((?:{tables})\.[a-z0-9_.]+)`", TEXT))
    files = {f"{t}.{ext}" for t in TABLE_NAMES for ext in ("csv", "parquet")}
    assert sorted(named - files - set(contract.all_rule_ids())) == []


@pytest.mark.parametrize(("name", "ddl"), [("rejects", REJECTS_DDL), ("loads", LOADS_DDL)])
def test_load_bookkeeping_tables_match_their_ddl(name: str, ddl: str) -> None:
    columns = re.findall(r"^\s+([a-z_]+) ([a-z]+) not null,?$", ddl, re.M)
    assert columns
    rows = {_code(r[0]): _code(r[1]) for r in _table_rows(_section(name), 3) if _code(r[0])}
    assert rows == {column: sql_type.upper() for column, sql_type in columns}


# What section 1 says about the bytes of a file, checked against what the loader does --------

# The whitespace the document may name, and characters a reader might think it covers.
WHITESPACE_NAMES = {"spaces": " ", "tabs": "\t", "carriage returns": "\r", "line feeds": "\n"}
NOT_NAMED = ["\v", "\f", "\u00a0", "\u2003", "\u3000", "\u200b"]


def _whitespace_the_document_names() -> set[str]:
    match = re.search(
        r"^- An empty field is an empty \(null\) value\. Leading and trailing (.+?) are removed",
        TEXT,
        re.M | re.S,
    )
    assert match, "section 1 no longer says which whitespace is removed from a CSV value"
    names = re.split(r",\s+|\s+and\s+", " ".join(match.group(1).split()))
    assert set(names) <= set(WHITESPACE_NAMES), names
    return {WHITESPACE_NAMES[name] for name in names}


def test_the_whitespace_the_document_names_is_what_the_loader_removes(tmp_path) -> None:
    from extracts import valid_tables, write_extract

    from jcp.extract.load import validate_into

    candidates = [*WHITESPACE_NAMES.values(), *NOT_NAMED]
    tables = valid_tables()
    tables["districts"] += [
        {"district_code": f"W{i}", "district_name": f"{c}Name{c}", "region": "R"}
        for i, c in enumerate(candidates)
    ]
    con = duckdb.connect(":memory:")
    validate_into(con, write_extract(tmp_path / "x", tables))
    stored = dict(
        con.execute(
            "select district_code, district_name from districts where district_code like 'W%'"
        ).fetchall()
    )
    removed = {c for i, c in enumerate(candidates) if stored[f"W{i}"] == "Name"}
    kept = {c for i, c in enumerate(candidates) if stored[f"W{i}"] == f"{c}Name{c}"}
    assert removed | kept == set(candidates)
    assert removed == _whitespace_the_document_names()


def test_a_byte_order_mark_is_allowed_as_the_document_says(tmp_path) -> None:
    from extracts import valid_tables, write_extract

    from jcp.extract.load import check

    assert "A byte-order mark at the start of a file is allowed and ignored" in TEXT
    assert "a byte-order mark at its start is allowed, as in a CSV file" in TEXT
    tables = valid_tables()
    folder = write_extract(tmp_path / "x", tables)
    for path in [folder / "extract.toml", *folder.glob("*.csv")]:
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    report = check(folder)
    assert {c.table: (c.accepted, c.rejected) for c in report.counts} == {
        name: (len(rows), 0) for name, rows in tables.items()
    }
