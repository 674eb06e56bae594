"""The fact tables' registry: what each queries/facts/NAME.sql reads, so the order they are built
in, and how every exported table is partitioned.

Each fact file declares both in its header comment (the comment lines it starts with), one line
each, after its description:

    -- reads: wfi, claims, offices
    -- export: partitioned by district_code

`reads:` names every table its query reads: tables of the extract contract (jcp/extract/contract.py)
and other facts. `export:` says how export-parquet writes it: `partitioned by district_code` (a
folder, and one file, per district per export) or `not partitioned` (one folder). The tables the
load writes itself have no fact file to declare their export in, so theirs are declared in
BASE_EXPORTS below.

A fact table is built after every fact it reads; facts that wait on nothing else are built in
name order. A missing or malformed declaration, a table that is neither the contract's nor a
fact, and facts that read each other in a cycle are refused, in one line naming the file (or
the cycle). The declarations sit in the SQL file, so a query and what it reads are edited
together; they are two one-line forms, so they are parsed here rather than by a SQL parser,
and tests/test_facts.py checks each against what its query binds to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from jcp.extract import contract

QUERIES_DIR = Path(__file__).resolve().parent.parent.parent / "queries"
FACTS_DIR = QUERIES_DIR / "facts"
EXPORT_DIR = QUERIES_DIR / "export"

# What a fact may read: the validated tables. Not loads, whose rows are written after the facts
# are built, nor rejects: a measure never counts rejected rows through a fact.
CONTRACT_TABLES = tuple(t.name for t in contract.TABLES)

NAME = re.compile(r"[a-z_][a-z0-9_]*")
DECLARATION = re.compile(r"-- (reads|export): ?(.*)")
# The two forms of `export:`. Not a file per district and month: every query reads every file
# of its tables (they filter on dates, not folders), and each file costs its opening, which made
# the Parquet engine 7-70x slower than the database at 1M claims (docs/scale-out.md).
BY_DISTRICT = "partitioned by district_code"
NOT_PARTITIONED = "not partitioned"


class FactsError(ValueError):
    """The fact tables' declarations cannot be used; the message names the file and the fault."""


@dataclass(frozen=True)
class Export:
    """How export-parquet writes a table: a folder per district or one folder, and where the export
    is not the table itself, the query (queries/export/TABLE.sql) whose rows it writes instead."""

    table: str
    by_district: bool = False  # folders district_code=D01/...; else the table's folder only
    query: str | None = None  # "export/TABLE" where queries/export/TABLE.sql exists


@dataclass(frozen=True)
class Fact:
    """A table built at load by queries/facts/NAME.sql."""

    name: str
    reads: tuple[str, ...]
    export: Export


# The exports of tables with no fact file: the contract's, with rows of their own in the export,
# and the load's record. The contract's event tables (wfi, job_entries, fsf_payments) are not
# written: their every row and column is in their fact table (load.py STORED_AS_FACTS); nor
# are assessments, which only review_months reads, and it is exported.
# Each with whether it is partitioned by district.
BASE_EXPORTS: dict[str, bool] = {
    "districts": True,
    "offices": True,
    "fsf_budgets": True,
    "claims": True,
    "loads": False,
    "rejects": False,
}


def _where(name: str) -> str:
    return f"queries/facts/{name}.sql"


