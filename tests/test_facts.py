"""The fact tables' registry: declarations decide the build order and the exports, and a faulty
declaration is refused with one line naming its file."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

import jcp.extract.facts
import jcp.extract.load
import jcp.measures.export
from jcp import cli
from jcp.extract.db import connect_read_only
from jcp.extract.facts import (
    Export,
    Fact,
    FactsError,
    build_order,
    exports,
    facts,
    in_build_order,
    parse_fact,
    read_exports,
    read_facts,
)
from jcp.extract.load import _build_fact
from jcp.extract.record_keys import define_key_function
from jcp.measures.export import export_parquet, read_manifest
from jcp.measures.queries import QUERIES_DIR, query_sql

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
CONTRACT = "districts, offices, claims, wfi, assessments, job_entries, fsf_payments, fsf_budgets"


def sample_secret() -> str:
    """The record keys' secret the sample was loaded with (tests/conftest.py sets it)."""
    return jcp.extract.load._settings_secret()


def fact_text(
    name: str,
    reads: str | None = "claims",
    export: str | None = "partitioned by district_code",
    body: str = "select 1 as x",
) -> str:
    """A fact file's text with the given declarations (None: that line left out)."""
    lines = [f"-- {name}: a hand-built fact.", "-- Parameters: none."]
    if reads is not None:
        lines.append(f"-- reads: {reads}")
    if export is not None:
        lines.append(f"-- export: {export}")
    return "\n".join([*lines, body, ""])


