"""Drift over time (issue 18 s.3): the p-chart of a unit's months against its own previous 12,
worked by hand; a simulation of stable units; Runner.drift on a tiny extract, its scope and
its requests; the drift command; trend charts marking signals by shape and words."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from statistics import NormalDist

import numpy as np
import polars as pl
import pytest
from extracts import GEOGRAPHY, claim, runner_for, wfi

from jcp.cli import main
from jcp.measures import drift as drift_module
from jcp.measures.access import Scope
from jcp.measures.attention import compared_rates
from jcp.measures.drift import RULE_TEXT, drift_points, signal_label
from jcp.measures.runner import (
    MAX_DRIFT_UNIT_MONTHS,
    MONTH_GROUPINGS,
    MeasureRequest,
    RequestError,
    Runner,
    months_between,
    shift_months,
)
from jcp.web import charts

ROOT = Path(__file__).resolve().parent.parent
ACCESS = ROOT / "sample_data" / "access.toml"
LEADER = "leader.d01-o03@example.gov.uk"  # team leader of D01-O03 only


def months(count: int, first: str = "2025-01") -> list[str]:
    """`count` consecutive YYYY-MM months from `first`."""
    start = int(first[:4]) * 12 + int(first[5:7]) - 1
    return [f"{(start + i) // 12:04d}-{(start + i) % 12 + 1:02d}" for i in range(count)]


def series(*counts: tuple[int | None, int | None]) -> list[tuple[str, int | None, int | None]]:
    """(observed, population) pairs as a consecutive monthly series from 2025-01."""
    return [(m, o, n) for m, (o, n) in zip(months(len(counts)), counts, strict=True)]


# Limits, worked by hand -----------------------------------------------------------------------


def test_limits_for_a_tiny_series_by_hand() -> None:
    points = drift_points(series((3, 10), (5, 20), (2, 10), (10, 40), (4, 10), (6, 30), (15, 75)))
    # Months 1-6 have 0-5 published months before them: too short a baseline to judge.
    for point in points[:6]:
        assert (point.centre, point.lower, point.upper, point.signal) == (None, None, None, None)
    assert [p.baseline_months for p in points] == [0, 1, 2, 3, 4, 5, 6]
    last = points[6]
    # Month 7: centre = (3 + 5 + 2 + 10 + 4 + 6) / (10 + 20 + 10 + 40 + 10 + 30) = 30 / 120
    # = 0.25; sd = sqrt(0.25 x 0.75 / 75) = sqrt(0.0025) = 0.05; limits 0.25 -/+ 3 x 0.05
    # = 0.10, 0.40. Its rate 15 / 75 = 0.2 is below the centre, inside the limits.
    assert last.centre == pytest.approx(0.25)
    assert last.lower == pytest.approx(0.10)
    assert last.upper == pytest.approx(0.40)
    assert last.rate == pytest.approx(0.2)
    assert last.signal is None and last.run == 1


def test_the_centre_is_the_previous_12_months_only() -> None:
    # Month 1: 20 of 20; months 2-14: 5 of 20 each.
    points = drift_points(series((20, 20), *[(5, 20)] * 13))
    # Month 13's previous 12 are months 1-12: (20 + 11 x 5) / (12 x 20) = 75 / 240 = 0.3125.
    assert points[12].centre == pytest.approx(0.3125)
    # Month 14's are months 2-13: month 1 has left the window: 12 x 5 / 240 = 0.25.
    assert points[13].centre == pytest.approx(0.25)


# Centre 0.5 and n = 16 keep the arithmetic exact in binary: sd = sqrt(0.5 x 0.5 / 16) = 1/8,
# 3 sd = 0.375, limits 0.5 -/+ 0.375 = 0.125 and 0.875 (2/16 and 14/16).
HALF = [(8, 16)] * 6  # six months of 8 of 16: centre 48 / 96 = 0.5


@pytest.mark.parametrize(
    ("observed", "signal"),
    [
        (14, None),  # 14/16 = 0.875: on the upper limit is within
        (15, "above_limit"),  # 15/16 = 0.9375 > 0.875
        (2, None),  # 2/16 = 0.125: on the lower limit
        (1, "below_limit"),  # 1/16 = 0.0625 < 0.125
    ],
)
def test_outside_only_when_strictly_beyond_a_limit(observed, signal) -> None:
    last = drift_points(series(*HALF, (observed, 16)))[-1]
    assert (last.centre, last.lower, last.upper) == (0.5, 0.125, 0.875)
    assert last.signal == signal


# Runs: 12 months of 8/16 (each judged month sits on its centre 0.5, so no run starts there),
# then k months of 9/16 (or 7/16). The j-th of them (j = 0, 1, ...) has centre
# (12 - j) x 8 + j x 9 over 192 = (96 + j) / 192 < 108 / 192 = 9/16 for j < 12: each is above
# its own centre (below, for 7/16: (96 - j) / 192 > 84 / 192), and well inside its limits
# (3 sd is about 3 x 0.125 = 0.375 at n = 16).


@pytest.mark.parametrize(("observed", "side"), [(9, "run_above"), (7, "run_below")])
def test_a_run_of_8_is_a_signal_and_7_is_not(observed, side) -> None:
    seven = drift_points(series(*[(8, 16)] * 12, *[(observed, 16)] * 7))
    assert [p.run for p in seven[12:]] == [1, 2, 3, 4, 5, 6, 7]
    assert all(p.signal is None for p in seven)
    eight = drift_points(series(*[(8, 16)] * 12, *[(observed, 16)] * 9))
    # The 8th month in a row and every one after it.
    assert [p.signal for p in eight[12:]] == [None] * 7 + [side, side]
    # The 8th month's centre, by hand: (96 + 7) / 192 above, (96 - 7) / 192 below.
    assert eight[19].centre == pytest.approx((96 + 7 if observed == 9 else 96 - 7) / 192)


def test_months_on_the_centre_line_start_no_run() -> None:
    points = drift_points(series(*[(8, 16)] * 20))
    assert all(p.run == 0 and p.signal is None for p in points)
    assert points[6].centre == 0.5 and points[6].rate == 0.5


def test_a_hidden_month_breaks_a_run_and_is_left_out_of_the_centre() -> None:
    # 12 months of 8/16, 4 of 9/16, one hidden, 4 of 9/16: 8 months above, but not in a row.
    points = drift_points(series(*[(8, 16)] * 12, *[(9, 16)] * 4, (None, None), *[(9, 16)] * 4))
    assert [p.run for p in points[12:]] == [1, 2, 3, 4, 0, 1, 2, 3, 4]
    assert all(p.signal is None for p in points)
    hidden, after = points[16], points[17]
    assert (hidden.rate, hidden.lower, hidden.upper) == (None, None, None)
    # The month after: its previous 12 are months 6-17, of which month 17 is hidden: months
    # 6-12 (7 of 8/16) and 13-16 (4 of 9/16): (56 + 36) / (11 x 16) = 92 / 176.
    assert after.baseline_months == 11
    assert after.centre == pytest.approx(92 / 176)


def test_a_month_exactly_on_its_centre_breaks_a_run() -> None:
    # 12 months of 8/16, 4 of 9/16, then 100 of 192: its centre is (8 x 8 + 4 x 9) / (12 x 16)
    # = 100 / 192 exactly, its rate the same, so it is on the line; then 4 more above.
    points = drift_points(series(*[(8, 16)] * 12, *[(9, 16)] * 4, (100, 192), *[(9, 16)] * 4))
    assert points[16].centre == points[16].rate == 100 / 192
    assert [p.run for p in points[12:]] == [1, 2, 3, 4, 0, 1, 2, 3, 4]
    assert all(p.signal is None for p in points)


def test_an_outside_month_keeps_its_label_and_counts_in_a_run() -> None:
    # As the run test, with the 8th month above at 16/16 = 1: its centre (96 + 7) / 192 =
    # 0.536458, sd = sqrt(0.536458 x 0.463542 / 16) = sqrt(0.0155419) = 0.124667, upper
    # 0.536458 + 3 x 0.124667 = 0.536458 + 0.374002 = 0.910460 < 1.
    points = drift_points(series(*[(8, 16)] * 12, *[(9, 16)] * 7, (16, 16), (10, 16)))
    assert points[19].upper == pytest.approx(0.910460, abs=1e-6)
    assert points[19].signal == "above_limit" and points[19].run == 8
    # The month after: centre (4 x 8 + 7 x 9 + 16) / 192 = 111 / 192 = 0.578, upper about
    # 0.578 + 0.370 = 0.948; 10/16 = 0.625 is above the centre, inside: the 9th above in a row.
    assert points[20].signal == "run_above" and points[20].run == 9


@pytest.mark.parametrize(("hidden_first", "signal"), [(True, None), (False, "above_limit")])
def test_a_month_needs_6_published_months_before_it(hidden_first, signal) -> None:
    first = (None, None) if hidden_first else (8, 16)
    last = drift_points(series(first, *[(8, 16)] * 5, (15, 16)))[-1]
    assert last.baseline_months == (5 if hidden_first else 6)
    assert last.signal == signal
    assert (last.centre is None) is hidden_first


def test_a_month_with_no_population_is_not_published() -> None:
    # 0 of 0 says nothing of the rate: 6 such months and 5 published ones is still too few.
    last = drift_points(series(*[(0, 0)] * 6, *[(8, 16)] * 5, (15, 16)))[-1]
    assert last.baseline_months == 5 and last.centre is None and last.rate == 15 / 16


def test_a_centre_of_0_has_zero_width_limits() -> None:
    # Six months of 0 of 20: centre 0 / 120 = 0; sd = sqrt(0 x 1 / 20) = 0: limits 0 and 0.
    on = drift_points(series(*[(0, 20)] * 6, (0, 20)))[-1]
    assert (on.centre, on.lower, on.upper) == (0.0, 0.0, 0.0)
    # A month of 0 is on both limits and on the centre: no signal and no side (no run).
    assert on.signal is None and on.run == 0
    # 5 of 20 = 0.25 > 0: strictly beyond the upper limit 0.
    above = drift_points(series(*[(0, 20)] * 6, (5, 20)))[-1]
    assert above.signal == "above_limit" and above.run == 1


def test_a_centre_of_1_has_zero_width_limits() -> None:
    on = drift_points(series(*[(20, 20)] * 6, (20, 20)))[-1]
    assert (on.centre, on.lower, on.upper, on.signal, on.run) == (1.0, 1.0, 1.0, None, 0)
    below = drift_points(series(*[(20, 20)] * 6, (15, 20)))[-1]
    assert below.signal == "below_limit"


def test_a_perturbed_rate_over_1_gives_a_centre_of_1_not_an_error() -> None:
    # Perturbed counts can publish 21 of 20: the centre is a rate, clipped to 1, so the spread
    # is sqrt(1 x 0 / n) = 0, not the root of a negative number.
    last = drift_points(series(*[(21, 20)] * 6, (20, 20)))[-1]
    assert (last.centre, last.lower, last.upper, last.signal) == (1.0, 1.0, 1.0, None)


def test_months_must_be_consecutive() -> None:
    with pytest.raises(ValueError, match="consecutive"):
        drift_points([("2025-01", 1, 2), ("2025-03", 1, 2)])


def test_signals_are_said_with_a_symbol_and_words() -> None:
    assert signal_label("above_limit") == ("▲ above the range its previous 12 months make likely")
    assert (
        signal_label("run_below") == "◆ 8th month or more in a row below the centre of that range"
    )
    assert signal_label(None) == ""
    assert "3-sigma" in RULE_TEXT and "8th month" in RULE_TEXT


# A simulation: stable units --------------------------------------------------------------------


def test_stable_units_are_seldom_flagged() -> None:
    """10 runs of 200 units x 36 months, O ~ Binomial(n, 0.3), n from 100 to 1,000 a month.

    The plain p-chart first (limits without the over-dispersion widening, worked out here from
    each month's centre): with a known centre, 3-sigma limits leave 2 x (1 - Phi(3)) = 0.27% of
    months outside. Here the centre is estimated from the unit's own previous months (N events'
    worth): the month's difference from it has variance p (1 - p) (1/n + 1/N), but the limits
    use 1/n alone, so a month of n after a baseline of N is outside with probability about
    2 (1 - Phi(3 / sqrt(1 + n / N))): 0.40% when N = 12 n, 0.55% when N = 6 n. The expected
    number flagged is that sum over the judged months (months 7-36 of each unit: 60,000); its
    binomial sd is about sqrt(250) = 16, and the tolerance is 4 sd, which a correct chart misses
    about once in 16,000 seeds.

    The chart as drawn widens limits by Laney's sigma_z when it is above 1; for binomial units
    the estimate from 6-12 months is above 1 about half the time, so fewer months are flagged
    than by the plain chart: about 0.27% (163 of 60,000 with this seed, sd about 13), which is
    what a known centre would give; the bounds below are 5 sd and 4.6 sd away.

    Runs: with a known centre, a month is the 8th or later of a run when it and the 7 before
    are on one side: 2 x 0.5^8 = 0.78%. A rolling centre follows the months above it, which
    shortens runs, so a correct chart flags fewer (about 0.45%).
    """
    normal = NormalDist()
    rng = np.random.default_rng(20260418)
    judged = outside = plain_outside = runs = 0
    expected = 0.0
    for _run in range(10):
        for _unit in range(200):
            population = rng.integers(100, 1001, size=36)
            observed = rng.binomial(population, 0.3)
            points = drift_points(
                list(zip(months(36), observed.tolist(), population.tolist(), strict=True))
            )
            for t, point in enumerate(points):
                if point.lower is None:
                    continue
                judged += 1
                outside += point.signal in ("above_limit", "below_limit")
                half = 3 * math.sqrt(point.centre * (1 - point.centre) / population[t])
                plain_outside += abs(point.rate - point.centre) > half
                runs += point.run >= 8
                baseline = population[max(t - 12, 0) : t].sum()
                expected += 2 * (1 - normal.cdf(3 / math.sqrt(1 + population[t] / baseline)))
    assert judged == 10 * 200 * 30  # months 7-36 of each unit
    assert abs(plain_outside - expected) <= 4 * math.sqrt(expected)
    # Not the 0.27% of a known centre: that would be 162 of 60,000, about 250 are expected.
    assert expected / judged == pytest.approx(0.0042, abs=0.0002)
    # Widened: fewer than the plain chart, about a known centre's 0.27%.
    assert 0.0016 * judged < outside < 0.0037 * judged
    assert outside < expected
    assert runs / judged < 2 * 0.5**8


def test_a_baseline_that_varies_more_than_chance_widens_the_limits() -> None:
    """Six baseline months of 100 alternating 40 and 60 events: centre 300 / 600 = 0.5, binomial
    sigma for n = 100 is sqrt(0.25 / 100) = 0.05, so the z-scores are -2, 2, -2, 2, -2, 2; their
    five moving ranges are all 4, mean 4, sigma_z = 4 / 1.128 = 3.546. The limits are
    0.5 +/- 3 x 0.05 x 3.546 = 0.5 +/- 0.532, clipped to 0..1: a month at 0.70 is inside.
    With a steady baseline (six months of 50) sigma_z is 0, the limits stay 0.5 +/- 0.15 =
    0.35..0.65, and the same 0.70 is above them."""
    swinging = [40, 60, 40, 60, 40, 60, 70]
    points = drift_points(list(zip(months(7), swinging, [100] * 7, strict=True)))
    last = points[-1]
    assert last.centre == pytest.approx(0.5)
    assert last.widening == pytest.approx(4 / 1.128)
    assert (last.lower, last.upper) == (0.0, 1.0)
    assert last.signal is None
    steady = drift_points(list(zip(months(7), [50] * 6 + [70], [100] * 7, strict=True)))[-1]
    assert steady.widening == 1.0
    assert (steady.lower, steady.upper) == (pytest.approx(0.35), pytest.approx(0.65))
    assert steady.signal == "above_limit"


# Runner.drift on a tiny extract ------------------------------------------------------------------

# Deferrals of non-JSA claims in D01's two offices, 40 interviews due on the 8th of each month
# from 2025-01 to 2026-01. D01-O01: 10 deferred a month in 2025, 35 in 2026-01. D01-O02: 10
# deferred every month. Judged: 2026-01 (the requests below are for that month alone).
#
# Published counts are perturbed by at most 2 (docs/disclosure.md; D = 2), so every count here
# is published (8 or more) and every rate too (populations 38 or more >= 10). By hand, for any
# perturbation:
# - D01-O01 in 2026-01: rate >= 33 / 42 = 0.786. Its centre (2025-02..2026-01's previous 12 are
#   2025-01..2025-12) <= 12 x 12 / (12 x 38) = 0.316, and the upper limit
#   <= 0.316 + 3 sqrt(0.25 / 38) = 0.316 + 0.243 = 0.559 (p (1 - p) <= 0.25) < 0.786: above.
# - D01-O02 in 2026-01: rate in [8/42, 12/38] = [0.190, 0.316]; its centre >= 96 / 504 = 0.190,
#   so upper >= 0.190 + 3 sqrt(0.190 x 0.810 / 42) = 0.190 + 0.182 = 0.372 > 0.316, and lower
#   <= 0.316 - 0.182 = 0.134 < 0.190: inside. No run either: before 2025-01 there is no one, so
#   2025-07 is the first month with 6 months before it, and 2025-07..2026-01 is only 7 months.
# - Both offices (the total): 2026-01 rate >= 43 / 82 = 0.524; centre <= 22 / 78 = 0.282, upper
#   <= 0.282 + 3 sqrt(0.25 / 78) = 0.282 + 0.170 = 0.452 < 0.524: above.

DRIFT_MONTHS = months(13)  # 2025-01 .. 2026-01


def _tables() -> dict[str, list[dict]]:
    claims, wfis = [], []
    for office, deferred_in_2026 in (("D01-O01", 35), ("D01-O02", 10)):
        for month in DRIFT_MONTHS:
            deferred = deferred_in_2026 if month == "2026-01" else 10
            for i in range(40):
                claim_id = f"{office[-3:]}-{month}-{i:02d}"
                claims.append(claim(claim_id, office, start_date=f"{month}-01"))
                if i < deferred:
                    wfis.append(wfi(claim_id, f"{month}-08", "deferred", "illness", f"{month}-22"))
                else:
                    wfis.append(wfi(claim_id, f"{month}-08", "attended"))
    return {**GEOGRAPHY, "claims": claims, "wfi": wfis}


@pytest.fixture(scope="module")
def runner(tmp_path_factory) -> Runner:
    """A runner on the hand-built deferrals extract above."""
    with runner_for(tmp_path_factory.mktemp("drift"), _tables()) as opened:
        yield opened


JANUARY = MeasureRequest("deferrals", "2026-01", "2026-01")
NATIONAL = Scope.national()
D01_O02_LEADER = Scope("team_leader", frozenset({"D01-O02"}), "team leader: D01-O02")
D01_MANAGER = Scope("district_manager", frozenset({"D01-O01", "D01-O02"}), "district manager")


def test_an_office_s_jump_is_above_its_own_range(runner) -> None:
    offices = runner.drift(JANUARY, "deferral_rate", "office", NATIONAL)
    assert offices.columns == [
        "district_code",
        "office_code",
        "month",
        "observed",
        "population",
        "rate",
        "centre",
        "lower",
        "upper",
        "signal",
        "suppressed",
    ]
    signals = dict(zip(offices["office_code"], offices["signal"], strict=True))
    # D02-O01 and D03-O01 have no one at all: no rate, no centre, no signal.
    assert signals == {"D01-O01": "above_limit", "D01-O02": None, "D02-O01": None, "D03-O01": None}
    o01 = offices.row(0, named=True)
    assert o01["rate"] >= 33 / 42 and o01["centre"] <= 144 / 456 and o01["upper"] <= 0.559
    assert offices.filter(office_code="D02-O01")["centre"].to_list() == [None]


def test_the_total_is_the_selection_as_a_whole(runner) -> None:
    total = runner.drift(JANUARY, "deferral_rate", "total", NATIONAL)
    assert total["month"].to_list() == ["2026-01"]
    row = total.row(0, named=True)
    assert row["signal"] == "above_limit" and row["rate"] >= 43 / 82
    # The centre is the published by-month table's 2025 months: sum deferred / sum due.
    year = runner.run(MeasureRequest("deferrals", "2025-01", "2025-12", by="month"), NATIONAL)
    assert year["deferred"].sum() / year["wfis_due"].sum() == pytest.approx(row["centre"])
    assert row["centre"] <= 22 / 78
    # Limits: centre -/+ 3 sqrt(centre (1 - centre) / population).
    half = 3 * math.sqrt(row["centre"] * (1 - row["centre"]) / row["population"])
    assert (row["lower"], row["upper"]) == pytest.approx(
        (row["centre"] - half, row["centre"] + half)
    )
    # The month's figures are the published ones a by-month request gives.
    january = runner.run(MeasureRequest("deferrals", "2026-01", "2026-01", by="month"), NATIONAL)
    assert (row["observed"], row["population"]) == (january["deferred"][0], january["wfis_due"][0])


def test_the_period_s_months_each_get_a_row(runner) -> None:
    autumn = MeasureRequest("deferrals", "2025-11", "2026-01")
    total = runner.drift(autumn, "deferral_rate", "total", NATIONAL)
    assert total["month"].to_list() == ["2025-11", "2025-12", "2026-01"]
    # 2025-11 and 2025-12 are judged (10 and 11 months before them) and inside their limits:
    # 20 of 80 a month throughout 2025, give or take 2 of each count.
    assert total["signal"].to_list() == [None, None, "above_limit"]
    assert total["lower"].is_not_null().all()


def test_a_team_leader_gets_only_their_offices(runner) -> None:
    offices = runner.drift(JANUARY, "deferral_rate", "office", D01_O02_LEADER)
    assert offices["office_code"].to_list() == ["D01-O02"]
    assert offices["signal"].to_list() == [None]
    national = runner.drift(JANUARY, "deferral_rate", "office", NATIONAL)
    assert offices.row(0) == national.filter(office_code="D01-O02").row(0)
    # Their total is their office's series, not the district's jump.
    total = runner.drift(JANUARY, "deferral_rate", "total", D01_O02_LEADER)
    assert total["signal"].to_list() == [None]
    assert total["population"].to_list() == offices["population"].to_list()
    # A district is judged only for a user who sees all of it.
    assert runner.drift(JANUARY, "deferral_rate", "district", D01_O02_LEADER).height == 0
    districts = runner.drift(JANUARY, "deferral_rate", "district", D01_MANAGER)
    assert districts["district_code"].to_list() == ["D01"]
    assert districts["signal"].to_list() == ["above_limit"]


def test_requests_are_bounded(runner, monkeypatch) -> None:
    calls = []
    query = runner.engine.query

    def counted(name, params=None):
        calls.append(name)
        return query(name, params)

    monkeypatch.setattr(runner.engine, "query", counted)
    runner.forget()  # the module's other tests have asked for these months
    runner.drift(JANUARY, "deferral_rate", "total", NATIONAL)
    assert len(calls) == 1  # one request by month over 2024-06..2026-01
    calls.clear()
    runner.drift(JANUARY, "deferral_rate", "office", NATIONAL)
    # One query for every office's months: January and the 19 months before it (unit_months).
    assert calls == ["deferrals"]
    # The months are the nation's, whoever asks: another user's drift asks for none again.
    calls.clear()
    leader = Scope("team_leader", frozenset({"D01-O01"}), "team leader: D01-O01")
    only = runner.drift(JANUARY, "deferral_rate", "office", leader)
    assert calls == []
    assert set(only["office_code"]) == {"D01-O01"}


@pytest.mark.parametrize(
    ("request_", "column", "unit", "message"),
    [
        (JANUARY, "waiver_rate", "office", "not a comparable rate"),
        (JANUARY, "wfis_due", "total", "not a comparable rate"),
        (JANUARY, "deferral_rate", "month", "offices, districts or the total"),
        (
            MeasureRequest("deferrals", "2026-01", "2026-01", offices=("D01-O01",)),
            "deferral_rate",
            "district",
            "office filter",
        ),
        (
            MeasureRequest("deferrals", "2023-01", "2026-01"),
            "deferral_rate",
            "office",
            f"at most {MAX_DRIFT_UNIT_MONTHS} months",
        ),
    ],
)
def test_drift_refuses(runner, request_, column, unit, message) -> None:
    with pytest.raises(RequestError, match=message):
        runner.drift(request_, column, unit, NATIONAL)


def test_every_office_s_months_come_from_one_query(runner) -> None:
    """unit_months on the tiny extract: 40 interviews due each month in each of D01's offices
    (published 38 to 42, perturbation at most 2), and a row of zeros for each month of an
    office with nobody (D02-O01, D03-O01), as that month's own table by office shows it."""
    months_ = runner.unit_months(MeasureRequest("deferrals", "2025-01", "2026-01"), "office")
    assert months_.height == 4 * 13  # 4 offices x 13 months
    assert months_["month"].unique().sort().to_list() == DRIFT_MONTHS
    busy = months_.filter(pl.col("district_code") == "D01")
    assert busy["wfis_due"].is_between(38, 42).all()
    quiet = months_.filter(pl.col("district_code") != "D01")
    assert quiet["wfis_due"].to_list() == [0] * 26
    assert quiet["deferral_rate"].null_count() == 26
    # No key sum leaves: what leaves is the published table.
    assert not [c for c in months_.columns if c.endswith("_key")]


