"""Time to a job while on benefit: Kaplan-Meier curves of claims by completed week, by hand.

The extract date is 2026-10-31. A claim's time is floor(days / 7) completed weeks: end_date -
start_date for an ended claim, 2026-10-31 - start_date for an open one. The event is ending
into work (end_reason job_entry); a claim ending otherwise is censored at its end, an open one
at the extract date. S(w) = prod over j <= w of (1 - d_j / n_j); Greenwood's V(w) = sum of
d_j / (n_j (n_j - d_j)); the band exp(-exp(log(-log S) +- z sqrt(V) / -log S)), 1 to 1 while S
is 1 and 0 to 0 once it is 0; nothing where nobody is at risk.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator

import pytest
from extracts import EXACT, GEOGRAPHY, approx_rows, claim, runner_for
from survival_reference import reference_curve

from jcp.extract.contract import END_REASONS
from jcp.measures.runner import MeasureRequest, RequestError, Runner

PERIOD = ("2026-07", "2026-10")  # 2026-07-01 to 2026-10-31, the extract date
Z = 1.959963984540054  # the normal 97.5% quantile
LAST_WEEK = 104

CLAIMS = [
    # 6 days (07-06 -> 07-12), into work: week 0, an event.
    claim("K1", "D01-O01", "2026-07-06", "UC", "health_condition", "2026-07-12", "job_entry"),
    # 7 days (07-06 -> 07-13), into work: week 1, an event.
    claim("K2", "D01-O01", "2026-07-06", "UC", "health_condition", "2026-07-13", "job_entry"),
    # Starts on the period's first day; 13 days, ended for another reason: week 1, censored ...
    claim("K3", "D01-O02", "2026-07-01", "JSA", "jobseeker", "2026-07-14", "other"),
    # ... in the week this one ends into work (the event comes first; K3 is at risk in it).
    claim("K4", "D01-O02", "2026-07-01", "JSA", "jobseeker", "2026-07-14", "job_entry"),
    # Open: 10-24 -> 10-31 is 7 days, week 1, censored at the extract date.
    claim("K5", "D02-O01", "2026-10-24", "UC", "lone_parent"),
    # Open: 10-25 -> 10-31 is 6 days, week 0, censored.
    claim("K6", "D02-O01", "2026-10-25", "UC", "lone_parent"),
    # 08-03 -> 08-24 is 21 days, onto the Work Programme: week 3, censored.
    claim("K7", "D03-O01", "2026-08-03", "ESA", "health_condition", "2026-08-24", "work_programme"),
    # 09-01 -> 09-29 is 28 days, into work: week 4, an event.
    claim("K8", "D03-O01", "2026-09-01", "ESA", "health_condition", "2026-09-29", "job_entry"),
    # Starts the day before the period: out.
    claim("K9", "D03-O01", "2026-06-30", "ESA", "health_condition", "2026-07-01", "job_entry"),
    # Starts on the period's last day, the extract date: 0 days, week 0, censored.
    claim("K10", "D03-O01", "2026-10-31", "ESA", "health_condition"),
]


@pytest.fixture(scope="module")
def runner(tmp_path_factory) -> Iterator[Runner]:
    """The claims above, loaded once."""
    with runner_for(
        tmp_path_factory.mktemp("claim_survival"), {**GEOGRAPHY, "claims": CLAIMS}
    ) as r:
        yield r


def run(runner, by="total", period=PERIOD, **filters) -> list[dict]:
    request = MeasureRequest("claim_survival", *period, by=by, **filters)
    return runner.run(request, **EXACT).to_dicts()


def band(survival: float, variance: float) -> tuple[float, float]:
    """The 95% log-log band, by its formula (1 to 1 at S = 1, 0 to 0 at S = 0)."""
    if survival in (0, 1):
        return survival, survival
    centre = math.log(-math.log(survival))
    spread = Z * math.sqrt(variance) / -math.log(survival)
    return math.exp(-math.exp(centre + spread)), math.exp(-math.exp(centre - spread))


def week(w, at_risk, events=0, censored=0, survival=None, variance=0.0) -> dict:
    low, high = (None, None) if survival is None else band(survival, variance)
    return {
        "week": w,
        "at_risk": at_risk,
        "events": events,
        "censored": censored,
        "survival": survival,
        "ci_low": low,
        "ci_high": high,
    }


def curve(*weeks: dict, **keys) -> list:
    """A group's rows: the weeks given (0, 1, ... in order), then nobody at risk to week 104."""
    rows = list(weeks) + [week(w, 0) for w in range(len(weeks), LAST_WEEK + 1)]
    return approx_rows([{**keys, **row} for row in rows])