def write_facts(folder: Path, declared: dict[str, str]) -> Path:
    """queries/facts-like FOLDER with one file per name, reading what `declared` says."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, reads in declared.items():
        (folder / f"{name}.sql").write_text(fact_text(name, reads), encoding="utf-8")
    return folder


# --- build order ---------------------------------------------------------------------------


def test_build_order_follows_the_declarations(tmp_path: Path) -> None:
    folder = write_facts(
        tmp_path / "facts",
        {
            "zeta_months": "alpha_facts",
            "alpha_facts": "claims, offices",
            "gamma_summary": "zeta_months, beta_facts",
            "beta_facts": "wfi",
            "delta_facts": "claims",
        },
    )
    # Worked out by hand: first the facts reading only contract tables, in name order; then
    # zeta_months (alpha_facts is built); then gamma_summary (zeta_months is built). Name order
    # alone would put gamma_summary before zeta_months.
    expected = ["alpha_facts", "beta_facts", "delta_facts", "zeta_months", "gamma_summary"]
    assert [f.name for f in read_facts(folder)] == expected
    # Deterministic: the order does not depend on the order the facts are given in.
    declared = read_facts(folder)
    for seed in range(5):
        shuffled = declared.copy()
        random.Random(seed).shuffle(shuffled)
        assert [f.name for f in in_build_order(shuffled)] == expected


def test_the_declaration_decides_not_the_text_of_the_query(tmp_path: Path) -> None:
    """A fact's name in another's SQL (here a string) does not order them: the build used to
    guess what a query reads from the words in it."""
    folder = tmp_path / "facts"
    folder.mkdir()
    (folder / "a_summary.sql").write_text(
        fact_text("a_summary", "claims", body="select 'b_facts' as source from claims"),
        encoding="utf-8",
    )
    (folder / "b_facts.sql").write_text(fact_text("b_facts", "claims"), encoding="utf-8")
    assert [f.name for f in read_facts(folder)] == ["a_summary", "b_facts"]


def test_a_fact_is_parsed_into_its_reads_and_export() -> None:
    text = fact_text("x_facts", "wfi, claims", "partitioned by district_code")
    assert parse_fact("x_facts", text) == Fact(
        "x_facts", ("wfi", "claims"), Export("x_facts", by_district=True)
    )
    assert parse_fact("x_facts", fact_text("x_facts", export="not partitioned")).export == Export(
        "x_facts", by_district=False
    )


# --- refused declarations -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            fact_text("x_facts", reads=None),
            "no '-- reads:' line in its header comment (e.g. '-- reads: claims, offices')",
        ),
        (
            fact_text("x_facts", export=None),
            "no '-- export:' line in its header comment "
            "(e.g. '-- export: partitioned by district_code')",
        ),
        # Only the comment lines the file starts with are its header.
        (
            fact_text("x_facts", reads=None, body="select 1 as x\n-- reads: claims"),
            "no '-- reads:' line in its header comment (e.g. '-- reads: claims, offices')",
        ),
        (
            fact_text("x_facts", reads=None).replace("-- Parameters", "-- Reads: claims\n-- P"),
            "no '-- reads:' line in its header comment (e.g. '-- reads: claims, offices')",
        ),
        (
            fact_text("x_facts").replace("-- reads: claims", "-- reads: claims\n-- reads: wfi"),
            "declares 'reads:' twice",
        ),
        (
            fact_text("x_facts", reads="claims, offices."),
            "reads 'offices.', which is not a table name; list the tables it reads, "
            "e.g. '-- reads: claims, offices'",
        ),
        (
            fact_text("x_facts", reads=""),
            "reads '', which is not a table name; list the tables it reads, "
            "e.g. '-- reads: claims, offices'",
        ),
        (fact_text("x_facts", reads="claims, claims"), "reads a table twice (claims, claims)"),
    ],
)
def test_a_missing_or_malformed_declaration_is_refused(text: str, problem: str) -> None:
    with pytest.raises(FactsError) as refused:
        parse_fact("x_facts", text)
    assert str(refused.value) == f"queries/facts/x_facts.sql: {problem}"


@pytest.mark.parametrize(
    "declared",
    [
        "by district_code",
        "partitioned by office_code",
        # The folder per district and month the export used to write (docs/scale-out.md, "Speed")
        "partitioned by district_code, event_month(due_date)",
        "partitioned by district_code, district_code",
        "Partitioned by district_code",
        "partitioned by district_code.",
    ],
)
def test_an_export_of_neither_form_is_refused(declared: str) -> None:
    with pytest.raises(FactsError) as refused:
        parse_fact("x_facts", fact_text("x_facts", export=declared))
    assert str(refused.value) == (
        f"queries/facts/x_facts.sql: export {declared!r} must be "
        "'partitioned by district_code' or 'not partitioned'"
    )


def test_a_missing_declaration_stops_the_whole_registry(tmp_path: Path) -> None:
    folder = write_facts(tmp_path / "facts", {"a_facts": "claims", "b_months": "a_facts"})
    (folder / "c_facts.sql").write_text(fact_text("c_facts", reads=None), encoding="utf-8")
    with pytest.raises(FactsError, match=r"^queries/facts/c_facts\.sql: no '-- reads:' line"):
        read_facts(folder)


def test_a_file_name_that_is_not_a_table_name_is_refused() -> None:
    with pytest.raises(FactsError) as refused:
        parse_fact("Wfi-Facts", fact_text("Wfi-Facts"))
    assert str(refused.value) == (
        "queries/facts/Wfi-Facts.sql: a fact's file name must be a plain lower-case SQL name"
    )


@pytest.mark.parametrize(
    "unknown",
    [
        "clams",  # a typing error
        "loads",  # written by the load after the facts are built
        "rejects",
        "raw_claims",  # the load's work table, gone by the time facts are built
    ],
)
def test_a_table_that_is_neither_the_contracts_nor_a_fact_is_refused(
    tmp_path: Path, unknown: str
) -> None:
    folder = write_facts(
        tmp_path / "facts", {"a_facts": "claims", "b_months": f"a_facts, {unknown}"}
    )
    with pytest.raises(FactsError) as refused:
        read_facts(folder)
    assert str(refused.value) == (
        f"queries/facts/b_months.sql: reads {unknown}, which is neither a table of the extract "
        f"contract ({CONTRACT}) nor a fact (queries/facts/)"
    )


@pytest.mark.parametrize("name", ["claims", "loads"])
def test_a_fact_named_as_a_table_the_load_writes_is_refused(tmp_path: Path, name: str) -> None:
    folder = write_facts(tmp_path / "facts", {name: "offices"})
    with pytest.raises(FactsError) as refused:
        read_facts(folder)
    assert str(refused.value) == (
        f"queries/facts/{name}.sql: {name} is a table the load writes itself; "
        "name the fact table otherwise"
    )


@pytest.mark.parametrize(
    ("declared", "cycle"),
    [
        (
            {"c_facts": "a_facts", "a_facts": "claims, b_facts", "b_facts": "c_facts"},
            "a_facts reads b_facts reads c_facts reads a_facts",
        ),
        ({"a_facts": "claims", "b_months": "b_months"}, "b_months reads b_months"),
        (
            {"a_facts": "claims", "x_months": "y_months, a_facts", "y_months": "x_months"},
            "x_months reads y_months reads x_months",
        ),
    ],
)
def test_facts_reading_each_other_in_a_cycle_are_refused(
    tmp_path: Path, declared: dict[str, str], cycle: str
) -> None:
    folder = write_facts(tmp_path / "facts", declared)
    with pytest.raises(FactsError) as refused:
        read_facts(folder)
    assert str(refused.value) == f"queries/facts: facts read each other in a cycle: {cycle}"


# --- exports -------------------------------------------------------------------------------


def test_exports_are_the_base_tables_then_the_facts_with_their_queries(tmp_path: Path) -> None:
    built = read_facts(
        write_facts(tmp_path / "facts", {"b_facts": "claims", "a_months": "b_facts"})
    )
    (tmp_path / "export").mkdir()
    (tmp_path / "export" / "a_months.sql").write_text("select 1", encoding="utf-8")
    (tmp_path / "export" / "claims.sql").write_text("select 1", encoding="utf-8")
    assert read_exports(built, tmp_path / "export") == [
        Export("districts", by_district=True),
        Export("offices", by_district=True),
        Export("fsf_budgets", by_district=True),
        Export("claims", by_district=True, query="export/claims"),
        Export("loads", by_district=False),
        Export("rejects", by_district=False),
        Export("b_facts", by_district=True),
        Export("a_months", by_district=True, query="export/a_months"),
    ]


def test_an_export_query_for_no_exported_table_is_refused(tmp_path: Path) -> None:
    built = read_facts(write_facts(tmp_path / "facts", {"b_facts": "claims"}))
    (tmp_path / "export").mkdir()
    (tmp_path / "export" / "wfi.sql").write_text("select * from wfi", encoding="utf-8")
    with pytest.raises(FactsError) as refused:
        read_exports(built, tmp_path / "export")
    assert str(refused.value) == (
        "queries/export/wfi.sql: no table wfi is exported "
        "(the exports are jcp/extract/facts.py BASE_EXPORTS and queries/facts/)"
    )


def test_the_real_exports_are_the_tables_spark_reads() -> None:
    """As export-parquet wrote them when the list was kept by hand in jcp/measures/export.py:
    every table by district but the load's record and its rejects."""
    assert {e.table: e.by_district for e in exports()} == {
        "districts": True,
        "offices": True,
        "fsf_budgets": True,
        "claims": True,
        "wfi_facts": True,
        "wfi_months": True,
        "deferred_wfi": True,
        "job_entry_facts": True,
        "job_entry_months": True,
        "payment_facts": True,
        "payment_months": True,
        "payment_category_months": True,
        "multi_office_claim_payments": True,
        "review_months": True,
        "claim_flows": True,
        "claim_months": True,
        "claim_restart_facts": True,
        "claim_restart_months": True,
        "claim_end_months": True,
        "claim_end_lengths": True,
        "claim_exit_days": True,
        "claim_exit_months": True,
        "interview_months": True,
        "deferral_facts": True,
        "deferral_months": True,
        "deferral_length_months": True,
        "live_claim_months": True,
        "fsf_recipient_months": True,
        "fsf_job_entries": True,
        "fsf_job_months": True,
        "job_survival_spells": True,
        "claim_survival_spells": True,
        "loads": False,
        "rejects": False,
    }
    with_query = {e.table for e in exports() if e.query}
    assert with_query == {"claims", "payment_facts", "multi_office_claim_payments"}


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    return [(name, type_) for name, type_, *_ in con.execute("describe " + relation).fetchall()]