def test_users_cannot_ask_for_months_of_every_unit(runner) -> None:
    for by in MONTH_GROUPINGS.values():
        with pytest.raises(RequestError, match="grouping"):
            runner.run(replace(JANUARY, by=by), NATIONAL)
    with pytest.raises(RequestError, match="office or district"):
        runner.unit_months(JANUARY, "month")


# The one query by unit and month against a request per month, on the sample ---------------------


def _month_by_month(runner_: Runner, request: MeasureRequest, unit: str) -> pl.DataFrame:
    """How drift read a unit's months before MONTH_GROUPINGS: the nation by `unit`, one
    request per month, each month's published table with its month beside it."""
    nation = replace(request, districts=(), offices=())
    return pl.concat(
        [
            runner_.run(
                replace(nation, by=unit, period_from=m, period_to=m), NATIONAL
            ).with_columns(pl.lit(m, dtype=pl.String).alias("month"))
            for m in months_between(request.period_from, request.period_to)
        ],
        how="vertical_relaxed",
    )


@pytest.mark.parametrize("unit", ["office", "district"])
@pytest.mark.parametrize(
    ("measure", "filters"),
    [(m, {}) for m in sorted({m for m, _ in compared_rates()})]
    # A filter set, as Needs attention asks after a filter change.
    + [("deferrals", {"benefits": ("UC", "ESA"), "groups": ("jobseeker", "health_condition")})],
)
def test_one_query_publishes_what_each_month_s_own_request_did(
    measure, filters, unit, sample_runner, monkeypatch
) -> None:
    """Every figure of every unit and month, exactly (cell-key perturbation is keyed by the
    records a count counts, so a unit's month from one query grouped by unit and month must be
    the figure its own single-month request published), and each comparable rate's drift the
    same from either."""
    request = sample_runner.default_request(measure, **filters)
    first = shift_months(request.period_from, -drift_module.LOOKBACK_MONTHS)
    fetched = replace(request, period_from=first)
    keys = ["district_code", *(["office_code"] if unit == "office" else []), "month"]
    grouped = sample_runner.unit_months(fetched, unit).sort(keys)
    monthly = _month_by_month(sample_runner, fetched, unit).select(grouped.columns).sort(keys)
    assert grouped.schema == monthly.schema
    assert grouped.height == monthly.height == 31 * (53 if unit == "office" else 6)
    assert grouped.rows() == monthly.rows()
    # Not vacuous: published rates, hidden cells and months of nobody are all compared.
    rates = [c for m, c in compared_rates() if m == measure]
    assert all(grouped[rate].drop_nulls().len() > 0 for rate in rates)
    assert grouped["suppressed"].list.len().sum() > 0
    for rate in rates:
        new = sample_runner.drift(request, rate, unit, NATIONAL)
        with monkeypatch.context() as patched:
            patched.setattr(
                sample_runner, "unit_months", lambda r, u: _month_by_month(sample_runner, r, u)
            )
            old = sample_runner.drift(request, rate, unit, NATIONAL)
        assert new.rows() == old.rows() and new.schema == old.schema
        assert new["centre"].drop_nulls().len() > 0