# The nine claims in the period (not K9):
# week 0: at risk 9; K1 into work (1 event); K6, K10 censored.  S = 8/9;  V = 1 / (9 x 8) = 1/72.
# week 1: at risk 6; K2, K4 into work (2); K3 (ended otherwise), K5 (open) censored.
#   S = 8/9 x (1 - 2/6) = 16/27;  V = 1/72 + 2 / (6 x 4) = 1/72 + 6/72 = 7/72.
# week 2: at risk 2 (K7, K8).  week 3: K7 censored.  S = 16/27.
# week 4: at risk 1, K8 into work: S = 16/27 x (1 - 1/1) = 0, the band 0 to 0.
ALL = [
    week(0, 9, 1, 2, 8 / 9, 1 / 72),
    week(1, 6, 2, 2, 16 / 27, 7 / 72),
    week(2, 2, 0, 0, 16 / 27, 7 / 72),
    week(3, 2, 0, 1, 16 / 27, 7 / 72),
    week(4, 1, 1, 0, 0.0),
]
# D01-O02 (K3 censored and K4 into work, both week 1): week 0 at risk 2, S = 1; week 1 at
# risk 2, S = 1 - 1/2 = 1/2, V = 1 / (2 x 1) = 1/2.
OFFICE_D01_O02 = [week(0, 2, 0, 0, 1.0), week(1, 2, 1, 1, 0.5, 0.5)]
# D02 (K6 open 6 days, K5 open 7 days): no event, S = 1 and the band 1 to 1.
D02 = [week(0, 2, 0, 1, 1.0), week(1, 1, 0, 1, 1.0)]


def test_claim_survival_total(runner) -> None:
    assert run(runner) == curve(*ALL)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"benefits": ("JSA",)}, OFFICE_D01_O02),  # K3, K4
        ({"groups": ("lone_parent",)}, D02),  # K5, K6
        ({"districts": ("D02",)}, D02),
        ({"offices": ("D01-O02",)}, OFFICE_D01_O02),
        ({"groups": ("carer",)}, []),  # nobody: every week 0, no curve
    ],
    ids=["jsa", "lone_parent", "district", "office", "empty"],
)
def test_claim_survival_filters(runner, filters, expected) -> None:
    assert run(runner, **filters) == curve(*expected)


def test_claim_survival_by_district(runner) -> None:
    assert run(runner, by="district") == [
        # D01 (K1 week 0 event; K2, K4 week 1 events; K3 week 1 censored): week 0 at risk 4,
        # S = 3/4, V = 1 / (4 x 3) = 1/12; week 1 at risk 3, S = 3/4 x (1 - 2/3) = 1/4,
        # V = 1/12 + 2 / (3 x 1) = 9/12.
        *curve(week(0, 4, 1, 0, 0.75, 1 / 12), week(1, 3, 2, 1, 0.25, 9 / 12), district_code="D01"),
        *curve(*D02, district_code="D02"),
        # D03 (K10 censored week 0, K7 censored week 3, K8 into work week 4): S = 1 until
        # K8, alone at risk, ends into work: 0.
        *curve(
            week(0, 3, 0, 1, 1.0),
            week(1, 2, 0, 0, 1.0),
            week(2, 2, 0, 0, 1.0),
            week(3, 2, 0, 1, 1.0),
            week(4, 1, 1, 0, 0.0),
            district_code="D03",
        ),
    ]


