"""The league table's colour cues: each district against the all-in-scope row."""

from __future__ import annotations

import polars as pl

from jcp.headlines import ALL_IN_SCOPE, league_cue


def test_rates_and_means_are_cued_by_direction_sizes_never() -> None:
    league = pl.DataFrame(
        {
            "district_code": ["D01", "D02", "D03", ALL_IN_SCOPE],
            "live_claims": [100, 300, 50, 450],
            "job_entries": [10, 25, 5, 40],  # every district below the total: not "worse"
            "sustained_13w_rate": [0.60, 0.40, 0.50, 0.50],  # higher is better
            # Neither way is better: deferral targets were removed, as deferring is sometimes
            # right (queries/deferrals.toml), so a low rate is not coloured as good.
            "deferral_rate": [0.20, 0.40, None, 0.30],
            "mean_change": [1.5, 0.5, 1.0, 1.0],
            "spend_gbp": [1000.0, 5000.0, 10.0, 6010.0],
        }
    )
    cues = league_cue(league)
    assert cues["live_claims"] == ["", "", "", ""]
    assert cues["job_entries"] == ["", "", "", ""]
    assert cues["spend_gbp"] == ["", "", "", ""]
    assert cues["sustained_13w_rate"] == ["better", "worse", "", ""]
    assert cues["deferral_rate"] == ["", "", "", ""]
    assert cues["mean_change"] == ["better", "worse", "", ""]


def test_each_tile_comes_as_soon_as_its_own_measure_has_answered(sample_db) -> None:
    """The overview draws tiles one by one: the first must not wait for every measure."""
    from jcp.extract.db import connect_read_only
    from jcp.headlines import headline_tiles
    from jcp.measures.access import Scope
    from jcp.measures.filters import Filters
    from jcp.measures.runner import Runner, default_period

    runner = Runner(connect_read_only(sample_db))
    first, last = default_period(runner.catalogue.extract_date)
    asked: list[tuple[str, str]] = []

    def run(request):
        asked.append((request.measure, request.period_to))
        return runner.run(request, Scope.national())

    tiles = headline_tiles(run, Filters(first, last))
    tile = next(tiles)
    previous_to = Filters(first, last).previous_period().period_to
    assert tile.label == "Live caseload"
    assert asked == [("caseload", last), ("caseload", previous_to)]
    live = runner.run(Filters(first, last).request("caseload"), Scope.national())
    assert tile.value == f"{live['live_claims'][0]:,}"
    rest = list(tiles)
    assert len(rest) == 7
    assert {m for m, _ in asked} == {
        "caseload",
        "job_entries",
        "deferrals",
        "distance_travelled",
        "fsf_spend",
        "fsf_budget",
    }
