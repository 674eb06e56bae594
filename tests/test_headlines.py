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
            "deferral_rate": [0.20, 0.40, None, 0.30],  # lower is better; D03 hidden
            "mean_change": [1.5, 0.5, 1.0, 1.0],
            "spend_gbp": [1000.0, 5000.0, 10.0, 6010.0],
        }
    )
    cues = league_cue(league)
    assert cues["live_claims"] == ["", "", "", ""]
    assert cues["job_entries"] == ["", "", "", ""]
    assert cues["spend_gbp"] == ["", "", "", ""]
    assert cues["sustained_13w_rate"] == ["better", "worse", "", ""]
    assert cues["deferral_rate"] == ["better", "worse", "", ""]
    assert cues["mean_change"] == ["better", "worse", "", ""]
