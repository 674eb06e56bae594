"""The pandas peer gives the runner's figures for every measure, grouping and filter set."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from jcp.bench.pandas_peer import PandasPeer, compare
from jcp.extract.generate import generate
from jcp.extract.load import load
from jcp.measures.access import Scope
from jcp.measures.runner import MEASURE_GROUPINGS, Runner

FILTERS = {
    "all": {},
    "one_district": {"districts": ("D02",)},
    "office_and_benefit": {"offices": ("D01-O03",), "benefits": ("UC",)},
}
# None = the runner's default period (the 12 months up to the extract date).
PERIODS = {"default": None, "2025_h1": ("2025-04", "2025-09")}


@pytest.fixture(scope="module")
def extract_dir(tmp_path_factory) -> Path:
    """A generated 20,000-claim Parquet extract."""
    folder = tmp_path_factory.mktemp("peer") / "extract"
    generate(folder, claims=20_000, seed=7, fmt="parquet")
    return folder


@pytest.fixture(scope="module")
def runner(extract_dir: Path, tmp_path_factory) -> Iterator[Runner]:
    """The runner on a database loaded from that extract."""
    db = tmp_path_factory.mktemp("peer_db") / "peer.duckdb"
    report = load(extract_dir, db)
    assert report.total_rejected == 0
    con = duckdb.connect(str(db), read_only=True)
    yield Runner(con)
    con.close()


@pytest.fixture(scope="module")
def peer(extract_dir: Path) -> PandasPeer:
    """The pandas peer, loaded once from the same extract's files."""
    return PandasPeer(extract_dir)


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("filters", FILTERS)
@pytest.mark.parametrize(("measure", "by"), MEASURE_GROUPINGS)
def test_peer_matches_runner(runner, peer, measure, by, filters, period) -> None:
    request = runner.default_request(measure, by=by, **FILTERS[filters])
    if PERIODS[period]:
        request = replace(request, period_from=PERIODS[period][0], period_to=PERIODS[period][1])
    expected = runner.run(request, Scope.national(), unsuppressed=True)
    actual = peer.run(request)
    assert compare(expected, actual) == []


def test_compare_reports_differences(runner, peer) -> None:
    # A comparison that never complains would pass every test above.
    request = runner.default_request("fsf_spend", by="office")
    expected = runner.run(request, Scope.national(), unsuppressed=True)
    actual = peer.run(request)
    changed = actual.assign(payments=actual["payments"] + (actual.index == 2))
    assert len(compare(expected, changed)) == 1
    nudged = actual.assign(avg_award_gbp=actual["avg_award_gbp"] * (1 + 1e-6))
    assert compare(expected, nudged)
    assert compare(expected, actual.iloc[::-1].reset_index(drop=True))
    assert compare(expected, actual.drop(columns="recipients"))
    as_float = actual.assign(payments=actual["payments"].astype(float))
    assert compare(expected, as_float) == ["payments: expected whole numbers, got Float64"]
