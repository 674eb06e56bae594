"""Off-flows by destination: claims ending in the period, where they went and how long, by hand."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from extracts import EXACT, GEOGRAPHY, approx_rows, claim, runner_for

from jcp.measures.runner import MeasureRequest, Runner

PERIOD = ("2026-01", "2026-06")  # 2026-01-01 to 2026-06-30; the extract date is 2026-10-31


def _claim(claim_id, office_code, start, benefit, group, end=None, reason=None) -> dict:
    return claim(claim_id, office_code, start, benefit, group, end, reason)


# Length in days = end_date - start_date, worked out by hand beside each claim.
CLAIMS = [
    # 2025-11-01 -> 12-01 is 30 days, -> 2026-01-01 61, -> 01-31 91.
    _claim("F01", "D01-O01", "2025-11-01", "UC", "health_condition", "2026-01-31", "job_entry"),
    # Starts and ends on the same day: 0 days (end_date may equal start_date).
    _claim("F02", "D01-O01", "2026-01-01", "UC", "lone_parent", "2026-01-01", "other"),
    # Ends on the period's last day: in. 2025-06-01 -> 2026-06-01 is 365 days, + 29 = 394.
    _claim("F03", "D01-O02", "2025-06-01", "JSA", "jobseeker", "2026-06-30", "work_programme"),
    # Ends the day after the period: out.
    _claim(
        "F04", "D01-O02", "2025-12-01", "ESA", "health_condition", "2026-07-01", "other_benefit"
    ),
    # Ends on the period's first day: in, 1 day.
    _claim("F05", "D02-O01", "2025-12-31", "UC", "carer", "2026-01-01", "job_entry"),
    # Ends the day before the period: out.
    _claim("F06", "D02-O01", "2025-01-01", "IS", "lone_parent", "2025-12-31", "other"),
    # 2026-02-01 -> 03-01: 28 days (February 2026 has 28).
    _claim("F07", "D02-O01", "2026-02-01", "UC", "health_condition", "2026-03-01", "job_entry"),
    # Still open: never an off-flow.
    _claim("F08", "D02-O01", "2026-04-01", "UC", "health_condition"),
    # 2026-03-10 -> 04-09: 21 + 9 = 30 days.
    _claim("F09", "D03-O01", "2026-03-10", "JSA", "jobseeker", "2026-04-09", "other_benefit"),
]


@pytest.fixture(scope="module")
def runner(tmp_path_factory) -> Iterator[Runner]:
    """The claims above, loaded once, with no rejected rows."""
    with runner_for(tmp_path_factory.mktemp("off_flows"), {**GEOGRAPHY, "claims": CLAIMS}) as r:
        yield r


def run(runner, by="total", period=PERIOD, measure="off_flows", **filters) -> list[dict]:
    return runner.run(MeasureRequest(measure, *period, by=by, **filters), **EXACT).to_dicts()


def flows(ended, work, programme, benefit, other, median, **keys) -> dict:
    """A row; the shares are each destination over ended (none when nothing ended)."""

    def share(n: int) -> float | None:
        return n / ended if ended else None

    return {
        **keys,
        "ended": ended,
        "to_work": work,
        "to_work_programme": programme,
        "to_other_benefit": benefit,
        "to_other": other,
        "share_to_work": share(work),
        "share_to_work_programme": share(programme),
        "share_to_other_benefit": share(benefit),
        "share_to_other": share(other),
        "median_duration_days": median,
    }


# In the period: F01 (91, work), F02 (0, other), F03 (394, programme), F05 (1, work),
# F07 (28, work), F09 (30, other benefit). Lengths in order 0 1 28 30 91 394: the median is
# the mean of the middle two, (28 + 30) / 2 = 29.
@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, flows(6, 3, 1, 1, 1, 29.0)),
        # UC: F01 F02 F05 F07, lengths 0 1 28 91 -> (1 + 28) / 2 = 14.5
        ({"benefits": ("UC",)}, flows(4, 3, 0, 0, 1, 14.5)),
        # jobseekers: F03 F09, lengths 30 394 -> 212
        ({"groups": ("jobseeker",)}, flows(2, 0, 1, 1, 0, 212.0)),
        # D02: F05 F07 (F06 ended before the period, F08 is open) -> (1 + 28) / 2
        ({"districts": ("D02",)}, flows(2, 2, 0, 0, 0, 14.5)),
        # D01-O02: F03 only (F04 ends after the period)
        ({"offices": ("D01-O02",)}, flows(1, 0, 1, 0, 0, 394.0)),
        # nobody is a carer but F05: 1 day
        ({"groups": ("carer",)}, flows(1, 1, 0, 0, 0, 1.0)),
        # nobody in group "other": zeros, no shares, no median
        ({"groups": ("other",)}, flows(0, 0, 0, 0, 0, None)),
    ],
    ids=["all", "uc", "jobseeker", "district", "office", "carer", "empty"],
)
def test_off_flows_total(runner, filters, expected) -> None:
    assert run(runner, **filters) == approx_rows([expected])


def test_off_flows_by_district(runner) -> None:
    assert run(runner, by="district") == approx_rows(
        [
            # F01 (91, work) F02 (0, other) F03 (394, programme): median 91
            flows(3, 1, 1, 0, 1, 91.0, district_code="D01"),
            flows(2, 2, 0, 0, 0, 14.5, district_code="D02"),  # F05 (1) F07 (28)
            flows(1, 0, 0, 1, 0, 30.0, district_code="D03"),  # F09
        ]
    )


def test_off_flows_by_office(runner) -> None:
    def key(d, o):
        return {"district_code": d, "office_code": o}

    assert run(runner, by="office") == approx_rows(
        [
            flows(2, 1, 0, 0, 1, 45.5, **key("D01", "D01-O01")),  # F01 91, F02 0 -> 45.5
            flows(1, 0, 1, 0, 0, 394.0, **key("D01", "D01-O02")),  # F03
            flows(2, 2, 0, 0, 0, 14.5, **key("D02", "D02-O01")),
            flows(1, 0, 0, 1, 0, 30.0, **key("D03", "D03-O01")),
        ]
    )


def test_off_flows_by_month_of_end(runner) -> None:
    assert run(runner, by="month") == approx_rows(
        [
            # January: F01 (91, work, 01-31), F02 (0, other, 01-01), F05 (1, work, 01-01)
            flows(3, 2, 0, 0, 1, 1.0, month="2026-01"),
            flows(0, 0, 0, 0, 0, None, month="2026-02"),  # F07 ends 03-01, not in February
            flows(1, 1, 0, 0, 0, 28.0, month="2026-03"),  # F07
            flows(1, 0, 0, 1, 0, 30.0, month="2026-04"),  # F09
            flows(0, 0, 0, 0, 0, None, month="2026-05"),
            flows(1, 0, 1, 0, 0, 394.0, month="2026-06"),  # F03, on the last day
        ]
    )


@pytest.mark.parametrize("by", ["total", "district", "office", "month"])
def test_ended_and_into_work_are_the_caseloads_off_flows(runner, by) -> None:
    # Two measures of the same claims: caseload's off_flows and off_flows_to_work count the
    # claims ending in the period and those ending in a job, as ended and to_work do.
    ours = [(r["ended"], r["to_work"]) for r in run(runner, by=by)]
    caseload = [
        (r["off_flows"], r["off_flows_to_work"]) for r in run(runner, by, measure="caseload")
    ]
    assert ours == caseload


# Claims alike in office, benefit, group, end month and length are one row of the lengths
# summary (claim_end_lengths): each must still count once per claim in the median, and rows of
# different cells and months with the same length must add up. Lengths by hand beside each.
TIED = [
    # Three claims of one cell (D01-O01, UC, health_condition, ended January), 5 days each.
    _claim("T01", "D01-O01", "2026-01-01", "UC", "health_condition", "2026-01-06", "job_entry"),
    _claim("T02", "D01-O01", "2026-01-10", "UC", "health_condition", "2026-01-15", "other"),
    _claim("T03", "D01-O01", "2026-01-20", "UC", "health_condition", "2026-01-25", "job_entry"),
    # 40 days each, in three other cells: 2026-01-01 -> 02-10 is 31 + 9 = 40.
    _claim("T04", "D01-O01", "2026-01-01", "JSA", "jobseeker", "2026-02-10", "other_benefit"),
    # 2026-02-01 -> 03-13 is 28 + 12 = 40.
    _claim("T05", "D01-O02", "2026-02-01", "UC", "health_condition", "2026-03-13", "job_entry"),
    # 2026-03-01 -> 04-10 is 31 + 9 = 40.
    _claim("T06", "D02-O01", "2026-03-01", "ESA", "carer", "2026-04-10", "work_programme"),
]


@pytest.fixture(scope="module")
def tied(tmp_path_factory) -> Iterator[Runner]:
    """The claims above: lengths shared within a cell and across cells."""
    with runner_for(tmp_path_factory.mktemp("off_flows_tied"), {**GEOGRAPHY, "claims": TIED}) as r:
        yield r


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        # 5 5 5 40 40 40: the middle two are 5 and 40 -> 22.5. Counting a row of the summary
        # once (5 40 40 40) would give 40.
        ({}, flows(6, 3, 1, 1, 1, 22.5)),
        # UC: T01-T03 (5 each) and T05 (40): 5 5 5 40 -> 5.
        ({"benefits": ("UC",)}, flows(4, 3, 0, 0, 1, 5.0)),
        # D01: T01-T05, 5 5 5 40 40 -> 5.
        ({"districts": ("D01",)}, flows(5, 3, 0, 1, 1, 5.0)),
        # Not UC: T04 T06, 40 40 -> 40.
        ({"benefits": ("JSA", "ESA")}, flows(2, 0, 1, 1, 0, 40.0)),
    ],
    ids=["all", "uc", "district", "not-uc"],
)
def test_tied_lengths_count_once_per_claim(tied, filters, expected) -> None:
    assert run(tied, **filters) == approx_rows([expected])


def test_tied_lengths_by_office_and_month(tied) -> None:
    def key(d, o):
        return {"district_code": d, "office_code": o}

    # D01-O01: T01-T03 (5) and T04 (40): 5 5 5 40 -> 5.
    assert run(tied, by="office") == approx_rows(
        [
            flows(4, 2, 0, 1, 1, 5.0, **key("D01", "D01-O01")),
            flows(1, 1, 0, 0, 0, 40.0, **key("D01", "D01-O02")),  # T05
            flows(1, 0, 1, 0, 0, 40.0, **key("D02", "D02-O01")),  # T06
            flows(0, 0, 0, 0, 0, None, **key("D03", "D03-O01")),  # every office is shown
        ]
    )
    assert run(tied, by="month") == approx_rows(
        [
            flows(3, 2, 0, 0, 1, 5.0, month="2026-01"),  # T01-T03
            flows(1, 0, 0, 1, 0, 40.0, month="2026-02"),  # T04
            flows(1, 1, 0, 0, 0, 40.0, month="2026-03"),  # T05
            flows(1, 0, 1, 0, 0, 40.0, month="2026-04"),  # T06
            flows(0, 0, 0, 0, 0, None, month="2026-05"),
            flows(0, 0, 0, 0, 0, None, month="2026-06"),
        ]
    )
