"""Load an extract folder into DuckDB: validate every row against the contract, keep rejects.

The work is done set-wise in DuckDB (one query per table), so validating tens of millions of
rows stays fast. The database is built in a temporary file and moved into place only when the
whole load succeeded, so a failed load never damages the database the app is reading.
"""

from __future__ import annotations

import csv
import datetime as dt
import fcntl
import os
import re
import shutil
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from jcp.extract import contract
from jcp.extract.contract import Column, Table
from jcp.extract.db import is_duckdb_file
from jcp.extract.facts import FACTS_DIR, build_order
from jcp.extract.record_keys import define_key_function

REJECTS_DDL = """
create table rejects (
    table_name varchar not null,
    source_file varchar not null,
    source_row bigint not null,
    rule_id varchar not null,
    rule varchar not null,
    raw varchar not null
)
"""

LOADS_DDL = """
create table loads (
    extract_date date not null,
    source varchar not null,
    loaded_at timestamp not null,
    table_name varchar not null,
    source_file varchar not null,
    rows_read bigint not null,
    accepted bigint not null,
    rejected bigint not null
)
"""


class ExtractError(Exception):
    """The extract cannot be used at all; the message names the file and the problem."""

    def __init__(self, path: Path | str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = str(path)
        self.problem = problem


@dataclass(frozen=True)
class Manifest:
    extract_date: dt.date
    source: str


@dataclass
class TableCount:
    table: str
    source_file: str
    rows_read: int
    accepted: int
    rejected: int


@dataclass
class LoadReport:
    manifest: Manifest
    counts: list[TableCount] = field(default_factory=list)
    first_rejects: list[tuple] = field(default_factory=list)

    @property
    def total_rejected(self) -> int:
        return sum(c.rejected for c in self.counts)

    def summary(self) -> str:
        lines = [
            f"extract_date {self.manifest.extract_date}  source {self.manifest.source}",
            f"{'table':<14}{'read':>12}{'accepted':>12}{'rejected':>12}",
        ]
        for c in self.counts:
            lines.append(f"{c.table:<14}{c.rows_read:>12,}{c.accepted:>12,}{c.rejected:>12,}")
        return "\n".join(lines)


def one_year_after(day: dt.date) -> dt.date:
    """The same day a year later (28 February for 29 February), as DuckDB's `+ interval 1 year`."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def _refuse_link(path: Path) -> None:
    """Refuse a symbolic link: an extract is the folder's own files.

    A link could make the load read any file the loading account can (a link to /etc/passwd
    was refused only after its first line had been printed as a column name, and a link to a
    CSV elsewhere loaded). A file that is not a link is in the folder, so this is the whole
    check; it is made before anything of the file is read.
    """
    if path.is_symlink():
        raise ExtractError(
            path, "a symbolic link: an extract folder must hold the file itself, not a link"
        )


def read_manifest(extract_dir: Path, today: dt.date | None = None) -> Manifest:
    path = extract_dir / "extract.toml"
    _refuse_link(path)
    if not path.is_file():
        raise ExtractError(path, "missing: an extract folder must hold extract.toml")
    try:
        # utf-8-sig: a byte-order mark (Windows editors write one) is allowed, as in a CSV.
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ExtractError(path, f"not valid TOML ({exc})") from None
    raw_date = data.get("extract_date")
    if isinstance(raw_date, dt.date) and not isinstance(raw_date, dt.datetime):
        extract_date = raw_date
    elif isinstance(raw_date, str):
        try:
            extract_date = dt.date.fromisoformat(raw_date)
        except ValueError:
            extract_date = None
        if extract_date is None or len(raw_date) != 10:
            raise ExtractError(path, f"extract_date {raw_date!r} is not a date YYYY-MM-DD")
    elif isinstance(raw_date, dt.datetime):
        raise ExtractError(path, f"extract_date {raw_date} has a time: give a date YYYY-MM-DD")
    else:
        raise ExtractError(path, 'extract_date is required, e.g. extract_date = "2026-10-31"')
    # Every date of the extract is checked against extract_date, so it must be sane itself: a
    # year 9999 extract loaded, and then every page overflowed the calendar. Up to a year ahead
    # of the loading machine's day is allowed, so a machine whose clock is behind, or a test
    # extract dated ahead, still loads; further ahead is a mistyped year.
    earliest = dt.date.fromisoformat(contract.EARLIEST_DATE)
    latest = one_year_after(today or dt.date.today())
    if not earliest <= extract_date <= latest:
        raise ExtractError(
            path,
            f"extract_date {extract_date} is out of range: it must be from {earliest} to "
            f"{latest} (a year after the day of the load)",
        )
    source = data.get("source")
    if not isinstance(source, str) or not source.strip():
        raise ExtractError(path, 'source is required, e.g. source = "District MI extract"')
    return Manifest(extract_date, source.strip())


def find_table_file(extract_dir: Path, table: Table) -> Path:
    candidates = [extract_dir / f"{table.name}.{ext}" for ext in ("csv", "parquet")]
    present = [p for p in candidates if p.is_file() or p.is_symlink()]
    if not present:
        raise ExtractError(
            extract_dir / f"{table.name}.csv",
            f"missing: the table {table.name} is required (as {table.name}.csv or "
            f"{table.name}.parquet)",
        )
    if len(present) > 1:
        raise ExtractError(
            present[0], f"both {table.name}.csv and {table.name}.parquet exist: keep one"
        )
    _refuse_link(present[0])
    return present[0]


def _shown(name: str) -> str:
    """A column name from a file, quoted and cut short: it is the file's text, not ours."""
    return repr(name[:40] + "…" if len(name) > 40 else name)


def _check_columns(path: Path, table: Table, found: list[str]) -> None:
    expected = table.column_names
    missing = [c for c in expected if c not in found]
    unknown = [c for c in found if c not in expected]
    if missing or unknown:
        parts = []
        if missing:
            parts.append("missing column(s) " + ", ".join(missing))
        if unknown:
            more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
            parts.append("unknown column(s) " + ", ".join(_shown(c) for c in unknown[:5]) + more)
        raise ExtractError(path, "; ".join(parts) + f" (expected: {', '.join(expected)})")
    # Only names the contract has can be duplicated here: every other name is unknown above.
    duplicated = sorted({c for c in found if found.count(c) > 1})
    if duplicated:
        raise ExtractError(path, f"column(s) named twice: {', '.join(duplicated)}")


def _csv_header(path: Path) -> list[str]:
    # Read the header by hand: DuckDB's sniffer would happily invent column names for a
    # garbage file, and we want to name the exact problem before reading any rows.
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), None)
    except UnicodeDecodeError:
        raise ExtractError(path, "not a UTF-8 text file (is it really a CSV?)") from None
    except (OSError, csv.Error) as exc:
        raise ExtractError(path, f"cannot be read as CSV ({exc})") from None
    if not header:
        raise ExtractError(path, "empty file: a CSV extract needs a header row")
    return [h.strip() for h in header]


