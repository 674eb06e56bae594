"""The Spark engine gives DuckDB's figures on every page, and on districts loaded apart and
exported together (the national layout).

Apart from tests/test_spark.py, which compares measure by measure, so that the two halves run on
two workers at once (each with its own Spark session and export of the sample: ~15 s).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from extracts import (
    load_apart_export_together,
    paid_by_two_offices_in_two_districts,
    split_sample,
)
from streamlit.testing.v1 import AppTest
from test_spark import NATIONAL, assert_same, same_value

from jcp.extract.db import connect_read_only
from jcp.measures.access import Scope
from jcp.measures.export import read_manifest
from jcp.measures.runner import MEASURES, MeasureRequest, Runner
from jcp.measures.spark import SparkEngine
from jcp.web.pages import FIGURE_PAGES

ROOT = Path(__file__).resolve().parent.parent


# --- the app ---------------------------------------------------------------------------------

PAGE_FILES = [page.file for page in FIGURE_PAGES]  # the default page first


def _page(at: AppTest, page: str) -> dict[str, object]:
    """What a national user sees on a page: its tiles, and every table's cells."""
    at.run()
    if page != PAGE_FILES[0]:
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


# Needs attention is checked below on its list instead: drawn as a page it asks Spark for 22
# months of every office for each of 8 rates (its drift check, ~100 s here), and drift's own
# parity is tested in tests/test_spark.py.
@pytest.mark.parametrize("page", [p for p in PAGE_FILES if p != "pages/attention.py"])
def test_every_page_shows_the_same_figures_on_spark(
    page, sample_db: Path, parquet_dir: Path, on_spark, app_for
) -> None:
    spark = f'[engine]\nname = "spark"\nparquet = "{parquet_dir}"\n'
    on_duckdb = _page(app_for(sample_db, timeout=180), page)
    on_spark_page = _page(app_for(sample_db, settings=spark, timeout=180), page)
    assert on_duckdb["errors"] == [] and on_spark_page["errors"] == []
    assert len(on_duckdb["tiles"]) >= 3 and on_duckdb["tables"]
    assert on_spark_page["tiles"] == on_duckdb["tiles"]
    assert len(on_spark_page["tables"]) == len(on_duckdb["tables"])
    for spark_table, duck_table in zip(on_spark_page["tables"], on_duckdb["tables"], strict=True):
        assert spark_table["columns"] == duck_table["columns"]
        assert len(spark_table["data"]) == len(duck_table["data"])
        for spark_row, duck_row in zip(spark_table["data"], duck_table["data"], strict=True):
            assert all(map(same_value, spark_row, duck_row)), (spark_row, duck_row)


# --- national loading: districts validated apart, exports combined --------------------------


def test_districts_loaded_apart_and_exported_together_give_the_national_figures(
    sample_runner, on_spark, tmp_path: Path
) -> None:
    out = tmp_path / "national"
    halves = [{"D01", "D02", "D03"}, {"D04", "D05", "D06"}]
    dbs = load_apart_export_together(
        [split_sample(tmp_path / "extracts", half) for half in halves], out
    )
    assert [e["districts"] for e in read_manifest(out)["exports"]] == [
        ["D01", "D02", "D03"],
        ["D04", "D05", "D06"],
    ]
    combined = Runner(SparkEngine(out))
    assert combined.catalogue == sample_runner.catalogue
    assert combined.report("loads", NATIONAL).height == 2 * 8  # two loads of 8 tables
    for measure in MEASURES:
        if measure == "claim_restarts":
            continue  # below
        for by in ("total", "office"):
            request = sample_runner.default_request(measure, by=by)
            expected = sample_runner.run(request, NATIONAL, unsuppressed=True)
            got = combined.run(request, NATIONAL, unsuppressed=True)
            assert_same(got, expected, f"combined {measure} {by}")
    # A restart is matched at load, within the database the ended claim was loaded in (its
    # spec's caveat): a claimant's next claim in the other half is not seen. So each office's
    # restarts are its own database's, and fewer than one national load finds.
    request = sample_runner.default_request("claim_restarts", by="office")
    per_half = []
    for db in dbs:
        half_runner = Runner(connect_read_only(db))
        per_half.append(half_runner.run(request, NATIONAL, unsuppressed=True))
        half_runner.engine.close()
    got = combined.run(request, NATIONAL, unsuppressed=True)
    assert_same(got, pl.concat(per_half).sort("district_code", "office_code"), "restarts")
    national = sample_runner.run(request, NATIONAL, unsuppressed=True)
    assert got["restarted_182d"].sum() < national["restarted_182d"].sum()


def test_claims_paid_by_two_offices_in_districts_loaded_apart_stay_two_recipients(
    tmp_path: Path,
) -> None:
    """Each database's first claim has row number 0: the export keys them by claim_id."""
    out = paid_by_two_offices_in_two_districts(tmp_path)
    request = MeasureRequest("fsf_spend", "2026-01", "2026-06")
    frame = Runner(SparkEngine(out)).run(request, NATIONAL, unsuppressed=True)
    # A1 (paid by D01-O01 and D01-O02) and B1 (D02-O01 and D02-O02): 4 payments, 2 claims.
    assert frame.select("payments", "recipients").row(0) == (4, 2)


def test_engines_over_different_exports_keep_their_own_tables(parquet_dir, tmp_path) -> None:
    """Two engines share the Spark context, not their views; closing one leaves the other."""
    first, second = SparkEngine(parquet_dir), SparkEngine(parquet_dir)
    first.close()
    assert not first.session.catalog.tableExists("wfi_facts")
    assert second.query("catalogue").height == 53  # one row per office
    second.close()


def test_the_attention_list_is_the_same_on_spark(sample_runner, on_spark) -> None:
    """A district manager's Needs attention, every source but drift (tests/test_spark.py checks
    drift itself): the same items, words, figures and links on both engines."""
    from dataclasses import replace as replaced

    from jcp.config import Settings
    from jcp.measures.attention import attention, runner_sources
    from jcp.measures.filters import default_filters

    manager = Scope(
        "district_manager",
        frozenset(o for o, d in sample_runner.catalogue.office_districts.items() if d == "D01"),
        "district manager: D01",
    )
    filters = default_filters(sample_runner.catalogue)
    settings = Settings()
    found = {}
    for name, runner in (("duckdb", sample_runner), ("spark", on_spark)):
        sources = replaced(runner_sources(runner, manager, settings), drift=None)
        found[name] = attention(runner, filters, manager, settings, sources)
    assert found["duckdb"].concerns, "the sample gives D01's manager something to look at"
    assert found["spark"].items == found["duckdb"].items
    assert found["spark"].quiet == found["duckdb"].quiet
    assert found["spark"].overdue == found["duckdb"].overdue