def test_a_long_total_is_one_request_and_allowed(runner) -> None:
    long = runner.drift(
        MeasureRequest("deferrals", "2023-01", "2026-01"), "deferral_rate", "total", NATIONAL
    )
    assert long.height == 37


# The drift command -------------------------------------------------------------------------------


def _drift(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        status = main(["drift", *args])
    except SystemExit as exc:  # argparse's usage errors
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


def test_command_gives_a_team_leader_their_office_s_months(
    sample_db, sample_runner, capsys
) -> None:
    status, out, _ = _drift(
        capsys,
        "deferrals",
        "deferral_rate",
        "--unit",
        "office",
        "--db",
        str(sample_db),
        "--access",
        str(ACCESS),
        "--as",
        LEADER,
        "--format",
        "json",
    )
    assert status == 0
    rows = json.loads(out)
    first, last = sample_runner.default_request("deferrals").period_from, "2026-10"
    assert {r["office_code"] for r in rows} == {"D01-O03"}
    assert [r["month"] for r in rows] == months(12, first) and rows[-1]["month"] == last
    assert all(r["signal"] in (None, *drift_module.SIGNALS) for r in rows)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["deferrals", "waiver_rate", "--unit", "total", "--national"], "not a comparable"),
        (["deferrals", "deferral_rate", "--unit", "month", "--national"], "invalid choice"),
        (["deferrals", "deferral_rate", "--national"], "--unit"),
        (["nothing", "rate", "--unit", "total", "--national"], "unknown measure"),
        (["deferrals", "deferral_rate", "--unit", "total"], "--as EMAIL"),
        (
            ["deferrals", "deferral_rate", "--unit", "office", "--national", "--from", "2020-01"],
            "at most 36 months",
        ),
        (
            [
                "deferrals",
                "deferral_rate",
                "--unit",
                "district",
                "--national",
                "--office",
                "D01-O01",
            ],
            "office filter",
        ),
    ],
)
def test_command_refuses_in_one_line(sample_db, capsys, args, message) -> None:
    status, out, err = _drift(capsys, *args, "--db", str(sample_db))
    assert status == 2 and out == "" and message in err
    assert len(err.strip().splitlines()) == 1, err