def test_an_export_query_is_kept_only_where_the_export_differs_from_the_table(sample_db) -> None:
    """Otherwise the table is exported by name: a `select *` file would restate the table."""
    con = connect_read_only(sample_db)
    try:
        for export in exports():
            if export.query:
                exported = _columns(con, query_sql(export.query))
                assert exported != _columns(con, export.table), export
    finally:
        con.close()


def test_export_writes_each_table_whole_a_file_per_district_in_the_tables_order(
    sample_db, tmp_path: Path, monkeypatch
) -> None:
    """Every row of a table exported by name comes back: a district's rows in one file, in the
    table's own order (a fact table's is date order: its query ends `order by` its date), and an
    unpartitioned table in one file. Batches and row groups are made small, so that a district's
    rows come in many batches, which pyarrow's threads would otherwise write in any order."""
    monkeypatch.setattr(jcp.measures.export, "BATCH_ROWS", 1_000)
    monkeypatch.setattr(jcp.measures.export, "ROW_GROUP_ROWS", 500)
    out = tmp_path / "parquet"
    source = connect_read_only(sample_db)
    try:
        export_parquet(source, out)
    finally:
        source.close()
    (entry,) = read_manifest(out)["exports"]
    con = duckdb.connect()
    con.execute("attach $db as sample (read_only)", {"db": str(sample_db)})
    for export in exports():
        table = f"sample.{export.table}"  # a name from the registry
        assert entry["rows"][export.table] == len(con.table(table)), export.table
        if export.query:
            continue  # claims, and the two with claim_key: see queries/export/
        folder = out / export.table
        if not export.by_district:
            (file,) = folder.glob("*.parquet")
            back = con.execute("select * from read_parquet($file)", {"file": str(file)}).fetchall()
            assert back == con.table(table).fetchall(), export.table
            continue
        held = con.execute(f"select distinct district_code from {table}").fetchall()
        # A table with no rows has one empty file, in the first district's folder.
        districts = sorted(d for (d,) in held) or ["D01"]
        assert sorted(p.name for p in folder.iterdir()) == [
            f"district_code={d}" for d in districts
        ], export.table
        for district in districts:
            (file,) = (folder / f"district_code={district}").iterdir()
            # The file's own columns (DuckDB would add the folder's by itself), fetched at once:
            # execute returns the connection, whose result the next statement replaces.
            back = con.execute(
                "select * from read_parquet($file, hive_partitioning = false)", {"file": str(file)}
            ).fetchall()
            stored = con.execute(
                f"select * exclude (district_code) from {table} where district_code = $district",
                {"district": district},
            ).fetchall()
            assert back == stored, (export.table, district)
    con.close()