def _stage_raw(con: duckdb.DuckDBPyConnection, path: Path, table: Table) -> tuple[dict, str]:
    """Copy the file into raw_<table>; return its column types and a source-row expression."""
    raw_name = f"raw_{table.name}"
    if path.suffix == ".csv":
        header = _csv_header(path)
        _check_columns(path, table, header)
        columns = {name: "VARCHAR" for name in header}
        try:
            con.execute(
                f"create temp table {raw_name} as "
                "select * from read_csv($path, header = true, auto_detect = false, "
                "delim = ',', quote = '\"', escape = '\"', columns = $columns, "
                "strict_mode = true, max_line_size = $max_line_size)",
                {"path": str(path), "columns": columns, "max_line_size": MAX_CSV_LINE_BYTES},
            )
        except duckdb.Error as exc:
            raise ExtractError(path, f"cannot be read as CSV: {_reason(exc, path)}") from None
        # A table keeps insertion order in rowid, so rowid + 2 is the CSV line (header = 1).
        return columns, "r.rowid + 2"
    try:
        names = [
            row[0]
            for row in con.execute(
                "select name from parquet_schema($path) where num_children is null",
                {"path": str(path)},
            ).fetchall()
        ]
        _check_columns(path, table, names)
        # A view, not a copy: Parquet is already typed and columnar, and DuckDB scans it in
        # parallel each time it is read. A view cannot hold a bound parameter, so the path is
        # written as a quoted SQL string literal.
        literal = "'" + str(path.resolve()).replace("'", "''") + "'"
        con.execute(
            f"create temp view {raw_name} as "
            f"select * from read_parquet({literal}, file_row_number = true)"
        )
        # A view reads nothing until used: count its rows now so an unreadable file fails here.
        con.execute("select count(*) from " + _identifier(raw_name)).fetchone()
    except duckdb.Error as exc:
        raise ExtractError(path, f"cannot be read as Parquet: {_reason(exc, path)}") from None
    types = con.execute(
        "select column_name, data_type from duckdb_columns() where table_name = $t",
        {"t": raw_name},
    ).fetchall()
    return dict(types), "r.file_row_number + 1"