# Trend charts ------------------------------------------------------------------------------------


def _trend(signals: list[str | None], judged: list[bool]) -> pl.DataFrame:
    count = len(signals)
    return pl.DataFrame(
        {
            "month": months(count, "2026-01") * 2,
            "series": ["Deferral rate"] * count + ["Waiver rate"] * count,
            "value": [0.2] * (2 * count),
            charts.DRIFT_SIGNAL: signals + [None] * count,
            charts.DRIFT_JUDGED: judged + [False] * count,
            "suppressed": [[]] * (2 * count),
        },
        schema_overrides={charts.DRIFT_SIGNAL: pl.String, "suppressed": pl.List(pl.String)},
    )


def _layers(chart) -> dict[str, dict]:
    """The layers of a built chart by mark type."""
    spec = chart.to_dict()
    return {
        (layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]): layer
        for layer in spec["layer"]
    }


def test_signals_are_drawn_as_shapes_with_words() -> None:
    trend = _trend(["above_limit", None, "run_below"], [True, True, True])
    chart = charts.lines_by_month(trend, "Rate", "Deferral and waiver rates", "rate")
    layers = _layers(chart)
    assert set(layers) == {"line", "point", "text"}
    shape = layers["point"]["encoding"]["shape"]
    # By shape: a triangle up for above the range, a diamond for a run, each with its words.
    assert shape["scale"] == {
        "domain": ["above range", "run below"],
        "range": ["triangle-up", "diamond"],
    }
    assert layers["text"]["encoding"]["text"]["field"] == "signal_mark"
    # Only the flagged months are marked, with their words.
    rows = chart.to_dict()["datasets"][layers["point"]["data"]["name"]]
    assert [(r["month"], r["signal_label"], r["signal_mark"]) for r in rows] == [
        ("2026-01", "above range", "high"),
        ("2026-03", "run below", "run"),
    ]
    assert [r["signal_words"] for r in rows] == [
        "above the range its previous 12 months make likely",
        "8th month or more in a row below the centre of that range",
    ]
    # The caption names the rules, the rate judged (not the waiver rate) and the count.
    assert (
        chart.description == f"Drift signals for Deferral rate: {RULE_TEXT} 2 months are flagged."
    )


