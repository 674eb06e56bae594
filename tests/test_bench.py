"""Smoke test of `python -m jcp bench` at 20,000 claims: it runs end to end, and pandas agrees."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from jcp import bench
from jcp.bench import FILTER_SETS, check_filter_sets, markdown, run_benchmark, time_compare
from jcp.cli import main
from jcp.extract.generate import GEOGRAPHIES, generate
from jcp.measures.network import Catalogue
from jcp.measures.runner import MEASURES, groupings_of
from jcp.measures.specs import comparable_columns


def test_benchmark_runs_and_the_pandas_peer_agrees(tmp_path) -> None:
    # One timed start of the app, not the bench's three (each ~25 s here): the smoke test is
    # about the bench running end to end.
    result = run_benchmark(
        20_000, seed=3, runs=1, pages=True, app=True, workdir=tmp_path, app_starts=1
    )
    # The peer recomputes every measure, grouping and filter set from the Parquet files.
    assert result["pandas_mismatches"] == []
    assert set(result["measures"]) >= set(MEASURES)
    for name in MEASURES:
        assert set(result["measures"][name]) == set(groupings_of(name))
        for timing in result["measures"][name].values():
            assert {"p50_ms", "p95_ms", "cold_ms", "pandas_p50_ms", "ratio_vs_pandas"} <= set(
                timing
            )
    assert set(result["compare"]) == {f"{m}.{c}" for m in MEASURES for c in comparable_columns(m)}
    assert set(result["pages"]) == {
        "attention",
        "overview",
        "distance_travelled",
        "job_entries",
        "fsf",
        "deferrals",
        "survival",
        "my_office",
        "data",
        "about",
        "accessibility",
    }
    # The overview, every result cache cleared (widgets.clear_results, the runner's national
    # figures included): 5 measures' totals for the period and the one before (caseload, job
    # entries, deferrals, distance travelled, FSF spend: 10), FSF budgets for both (2), the
    # league table's 5 measures by district (their totals are the tiles'), and 3 trends by month
    # (each one request for the period and the 19 months its drift marks need): 20. The league's
    # verdicts judge its 2 comparable rates' measures (job entries, deferrals) against the
    # national figures the runner keeps for every user (Runner.national): each a national total
    # and a national table by district (4 requests), and their case-mix cells by district, one
    # query each that is no request (2). So 20 + 4 = 24 requests and 24 + 2 = 26 queries.
    overview = result["page_work"]["overview"]
    assert (overview["warm"]["requests"], overview["warm"]["queries"]) == (24, 26)
    # A rerun draws the same page from the caches: no request, no query, nothing rebuilt.
    for work in result["page_work"].values():
        assert work["cached"] == {**work["cached"], "requests": 0, "queries": 0}
        assert work["cached"]["styled_tables"] == work["cached"]["charts_built"] == 0
        assert work["cached"]["elements"] == work["warm"]["elements"] > 0
    assert result["rows_total"] > 20_000 and result["load_rows_per_second"] > 0
    # The reported start is the median of the starts timed (here the one).
    samples = result["app_cold_start_samples"]
    assert len(samples) == 1 and result["app_cold_start_seconds"] == samples[0] > 0
    # Below 1M claims the generator's default is the sample geography; it is in every name.
    assert (result["geography"], result["districts"], result["offices"]) == ("sample", 6, 53)
    assert (tmp_path / "cache" / "db-20000-3-sample.duckdb").exists()
    written = json.loads((tmp_path / "results" / "20000-sample.json").read_text())
    assert written["claims"] == 20_000 and written["peak_rss_megabytes"]["app"] > 0


def _catalogue(extract) -> Catalogue:
    """The generated extract's districts and offices, read from its CSV files."""
    offices = pl.read_csv(extract / "offices.csv")
    districts = pl.read_csv(extract / "districts.csv")
    return Catalogue(
        extract_date=dt.date(2026, 10, 31),
        district_names=dict(districts.select("district_code", "district_name").iter_rows()),
        office_districts=dict(offices.select("office_code", "district_code").iter_rows()),
        office_names={},
    )


@pytest.mark.parametrize("geography", GEOGRAPHIES)
def test_the_filter_sets_name_codes_of_every_geography(tmp_path, geography) -> None:
    generate(tmp_path, claims=2_000, seed=1, fmt="csv", geography=geography)
    check_filter_sets(_catalogue(tmp_path))  # raises if a district or office is missing


def test_a_filter_set_the_database_cannot_answer_stops_the_run(tmp_path, monkeypatch) -> None:
    generate(tmp_path, claims=2_000, seed=1, fmt="csv", geography="sample")
    monkeypatch.setitem(FILTER_SETS, "one office", {"offices": ("D09-O99",)})
    with pytest.raises(RuntimeError, match="D09-O99"):
        check_filter_sets(_catalogue(tmp_path))