def _header(text: str) -> list[str]:
    """The comment lines a query file starts with."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        lines.append(line.rstrip())
    return lines


def _by_district(name: str, declared: str) -> bool:
    """Whether an `export:` declaration partitions the table by district."""
    if declared not in (BY_DISTRICT, NOT_PARTITIONED):
        raise FactsError(
            f"{_where(name)}: export {declared!r} must be {BY_DISTRICT!r} or {NOT_PARTITIONED!r}"
        )
    return declared == BY_DISTRICT


def parse_fact(name: str, text: str) -> Fact:
    """The declarations of queries/facts/NAME.sql, whose text is `text`."""
    if not NAME.fullmatch(name):
        raise FactsError(f"{_where(name)}: a fact's file name must be a plain lower-case SQL name")
    declared: dict[str, str] = {}
    for line in _header(text):
        match = DECLARATION.fullmatch(line)
        if match:
            keyword, value = match.groups()
            if keyword in declared:
                raise FactsError(f"{_where(name)}: declares '{keyword}:' twice")
            declared[keyword] = value.strip()
    for keyword, example in (
        ("reads", "-- reads: claims, offices"),
        ("export", "-- export: partitioned by district_code"),
    ):
        if keyword not in declared:
            raise FactsError(
                f"{_where(name)}: no '-- {keyword}:' line in its header comment (e.g. '{example}')"
            )
    reads = tuple(r.strip() for r in declared["reads"].split(","))
    for table in reads:
        if not NAME.fullmatch(table):
            raise FactsError(
                f"{_where(name)}: reads {table!r}, which is not a table name; "
                "list the tables it reads, e.g. '-- reads: claims, offices'"
            )
    if len(set(reads)) < len(reads):
        raise FactsError(f"{_where(name)}: reads a table twice ({', '.join(reads)})")
    return Fact(name, reads, Export(name, _by_district(name, declared["export"])))


def _cycle_text(cycle: list[str]) -> str:
    """'a reads b reads a', from the alphabetically first name of the cycle."""
    # graphlib gives the cycle with each name read by the next; the declarations say the reverse.
    names = list(reversed(cycle))[:-1]
    start = names.index(min(names))
    names = names[start:] + names[:start]
    return " reads ".join([*names, names[0]])


def in_build_order(facts: list[Fact]) -> list[Fact]:
    """`facts`, each after every fact it reads; those waiting on nothing left in name order.

    Refuses a table that is neither the contract's nor one of `facts`, and a cycle.
    """
    by_name = {f.name: f for f in sorted(facts, key=lambda f: f.name)}
    for fact in by_name.values():
        if fact.name in CONTRACT_TABLES or fact.name in BASE_EXPORTS:
            raise FactsError(
                f"{_where(fact.name)}: {fact.name} is a table the load writes itself; "
                "name the fact table otherwise"
            )
        for table in fact.reads:
            if table not in CONTRACT_TABLES and table not in by_name:
                raise FactsError(
                    f"{_where(fact.name)}: reads {table}, which is neither a table of the extract "
                    f"contract ({', '.join(CONTRACT_TABLES)}) nor a fact (queries/facts/)"
                )
    # The stdlib's topological sort finds cycles; its rounds are sorted here, so the order
    # depends only on the declarations.
    sorter = TopologicalSorter(
        {f.name: [t for t in f.reads if t in by_name] for f in by_name.values()}
    )
    try:
        sorter.prepare()
    except CycleError as exc:
        raise FactsError(
            f"queries/facts: facts read each other in a cycle: {_cycle_text(exc.args[1])}"
        ) from None
    order: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        order += ready
        sorter.done(*ready)
    return [by_name[name] for name in order]


def read_facts(folder: Path) -> list[Fact]:
    """Every FOLDER/NAME.sql's declarations, checked, in build order."""
    return in_build_order(
        [parse_fact(p.stem, p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.sql"))]
    )


@cache
def facts() -> tuple[Fact, ...]:
    """The fact tables of queries/facts/, in build order (read once per process)."""
    return tuple(read_facts(FACTS_DIR))


def build_order() -> list[str]:
    """The fact tables' names, each after the facts it reads."""
    return [f.name for f in facts()]


def read_exports(built: list[Fact] | tuple[Fact, ...], export_dir: Path) -> list[Export]:
    """Every table export-parquet writes: BASE_EXPORTS, then the facts `built` in order. Each whose
    export_dir/TABLE.sql exists is exported as that query selects; a file for no such table is
    refused."""
    exports = [Export(table, by_district) for table, by_district in BASE_EXPORTS.items()]
    exports += [f.export for f in built]
    queries = {p.stem for p in export_dir.glob("*.sql")}
    unknown = sorted(queries - {e.table for e in exports})
    if unknown:
        raise FactsError(
            f"queries/export/{unknown[0]}.sql: no table {unknown[0]} is exported "
            "(the exports are jcp/extract/facts.py BASE_EXPORTS and queries/facts/)"
        )
    return [replace(e, query=f"export/{e.table}") if e.table in queries else e for e in exports]


@cache
def exports() -> tuple[Export, ...]:
    """Every table export-parquet writes, as declared (read once per process)."""
    return tuple(read_exports(facts(), EXPORT_DIR))


def exported_tables() -> list[str]:
    """The names of the tables export-parquet writes (the Spark engine's tables)."""
    return [e.table for e in exports()]