def test_a_districts_file_keeps_date_order_so_row_groups_split_by_date(
    sample_db, tmp_path: Path, monkeypatch
) -> None:
    """A filter on dates skips row groups by their min and max: one file per district serves
    a period fast only if its row groups each hold a run of dates, not the whole range."""
    monkeypatch.setattr(jcp.measures.export, "BATCH_ROWS", 1_000)
    monkeypatch.setattr(jcp.measures.export, "ROW_GROUP_ROWS", 500)
    out = tmp_path / "parquet"
    source = connect_read_only(sample_db)
    try:
        export_parquet(source, out)
        per_district = dict(
            source.execute(
                "select district_code, count(*) from wfi_facts group by district_code"
            ).fetchall()
        )
    finally:
        source.close()
    for district, rows in per_district.items():
        (file,) = (out / "wfi_facts" / f"district_code={district}").iterdir()
        metadata = pq.ParquetFile(file).metadata
        due_date = metadata.schema.names.index("due_date")
        groups = [metadata.row_group(i) for i in range(metadata.num_row_groups)]
        # Groups of 500 rows but the last: 3,001 rows would be 7 groups, 6 of 500 and one of 1.
        assert [g.num_rows for g in groups] == [500] * (rows // 500) + (
            [rows % 500] if rows % 500 else []
        )
        assert len(groups) > 2, district  # enough groups for the order to be tested
        bounds = [
            (g.column(due_date).statistics.min, g.column(due_date).statistics.max) for g in groups
        ]
        for (_, earlier_max), (later_min, _) in itertools.pairwise(bounds):
            assert earlier_max <= later_min, (district, bounds)