# The longest CSV row DuckDB reads (its default, set here so docs/data-contract.md can say it):
# a row of this contract is a few hundred bytes, so a longer one is a broken file.
MAX_CSV_LINE_BYTES = 2_000_000

# DuckDB's explanations of a CSV row it cannot read, which follow its first line ("CSV Error on
# Line: 3"). Only these phrases are passed on: the line between them quotes the row itself
# ("Original Line: ..."), which may hold claimants' data and may span lines.
CSV_REASONS = re.compile(
    r"Maximum line size of \d+ bytes exceeded\. Actual Size: ?\d+ bytes\."
    r"|Expected Number of Columns: \d+ Found: \d+"
    r"|Value with unterminated quote found\."
    r"|Invalid unicode \(byte sequence mismatch\) detected\."
)


def _reason(exc: Exception, path: Path) -> str:
    """DuckDB's reason for refusing a file, in one line that quotes nothing of the file.

    Its first line, less the error class ("Invalid Input Error: ") and anything in quotes (the
    file's path, which the message names already, or a value, e.g. a string that is not UTF-8),
    and for a CSV the explanation of the row (e.g. the maximum line size it exceeds).
    """
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    first = re.sub(r"^[A-Z][A-Za-z ]* Error: ", "", first)
    for name in {str(path), str(path.resolve())}:
        first = first.replace(f'"{name}"', "").replace(f"'{name}'", "").replace(" :", ":")
    first = re.sub(r"[\"'].*[\"']", "…", first)  # from the first quote to the last
    first = re.sub(r"[\"'].*", "…", first).strip()  # a quote left open: to the end
    explained = CSV_REASONS.findall(text)
    return f"{first} ({explained[-1]})" if explained else first


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]


# Table and column names cannot be bound parameters, so statements that name them are built as
# text. Every such name is a constant of contract.py or a fixed prefix of one, except the fact
# tables', which come from file names in queries/facts/: each name passes this check first.
IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


def _identifier(name: str) -> str:
    if not IDENTIFIER.fullmatch(name):
        raise ValueError(f"{name!r} is not a plain lower-case SQL name")
    return name


def _drop(con: duckdb.DuckDBPyConnection, kind: str, name: str) -> None:
    """Drop a loader work table or view (kind is 'table' or 'view')."""
    statement = {"table": "drop table ", "view": "drop view "}[kind] + _identifier(name)
    con.execute(statement)


WHITESPACE = ("' '", "E'\\t'", "E'\\r'", "E'\\n'")  # trim() alone keeps tabs


def _blank_to_null(value: str) -> str:
    """SQL for `value` as text without surrounding whitespace, NULL when that leaves nothing."""
    text = f"cast({value} as varchar)"
    # trim() with a list of characters costs DuckDB about as much as the rest of validation
    # together, and almost no value has anything to trim, so only values that begin or end
    # with a whitespace byte go through it. Text compares bytewise, so `< '!'` is true exactly
    # when the first byte is a space or a control character (or the text is empty); reversed,
    # the same test looks at the last character. One reverse() cost half as much as four
    # suffix() tests, and this runs on every text value of the extract (docs/performance.md).
    trimmed = f"trim({text}, {' || '.join(WHITESPACE)})"
    return (
        f"nullif(case when {text} < '!' or reverse({text}) < '!' "
        f"then {trimmed} else {text} end, '')"
    )


