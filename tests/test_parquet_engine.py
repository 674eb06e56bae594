"""The Parquet engine: DuckDB over the layout `export-parquet` writes gives the database engine's
figures, reads no file but the layout's own, and refuses a layout it cannot serve in one line.

The database engine's figures are checked by hand in tests/test_measures_*.py;
`JCP_TEST_ENGINE=parquet pytest tests/test_measures_*` runs every one of those on this engine too.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest
from extracts import (
    load_apart_export_together,
    paid_by_two_offices_in_two_districts,
    split_sample,
)
from polars.testing import assert_frame_equal
from streamlit.testing.v1 import AppTest

from jcp import cli
from jcp.bench import FILTER_SETS
from jcp.config import ConfigError, load_settings
from jcp.extract.db import DatabaseMissing, DatabaseOutdated
from jcp.measures.access import Scope, read_access
from jcp.measures.engines import open_engine
from jcp.measures.runner import (
    COMPARE_UNITS,
    MEASURES,
    REPORTS,
    MeasureRequest,
    Runner,
    measure_groupings,
)
from jcp.measures.specs import comparable_columns

ROOT = Path(__file__).resolve().parent.parent
NATIONAL = Scope.national()


@pytest.fixture(scope="module")
def on_parquet(parquet_dir: Path):
    """A runner on the Parquet engine over the sample's export (tests/conftest.py parquet_dir)."""
    engine = open_engine("parquet", parquet=parquet_dir)
    yield Runner(engine)
    engine.close()


def same_exact_figures(got: pl.DataFrame, expected: pl.DataFrame) -> None:
    """Same columns, types, rows and order; codes, counts, dates and money exactly, and doubles
    to 1e-12 of each other: a mean summed from doubles in another order (the files' rows arrive
    in another order than the table's) may differ in its last bit, 4e-16 on the sample."""
    assert_frame_equal(got, expected, check_exact=False, rel_tol=1e-12, abs_tol=1e-12)


# --- parity with the database engine on the sample -------------------------------------------


@pytest.mark.parametrize("filters", FILTER_SETS)
@pytest.mark.parametrize(("measure", "by"), measure_groupings())
def test_published_figures_are_the_database_engines_exactly(
    measure, by, filters, sample_runner, on_parquet
) -> None:
    """With disclosure control, as every user sees them: identical frames, bit for bit."""
    request = sample_runner.default_request(measure, by=by, **FILTER_SETS[filters])
    expected = sample_runner.run(request, NATIONAL)
    got = on_parquet.run(request, NATIONAL)
    if filters == "all":
        assert expected.height > 0, "the sample has activity for every measure and grouping"
    assert_frame_equal(got, expected, check_exact=True)


@pytest.mark.parametrize("filters", FILTER_SETS)
@pytest.mark.parametrize(("measure", "by"), measure_groupings())
def test_exact_figures_are_the_database_engines(
    measure, by, filters, sample_runner, on_parquet
) -> None:
    request = sample_runner.default_request(measure, by=by, **FILTER_SETS[filters])
    expected = sample_runner.run(request, NATIONAL, unsuppressed=True)
    same_exact_figures(on_parquet.run(request, NATIONAL, unsuppressed=True), expected)


def test_the_exact_comparison_is_not_loose() -> None:
    """1e-12 tells apart any two figures a page could show differently."""
    frame = pl.DataFrame({"office_code": ["D01-O01"], "mean_change": [0.780864]})
    same_exact_figures(frame.with_columns(pl.col("mean_change") + 4e-16), frame)
    with pytest.raises(AssertionError):
        same_exact_figures(frame.with_columns(pl.col("mean_change") + 1e-9), frame)
    with pytest.raises(AssertionError):
        same_exact_figures(frame.with_columns(office_code=pl.lit("D01-O02")), frame)


COMPARISONS = [
    (measure, column, unit)
    for measure in MEASURES
    for column in comparable_columns(measure)
    for unit in COMPARE_UNITS
]


