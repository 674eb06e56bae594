"""The Spark engine gives DuckDB's figures, from the same SQL, on the committed sample.

One Spark session serves the whole module (starting Spark takes ~10 s). Parity is exact for
counts, codes and dates, and to 1e-9 for rates, means and money. DuckDB's own figures are
checked by hand in tests/test_measures_*.py; `JCP_TEST_ENGINE=spark pytest tests/test_measures_*`
runs all of those hand-worked figures on Spark as well (README, "Tests").
"""

from __future__ import annotations

import json
import math
import re
import shutil
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
import sqlglot

from jcp import cli
from jcp.bench import FILTER_SETS
from jcp.extract.db import DatabaseOutdated, connect_read_only
from jcp.extract.facts import exported_tables
from jcp.measures import spark
from jcp.measures.access import Scope, read_access
from jcp.measures.export import ExportError, export_parquet, read_manifest
from jcp.measures.queries import QUERIES_DIR, query_sql, sql_parameters
from jcp.measures.runner import (
    CELL_GROUPINGS,
    CELL_KEYS,
    COMPARE_UNITS,
    MEASURES,
    MONTH_GROUPINGS,
    REPORTS,
    RequestError,
    measure_groupings,
)
from jcp.measures.spark import SparkEngine, TranspileError, spark_problems, spark_sql
from jcp.measures.specs import comparable_columns

ROOT = Path(__file__).resolve().parent.parent
NATIONAL = Scope.national()


def same_value(left: object, right: object) -> bool:
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, float | Decimal) or isinstance(right, float | Decimal):
        if isinstance(left, float) and isinstance(right, float) and math.isnan(left):
            return math.isnan(right)  # pandas shows a missing figure as NaN
        return math.isclose(float(left), float(right), rel_tol=1e-9, abs_tol=1e-9)
    return left == right


def assert_same(spark_frame: pl.DataFrame, duck_frame: pl.DataFrame, label: str) -> None:
    assert spark_frame.columns == duck_frame.columns, label
    assert spark_frame.height == duck_frame.height, label
    for column in duck_frame.columns:
        kinds = (spark_frame.schema[column], duck_frame.schema[column])
        # Decimal precision may differ (Spark sums decimal(12,2) to (22,2), DuckDB to (38,2)).
        assert kinds[0].base_type() == kinds[1].base_type(), f"{label} {column}: {kinds}"
        pairs = zip(spark_frame[column].to_list(), duck_frame[column].to_list(), strict=True)
        for row, (left, right) in enumerate(pairs):
            assert same_value(left, right), f"{label} {column} row {row}: {left!r} vs {right!r}"


def test_same_value_is_strict_where_it_must_be() -> None:
    assert same_value(0.1 + 0.2, 0.3)
    assert not same_value(0.5, 0.500001)
    assert same_value(Decimal("12.50"), Decimal("12.5"))
    assert not same_value(Decimal("12.50"), Decimal("12.51"))
    assert not same_value(None, 0)
    assert same_value(float("nan"), float("nan"))
    assert not same_value(float("nan"), 0.0)
    assert not same_value("D01", "D02")


# --- transpiling --------------------------------------------------------------------------


@pytest.mark.parametrize("name", spark.query_names())
def test_every_query_transpiles_to_spark_sql_without_duckdb_constructs(name: str) -> None:
    text = spark_sql(name)
    assert spark_problems(text) == []
    statement = sqlglot.parse_one(text, read="spark").sql("spark", comments=False)
    # String literals are data, not syntax: a JSON path ('$.office_code') starts with $.
    code = re.sub(r"'(?:[^'\\]|\\.)*'", "''", statement)
    assert "$" not in code and "::" not in code
    # Every $parameter became a Spark named marker.
    for parameter in (p for p in ("by", "period_start", "districts") if f"${p}" in query_sql(name)):
        assert f":{parameter}" in text