PARSE_PATTERNS = {
    "DATE": "[0-9]{4}-[0-9]{2}-[0-9]{2}",
    "INTEGER": "[+-]?[0-9]{1,9}",
    "DECIMAL(12,2)": "[+-]?[0-9]{1,10}([.][0-9]{1,2})?",
}


def _already_typed(column: Column, source_type: str) -> bool:
    """True when the file already holds the column in its contract type (typed Parquet)."""
    return source_type == column.type and column.type != "VARCHAR"


def _typed_expr(column: Column, source_type: str) -> str:
    """SQL turning the raw column into the contract type, NULL when it does not parse."""
    name = f'"{column.name}"'
    if _already_typed(column, source_type):
        return name
    # Blank text is a missing value whatever the file format, as an empty CSV field is.
    text = _blank_to_null(name)
    if column.type == "VARCHAR":
        return text
    pattern = PARSE_PATTERNS[column.type]
    # The pattern keeps DuckDB's lenient casts (e.g. '2024-1-5', '1e3') from passing as valid.
    return (
        f"case when regexp_full_match({text}, '{pattern}') "
        f"then try_cast({text} as {column.type}) end"
    )


def _raw(column: str) -> str:
    return f't."raw:{column}"'


def _rule_cases(
    table: Table, already_typed: frozenset[str] = frozenset()
) -> list[tuple[str, str, str]]:
    """(rule_id, description, broken-predicate) in the order rows are checked.

    A column in `already_typed` is read from the file as its contract type, so its type rule
    cannot be broken and is left out: checking it cast every value back to text (millions of
    casts and trims per column at national scale) to find nothing.
    """
    cases: list[tuple[str, str, str]] = []
    for column in table.columns:
        raw = _raw(column.name)
        typed = f't."{column.name}"'
        if column.type != "VARCHAR" and column.name not in already_typed:
            cases.append(
                (
                    contract.type_rule_id(table, column),
                    f"{column.name} must be {contract.TYPE_WORDS[column.type]}",
                    f"{_blank_to_null(raw)} is not null and {typed} is null",
                )
            )
        if column.type == "DATE":
            # Checked for typed Parquet dates too: a date column can hold year 1 or 300000.
            rule = contract.range_rule(table, column)
            cases.append((rule.id, rule.description, rule.broken))
        if column.required:
            cases.append(
                (
                    contract.required_rule_id(table, column),
                    f"{column.name} is required",
                    f"{typed} is null",
                )
            )
        if column.allowed:
            cases.append(
                (
                    contract.allowed_rule_id(table, column),
                    f"{column.name} must be one of {', '.join(column.allowed)}",
                    f"{typed} not in ({contract.in_list_sql(column.allowed)})",
                )
            )
    for ref in table.references:
        key = f't."{ref.column}"'
        cases.append(
            (
                contract.parent_rejected_rule_id(table, ref),
                f"{ref.column} refers to a row of {ref.parent} that was rejected",
                f"{key} is not null and {ref.alias}.{ref.parent_column} is null "
                f"and {ref.alias}_raw.k is not null",
            )
        )
        cases.append(
            (
                contract.reference_rule_id(table, ref),
                f"{ref.column} must exist in {ref.parent}",
                f"{key} is not null and {ref.alias}.{ref.parent_column} is null",
            )
        )
    for rule in table.rules:
        cases.append((rule.id, rule.description, rule.broken))
    return cases


