"""Smoke test of `python -m jcp bench` at 20,000 claims: it runs end to end, and pandas agrees."""

from __future__ import annotations

import json

from jcp.bench import run_benchmark
from jcp.measures.runner import GROUPINGS, MEASURES


def test_benchmark_runs_and_the_pandas_peer_agrees(tmp_path) -> None:
    result = run_benchmark(20_000, seed=3, runs=1, pages=True, app=True, workdir=tmp_path)
    # The peer recomputes every measure, grouping and filter set from the Parquet files.
    assert result["pandas_mismatches"] == []
    assert set(result["measures"]) >= set(MEASURES)
    for name in MEASURES:
        assert set(result["measures"][name]) == set(GROUPINGS)
        for timing in result["measures"][name].values():
            assert {"p50_ms", "p95_ms", "cold_ms", "pandas_p50_ms", "ratio_vs_pandas"} <= set(
                timing
            )
    assert set(result["pages"]) == {
        "overview",
        "distance_travelled",
        "job_entries",
        "fsf",
        "deferrals",
        "data",
    }
    # The overview, results not cached: 5 measures' totals for the period and the one before
    # (caseload, job entries, deferrals, distance travelled, FSF spend: 10), FSF budgets for
    # both (2), the league table's 5 measures by district (their totals are the tiles'), and
    # 3 trends by month: 10 + 2 + 5 + 3 = 20 requests, each one SQL query.
    overview = result["page_work"]["overview"]
    assert overview["warm"]["requests"] == overview["warm"]["queries"] == 20
    # A rerun draws the same page from the caches: no request, no query, nothing rebuilt.
    for work in result["page_work"].values():
        assert work["cached"] == {**work["cached"], "requests": 0, "queries": 0}
        assert work["cached"]["styled_tables"] == work["cached"]["charts_built"] == 0
        assert work["cached"]["elements"] == work["warm"]["elements"] > 0
    assert result["rows_total"] > 20_000 and result["load_rows_per_second"] > 0
    # The reported start is the median of the starts timed.
    samples = result["app_cold_start_samples"]
    assert len(samples) == 3 and result["app_cold_start_seconds"] == sorted(samples)[1]
    written = json.loads((tmp_path / "results" / "20000.json").read_text())
    assert written["claims"] == 20_000 and written["peak_rss_megabytes"]["app"] > 0