def test_the_queries_checked_are_every_measure_and_report() -> None:
    assert set(spark.query_names()) == set(MEASURES) | set(REPORTS)
    assert spark.query_names() == sorted(p.stem for p in QUERIES_DIR.glob("*.sql"))


@pytest.mark.parametrize(
    ("duckdb_sql", "problem"),
    [
        ("select list_avg([a, b]) from t", "LIST_AVG"),
        ("select approx_quantile(a, 0.5) from t", "approximate"),
        ("select approx_count_distinct(a) from t", "approximate"),
        # Exact in DuckDB, but sqlglot writes Spark's approximate percentile for it.
        ("select percentile_cont(0.5) within group (order by a) from t", "approximate"),
        ("select a::hugeint from t", "INT128"),
        ("select my_udf(a) from t", "MY_UDF"),
    ],
)
def test_constructs_spark_lacks_or_would_approximate_are_refused(duckdb_sql, problem) -> None:
    text = sqlglot.transpile(duckdb_sql, read="duckdb", write="spark")[0]
    problems = spark_problems(text)
    assert problems, text
    assert problem.lower() in " ".join(problems).lower()


def test_a_query_that_does_not_transpile_is_refused_with_its_name(monkeypatch) -> None:
    monkeypatch.setattr(spark, "query_sql", lambda name: "select list_avg([a, b]) as x from t")
    spark.spark_tree.cache_clear()
    try:
        with pytest.raises(TranspileError, match=r"queries/broken\.sql: .*LIST_AVG"):
            spark.spark_tree("broken")
    finally:
        spark.spark_tree.cache_clear()


def test_median_stays_exact_median_on_spark() -> None:
    text = spark_sql("deferrals")
    assert "MEDIAN(" in text.upper()
    assert "APPROX" not in text.upper()


def test_a_null_filter_list_is_a_typed_null_and_only_then() -> None:
    assert "CAST(NULL AS ARRAY<STRING>)" in spark_sql("deferrals", frozenset({"districts"}))
    assert ":districts" not in spark_sql("deferrals", frozenset({"districts"}))
    assert ":offices" in spark_sql("deferrals", frozenset({"districts"}))
    assert "CAST(NULL" not in spark_sql("deferrals")


# --- parity on the sample ------------------------------------------------------------------


@pytest.mark.parametrize("filters", FILTER_SETS)
@pytest.mark.parametrize(("measure", "by"), measure_groupings())
def test_spark_equals_duckdb_exact_figures(measure, by, filters, sample_runner, on_spark) -> None:
    request = sample_runner.default_request(measure, by=by, **FILTER_SETS[filters])
    expected = sample_runner.run(request, NATIONAL, unsuppressed=True)
    assert_same(on_spark.run(request, NATIONAL, unsuppressed=True), expected, str(request))


@pytest.mark.parametrize(("measure", "by"), measure_groupings())
def test_spark_equals_duckdb_with_disclosure_control(measure, by, sample_runner, on_spark) -> None:
    request = sample_runner.default_request(measure, by=by)
    expected = sample_runner.run(request, NATIONAL)
    assert_same(on_spark.run(request, NATIONAL), expected, str(request))


def test_the_sample_parity_is_not_vacuous(sample_runner) -> None:
    """The comparisons above cover real activity: rows, and rates that are not all empty."""
    deferrals = sample_runner.run(
        sample_runner.default_request("deferrals", by="office"), NATIONAL, unsuppressed=True
    )
    assert deferrals.height == 53 and deferrals["deferred"].sum() > 500
    overdue = sample_runner.run(
        sample_runner.default_request("overdue_deferrals"), NATIONAL, unsuppressed=True
    )
    assert overdue.height > 100
    budgets = sample_runner.run(
        sample_runner.default_request("fsf_budget"), NATIONAL, unsuppressed=True
    )
    assert budgets["projected_outturn_gbp"].drop_nulls().len() > 0


