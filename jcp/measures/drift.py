"""Drift over time: each month of a unit's rate against its own previous 12 months, as a p-chart
(issue 18 s.3), with the two rules statistical process control uses most.

Pure arithmetic on counts (no database, no I/O): the runner (`Runner.drift`) feeds it a unit's
published monthly counts, so a signal says nothing the published table does not.

For month t with O_t events out of n_t:
- its centre is p_bar = sum O / sum n over the unit's own previous 12 months (t-12 .. t-1)
  whose figures are published (a hidden month, or one with no population, says nothing about
  the rate and is left out). At least MIN_BASELINE_MONTHS (6) such months are needed: fewer is
  too little of the unit's own history to say what is usual for it (a new office, a rate whose
  window has only just matured), so such a month has no centre, no limits and no signal. Six is
  half the window: enough that one odd month moves the centre by at most a sixth of its
  difference, while a unit with a few hidden months is still judged;
- its limits are p_bar +/- 3 sqrt(p_bar (1 - p_bar) / n_t) x w, clipped to [0, 1] (3 sigma:
  about 0.27% of months of a stable unit fall outside by chance, where the normal approximation
  holds);
- w widens the limits for over-dispersion, as phi does the funnel's (Laney 2002, "Improved
  control charts for attributes", Quality Engineering 14:531, the p'-chart): the baseline
  months' z-scores z_j = (p_j - p_bar) / sqrt(p_bar (1 - p_bar) / n_j), in month order, have
  a moving range whose mean, divided by 1.128 (d2 for ranges of two), estimates their spread
  sigma_z; w = sigma_z when it is above 1, else 1 (limits are never narrowed). A big unit's
  months vary more than the binomial alone allows (seasons, staff, policy), and without this
  a national total of 1,000 interviews a month is "out of control" nearly every month, which
  would teach people to ignore the marks;
- rule 1, outside: the month's rate is strictly above its upper limit (`above_limit`) or
  strictly below its lower one (`below_limit`); on a limit is within;
- rule 2, a run: the month is the 8th (or later) consecutive month strictly on the same side of
  its own centre (`run_above`, `run_below`). A month on its centre, hidden, with no population
  or with no centre breaks a run. A month outside its limits is labelled by rule 1 but still
  counts in a run.

A centre of 0 or 1 has no binomial spread (p_bar (1 - p_bar) = 0): the limits are the centre
itself. A month at the centre is on both limits and on the centre line (no signal, and it breaks
a run); any other rate is beyond a limit. With published figures that is a real change: a count
of 1 to 4 is hidden, so a month above a centre of 0 shows at least 5 events after 6 or more
months of none. (As comparison.funnel_point does for a target of 0 or 1.)

Published counts are perturbed (cell-key method), so a published rate can exceed 1 by a count or
two; the centre is clipped to [0, 1], as a rate, so that the spread is never the square root of
a negative number.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

SIGMA = 3.0
D2 = 1.128  # the mean range of two standard normal values: moving ranges to a standard deviation
BASELINE_MONTHS = 12  # the window a month's centre is taken from: the 12 months before it
MIN_BASELINE_MONTHS = 6  # published months of that window needed to judge a month at all
RUN_LENGTH = 8  # consecutive months on one side of the centre that make a run
# How far back a month's figures can matter to a judged month: its own centre reaches back 12
# months, and each of the 7 months before it in a run reaches back 12 from itself. The runner
# fetches this many months before the period, so the period's first month is judged on both
# rules as fully as its last.
LOOKBACK_MONTHS = BASELINE_MONTHS + RUN_LENGTH - 1

SIGNALS = ("above_limit", "below_limit", "run_above", "run_below")

# How each signal is said and drawn, so a signal never rests on colour alone: a shape (the
# charts' Vega shapes), a symbol for text, short words beside a point and the rule in full.
SIGNAL_SYMBOLS = {"above_limit": "▲", "below_limit": "▼", "run_above": "◆", "run_below": "◆"}
SIGNAL_SHAPES = {
    "above_limit": "triangle-up",
    "below_limit": "triangle-down",
    "run_above": "diamond",
    "run_below": "diamond",
}
SIGNAL_LABELS = {
    "above_limit": "above range",
    "below_limit": "below range",
    "run_above": "run above",
    "run_below": "run below",
}
# Beside a point on a chart, where a year of months leaves room for a word each: the shape and
# the position say the rest, the legend has SIGNAL_LABELS and the tooltip SIGNAL_WORDS.
SIGNAL_MARKS = {"above_limit": "high", "below_limit": "low", "run_above": "run", "run_below": "run"}
SIGNAL_WORDS = {
    "above_limit": "above the range its previous 12 months make likely",
    "below_limit": "below the range its previous 12 months make likely",
    "run_above": f"{RUN_LENGTH}th month or more in a row above the centre of that range",
    "run_below": f"{RUN_LENGTH}th month or more in a row below the centre of that range",
}
RULE_TEXT = (
    "▲ or ▼ marks a month above or below the range its own previous 12 months make likely "
    f"(a {SIGMA:g}-sigma p-chart, widened where those months vary more than chance allows); "
    f"◆ marks the {RUN_LENGTH}th month or more in a row on the "
    "same side of that range's centre. A month is judged once "
    f"{MIN_BASELINE_MONTHS} of its previous {BASELINE_MONTHS} months are published."
)


@dataclass(frozen=True)
class DriftPoint:
    """One month of a unit: its rate, centre, limits, its place in a run and its signal."""

    month: str
    rate: float | None  # O_t / n_t; None when hidden or with no population
    centre: float | None  # p_bar of its previous 12 months; None with too short a baseline
    lower: float | None  # limits; None when the month is not judged (no rate or no centre)
    upper: float | None
    baseline_months: int  # published months among the previous 12
    widening: float | None  # w (1 when the baseline varies no more than the binomial); None
    # with no centre
    run: int  # months in a row on this month's side of its centre, itself included; 0 on none
    signal: str | None  # one of SIGNALS, or None


def month_index(month: str) -> int:
    """A YYYY-MM month as a count of months, so consecutive months differ by 1."""
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def _usable(observed: float | None, population: float | None) -> bool:
    return observed is not None and population is not None and population >= 1


def limits(centre: float, population: float, widening: float = 1.0) -> tuple[float, float]:
    """The 3-sigma limits of a month of `population` around `centre`, widened by `widening`,
    clipped to [0, 1]."""
    half = SIGMA * math.sqrt(centre * (1 - centre) / population) * widening
    return max(centre - half, 0.0), min(centre + half, 1.0)


def widening(baseline: Sequence[tuple[float, float]], centre: float) -> float:
    """Laney's sigma_z of the baseline months (observed, population) in month order, or 1 when
    it is not above 1 or cannot be had (fewer than two months, a centre of 0 or 1)."""
    if not 0 < centre < 1 or len(baseline) < 2:
        return 1.0
    scores = [(o / n - centre) / math.sqrt(centre * (1 - centre) / n) for o, n in baseline]
    ranges = [abs(b - a) for a, b in zip(scores, scores[1:], strict=False)]
    return max(sum(ranges) / len(ranges) / D2, 1.0)


def drift_points(series: Sequence[tuple[str, float | None, float | None]]) -> list[DriftPoint]:
    """Each month of one unit's series (month, observed, population), judged on both rules.

    The months must be consecutive and in order (a month with nothing published is given as
    (month, None, None)), because "previous 12 months" and "in a row" count calendar months.
    """
    for (before, *_), (after, *_) in zip(series, series[1:], strict=False):
        if month_index(after) != month_index(before) + 1:
            raise ValueError(f"months must be consecutive and in order: {before} then {after}")
    points: list[DriftPoint] = []
    side_before, run_before = 0, 0
    for t, (month, observed, population) in enumerate(series):
        baseline = [(o, n) for _, o, n in series[max(t - BASELINE_MONTHS, 0) : t] if _usable(o, n)]
        centre = widen = None
        if len(baseline) >= MIN_BASELINE_MONTHS:
            total_observed = sum(o for o, _ in baseline)
            total_population = sum(n for _, n in baseline)
            centre = min(max(total_observed / total_population, 0.0), 1.0)
            widen = widening(baseline, centre)
        rate = observed / population if _usable(observed, population) else None
        lower = upper = None
        signal = None
        side = 0
        if rate is not None and centre is not None:
            lower, upper = limits(centre, population, widen or 1.0)
            side = (rate > centre) - (rate < centre)
            if rate > upper:
                signal = "above_limit"
            elif rate < lower:
                signal = "below_limit"
        run = 0 if side == 0 else (run_before + 1 if side == side_before else 1)
        if signal is None and run >= RUN_LENGTH:
            signal = "run_above" if side > 0 else "run_below"
        points.append(
            DriftPoint(month, rate, centre, lower, upper, len(baseline), widen, run, signal)
        )
        side_before, run_before = side, run
    return points


def signal_label(signal: str | None) -> str:
    """Symbol and words for a table cell or a list item: "▲ above the range its previous 12
    months make likely". Empty for no signal."""
    if signal is None:
        return ""
    return f"{SIGNAL_SYMBOLS[signal]} {SIGNAL_WORDS[signal]}"