@pytest.mark.parametrize(("measure", "column", "unit"), COMPARISONS)
def test_comparisons_are_the_database_engines(
    measure, column, unit, sample_runner, on_parquet
) -> None:
    """Funnel limits and verdicts, unadjusted and adjusted for case mix (from the cells): all
    from published figures, so exactly the same."""
    request = sample_runner.default_request(measure)
    for adjusted in (False, True):
        expected = sample_runner.compare(request, column, unit, NATIONAL, adjusted=adjusted)
        assert expected["verdict"].drop_nulls().len() > 0  # not vacuous
        got = on_parquet.compare(request, column, unit, NATIONAL, adjusted=adjusted)
        assert_frame_equal(got, expected, check_exact=True)


# Drift of the selection as a whole: one query by month per rate. By office it asks for each of
# 20 months, the same query again; tests/test_spark.py checks one such.
@pytest.mark.parametrize(
    ("measure", "column"), [(m, c) for m in MEASURES for c in comparable_columns(m)]
)
def test_drift_is_the_database_engines(measure, column, sample_runner, on_parquet) -> None:
    request = sample_runner.default_request(measure)
    expected = sample_runner.drift(request, column, "total", NATIONAL)
    assert expected["centre"].drop_nulls().len() > 0  # not vacuous
    got = on_parquet.drift(request, column, "total", NATIONAL)
    assert_frame_equal(got, expected, check_exact=True)


@pytest.mark.parametrize("name", REPORTS)
def test_reports_are_the_database_engines(name, sample_runner, on_parquet) -> None:
    limit = 20 if name == "rejected_rows" else None
    assert_frame_equal(
        on_parquet.report(name, NATIONAL, limit), sample_runner.report(name, NATIONAL, limit)
    )


def test_the_catalogue_is_the_database_engines(sample_runner, on_parquet) -> None:
    assert on_parquet.catalogue == sample_runner.catalogue
    assert on_parquet.catalogue.first_month == sample_runner.catalogue.first_month
    assert len(on_parquet.catalogue.office_districts) == 53


@pytest.mark.parametrize("email", ["manager.d01@example.gov.uk", "leader.d01-o01@example.gov.uk"])
@pytest.mark.parametrize("measure", MEASURES)
def test_scope_narrows_exactly_as_on_the_database(measure, email, sample_runner, on_parquet):
    access = read_access(ROOT / "sample_data" / "access.toml", sample_runner.catalogue)
    scope = access.scope_for(email, sample_runner.catalogue)
    assert scope.has_access and not scope.is_national
    request = sample_runner.default_request(measure, by="office")
    got = on_parquet.run(request, scope)
    assert_frame_equal(got, sample_runner.run(request, scope), check_exact=True)
    if "office_code" in got.columns:
        assert set(got["office_code"]) <= set(scope.visible_offices(sample_runner.catalogue))


def test_the_engine_names_itself_and_knows_a_querys_columns(on_parquet, sample_runner) -> None:
    assert on_parquet.engine.name == "parquet"
    assert sample_runner.engine.name == "duckdb"
    assert on_parquet.engine.columns("deferrals") == sample_runner.engine.columns("deferrals")


# --- a national layout from districts loaded apart -------------------------------------------


def test_districts_loaded_apart_and_exported_together_give_the_national_figures(
    sample_runner, tmp_path: Path
) -> None:
    """Two halves of the country, each validated into its own database and exported into one
    folder, are served as one: every measure's national figures by office are the sample's
    (but restarts, which pair claims within one load: tests/test_spark_pages.py)."""
    out = tmp_path / "national"
    halves = ({"D01", "D02", "D03"}, {"D04", "D05", "D06"})
    load_apart_export_together([split_sample(tmp_path / "extracts", h) for h in halves], out)
    engine = open_engine("parquet", parquet=out)
    try:
        combined = Runner(engine)
        assert combined.catalogue == sample_runner.catalogue
        assert combined.report("loads", NATIONAL).height == 2 * 8  # two loads of 8 tables
        for measure in MEASURES:
            if measure == "claim_restarts":
                continue
            request = sample_runner.default_request(measure, by="office")
            expected = sample_runner.run(request, NATIONAL, unsuppressed=True)
            same_exact_figures(combined.run(request, NATIONAL, unsuppressed=True), expected)
    finally:
        engine.close()


