"""docs/data-contract.md states every table, column, allowed value and rule of the contract."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jcp import contract
from jcp.load import LOADS_DDL, REJECTS_DDL, _rule_descriptions

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