# The columns a measure's raw rows are told apart by (its SQL leaves their order undefined).
ROW_LABELS = ("district_code", "office_code", "month", "deferral_reason", "category")


@pytest.mark.parametrize(("measure", "by"), measure_groupings())
def test_spark_gives_duckdbs_record_key_sums(measure, by, sample_runner, on_spark) -> None:
    """The counts' record key sums, which the perturbation step turns into cell keys, compared
    as the engines return them: whole numbers, so exactly equal. (The filter sets change only
    which rows are summed, which the exact-figures test above checks for the counts.)"""
    request = sample_runner.default_request(measure, by=by)
    wanted = sql_parameters(query_sql(measure))
    params = {k: v for k, v in sample_runner.parameters(request, NATIONAL).items() if k in wanted}
    expected, got = (runner.engine.query(measure, params) for runner in (sample_runner, on_spark))
    keys = [c for c in expected.columns if c.endswith("_key")]
    assert [c for c in got.columns if c.endswith("_key")] == keys
    if not keys:
        assert MEASURES[measure].query == "list"  # exact, so no cell keys
        return
    labels = [c for c in ("financial_year", *ROW_LABELS) if c in expected.columns]
    columns = [*labels, *keys, *(c.removesuffix("_key") for c in keys)]
    expected = expected.select(columns).sort(labels, nulls_last=True)
    got = got.select(columns).sort(labels, nulls_last=True)
    assert got.schema == expected.schema and got.rows() == expected.rows(), str(request)


# Every comparable rate by office and district, unadjusted and adjusted for case mix: each is
# three or four queries on Spark, so 32 comparisons add about a minute and a half here.
COMPARISONS = [
    (measure, column, unit, adjusted)
    for measure in MEASURES
    for column in comparable_columns(measure)
    for unit in COMPARE_UNITS
    for adjusted in (False, True)
]


@pytest.mark.parametrize(("measure", "column", "unit", "adjusted"), COMPARISONS)
def test_compare_on_spark_equals_duckdb(
    measure, column, unit, adjusted, sample_runner, on_spark
) -> None:
    """Targets, limits, phi and verdicts, from published counts and (adjusted) the cells."""
    request = sample_runner.default_request(measure)
    expected = sample_runner.compare(request, column, unit, NATIONAL, adjusted=adjusted)
    got = on_spark.compare(request, column, unit, NATIONAL, adjusted=adjusted)
    assert expected["verdict"].drop_nulls().len() > 0  # not vacuous
    assert_same(got, expected, f"{measure}.{column} by {unit} adjusted={adjusted}")


# Drift of every comparable rate for the selection as a whole (one query by month each), and by
# office for one rate over one month (that month and the 19 before it: 20 queries).
DRIFTS = [(m, c, "total", None) for m in MEASURES for c in comparable_columns(m)] + [
    ("deferrals", "deferral_rate", "office", "2026-10"),
    ("fsf_uptake", "uptake_per_100", "district", None),
]


@pytest.mark.parametrize(("measure", "column", "unit", "month"), DRIFTS)
def test_drift_on_spark_equals_duckdb(
    measure, column, unit, month, sample_runner, on_spark
) -> None:
    """Centres, limits and signals, from the same published months."""
    request = sample_runner.default_request(measure)
    if month:
        request = replace(request, period_from=month, period_to=month)
    expected = sample_runner.drift(request, column, unit, NATIONAL)
    got = on_spark.drift(request, column, unit, NATIONAL)
    assert expected["centre"].drop_nulls().len() > 0  # not vacuous
    assert_same(got, expected, f"drift of {measure}.{column} by {unit}")