def test_claims_paid_by_two_offices_in_districts_loaded_apart_stay_two_recipients(
    tmp_path: Path,
) -> None:
    """Each database's first claim has row number 0: the export keys them by claim_id."""
    out = paid_by_two_offices_in_two_districts(tmp_path)
    engine = open_engine("parquet", parquet=out)
    try:
        request = MeasureRequest("fsf_spend", "2026-01", "2026-06")
        frame = Runner(engine).run(request, NATIONAL, unsuppressed=True)
    finally:
        engine.close()
    # A1 (paid by D01-O01 and D01-O02) and B1 (D02-O01 and D02-O02): 4 payments, 2 claims;
    # with each database's row number as the key, both first claims would be key 0: 1 recipient.
    assert frame.select("payments", "recipients").row(0) == (4, 2)


# --- the connection reads the layout's files and nothing else ---------------------------------


@pytest.fixture(scope="module")
def outside_file(tmp_path_factory) -> Path:
    """A real Parquet file outside the layout, so a refusal is about where it is, not whether."""
    path = tmp_path_factory.mktemp("outside") / "other.parquet"
    con = duckdb.connect()
    con.sql("select 42 as answer").write_parquet(str(path))
    con.close()
    return path


REFUSED = [
    "select * from read_csv('/etc/passwd')",
    "select * from read_text('/etc/hostname')",
    "select * from read_parquet('{outside}')",
    # Inside the layout's folder, but not one of its tables' files.
    "select * from read_text('{layout}/manifest.json')",
    "select * from read_parquet('{layout}/**/*.parquet')",
    "copy (select 1) to '/tmp/jcp_leak.csv'",
    "copy (select 1) to '{layout}/leak.parquet'",
    "copy (select 1) to '{one_file}'",  # over a file it may read
    "attach '/tmp/jcp_other.duckdb' as other",
    "insert into districts values ('D99', 'x', 'y')",
    "set enable_external_access = true",
    "set allowed_paths = ['/etc/passwd']",
    "set allowed_directories = ['/']",
    "set lock_configuration = false",
    "install httpfs",
    "load httpfs",
    "select * from read_parquet('https://example.com/x.parquet')",
]


@pytest.mark.parametrize("statement", REFUSED)
def test_the_connection_refuses_other_files_writes_and_settings(
    statement, parquet_dir: Path, outside_file: Path, on_parquet
) -> None:
    one_file = sorted((parquet_dir / "districts").rglob("*.parquet"))[0]
    before = one_file.read_bytes()
    sql = statement.format(layout=parquet_dir, outside=outside_file, one_file=one_file)
    cursor = on_parquet.engine.con.cursor()
    try:
        with pytest.raises(duckdb.Error):
            cursor.execute(sql).fetchall()
    finally:
        cursor.close()
    assert not Path("/tmp/jcp_leak.csv").exists()
    assert not (parquet_dir / "leak.parquet").exists()
    assert one_file.read_bytes() == before


def test_the_layouts_own_files_are_what_it_reads(parquet_dir: Path, on_parquet) -> None:
    """The control for the refusals above: a file of the layout may be read (it is the data the
    views read), so those statements fail for the path they name, not for a broken engine."""
    one_file = sorted((parquet_dir / "districts").rglob("*.parquet"))[0]
    cursor = on_parquet.engine.con.cursor()
    try:
        rows = cursor.execute("select count(*) from read_parquet($file)", {"file": str(one_file)})
        assert rows.fetchone() == (1,)  # one district per district's folder
    finally:
        cursor.close()


# --- a layout it cannot serve -----------------------------------------------------------------


def test_a_folder_without_an_export_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DatabaseMissing, match="no Parquet export here"):
        open_engine("parquet", parquet=tmp_path)


def test_a_layout_without_a_table_is_refused_by_name(parquet_dir: Path, tmp_path: Path) -> None:
    old = tmp_path / "old"
    shutil.copytree(parquet_dir, old)
    shutil.rmtree(old / "payment_months")  # as export-parquet wrote before the summaries
    with pytest.raises(DatabaseOutdated, match=r"older version of export-parquet \(no payment_"):
        open_engine("parquet", parquet=old)