def _validation_sql(table: Table, source_types: dict[str, str], source_row: str) -> str:
    """One statement that types every row and names the first rule it breaks (or NULL).

    Column names, rule predicates and identifiers are the contract's own constants, never
    input, which is why this SQL may be assembled as text; the extract_date is bound.
    Built for speed at tens of millions of rows: the raw text is only carried where a type
    check needs it, parents are matched by hash joins (rejected parent keys are a tiny table),
    and duplicates are found by grouping rather than by sorting every row.
    """
    already_typed = frozenset(
        c.name for c in table.columns if _already_typed(c, source_types.get(c.name, "VARCHAR"))
    )
    raw_columns = "".join(
        f', r."{c.name}" as "raw:{c.name}"'
        for c in table.columns
        if c.type != "VARCHAR" and c.name not in already_typed
    )
    typed_columns = ", ".join(
        f'{_typed_expr(c, source_types.get(c.name, "VARCHAR"))} as "{c.name}"'
        for c in table.columns
    )
    joins = []
    for ref in table.references:
        joins.append(
            f"left join {ref.parent} as {ref.alias} "
            f'on {ref.alias}.{ref.parent_column} = t."{ref.column}"'
        )
        joins.append(
            f"left join rejected_keys_{ref.parent} as {ref.alias}_raw "
            f'on {ref.alias}_raw.k = t."{ref.column}"'
        )
    cases = "\n            ".join(
        f"when {predicate} then '{rule_id}'"
        for rule_id, _, predicate in _rule_cases(table, already_typed)
    )
    return f"""
    create temp table checked_{table.name} as
    with typed as (
        select {source_row} as source_row{raw_columns}, {typed_columns}
        from raw_{table.name} as r
    )
    select t.source_row, {", ".join(_as_stored(c, f't."{c.name}"') for c in table.columns)}, case
            {cases}
        end as broken_rule
    from typed as t
    {" ".join(joins)}
    """


def _uniqueness_sql(table: Table) -> list[str]:
    """Statements marking the second and later valid rows with the same key, per constraint.

    Constraints apply one after another, each over the rows still valid, so a row rejected as
    a duplicate id cannot also make a later row a "second" baseline. The first valid row with a
    key is kept. An update of the (usually no) repeated rows, rather than a pass rewriting every
    row: keeping the checked rows once in a temporary table and reading them twice in one
    statement cost DuckDB a copy of every row.
    """
    statements = []
    for unique in table.unique:
        keys = ", ".join(f'"{c}"' for c in unique.columns)
        matched = " and ".join(f'c."{c}" = d."{c}"' for c in unique.columns)
        scope = "broken_rule is null" + (f" and {unique.where}" if unique.where else "")
        statements.append(
            f"""
    update checked_{table.name} as c set broken_rule = '{unique.id}'
    from (
        select {keys}, min(source_row) as first_row
        from checked_{table.name}
        where {scope} and hash({keys}) in (
            select hash({keys}) as h
            from checked_{table.name}
            where {scope}
            group by h
            having count(*) > 1
        )
        group by {keys}
        having count(*) > 1
    ) as d
    where {matched} and c.source_row > d.first_row and c.{scope}
    """
        )
    return statements


def _rule_descriptions(table: Table) -> dict[str, str]:
    described = {rule_id: text for rule_id, text, _ in _rule_cases(table)}
    described.update({u.id: u.description for u in table.unique})
    return described


# Identifiers repeat little or not at all, so no dictionary shrinks them, and DuckDB's dict_fsst
# compression spent 0.8 s per 10M of them to save a few bytes each: stored uncompressed.
UNCOMPRESSED = frozenset(
    {"claim_id", "claimant_ref", "assessment_id", "job_entry_id", "payment_id"}
)


def _column_sql(name: str, type_: str, required: bool = False) -> str:
    compression = " using compression uncompressed" if name in UNCOMPRESSED else ""
    return f'"{name}" {type_}{" not null" if required else ""}{compression}'


def _stored_type(column: Column) -> str:
    """The column's type in the database: its contract type, or for an enumeration (benefit,
    outcome, category, ...) a DuckDB ENUM of its allowed values.

    An ENUM value is a small integer: writing, grouping and joining them cost less than text,
    which made a 10M-claim load ~3 s faster (docs/performance.md). The values are listed in
    sorted order, so an ENUM column sorts, and has the min and max, its text would have.
    """
    if column.allowed:
        return f"ENUM({contract.in_list_sql(tuple(sorted(column.allowed)))})"
    return column.type


def _as_stored(column: Column, value: str) -> str:
    """SQL for a checked value in its stored type (NULL where the row breaks a rule on it)."""
    if column.allowed:
        return f'try_cast({value} as {_stored_type(column)}) as "{column.name}"'
    return f'{value} as "{column.name}"'


# Validated tables stored with a record key (record_keys.py) after their contract columns,
# by the column holding each row's id. The event tables stored as fact tables get theirs in
# their fact SQL (queries/facts/).
KEYED_TABLES = {"claims": "claim_id"}