@pytest.mark.parametrize("measure", [m for m in MEASURES if MEASURES[m].case_mix])
def test_spark_gives_duckdbs_case_mix_cells(measure, sample_runner, on_spark) -> None:
    """The counts per office and cell a case-mix adjustment reads, exactly (whole numbers)."""
    request = replace(sample_runner.default_request(measure), by=CELL_GROUPINGS["office"])
    wanted = sql_parameters(query_sql(measure))
    params = {k: v for k, v in sample_runner.parameters(request, NATIONAL).items() if k in wanted}
    expected, got = (runner.engine.query(measure, params) for runner in (sample_runner, on_spark))
    counts = [c.name for c in MEASURES[measure].figures if c.protect == "count"]
    labels = ["district_code", "office_code", *CELL_KEYS]
    columns = [*labels, *counts, *(f"{c}_key" for c in counts)]
    expected = expected.select(columns).sort(labels)
    got = got.select(columns).sort(labels)
    assert expected.height > 0
    assert got.schema == expected.schema and got.rows() == expected.rows(), measure


@pytest.mark.parametrize("measure", sorted({m for m in MEASURES if comparable_columns(m)}))
def test_spark_gives_duckdbs_months_of_every_office(measure, sample_runner, on_spark) -> None:
    """The counts and key sums per office and month drift reads (MONTH_GROUPINGS), exactly:
    from them the published figures follow on either engine."""
    request = replace(sample_runner.default_request(measure), by=MONTH_GROUPINGS["office"])
    wanted = sql_parameters(query_sql(measure))
    params = {k: v for k, v in sample_runner.parameters(request, NATIONAL).items() if k in wanted}
    expected, got = (runner.engine.query(measure, params) for runner in (sample_runner, on_spark))
    counts = [c.name for c in MEASURES[measure].figures if c.protect == "count"]
    labels = ["district_code", "office_code", "month"]
    columns = [*labels, *counts, *(f"{c}_key" for c in counts)]
    expected = expected.select(columns).sort(labels)
    got = got.select(columns).sort(labels)
    assert expected["month"].n_unique() == 12  # the default period's months, each its own
    assert got.schema == expected.schema and got.rows() == expected.rows(), measure


@pytest.mark.parametrize("email", ["manager.d01@example.gov.uk", "leader.d01-o01@example.gov.uk"])
@pytest.mark.parametrize("measure", MEASURES)
def test_scope_narrows_spark_exactly_as_duckdb(measure, email, sample_runner, on_spark) -> None:
    access = read_access(ROOT / "sample_data" / "access.toml", sample_runner.catalogue)
    scope = access.scope_for(email, sample_runner.catalogue)
    assert scope.has_access and not scope.is_national
    request = sample_runner.default_request(measure, by="office")
    expected = sample_runner.run(request, scope)
    got = on_spark.run(request, scope)
    assert_same(got, expected, f"{email} {measure}")
    if "office_code" in got.columns:
        assert set(got["office_code"]) <= set(scope.visible_offices(sample_runner.catalogue))


def test_offices_wholly_outside_the_scope_match_nothing_on_spark(sample_runner, on_spark) -> None:
    """An empty list (not NULL) reaches Spark as an empty array, which matches no row."""
    access = read_access(ROOT / "sample_data" / "access.toml", sample_runner.catalogue)
    scope = access.scope_for("leader.d01-o01@example.gov.uk", sample_runner.catalogue)
    request = sample_runner.default_request("overdue_deferrals", offices=("D02-O01",))
    assert on_spark.run(request, scope).height == 0
    assert sample_runner.run(request, scope).height == 0


@pytest.mark.parametrize("name", REPORTS)
def test_reports_on_spark_equal_duckdb(name, sample_runner, on_spark) -> None:
    limit = 20 if name == "rejected_rows" else None
    expected = sample_runner.report(name, NATIONAL, limit)
    got = on_spark.report(name, NATIONAL, limit)
    if name == "loads":  # timestamps: compare the columns that are not time zone dependent
        expected, got = expected.drop("loaded_at"), got.drop("loaded_at")
    assert_same(got, expected, name)


def test_catalogue_on_spark_equals_duckdb(sample_runner, on_spark) -> None:
    assert on_spark.catalogue == sample_runner.catalogue
    assert on_spark.catalogue.first_month == sample_runner.catalogue.first_month


