"""Funnel-plot comparison of units' rates with a target rate: control limits, over-dispersion
and verdicts (Spiegelhalter 2005, "Funnel plots for comparing institutional performance").

Pure arithmetic on counts (no database, no I/O): the runner (`Runner.compare`) feeds it the
published counts, so a comparison says nothing the published table does not.

For unit i with O_i events out of n_i and a target rate p0, the limits are
p0 +/- z sqrt(p0 (1 - p0) / n_i), clipped to [0, 1]. Over-dispersion (the multiplicative
model): z_i = (O_i / n_i - p0) / sqrt(p0 (1 - p0) / n_i); sort the I z-scores, k = floor(0.1 I),
replace the k smallest by the (k+1)-th smallest and the k largest by the (k+1)-th largest;
phi = (1 / I) sum of the squared winsorised z. When phi > 1 every half-width is multiplied by
sqrt(phi). A unit is outside a limit only when strictly beyond it.

A target of 0 or 1 has no binomial spread (p0 (1 - p0) = 0): the limits are p0 itself, no
z-score exists, so phi is not estimated (None) and nothing is widened; a unit at p0 is as
expected (on the limit, not beyond it) and one that differs is beyond the 99.8% limit.

Case-mix adjustment (indirect standardisation): with p_c the national rate in cell c (benefit x
claimant group x age band), a unit expects E_i = sum_c n_ic p_c events with variance
V_i = sum_c n_ic p_c (1 - p_c). Its standardised ratio SR_i = O_i / E_i is judged against the
limits 1 +/- z sqrt(V_i) / E_i (the lower clipped at 0), widened by sqrt(phi) when phi > 1, phi
now from z_i = (O_i - E_i) / sqrt(V_i), winsorised as above; its adjusted rate is SR_i x p0. With
every p_c equal to p0 this is the unadjusted funnel on the ratio scale (limits divided by p0).
The runner passes E_i and V_i as the published population n_i times the unit's mix-expected
rate e_i = sum_c n_ic p_c / sum_c n_ic and variance per head v_i = sum_c n_ic p_c (1 - p_c) /
sum_c n_ic (`mix_rates`, from perturbed cell counts: Runner.case_mix_rates), so E_i stays
consistent with the published n_i.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Two-sided standard normal quantiles to double precision: 0.975 and 0.999 (95% and 99.8%
# limits). Written out (they are scipy.stats.norm.ppf's values) so the limits are the same on
# every Python; statistics.NormalDist().inv_cdf agrees to within 1e-15 (tests check it).
Z_95 = 1.959963984540054
Z_998 = 3.090232306167813

# The share of the most extreme z-scores at each end pulled in before phi is estimated.
WINSORISED_SHARE = 0.1

# Verdicts, from the highest rate to the lowest; words for each are for the pages to add.
VERDICTS = ("higher_998", "higher_95", "as_expected", "lower_95", "lower_998")


@dataclass(frozen=True)
class Point:
    """One unit on the funnel: its rate, the expected events, the limits and its verdict."""

    rate: float
    expected: float  # n_i x p0
    ratio: float | None  # O_i / expected; None when nothing is expected (p0 = 0)
    lower_95: float
    upper_95: float
    lower_998: float
    upper_998: float
    verdict: str
    # Adjusted for case mix only: SR_i x p0, the unit's rate had it the nation's case mix. The
    # limits and verdict are then on the ratio scale (of `ratio`, around 1).
    adjusted_rate: float | None = None


def z_score(observed: float, population: float, target: float) -> float | None:
    """How many binomial standard errors the unit's rate is from the target (None for no
    population or a target of 0 or 1, where there is no spread to measure by)."""
    if population < 1 or not 0 < target < 1:
        return None
    return (observed / population - target) / math.sqrt(target * (1 - target) / population)


def overdispersion(
    observed: Sequence[float | None], population: Sequence[float | None], target: float
) -> float | None:
    """phi over every unit with a population of 1 or more (units given as None are left out):
    the mean squared z-score after winsorising floor(10%) of them at each end. None when it
    cannot be estimated (no such unit, or a target of 0 or 1)."""
    return winsorised_phi(
        z
        for o, n in zip(observed, population, strict=True)
        if o is not None and n is not None
        for z in [z_score(o, n, target)]
        if z is not None
    )


def adjusted_z_score(
    observed: float, population: float, expected: float, variance: float
) -> float | None:
    """(O - E) / sqrt(V): how many standard errors the unit's count is from what its case mix
    expects (None for no population, or no variance: every cell's rate 0 or 1)."""
    if population < 1 or variance <= 0:
        return None
    return (observed - expected) / math.sqrt(variance)


def adjusted_overdispersion(
    observed: Sequence[float | None],
    population: Sequence[float | None],
    expected_rate: Sequence[float | None],
    variance_rate: Sequence[float | None],
) -> float | None:
    """phi for case-mix adjusted comparisons: as `overdispersion`, from the adjusted z-scores of
    every unit with a population of 1 or more (E = n x expected_rate, V = n x variance_rate;
    units with any of them None are left out)."""
    return winsorised_phi(
        z
        for o, n, e, v in zip(observed, population, expected_rate, variance_rate, strict=True)
        if o is not None and n is not None and e is not None and v is not None
        for z in [adjusted_z_score(o, n, n * e, n * v)]
        if z is not None
    )


def winsorised_phi(z_scores: Iterable[float]) -> float | None:
    """The mean squared z-score after the floor(10%) smallest are raised to the next smallest
    and the floor(10%) largest lowered to the next largest; None for no score."""
    scores = sorted(z_scores)
    units = len(scores)
    if units == 0:
        return None
    k = math.floor(WINSORISED_SHARE * units)
    winsorised = [min(max(z, scores[k]), scores[units - 1 - k]) for z in scores]
    return sum(z * z for z in winsorised) / units


def verdict(
    rate: float, lower_95: float, upper_95: float, lower_998: float, upper_998: float
) -> str:
    """Where a rate lies against its limits; on a limit is within it."""
    if rate > upper_998:
        return "higher_998"
    if rate > upper_95:
        return "higher_95"
    if rate < lower_998:
        return "lower_998"
    if rate < lower_95:
        return "lower_95"
    return "as_expected"


def funnel_point(
    observed: float | None,
    population: float | None,
    target: float,
    phi: float | None = None,
    minimum: int = 1,
) -> Point | None:
    """One unit's point, limits and verdict; None when its counts are missing or its
    population is under `minimum` (too few to place). phi widens the limits only above 1."""
    if observed is None or population is None or population < max(minimum, 1):
        return None
    widen = math.sqrt(phi) if phi is not None and phi > 1 else 1.0
    spread = math.sqrt(target * (1 - target) / population)

    def limits(z: float) -> tuple[float, float]:
        half = z * spread * widen
        return max(target - half, 0.0), min(target + half, 1.0)

    lower_95, upper_95 = limits(Z_95)
    lower_998, upper_998 = limits(Z_998)
    rate = observed / population
    expected = population * target
    return Point(
        rate=rate,
        expected=expected,
        ratio=observed / expected if expected > 0 else None,
        lower_95=lower_95,
        upper_95=upper_95,
        lower_998=lower_998,
        upper_998=upper_998,
        verdict=verdict(rate, lower_95, upper_95, lower_998, upper_998),
    )


def mix_rates(
    cells: Iterable[tuple[float, float]],
) -> tuple[float, float] | None:
    """A unit's mix-expected rate e = sum n_c p_c / sum n_c and variance per head
    v = sum n_c p_c (1 - p_c) / sum n_c, from (n_c, p_c) for each of its cells (its own count
    in the cell, the national rate there). None when it has nobody in any cell."""
    people = expected = variance = 0.0
    for count, rate in cells:
        people += count
        expected += count * rate
        variance += count * rate * (1 - rate)
    if people <= 0:
        return None
    return expected / people, variance / people


def adjusted_point(
    observed: float | None,
    population: float | None,
    expected_rate: float | None,
    variance_rate: float | None,
    target: float,
    phi: float | None = None,
    minimum: int = 1,
) -> Point | None:
    """One unit's point adjusted for case mix: E = n x expected_rate, V = n x variance_rate,
    ratio O / E with limits 1 +/- z sqrt(V) / E (lower clipped at 0, widened by sqrt(phi) above 1)
    and its verdict on the ratio, adjusted rate ratio x target. None, as `funnel_point`, when a
    count is missing or the population is under `minimum`, and when its mix is unknown.

    Nothing expected (E = 0: every cell's rate 0) leaves no ratio: the limits are 1 and the
    verdict is as expected for no events, beyond 99.8% for any. No variance (every rate 0 or 1)
    gives limits of 1, as a target of 0 or 1 does unadjusted.
    """
    if observed is None or population is None or population < max(minimum, 1):
        return None
    if expected_rate is None or variance_rate is None:
        return None
    expected = population * expected_rate
    variance = population * variance_rate
    rate = observed / population
    if expected <= 0:
        return Point(
            rate=rate,
            expected=expected,
            ratio=None,
            lower_95=1.0,
            upper_95=1.0,
            lower_998=1.0,
            upper_998=1.0,
            verdict="as_expected" if observed == 0 else "higher_998",
            adjusted_rate=None,
        )
    widen = math.sqrt(phi) if phi is not None and phi > 1 else 1.0
    spread = math.sqrt(max(variance, 0.0)) / expected

    def limits(z: float) -> tuple[float, float]:
        half = z * spread * widen
        return max(1 - half, 0.0), 1 + half

    lower_95, upper_95 = limits(Z_95)
    lower_998, upper_998 = limits(Z_998)
    ratio = observed / expected
    return Point(
        rate=rate,
        expected=expected,
        ratio=ratio,
        lower_95=lower_95,
        upper_95=upper_95,
        lower_998=lower_998,
        upper_998=upper_998,
        verdict=verdict(ratio, lower_95, upper_95, lower_998, upper_998),
        adjusted_rate=ratio * target,
    )


# How a verdict is said, and the symbol beside it, so a verdict never rests on colour alone.
# Symbols are plain text (they survive a CSV, a screen reader reads the words beside them).
VERDICT_WORDS = {
    "higher_998": "higher than expected (99.8%)",
    "higher_95": "higher than expected (95%)",
    "as_expected": "as expected",
    "lower_95": "lower than expected (95%)",
    "lower_998": "lower than expected (99.8%)",
}
VERDICT_SYMBOLS = {
    "higher_998": "▲▲",
    "higher_95": "▲",
    "as_expected": "●",
    "lower_95": "▼",
    "lower_998": "▼▼",
}
# Worst first, for a table of verdicts: the alarms (99.8%), then the warnings (95%), then the
# rest. Which end is "worse" depends on the figure's direction; with none, both ends rank alike.
_SEVERITY = {"higher_998": 2, "lower_998": 2, "higher_95": 1, "lower_95": 1, "as_expected": 0}


def judgement(verdict: str | None, better: str | None) -> str | None:
    """ "better" or "worse" for a verdict outside the limits of a figure with a better direction
    ("higher" or "lower"); None when as expected, unplaced, or the figure has no direction (the
    deferral rate: deferring is sometimes right)."""
    if verdict is None or verdict == "as_expected" or better not in ("higher", "lower"):
        return None
    return "better" if verdict.startswith(better) else "worse"


def verdict_text(verdict: str | None, better: str | None) -> str:
    """The verdict in words, with better/worse where the figure has a direction:
    "lower than expected (95%), worse". Empty for a unit with no verdict (too few to place)."""
    if verdict is None:
        return ""
    words = VERDICT_WORDS[verdict]
    judged = judgement(verdict, better)
    return f"{words}, {judged}" if judged else words


def verdict_label(verdict: str | None, better: str | None) -> str:
    """Symbol and words together, for a table cell or a list item: "▼ lower than expected (95%),
    worse". Empty for a unit with no verdict."""
    if verdict is None:
        return ""
    return f"{VERDICT_SYMBOLS[verdict]} {verdict_text(verdict, better)}"


def concern(verdict: str | None, better: str | None) -> int:
    """How much a verdict asks for a look, for sorting worst first: 4 worse at 99.8%, 3 worse at
    95%, 2 and 1 the same outside limits with no direction (deferral rate) or better, 0 as
    expected, -1 no verdict. Higher sorts first."""
    if verdict is None:
        return -1
    severity = _SEVERITY[verdict]
    if severity == 0:
        return 0
    return severity + 2 if judgement(verdict, better) == "worse" else severity


def limit_curves(
    target: float, phi: float | None, smallest: float, largest: float, steps: int = 60
) -> list[dict[str, float]]:
    """The funnel's limits as curves over unit sizes from `smallest` to `largest`, for drawing:
    each step's size with its 95% and 99.8% limits, exactly as funnel_point works them out for
    a unit of that size (so a point is outside a drawn curve exactly when its verdict says so).
    Sizes are spaced evenly on a square-root scale, where the limits bend most for small units.
    """
    low, high = math.sqrt(max(smallest, 1.0)), math.sqrt(max(largest, smallest, 1.0))
    sizes = sorted({(low + (high - low) * i / (steps - 1)) ** 2 for i in range(steps)})
    curves = []
    for size in sizes:
        point = funnel_point(target * size, size, target, phi)
        if point is not None:
            curves.append(
                {
                    "size": size,
                    "lower_95": point.lower_95,
                    "upper_95": point.upper_95,
                    "lower_998": point.lower_998,
                    "upper_998": point.upper_998,
                }
            )
    return curves