def _create_table_sql(table: Table) -> str:
    cols = ", ".join(_column_sql(c.name, _stored_type(c), c.required) for c in table.columns)
    if table.name in KEYED_TABLES:
        cols += ", record_key smallint not null"
    return f"create table {table.name} ({cols})"


# An event table whose every accepted row and column is in a fact table is stored once, as that
# fact table (its claim's attributes added, in date order), and kept by its own name as a view of
# it: writing the same rows twice was a fifth of the load.
STORED_AS_FACTS = {
    "wfi": "wfi_facts",
    "job_entries": "job_entry_facts",
    "fsf_payments": "payment_facts",
}
PARENT_TABLES = {ref.parent for t in contract.TABLES for ref in t.references}


@contextmanager
def _reading_rows(path: Path) -> Iterator[None]:
    """Name a Parquet file whose rows DuckDB cannot decode, as ExtractError.

    A Parquet table is a view of its file, read only when validation reads it: a damaged page
    or a string that is not UTF-8 is met there, not when the file is opened in _stage_raw.
    Running out of memory or being interrupted is not the file's fault, and a CSV table is a
    copy already read, so those errors pass through.
    """
    try:
        yield
    except (duckdb.OutOfMemoryException, duckdb.InterruptException):
        raise
    except duckdb.Error as exc:
        if path.suffix != ".parquet":
            raise
        raise ExtractError(path, f"cannot be read as Parquet: {_reason(exc, path)}") from None


def _validate_table(
    con: duckdb.DuckDBPyConnection, extract_dir: Path, table: Table, manifest: Manifest
) -> TableCount:
    path = find_table_file(extract_dir, table)
    source_types, source_row = _stage_raw(con, path, table)
    sql = _validation_sql(table, source_types, source_row)
    # DuckDB refuses parameters a statement does not use, and only some tables' rules need it.
    with _reading_rows(path):
        con.execute(
            sql, {"extract_date": manifest.extract_date} if "$extract_date" in sql else None
        )
    for statement in _uniqueness_sql(table):
        con.execute(statement)
    names = ", ".join(f'"{c}"' for c in table.column_names)
    # Names, not values: the contract's own constants (see IDENTIFIER above).
    name = _identifier(table.name)
    accepted = f"select {names} from checked_{name} where broken_rule is null"
    if name in STORED_AS_FACTS:
        # Until its fact table is built, the table's name is a view of the accepted rows.
        con.execute(f"create temp view {name} as {accepted}")
    else:
        con.execute(_create_table_sql(table))
        # The record key is written with the rows, not added by an update rewriting every row.
        keyed = (
            f", record_key_of('{name}', \"{KEYED_TABLES[name]}\")" if name in KEYED_TABLES else ""
        )
        # In file order: no measure reads these tables by date (the fact tables are sorted).
        con.execute(
            f"insert into {name} select {names}{keyed} from checked_{name} "
            "where broken_rule is null"
        )
    if table.name in PARENT_TABLES:
        key = next(u.columns[0] for u in table.unique)
        con.execute(
            f"create temp table rejected_keys_{table.name} as select distinct {key} as k "
            f"from checked_{table.name} where broken_rule is not null and {key} is not null"
        )
    descriptions = _rule_descriptions(table)
    raw_struct = ", ".join(f'"{c}" := r."{c}"' for c in table.column_names)
    with _reading_rows(path):  # the rejects' original values are read from the file again
        con.execute(
            f"""
            insert into rejects
            select $table, $file, c.source_row, c.broken_rule, d.rule,
                   to_json(struct_pack({raw_struct}))
            from checked_{table.name} as c
            join raw_{table.name} as r on {source_row} = c.source_row
            join (select unnest($rule_ids) as rule_id, unnest($rule_texts) as rule) as d
                on d.rule_id = c.broken_rule
            order by c.source_row
            """,
            {
                "table": table.name,
                "file": path.name,
                "rule_ids": list(descriptions),
                "rule_texts": list(descriptions.values()),
            },
        )
    read, rejected = con.execute(
        f"select count(*), count(broken_rule) from checked_{table.name}"
    ).fetchone()
    if table.name in STORED_AS_FACTS:
        fact = STORED_AS_FACTS[table.name]
        _build_fact(con, fact)
        _drop(con, "view", table.name)
        con.execute(f"create view {name} as select {names} from {_identifier(fact)}")
    _drop(con, "table", f"checked_{table.name}")
    return TableCount(table.name, path.name, read, read - rejected, rejected)