def test_claim_survival_by_office(runner) -> None:
    rows = run(runner, by="office")
    # D01-O01 (K1 week 0, K2 week 1, both into work): week 0 at risk 2, S = 1/2, V = 1/2;
    # week 1 at risk 1, 1 event: S = 0.
    assert rows[: LAST_WEEK + 1] == curve(
        week(0, 2, 1, 0, 0.5, 0.5),
        week(1, 1, 1, 0, 0.0),
        district_code="D01",
        office_code="D01-O01",
    )
    assert rows[LAST_WEEK + 1 : 2 * (LAST_WEEK + 1)] == curve(
        *OFFICE_D01_O02, district_code="D01", office_code="D01-O02"
    )
    assert [(r["office_code"], r["week"]) for r in rows] == [
        (office, w)
        for office in ("D01-O01", "D01-O02", "D02-O01", "D03-O01")
        for w in range(LAST_WEEK + 1)
    ]


def test_the_period_bounds_the_start_date(runner) -> None:
    # June alone: K9 (06-30 -> 07-01, 1 day, into work): week 0, S = 1 - 1/1 = 0.
    assert run(runner, period=("2026-06", "2026-06")) == curve(week(0, 1, 1, 0, 0.0))
    # October alone: K5, K6 (open) and K10 (started on the extract date): no event.
    assert run(runner, period=("2026-10", "2026-10")) == curve(
        week(0, 3, 0, 2, 1.0), week(1, 1, 0, 1, 1.0)
    )


def test_a_curve_has_no_month_grouping(runner) -> None:
    with pytest.raises(RequestError, match="cannot be grouped by month"):
        run(runner, by="month")


# --- against statsmodels on random claims ----------------------------------------------------


@pytest.fixture(scope="module")
def random_runner(tmp_path_factory) -> Iterator[tuple[Runner, list[tuple[int, bool]]]]:
    """400 claims with random starts in 2024-2026, random lengths and end reasons (some open),
    with their (days, into work) as the definition reads them."""
    rng = random.Random(29)
    extract = dt.date(2026, 10, 31)
    claims, spells = [], []
    for i in range(400):
        start = dt.date(2024, 11, 1) + dt.timedelta(rng.randrange(0, 730))
        length = int(rng.expovariate(1 / 150))
        ended = rng.random() < 0.8 and start + dt.timedelta(length) <= extract
        end = start + dt.timedelta(length) if ended else None
        reason = rng.choice(END_REASONS) if ended else None
        office = rng.choice(["D01-O01", "D02-O01", "D03-O01"])
        claims.append(
            claim(f"R{i}", office, str(start), end_date=end and str(end), end_reason=reason)
        )
        spells.append((((end or extract) - start).days, reason == "job_entry"))
    with runner_for(
        tmp_path_factory.mktemp("claim_survival_random"), {**GEOGRAPHY, "claims": claims}
    ) as r:
        yield r, spells


def test_claim_survival_matches_statsmodels(random_runner) -> None:
    runner, spells = random_runner
    rows = runner.run(MeasureRequest("claim_survival", "2024-11", "2026-10"), **EXACT).to_dicts()
    expected = reference_curve(spells, LAST_WEEK)
    compared = 0
    for row in rows:
        w = row["week"]
        assert row["at_risk"] == sum(days // 7 >= w for days, _ in spells), w
        if row["at_risk"] == 0:
            assert row["survival"] is None
            continue
        survival, low, high = expected[w]
        assert row["survival"] == pytest.approx(survival, rel=1e-9), w
        assert row["ci_low"] == pytest.approx(low, rel=1e-9), w
        assert row["ci_high"] == pytest.approx(high, rel=1e-9), w
        compared += 1
    # Not vacuous: many weeks compared, down to a curve well below where it starts.
    assert compared > 50
    assert min(r["survival"] for r in rows if r["survival"] is not None) < 0.8