def test_a_judged_trend_with_no_signal_says_so() -> None:
    chart = charts.lines_by_month(_trend([None, None], [False, True]), "Rate", "t", "rate")
    assert "layer" not in chart.to_dict()
    assert chart.description == f"Drift signals for Deferral rate: {RULE_TEXT} No month is flagged."
    both = _trend([None, None], [True, True]).with_columns(pl.lit(True).alias(charts.DRIFT_JUDGED))
    assert charts.lines_by_month(both, "Rate", "t", "rate").description.startswith(
        "Drift signals for Deferral rate and Waiver rate: "
    )
    unjudged = charts.lines_by_month(_trend([None, None], [False, False]), "Rate", "t", "rate")
    assert unjudged.description.startswith("No month of these rates could be judged for drift")


def test_a_trend_with_no_drift_columns_is_drawn_as_before() -> None:
    plain = pl.DataFrame({"month": ["2026-01"], "series": ["Mean change"], "value": [0.5]})
    spec = charts.lines_by_month(plain, "Mean change", "t", "change").to_dict()
    assert "layer" not in spec and "description" not in spec


def test_the_deferrals_page_marks_the_runner_s_signals(sample_db, sample_runner, app_for) -> None:
    at = app_for(sample_db)
    at.run()
    at.switch_page("pages/deferrals.py")
    at.run()
    assert not at.exception
    request = sample_runner.default_request("deferrals")
    flagged = sample_runner.drift(request, "deferral_rate", "total", NATIONAL)["signal"]
    count = flagged.is_not_null().sum()
    assert count > 0  # the sample's deferral rate falls through its year
    expected = f"Drift signals for Deferral rate: {RULE_TEXT} {count} months are flagged."
    assert expected in [c.value for c in at.caption]