def build_facts(con: duckdb.DuckDBPyConnection) -> None:
    """Event tables with their claim's office, district, benefit and group, in date order,
    and monthly summaries of them.

    Every measure filters and groups events by the claim's attributes; joining claims to events
    on every request is what made a national page slow, so it is done once here, and so is
    adding up what a national request would otherwise add up every time. Each
    queries/facts/NAME.sql is one query; its file name is the table it builds, and its header
    declares the tables it reads, which give the order they are built in (jcp/extract/facts.py).
    """
    built = set(STORED_AS_FACTS.values())
    for name in build_order():
        if name not in built:
            _build_fact(con, name)


def _build_fact(con: duckdb.DuckDBPyConnection, name: str) -> None:
    sql = (FACTS_DIR / f"{name}.sql").read_text(encoding="utf-8")
    columns = con.execute("describe " + sql).fetchall()
    con.execute(
        "create table "
        + _identifier(name)
        + " ("
        + ", ".join(_column_sql(_identifier(c[0]), c[1]) for c in columns)
        + ")"
    )
    con.execute("insert into " + _identifier(name) + " " + sql)


def _settings_secret() -> str:
    """The disclosure secret of the deployment's settings (jcp.toml), made on first use."""
    from jcp.config import load_settings  # the settings need polars; loading does not

    return load_settings().record_key_secret()


def validate_into(
    con: duckdb.DuckDBPyConnection, extract_dir: Path | str, secret: str | None = None
) -> LoadReport:
    """Validate the extract and write accepted rows, rejects and loads into `con`.

    Record keys are derived from `secret` (None: the settings' disclosure secret).
    """
    extract_dir = Path(extract_dir)
    if not extract_dir.is_dir():
        raise ExtractError(extract_dir, "not a folder: an extract is a folder of tables")
    manifest = read_manifest(extract_dir)
    build_order()  # a fact table's faulty declaration is refused before any row is read
    define_key_function(con, secret if secret is not None else _settings_secret())
    # Every file must be usable before any row is validated, so a broken extract fails fast.
    for table in contract.TABLES:
        find_table_file(extract_dir, table)
    con.execute(REJECTS_DDL)
    con.execute(LOADS_DDL)
    report = LoadReport(manifest)
    for table in contract.TABLES:
        report.counts.append(_validate_table(con, extract_dir, table, manifest))
    build_facts(con)
    loaded_at = dt.datetime.now().replace(microsecond=0)
    for c in report.counts:
        con.execute(
            "insert into loads values ($d, $s, $at, $t, $f, $read, $ok, $bad)",
            {
                "d": manifest.extract_date,
                "s": manifest.source,
                "at": loaded_at,
                "t": c.table,
                "f": c.source_file,
                "read": c.rows_read,
                "ok": c.accepted,
                "bad": c.rejected,
            },
        )
    report.first_rejects = con.execute(
        "select table_name, source_file, source_row, rule, raw from rejects "
        "order by table_name, source_row limit 20"
    ).fetchall()
    views = {r[0] for r in con.execute("select view_name from duckdb_views()").fetchall()}
    for table in contract.TABLES:
        kind = "view" if f"raw_{table.name}" in views else "table"
        _drop(con, kind, f"raw_{table.name}")
    for name in PARENT_TABLES:
        _drop(con, "table", f"rejected_keys_{name}")
    return report


class LoadSettingError(ValueError):
    """A memory limit or spill folder DuckDB refuses; the message names the setting and value."""


class TargetRefused(Exception):
    """The load will not write --db: another load is writing it, or it is not a database."""


def _check_target(db_path: Path) -> None:
    """Refuse a --db the load must not replace: a mistyped --db once pointing at, say, a CSV
    would have been replaced by a database without a word."""
    if db_path.is_dir():
        raise TargetRefused(f"{db_path}: a folder; --db names the database file to build")
    if db_path.is_file() and db_path.stat().st_size > 0 and not is_duckdb_file(db_path):
        raise TargetRefused(
            f"{db_path}: not a DuckDB database, so the load will not replace it; "
            "remove it or choose another --db"
        )