def _without_column(layout: Path, table: str, column: str) -> None:
    """Rewrite every file of `table` without `column`, as an older loader's export was."""
    for path in (layout / table).rglob("*.parquet"):
        pq.write_table(pq.read_table(path).drop_columns([column]), path)


def test_a_layout_without_age_bands_is_refused_by_name(parquet_dir: Path, tmp_path: Path) -> None:
    old = tmp_path / "old"
    shutil.copytree(parquet_dir, old)
    _without_column(old, "job_entry_months", "age_band")
    with pytest.raises(DatabaseOutdated, match="older version of export-parquet.*age bands"):
        open_engine("parquet", parquet=old)


def test_a_layout_without_record_keys_is_refused_by_name(parquet_dir: Path, tmp_path) -> None:
    old = tmp_path / "old"
    shutil.copytree(parquet_dir, old)
    _without_column(old, "claims", "record_key")
    with pytest.raises(DatabaseOutdated, match="older version of export-parquet.*record keys"):
        open_engine("parquet", parquet=old)


# --- the command line, the configuration and the app ----------------------------------------


def test_measure_command_gives_the_same_csv_on_both_engines(
    parquet_dir: Path, sample_db: Path, capsys
) -> None:
    common = ["measure", "fsf_spend", "--by", "district", "--national", "--format", "csv"]
    assert cli.main([*common, "--db", str(sample_db)]) == 0
    from_database = capsys.readouterr().out
    assert cli.main([*common, "--engine", "parquet", "--parquet", str(parquet_dir)]) == 0
    assert capsys.readouterr().out == from_database
    assert from_database.count("\n") == 7  # header + 6 districts


def test_measure_command_refuses_what_it_cannot_serve_in_one_line(
    parquet_dir: Path, tmp_path: Path, capsys
) -> None:
    old = tmp_path / "old"
    shutil.copytree(parquet_dir, old)
    _without_column(old, "job_entry_months", "age_band")
    common = ["measure", "deferrals", "--national", "--engine", "parquet"]
    for extra, message in (
        ([], "the parquet engine needs the Parquet folder (--parquet DIR)"),
        (["--parquet", str(tmp_path / "none")], "no Parquet export here"),
        (["--parquet", str(old)], "older version of export-parquet"),
        (["--parquet", str(parquet_dir), "--db", "x.duckdb"], "--db is for the duckdb engine"),
    ):
        assert cli.main([*common, *extra]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_the_engine_is_configured_with_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "jcp.toml"
    path.write_text('[engine]\nname = "parquet"\nparquet = "/data/national"\n', encoding="utf-8")
    settings = load_settings(path)
    assert (settings.engine, settings.parquet) == ("parquet", Path("/data/national"))
    path.write_text('[engine]\nname = "parquet"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match='name = "parquet" needs parquet = the folder'):
        load_settings(path)


def _page(at: AppTest, page: str) -> dict[str, object]:
    """What a national user sees on a page: its tiles, and every table's cells."""
    at.run()
    if page != "pages/overview.py":
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    tables = []
    for frame in at.dataframe:
        value = frame.value
        data = value.data if hasattr(value, "data") else value  # a Styler holds its frame
        tables.append(data.drop(columns=["loaded_at"], errors="ignore").to_dict("split"))
    return {
        "tiles": [(m.label, m.value, m.delta) for m in at.metric],
        "tables": tables,
        "errors": [e.value for e in at.error],
    }


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/fsf.py"])
def test_a_page_drawn_from_the_parquet_engine_is_the_databases(
    page, sample_db: Path, parquet_dir: Path, app_for
) -> None:
    """The app configured for the layout ([engine] name = "parquet") shows the same page."""
    settings = f'[engine]\nname = "parquet"\nparquet = "{parquet_dir}"\n'
    from_database = _page(app_for(sample_db, timeout=120), page)
    # JCP_DB points at no database: the figures can only have come from the layout.
    from_layout = _page(app_for(sample_db.with_name("absent.duckdb"), settings=settings), page)
    assert from_database["errors"] == [] and from_layout["errors"] == []
    assert len(from_database["tiles"]) >= 3 and from_database["tables"]
    assert from_layout == from_database
