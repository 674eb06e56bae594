"""A reference Kaplan-Meier curve for the survival tests, from statsmodels (a test-only
dependency), with the 95% log-log band worked from its estimate and Greenwood standard error.

statsmodels' `SurvfuncRight` gives the product-limit estimate and its Greenwood standard error at
each event time; a week's figure is the estimate at the last event time on or before it (1
before the first). The band is the usual log-log one, written out here on its own:
theta = log(-log S), se(theta) = sqrt(V) / |log S| with V = (se(S) / S)^2 Greenwood's variance of
log S, and the bounds are S^exp(+z se) (low) and S^exp(-z se) (high); at S = 1 (before any event)
and S = 0 (everyone has had it) the band is the point itself.
"""

from __future__ import annotations

import bisect
import math

import numpy as np
from statsmodels.duration.survfunc import SurvfuncRight

Z95 = 1.959963984540054


def reference_curve(
    spells: list[tuple[int, bool]], last_week: int
) -> dict[int, tuple[float, float, float]]:
    """{week: (survival, ci_low, ci_high)} for spells of (days, event), time in whole weeks."""
    fitted = SurvfuncRight(
        np.array([days // 7 for days, _ in spells], dtype=float),
        np.array([1 if event else 0 for _, event in spells]),
    )
    times = list(fitted.surv_times)
    curve = {}
    for week in range(last_week + 1):
        at = bisect.bisect_right(times, week) - 1
        if at < 0:
            curve[week] = (1.0, 1.0, 1.0)
            continue
        s, se = float(fitted.surv_prob[at]), float(fitted.surv_prob_se[at])
        if s == 0.0:
            curve[week] = (0.0, 0.0, 0.0)
            continue
        spread = Z95 * (se / s) / abs(math.log(s))
        curve[week] = (s, s ** math.exp(spread), s ** math.exp(-spread))
    return curve