@contextmanager
def _load_lock(db_path: Path) -> Iterator[None]:
    """Hold PATH.lock for the whole load: a second load into the same database is refused
    rather than both saying "loaded" and the last silently winning.

    flock, not the file's existence, is the lock: the kernel releases it when its process dies,
    so a killed load never leaves the database locked. The file is removed as the load ends; a
    load that opened it just before then has locked a file no longer at the path, which it sees
    by comparing the two, and it takes the lock again on the path's new file.
    """
    lock_path = db_path.with_name(db_path.name + ".lock")
    while True:
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        except OSError as exc:
            raise TargetRefused(
                f"{lock_path}: cannot be used as the load's lock file ({exc.strerror})"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise TargetRefused(
                f"{db_path}: another load into this database is running (it holds "
                f"{lock_path.name}); try again when it has finished"
            ) from None
        try:
            on_path = os.stat(lock_path, follow_symlinks=False)
        except FileNotFoundError:
            on_path = None
        held = os.fstat(fd)
        if on_path and (on_path.st_dev, on_path.st_ino) == (held.st_dev, held.st_ino):
            break
        os.close(fd)
    try:
        yield
    finally:
        lock_path.unlink(missing_ok=True)  # while still holding it: see above
        os.close(fd)


def _remove_leftovers(db_path: Path) -> None:
    """Delete what killed loads into this database left: .NAME.PID.tmp, its .wal and DuckDB's
    spill folder .NAME.PID.tmp.tmp. Called holding the lock, which proves no load that could
    still be writing them is running; other databases' files are left alone."""
    leftover = re.compile(rf"\.{re.escape(db_path.name)}\.[0-9]+\.tmp(\.wal|\.tmp)?")
    for entry in db_path.parent.iterdir():
        if not leftover.fullmatch(entry.name):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def connect_for_load(
    path: Path | str, memory_limit: str | None = None, temp_directory: Path | str | None = None
) -> duckdb.DuckDBPyConnection:
    """A writable connection for the loader, held to `memory_limit` (e.g. "12GB"), spilling
    what does not fit to `temp_directory`.

    DuckDB's default limit is 80% of the machine's memory: a 100M-claim load peaked at 20.5 GB
    of 24 GiB, which leaves nothing for anything else running.
    """
    config: dict[str, str] = {}
    if memory_limit:
        config["memory_limit"] = memory_limit
    if temp_directory:
        config["temp_directory"] = str(temp_directory)
    try:
        return duckdb.connect(str(path), config=config)
    except duckdb.Error as exc:
        setting = ", ".join(f"{k} = {v!r}" for k, v in config.items())
        raise LoadSettingError(f"{setting}: DuckDB refuses it ({_first_line(exc)})") from None


def load(
    extract_dir: Path | str,
    db_path: Path | str,
    memory_limit: str | None = None,
    temp_directory: Path | str | None = None,
    secret: str | None = None,
) -> LoadReport:
    """Build a new database from the extract and atomically replace `db_path` with it.

    Holds `db_path`.lock throughout, so only one load into a database runs at a time. Record
    keys are derived from `secret` (None: the settings' disclosure secret).
    """
    db_path = Path(db_path)
    _check_target(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with _load_lock(db_path):
        _remove_leftovers(db_path)
        tmp_path = db_path.with_name(f".{db_path.name}.{os.getpid()}.tmp")
        try:
            con = connect_for_load(tmp_path, memory_limit, temp_directory)
            con.execute("set enable_progress_bar = false")  # the command prints its own summary
            try:
                report = validate_into(con, extract_dir, secret=secret)
                con.execute("checkpoint")
            finally:
                con.close()
            os.replace(tmp_path, db_path)
        finally:
            tmp_path.unlink(missing_ok=True)
            tmp_path.with_name(tmp_path.name + ".wal").unlink(missing_ok=True)
    return report


def check(extract_dir: Path | str, secret: str | None = None) -> LoadReport:
    """Validate without writing a database (the fact tables are built too, with their keys)."""
    con = duckdb.connect(":memory:")
    try:
        return validate_into(con, extract_dir, secret=secret)
    finally:
        con.close()