# --- export ------------------------------------------------------------------------------


def test_export_layout_and_manifest(parquet_dir: Path, sample_runner) -> None:
    manifest = read_manifest(parquet_dir)
    (entry,) = manifest["exports"]
    assert entry["districts"] == list(sample_runner.catalogue.districts)
    assert set(entry["rows"]) == set(exported_tables())
    assert entry["rows"]["claims"] == 20_000
    # One folder per district, one file in it (not a folder per month: docs/scale-out.md).
    folders = sorted(p.name for p in (parquet_dir / "wfi_facts").iterdir())
    assert folders == [f"district_code=D0{n}" for n in range(1, 7)]  # the sample's 6 districts
    (file,) = (parquet_dir / "wfi_facts" / "district_code=D01").iterdir()
    assert file.name == f"part-{entry['export']}-0.parquet"
    assert not any((parquet_dir / "districts").glob("*.parquet"))  # only district folders
    assert list((parquet_dir / "rejects").glob("**/*.parquet"))  # empty, but readable


def test_exporting_a_district_twice_is_refused(parquet_dir: Path, sample_db: Path) -> None:
    con = connect_read_only(sample_db)
    try:
        with pytest.raises(ExportError, match="already holds district"):
            export_parquet(con, parquet_dir)
    finally:
        con.close()


def test_export_refuses_a_folder_that_is_not_an_export(tmp_path: Path, sample_db: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    con = connect_read_only(sample_db)
    try:
        with pytest.raises(ExportError, match="not empty"):
            export_parquet(con, tmp_path)
    finally:
        con.close()


# --- the command line and configuration -----------------------------------------------------


def test_measure_command_gives_the_same_csv_on_both_engines(
    parquet_dir: Path, sample_db: Path, on_spark, capsys
) -> None:
    common = ["measure", "job_entries", "--by", "district", "--national", "--format", "csv"]
    assert cli.main([*common, "--db", str(sample_db)]) == 0
    from_duckdb = capsys.readouterr().out
    assert cli.main([*common, "--engine", "spark", "--parquet", str(parquet_dir)]) == 0
    from_spark = capsys.readouterr().out
    assert from_spark == from_duckdb
    assert from_duckdb.count("\n") == 7  # header + 6 districts


def test_measure_command_spark_needs_an_export(tmp_path: Path, capsys) -> None:
    status = cli.main(["measure", "deferrals", "--national", "--engine", "spark"])
    assert status == 2
    assert "--parquet" in capsys.readouterr().err
    status = cli.main(
        ["measure", "deferrals", "--national", "--engine", "spark", "--parquet", str(tmp_path)]
    )
    assert status == 2
    assert "no Parquet export here" in capsys.readouterr().err


def test_an_export_from_an_older_version_is_refused_by_name(parquet_dir, tmp_path) -> None:
    old = tmp_path / "old"
    shutil.copytree(parquet_dir, old)
    shutil.rmtree(old / "payment_months")  # as export-parquet wrote before the summaries
    with pytest.raises(DatabaseOutdated, match=r"older version of export-parquet \(no payment"):
        SparkEngine(old)


def test_export_command_writes_a_manifest(sample_db: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert cli.main(["export-parquet", str(out), "--db", str(sample_db)]) == 0
    assert "exported districts D01, D02, D03, D04, D05, D06" in capsys.readouterr().out
    assert json.loads((out / "manifest.json").read_text())["exports"][0]["rows"]["offices"] == 53
    assert cli.main(["export-parquet", str(out), "--db", str(sample_db)]) == 2
    assert "already holds district(s) D01" in capsys.readouterr().err


def test_a_request_error_is_the_same_on_spark(on_spark) -> None:
    with pytest.raises(RequestError, match="unknown district"):
        on_spark.run(on_spark.default_request("deferrals", districts=("D99",)), NATIONAL)
