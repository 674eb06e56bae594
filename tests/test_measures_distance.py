"""Distance travelled (baseline to latest review), hand-checked against a tiny extract."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from extracts import (
    EXACT,
    GEOGRAPHY,
    approx_rows,
    assessment,
    claim,
    runner_for,
)

from jcp.measures.runner import MeasureRequest, Runner

N = None  # a missing score

# claim: (office, benefit, claimant group); every claim starts 2025-10-01
CLAIMS = {
    "R1": ("D01-O01", "UC", "health_condition"),
    "R2": ("D01-O01", "ESA", "health_condition"),
    "R3": ("D01-O02", "UC", "lone_parent"),
    "R4": ("D01-O02", "UC", "health_condition"),
    "R9": ("D01-O02", "JSA", "jobseeker"),
    "R5": ("D02-O01", "IS", "carer"),
    "R6": ("D02-O01", "UC", "health_condition"),
    "R7": ("D02-O01", "UC", "health_condition"),
    "R8": ("D02-O01", "UC", "health_condition"),
    "R10": ("D01-O01", "UC", "health_condition"),
}

# Scores are (job_search, work_skills, confidence, health_wellbeing, stability).
ASSESSMENTS = [
    # R1: three reviews; the latest one in the period is the one that counts
    assessment("A101", "R1", "2026-01-10", "baseline", (3, 4, 5, 6, 7)),
    assessment("A102", "R1", "2026-03-01", "review", (4, 4, 4, 4, 4)),  # (1,0,-1,-2,-3): -1.0
    assessment("A103", "R1", "2026-05-01", "review", (5, 6, 5, 8, 7)),  # (2,2,0,2,0): 1.2
    assessment("A104", "R1", "2026-07-15", "review", (10, 10, 10, 10, 10)),  # (7,6,5,4,3): 5.0
    # R2: two reviews on the same day; the larger assessment_id (A206) wins though listed first
    assessment("A201", "R2", "2026-01-15", "baseline", (5, 5, 5, 5, 5)),
    assessment("A206", "R2", "2026-04-10", "review", (7, 6, 5, 5, 5)),  # (2,1,0,0,0): 0.6
    assessment("A205", "R2", "2026-04-10", "review", (6, 5, 5, 5, 5)),  # would give 0.2
    # R3: the baseline is dated after the review -> ignored -> R3 is never measured
    assessment("A301", "R3", "2026-03-15", "review", (8, 8, 8, 8, 8)),
    assessment("A302", "R3", "2026-04-20", "baseline", (5, 5, 5, 5, 5)),
    # R4: null scores are skipped: only job_search (6-4=2) and stability (5-2=3) are in both
    assessment("A401", "R4", "2026-02-01", "baseline", (4, N, 6, N, 2)),
    assessment("A402", "R4", "2026-06-30", "review", (6, 7, N, N, 5)),  # mean(2, 3) = 2.5
    # R5: review on the baseline's own day counts (on or before)
    assessment("A501", "R5", "2026-02-01", "baseline", (6, 6, 6, 6, 6)),
    assessment("A502", "R5", "2026-02-01", "review", (5, 5, 5, 5, 4)),  # (-1,-1,-1,-1,-2): -1.2
    # R6: no dimension scored in both -> left out
    assessment("A601", "R6", "2026-01-20", "baseline", (5, N, N, N, N)),
    assessment("A602", "R6", "2026-03-20", "review", (N, 5, N, N, N)),
    # R7: a review with no baseline -> left out
    assessment("A701", "R7", "2026-04-01", "review", (5, 5, 5, 5, 5)),
    # R8: both before the period
    assessment("A801", "R8", "2025-11-01", "baseline", (5, 5, 5, 5, 5)),
    assessment("A802", "R8", "2025-12-20", "review", (9, 9, 9, 9, 9)),  # (4,4,4,4,4): 4.0
    # R9: overall change exactly 1.0 counts as improved
    assessment("A901", "R9", "2026-01-10", "baseline", (2, 3, 4, 5, 6)),
    assessment("A902", "R9", "2026-05-20", "review", (3, 4, 5, 6, 7)),  # (1,1,1,1,1): 1.0
    # R10 (after the main period): the baseline falls between two reviews, so it is checked
    # against the review chosen for the period, not against any review
    assessment("A1001", "R10", "2026-08-05", "review", (4, 4, 4, 4, 4)),  # before the baseline
    assessment("A1002", "R10", "2026-09-10", "baseline", (2, 2, 2, 2, 2)),
    assessment("A1003", "R10", "2026-10-10", "review", (5, 5, 5, 5, 5)),  # (3,3,3,3,3): 3.0
]


@pytest.fixture(scope="module")
def runner(tmp_path_factory) -> Iterator[Runner]:
    """The assessment extract above, loaded once, with no rejected rows."""
    tables = {
        **GEOGRAPHY,
        "claims": [claim(c, o, "2025-10-01", b, g) for c, (o, b, g) in CLAIMS.items()],
        "assessments": ASSESSMENTS,
    }
    with runner_for(tmp_path_factory.mktemp("distance"), tables) as loaded:
        yield loaded


# Per-dimension claim counts exist for disclosure control; test_dimension_counts checks them.
DIMENSION_COUNTS = [
    "claims_job_search",
    "claims_work_skills",
    "claims_confidence",
    "claims_health_wellbeing",
    "claims_stability",
]


def run(runner, by="total", period=("2026-01", "2026-06"), **filters) -> list[dict]:
    frame = runner.run(MeasureRequest("distance_travelled", *period, by=by, **filters), **EXACT)
    return frame.drop(DIMENSION_COUNTS).to_dicts()


def dist_row(claims, mean, improved, js, ws, conf, hw, st, **keys) -> dict:
    return {
        **keys,
        "claims_measured": claims,
        "mean_change": mean,
        "pct_improved": improved,
        # The claims the share counts: its numerator in the arithmetic beside each row (3/5 -> 3).
        "claims_improved": 0 if improved is None else round(improved * claims),
        "mean_change_job_search": js,
        "mean_change_work_skills": ws,
        "mean_change_confidence": conf,
        "mean_change_health_wellbeing": hw,
        "mean_change_stability": st,
    }


EMPTY = dist_row(0, N, N, N, N, N, N, N)

# Jan-Jun: measured R1 (1.2, May review), R2 (0.6), R4 (2.5), R5 (-1.2), R9 (1.0).
#   mean_change = (1.2 + 0.6 + 2.5 - 1.2 + 1.0) / 5 = 4.1 / 5 = 0.82
#   pct_improved = R1, R4, R9 -> 3/5
#   job_search  (2 + 2 + 2 - 1 + 1) / 5 = 1.2       (R1 R2 R4 R5 R9)
#   work_skills (2 + 1 - 1 + 1) / 4 = 0.75          (R4 skipped: baseline null)
#   confidence  (0 + 0 - 1 + 1) / 4 = 0.0           (R4 skipped: review null)
#   health      (2 + 0 - 1 + 1) / 4 = 0.5           (R4 skipped: both null)
#   stability   (0 + 0 + 3 - 2 + 1) / 5 = 0.4
TOTAL = dist_row(5, 4.1 / 5, 3 / 5, 6 / 5, 3 / 4, 0.0, 2 / 4, 2 / 5)


@pytest.mark.parametrize(
    ("period", "filters", "expected"),
    [
        (("2026-01", "2026-06"), {}, TOTAL),
        # Jan-Mar: R1's latest review in the period is March's (-1.0); R5 (-1.2); R3's baseline
        # is after its review; R6 has no common dimension. mean (-1.0 - 1.2) / 2 = -1.1
        #   js (1 - 1)/2 = 0, ws (0 - 1)/2 = -0.5, conf (-1 - 1)/2 = -1, hw (-2 - 1)/2 = -1.5,
        #   st (-3 - 2)/2 = -2.5
        (("2026-01", "2026-03"), {}, dist_row(2, -1.1, 0.0, 0.0, -0.5, -1.0, -1.5, -2.5)),
        # July: R1's July review against its January baseline: (7,6,5,4,3) -> 25 / 5 = 5.0
        (("2026-07", "2026-07"), {}, dist_row(1, 5.0, 1.0, 7.0, 6.0, 5.0, 4.0, 3.0)),
        # Aug-Oct: R10's October review with its September baseline
        (("2026-08", "2026-10"), {}, dist_row(1, 3.0, 1.0, 3.0, 3.0, 3.0, 3.0, 3.0)),
        # August alone: R10's August review predates its baseline -> nobody measured
        (("2026-08", "2026-08"), {}, EMPTY),
        # December 2025: R8 (4,4,4,4,4)
        (("2025-12", "2025-12"), {}, dist_row(1, 4.0, 1.0, 4.0, 4.0, 4.0, 4.0, 4.0)),
        # January: baselines only, no review -> nobody measured, every mean null
        (("2026-01", "2026-01"), {}, EMPTY),
        # JSA: R9, change exactly 1.0 -> improved
        (("2026-01", "2026-06"), {"benefits": ("JSA",)}, dist_row(1, 1.0, 1.0, 1, 1, 1, 1, 1)),
        # ESA: R2, the tie won by A206 -> 0.6 (A205 would give 0.2)
        (("2026-01", "2026-06"), {"benefits": ("ESA",)}, dist_row(1, 0.6, 0.0, 2, 1, 0, 0, 0)),
        # carer: R5, review on the baseline day
        (
            ("2026-01", "2026-06"),
            {"groups": ("carer",)},
            dist_row(1, -1.2, 0.0, -1, -1, -1, -1, -2),
        ),
        # UC health_condition: R1 (1.2), R4 (2.5); R6 R7 R8 not measured. mean 3.7 / 2 = 1.85
        #   js (2 + 2)/2 = 2, ws 2 (R1), conf 0 (R1), hw 2 (R1), st (0 + 3)/2 = 1.5
        (
            ("2026-01", "2026-06"),
            {"benefits": ("UC",), "groups": ("health_condition",)},
            dist_row(2, 1.85, 1.0, 2.0, 2.0, 0.0, 2.0, 1.5),
        ),
        # lone_parent: R3 only, whose baseline is after its review -> empty
        (("2026-01", "2026-06"), {"groups": ("lone_parent",)}, EMPTY),
        (("2026-01", "2026-06"), {"districts": ("D03",)}, EMPTY),
    ],
    ids=[
        "all",
        "jan-mar-latest-in-period",
        "july",
        "aug-oct",
        "aug-baseline-after-review",
        "dec-2025",
        "no-reviews",
        "jsa-exactly-1",
        "esa-tie",
        "carer-same-day",
        "uc-health-null-scores",
        "baseline-after-review",
        "empty-district",
    ],
)
def test_distance_total(runner, period, filters, expected):
    assert run(runner, period=period, **filters) == approx_rows([expected])


def test_distance_by_district(runner):
    assert run(runner, by="district") == approx_rows(
        [
            # R1 1.2, R2 0.6, R4 2.5, R9 1.0 -> mean 5.3 / 4 = 1.325; improved R1 R4 R9 = 3/4
            #   js (2+2+2+1)/4, ws (2+1+1)/3, conf (0+0+1)/3, hw (2+0+1)/3, st (0+0+3+1)/4
            dist_row(4, 5.3 / 4, 3 / 4, 7 / 4, 4 / 3, 1 / 3, 3 / 3, 4 / 4, district_code="D01"),
            dist_row(1, -1.2, 0.0, -1, -1, -1, -1, -2, district_code="D02"),  # R5
            {"district_code": "D03", **EMPTY},
        ]
    )


def test_distance_by_office(runner):
    def key(d, o):
        return {"district_code": d, "office_code": o}

    assert run(runner, by="office") == approx_rows(
        [
            # R1 1.2, R2 0.6 -> 0.9; js (2+2)/2, ws (2+1)/2, conf 0, hw (2+0)/2, st 0
            dist_row(2, 0.9, 1 / 2, 2.0, 1.5, 0.0, 1.0, 0.0, **key("D01", "D01-O01")),
            # R4 2.5, R9 1.0 -> 1.75; js (2+1)/2, ws/conf/hw R9 only, st (3+1)/2
            dist_row(2, 1.75, 1.0, 1.5, 1.0, 1.0, 1.0, 2.0, **key("D01", "D01-O02")),
            dist_row(1, -1.2, 0.0, -1, -1, -1, -1, -2, **key("D02", "D02-O01")),  # R5
            {**key("D03", "D03-O01"), **EMPTY},
        ]
    )


def test_distance_by_month_takes_the_latest_review_within_each_month(runner):
    assert run(runner, by="month") == approx_rows(
        [
            {"month": "2026-01", **EMPTY},
            dist_row(1, -1.2, 0.0, -1, -1, -1, -1, -2, month="2026-02"),  # R5
            dist_row(1, -1.0, 0.0, 1, 0, -1, -2, -3, month="2026-03"),  # R1's March review
            dist_row(1, 0.6, 0.0, 2, 1, 0, 0, 0, month="2026-04"),  # R2 (A206); R7 no baseline
            # R1's May review (2,2,0,2,0) and R9 (1,1,1,1,1): mean (1.2 + 1.0) / 2 = 1.1
            dist_row(2, 1.1, 1.0, 1.5, 1.5, 0.5, 1.5, 0.5, month="2026-05"),
            # R4: only job_search and stability measured; the other dimensions have no claims
            dist_row(1, 2.5, 1.0, 2.0, N, N, N, 3.0, month="2026-06"),
        ]
    )


def test_distance_by_month_checks_the_baseline_against_each_months_review(runner):
    assert run(runner, by="month", period=("2026-08", "2026-10")) == approx_rows(
        [
            {"month": "2026-08", **EMPTY},  # R10's review is before its baseline
            {"month": "2026-09", **EMPTY},  # a baseline, no review
            dist_row(1, 3.0, 1.0, 3.0, 3.0, 3.0, 3.0, 3.0, month="2026-10"),
        ]
    )


def test_dimension_counts(runner) -> None:
    """How many claims each dimension's mean is over (disclosure control needs these)."""
    frame = runner.run(MeasureRequest("distance_travelled", "2026-01", "2026-06"), **EXACT)
    # Measured: R1, R2, R5, R9 on all five dimensions; R4 on job_search and stability only.
    assert frame.select(DIMENSION_COUNTS).row(0) == (5, 4, 4, 4, 5)
