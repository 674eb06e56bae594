"""How long jobs last: Kaplan-Meier curves of job entries by completed week, by hand.

The extract date is 2026-10-31. A job's time is floor(days / 7) completed weeks: end_date -
start_date for an ended job (an event), 2026-10-31 - start_date for one still in work
(censored). S(w) = prod over j <= w of (1 - d_j / n_j); Greenwood's V(w) = sum of
d_j / (n_j (n_j - d_j)); the band exp(-exp(log(-log S) +- z sqrt(V) / -log S)), 1 to 1 while S
is 1 and 0 to 0 once it is 0; nothing where nobody is at risk.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator

import pytest
from extracts import EXACT, GEOGRAPHY, approx_rows, claim, job_entry, runner_for
from survival_reference import reference_curve

from jcp.measures.runner import MeasureRequest, RequestError, Runner

PERIOD = ("2026-07", "2026-10")  # 2026-07-01 to 2026-10-31, the extract date
Z = 1.959963984540054  # the normal 97.5% quantile
LAST_WEEK = 104

CLAIMS = [
    claim("C1", "D01-O01", "2026-01-05", "UC", "health_condition"),
    claim("C2", "D01-O02", "2026-01-05", "JSA", "jobseeker"),
    claim("C3", "D02-O01", "2026-01-05", "UC", "lone_parent"),
    claim("C4", "D03-O01", "2026-01-05", "ESA", "health_condition"),
]
JOBS = [
    # 6 days (07-06 -> 07-12): week 0, an event.
    job_entry("J1", "C1", "2026-07-06", "2026-07-12"),
    # 7 days (07-06 -> 07-13): week 1, an event.
    job_entry("J2", "C1", "2026-07-06", "2026-07-13"),
    # Starts on the period's first day; 13 days: week 1, an event.
    job_entry("J3", "C2", "2026-07-01", "2026-07-14"),
    # Still in work: 10-24 -> 10-31 is 7 days, week 1, censored in the week J2 and J3 end in
    # (at risk in it: the events come first).
    job_entry("J4", "C2", "2026-10-24"),
    # Still in work: 10-25 -> 10-31 is 6 days, week 0, censored.
    job_entry("J5", "C3", "2026-10-25"),
    # 08-03 -> 08-24 is 21 days: week 3, an event.
    job_entry("J6", "C3", "2026-08-03", "2026-08-24"),
    # Still in work: 09-01 -> 10-01 is 30 days, -> 10-31 60: week 8 (56..62), censored.
    job_entry("J7", "C4", "2026-09-01"),
    # Starts the day before the period: out.
    job_entry("J8", "C1", "2026-06-30", "2026-07-01"),
    # Starts on the period's last day, the extract date: 0 days, week 0, censored.
    job_entry("J9", "C4", "2026-10-31"),
    # Starts on September's last day; 10 days: week 1, an event.
    job_entry("J10", "C4", "2026-09-30", "2026-10-10"),
]


@pytest.fixture(scope="module")
def runner(tmp_path_factory) -> Iterator[Runner]:
    """The jobs above and their claims, loaded once."""
    tables = {**GEOGRAPHY, "claims": CLAIMS, "job_entries": JOBS}
    with runner_for(tmp_path_factory.mktemp("job_survival"), tables) as r:
        yield r


def run(runner, by="total", period=PERIOD, **filters) -> list[dict]:
    request = MeasureRequest("job_survival", *period, by=by, **filters)
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


# All nine jobs in the period (not J8):
# week 0: at risk 9; J1 ends (1 event); J5 and J9 censored.  S = 1 - 1/9 = 8/9;
#   V = 1 / (9 x 8) = 1/72.
# week 1: at risk 9 - 3 = 6; J2, J3, J10 end (3); J4 censored.  S = 8/9 x (1 - 3/6) = 4/9;
#   V = 1/72 + 3 / (6 x 3) = 1/72 + 12/72 = 13/72.
# week 2: at risk 6 - 4 = 2 (J6, J7); nothing.  S = 4/9.
# week 3: at risk 2; J6 ends.  S = 4/9 x (1 - 1/2) = 2/9;  V = 13/72 + 1 / (2 x 1) = 49/72.
# weeks 4..8: at risk 1 (J7), censored in week 8.  S = 2/9.  Week 9 on: nobody at risk.
ALL = [
    week(0, 9, 1, 2, 8 / 9, 1 / 72),
    week(1, 6, 3, 1, 4 / 9, 13 / 72),
    week(2, 2, 0, 0, 4 / 9, 13 / 72),
    week(3, 2, 1, 0, 2 / 9, 49 / 72),
    *[week(w, 1, 0, 0, 2 / 9, 49 / 72) for w in range(4, 8)],
    week(8, 1, 0, 1, 2 / 9, 49 / 72),
]
# D01-O02 (J3 ends in week 1, J4 censored in week 1): week 0 at risk 2, S = 1; week 1 at risk
# 2, S = 1 - 1/2 = 1/2, V = 1 / (2 x 1) = 1/2.
OFFICE_D01_O02 = [week(0, 2, 0, 0, 1.0), week(1, 2, 1, 1, 0.5, 0.5)]
# D02 (J5 censored in week 0, J6 ends in week 3): S = 1 while 1 is at risk, then J6 ends with
# nobody else at risk: 1 - 1/1 = 0, and the band 0 to 0.
D02 = [
    week(0, 2, 0, 1, 1.0),
    week(1, 1, 0, 0, 1.0),
    week(2, 1, 0, 0, 1.0),
    week(3, 1, 1, 0, 0.0),
]


def test_job_survival_total(runner) -> None:
    assert run(runner) == curve(*ALL)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        # JSA: C2's jobs J3 and J4 only.
        ({"benefits": ("JSA",)}, OFFICE_D01_O02),
        # Lone parents: C3's jobs J5 and J6.
        ({"groups": ("lone_parent",)}, D02),
        ({"districts": ("D02",)}, D02),
        ({"offices": ("D01-O02",)}, OFFICE_D01_O02),
        # Nobody's claim is a carer's: every week 0, no curve.
        ({"groups": ("carer",)}, []),
    ],
    ids=["jsa", "lone_parent", "district", "office", "empty"],
)
def test_job_survival_filters(runner, filters, expected) -> None:
    assert run(runner, **filters) == curve(*expected)


def test_job_survival_by_district(runner) -> None:
    assert run(runner, by="district") == [
        # D01 (J1 week 0 event; J2, J3 week 1 events; J4 week 1 censored): week 0 at risk 4,
        # S = 3/4, V = 1 / (4 x 3) = 1/12; week 1 at risk 3, S = 3/4 x (1 - 2/3) = 1/4,
        # V = 1/12 + 2 / (3 x 1) = 9/12.
        *curve(week(0, 4, 1, 0, 0.75, 1 / 12), week(1, 3, 2, 1, 0.25, 9 / 12), district_code="D01"),
        *curve(*D02, district_code="D02"),
        # D03 (J9 censored in week 0, J10 ends in week 1, J7 censored in week 8): week 0 at
        # risk 3, S = 1; week 1 at risk 2, S = 1 - 1/2 = 1/2, V = 1/2; weeks 2..8 at risk 1.
        *curve(
            week(0, 3, 0, 1, 1.0),
            week(1, 2, 1, 0, 0.5, 0.5),
            *[week(w, 1, 0, 0, 0.5, 0.5) for w in range(2, 8)],
            week(8, 1, 0, 1, 0.5, 0.5),
            district_code="D03",
        ),
    ]


def test_job_survival_by_office(runner) -> None:
    rows = run(runner, by="office")
    # D01-O01 (J1 week 0, J2 week 1, both events): week 0 at risk 2, S = 1/2, V = 1 / (2 x 1);
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


def test_a_quiet_group_still_shows_every_week(runner) -> None:
    rows = run(runner, by="district", groups=("jobseeker",))
    # Only C2 (D01) is a jobseeker's: D02 and D03 show all 105 weeks with nobody at risk.
    assert rows == [
        *curve(*OFFICE_D01_O02, district_code="D01"),
        *curve(district_code="D02"),
        *curve(district_code="D03"),
    ]


def test_the_period_bounds_the_start_date(runner) -> None:
    # July to September: J4, J5 and J9 (started in October) are out; J10 (09-30) is in.
    # week 0: at risk 6 (J1 J2 J3 J6 J7 J10); J1 ends.  S = 5/6;  V = 1 / (6 x 5) = 1/30.
    # week 1: at risk 5; J2, J3, J10 end.  S = 5/6 x 2/5 = 1/3;  V = 1/30 + 3 / (5 x 2) = 1/3.
    # weeks 2, 3: at risk 2; J6 ends in week 3: S = 1/3 x 1/2 = 1/6;  V = 1/3 + 1/2 = 5/6.
    # weeks 4..8: J7, censored in week 8.
    assert run(runner, period=("2026-07", "2026-09")) == curve(
        week(0, 6, 1, 0, 5 / 6, 1 / 30),
        week(1, 5, 3, 0, 1 / 3, 1 / 3),
        week(2, 2, 0, 0, 1 / 3, 1 / 3),
        week(3, 2, 1, 0, 1 / 6, 5 / 6),
        *[week(w, 1, 0, 0, 1 / 6, 5 / 6) for w in range(4, 8)],
        week(8, 1, 0, 1, 1 / 6, 5 / 6),
    )
    # June alone: J8 (06-30 -> 07-01, 1 day, week 0, an event) and nothing else: S = 0.
    assert run(runner, period=("2026-06", "2026-06")) == curve(week(0, 1, 1, 0, 0.0))


def test_a_curve_has_no_month_grouping(runner) -> None:
    with pytest.raises(RequestError, match="cannot be grouped by month"):
        run(runner, by="month")


# --- against statsmodels on random jobs ------------------------------------------------------


@pytest.fixture(scope="module")
def random_runner(tmp_path_factory) -> Iterator[tuple[Runner, list[tuple[int, bool]]]]:
    """400 jobs with random starts in 2024-2026 and random lengths (a third still in work),
    with their (days, ended) as the extract says them."""
    rng = random.Random(17)
    extract = dt.date(2026, 10, 31)
    claims, jobs, spells = [], [], []
    for i in range(400):
        start = dt.date(2024, 11, 1) + dt.timedelta(rng.randrange(0, 730))
        length = int(rng.expovariate(1 / 120))
        ended = rng.random() < 0.67 and start + dt.timedelta(length) <= extract
        end = start + dt.timedelta(length) if ended else None
        office = rng.choice(["D01-O01", "D02-O01", "D03-O01"])
        claims.append(claim(f"R{i}", office, str(start)))
        jobs.append(job_entry(f"RJ{i}", f"R{i}", str(start), None if end is None else str(end)))
        spells.append((((end or extract) - start).days, ended))
    tables = {**GEOGRAPHY, "claims": claims, "job_entries": jobs}
    with runner_for(tmp_path_factory.mktemp("job_survival_random"), tables) as r:
        yield r, spells


def test_job_survival_matches_statsmodels(random_runner) -> None:
    runner, spells = random_runner
    rows = runner.run(MeasureRequest("job_survival", "2024-11", "2026-10"), **EXACT).to_dicts()
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
    # Not vacuous: many weeks compared, down to a curve well below a half.
    assert compared > 50
    assert min(r["survival"] for r in rows if r["survival"] is not None) < 0.5