@pytest.mark.parametrize(
    "option, geography", [([], None), (["--geography", "national"], "national")]
)
def test_bench_passes_its_geography_on(monkeypatch, option, geography) -> None:
    seen = {}

    def fake(claims, **kwargs):  # type: ignore[no-untyped-def]
        seen.update(kwargs, claims=claims)
        return {"pandas_mismatches": []}

    monkeypatch.setattr(bench, "run_benchmark", fake)
    assert main(["bench", "--claims", "20000", "--no-app", *option]) == 0
    assert seen["claims"] == 20_000 and seen["geography"] == geography


def test_a_run_without_the_pandas_peer_says_so_rather_than_0_mismatches() -> None:
    from jcp.bench import _pandas_check

    assert _pandas_check({"pandas_checked": False, "pandas_mismatches": []}) == (
        "not checked (--no-pandas)"
    )
    assert _pandas_check({"pandas_checked": True, "pandas_mismatches": ["a", "b"]}) == "2"
    # A results file from before the setting was checked by the peer.
    assert _pandas_check({"pandas_mismatches": []}) == "0"


def test_compare_is_timed_for_every_comparable_rate_unit_and_form(sample_db, capsys) -> None:
    result = time_compare(sample_db, runs=2)
    # 8 comparable rates (7 measures; wfi_timeliness has two), by office and district,
    # unadjusted and adjusted: 32 timings.
    assert sorted(result) == sorted(f"{m}.{c}" for m in MEASURES for c in comparable_columns(m))
    assert len(result) == 8
    for units in result.values():
        assert set(units) == {"office", "district"}
        for forms in units.values():
            assert set(forms) == {"unadjusted", "adjusted"}
            for timing in forms.values():
                assert set(timing) == {"p50_ms", "p95_ms", "cold_ms"}
                assert 0 < timing["p50_ms"] <= timing["p95_ms"]
    assert capsys.readouterr().out.count("  compare ") == 32
    table = markdown(
        {
            "claims": 1,
            "rows_total": 1,
            "machine": "m",
            "measured_at": "t",
            "load_seconds": 1,
            "load_rows_per_second": 1,
            "db_megabytes": 1,
            "peak_rss_megabytes": {"load": 1, "app": 1, "bench": 1},
            "app_cold_start_seconds": 1,
            "pandas_mismatches": [],
            "measures": {},
            "pages": {},
            "compare": result,
        }
    )
    assert table.count("| fsf_uptake.uptake_per_100 | ") == 4


def test_the_parquet_engine_is_timed_for_every_measure_and_grouping(
    sample_db, tmp_path, monkeypatch
) -> None:
    """`bench --parquet`: the same timings from the Parquet engine over an export of the
    database, with the export's size, side by side with the database's in the report."""
    from jcp.bench import time_parquet

    # One filter set and two measures: each cold run opens the engine afresh (~0.5 s on the
    # sample), and every measure's figures on this engine are checked in test_parquet_engine.py.
    timed = ("deferrals", "caseload")
    monkeypatch.setattr(bench, "FILTER_SETS", {"all": {}})
    monkeypatch.setattr(bench, "MEASURES", timed)
    parquet = time_parquet(sample_db, tmp_path / "layout", runs=1)
    assert parquet["files"] == len(list((tmp_path / "layout").rglob("*.parquet"))) > 100
    assert parquet["megabytes"] > 0 and parquet["open_ms"] > 0
    assert set(parquet["measures"]) == set(timed)
    for name in timed:
        assert set(parquet["measures"][name]) == set(groupings_of(name))
    database = {
        name: {by: {"p50_ms": 1.0, "p95_ms": 2.0, "cold_ms": 3.0} for by in groupings_of(name)}
        for name in timed
    }
    text = markdown(
        {
            "claims": 20_000,
            "rows_total": 1,
            "machine": "x",
            "measured_at": "now",
            "load_seconds": 1,
            "load_rows_per_second": 1,
            "db_megabytes": 1,
            "peak_rss_megabytes": {"load": 1, "app": 1, "bench": 1},
            "app_cold_start_seconds": 1,
            "pandas_mismatches": [],
            "measures": database,
            "pages": {},
            "parquet": parquet,
        }
    )
    deferrals = parquet["measures"]["deferrals"]["office"]
    assert (
        f"| deferrals | office | 1.0 | 2.0 | {deferrals['p50_ms']} | {deferrals['p95_ms']} "
        f"| {deferrals['cold_ms']} |" in text
    )