# --- the real registry ---------------------------------------------------------------------


def test_every_fact_file_is_in_the_build_order() -> None:
    stems = sorted(p.stem for p in (QUERIES_DIR / "facts").glob("*.sql"))
    assert sorted(build_order()) == stems


@pytest.fixture(scope="module")
def sample_tables(sample_db) -> dict[str, list[tuple[str, str]]]:
    """Every table and view of the loaded sample, with its columns and types."""
    con = connect_read_only(sample_db)
    try:
        rows = con.execute(
            "select table_name, column_name, data_type from duckdb_columns() "
            "where not internal order by table_name, column_index"
        ).fetchall()
    finally:
        con.close()
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, type_ in rows:
        tables.setdefault(table, []).append((column, type_))
    return tables


def _binds_with(sql: str, present: list[str], tables: dict) -> str | None:
    """None if `sql` binds against empty copies of only the `present` tables, else the error."""
    con = duckdb.connect()
    try:
        define_key_function(con, sample_secret())
        for table in present:
            columns = ", ".join(f'"{c}" {t}' for c, t in tables[table])
            con.execute(f"create table {table} ({columns})")
        con.execute("describe " + sql)
        return None
    except duckdb.CatalogException as exc:
        return str(exc)
    finally:
        con.close()


@pytest.mark.parametrize("fact", [f.name for f in facts()])
def test_each_fact_reads_exactly_what_it_declares(fact: str, sample_tables) -> None:
    """Its query binds with only the tables it declares, and fails without any one of them."""
    (declared,) = [f for f in facts() if f.name == fact]
    sql = query_sql(f"facts/{fact}")
    assert _binds_with(sql, list(declared.reads), sample_tables) is None
    for left_out in declared.reads:
        error = _binds_with(sql, [t for t in declared.reads if t != left_out], sample_tables)
        assert error is not None and f"name {left_out} does not exist" in error, (left_out, error)


def test_the_real_build_order_builds_every_fact_from_the_contract_tables(sample_db) -> None:
    """From the sample's validated tables alone, the facts built in the registry's order are the
    ones the load built."""
    con = duckdb.connect()
    try:
        define_key_function(con, sample_secret())
        con.execute("attach $db as sample (read_only)", {"db": str(sample_db)})
        for table in CONTRACT.split(", "):
            con.execute(f"create table {table} as select * from sample.{table}")
        for name in build_order():
            _build_fact(con, name)
            differing = con.execute(
                f"select count(*) from (from {name} except all from sample.{name}) union all "
                f"select count(*) from (from sample.{name} except all from {name})"
            ).fetchall()
            assert differing == [(0,), (0,)], name
    finally:
        con.close()


# --- the command line ----------------------------------------------------------------------


@pytest.fixture
def faulty_registry(tmp_path: Path, monkeypatch):
    """queries/facts stood in for by a folder whose one fact reads a table nobody has."""
    monkeypatch.setattr(
        jcp.extract.facts, "FACTS_DIR", write_facts(tmp_path, {"a_facts": "claims, clams"})
    )
    jcp.extract.facts.facts.cache_clear()
    jcp.extract.facts.exports.cache_clear()
    yield
    monkeypatch.undo()
    jcp.extract.facts.facts.cache_clear()
    jcp.extract.facts.exports.cache_clear()


def test_the_load_refuses_a_faulty_declaration_in_one_line(faulty_registry, capsys) -> None:
    assert cli.main(["check", str(SAMPLE)]) == 2
    assert capsys.readouterr().err == (
        "error: queries/facts/a_facts.sql: reads clams, which is neither a table of the extract "
        f"contract ({CONTRACT}) nor a fact (queries/facts/)\n"
    )
