"""Initial interview timeliness (the four-day standard), hand-checked against a tiny extract."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from extracts import EXACT, GEOGRAPHY, approx_rows, claim, runner_for, wfi

from jcp.measures.runner import MeasureRequest, Runner

# Extract date 2026-10-31 (the helper's default). Period Jan-Jun 2026 (2026-01-01 to
# 2026-06-30) unless a test says so. Days to interview = held_date - the claim's start_date.


def _claim(claim_id, office_code, start, benefit="UC", group="health_condition") -> dict:
    return claim(claim_id, office_code, start, benefit, group)


CLAIMS = [
    _claim("T01", "D01-O01", "2026-01-01"),  # starts on the period's first day
    _claim("T02", "D01-O01", "2026-01-10", group="lone_parent"),
    _claim("T03", "D01-O02", "2026-03-02", "JSA", "jobseeker"),
    _claim("T04", "D01-O02", "2026-06-30", "JSA", "jobseeker"),  # the period's last day
    _claim("T05", "D02-O01", "2025-12-31", "ESA"),  # the day before the period
    _claim("T06", "D02-O01", "2026-07-01", group="carer"),  # the day after the period
    _claim("T07", "D02-O01", "2026-02-10", "ESA"),
    _claim("T08", "D02-O01", "2026-02-10", "IS", "lone_parent"),
    _claim("T09", "D02-O01", "2026-04-01"),
    _claim("T10", "D02-O01", "2026-04-15", group="other"),
    _claim("T11", "D03-O01", "2026-05-31", "JSA", "jobseeker"),
    _claim("T12", "D01-O01", "2026-02-27"),
    _claim("T13", "D01-O01", "2026-03-15"),  # no interview recorded: not counted
]

WFIS = [
    # 2026-01-01 -> 01-05: 4 days, the last day within the standard: in time.
    wfi("T01", "2026-01-03", "attended", held_date="2026-01-05"),
    # 2026-01-10 -> 01-15: 5 days, one day too late.
    wfi("T02", "2026-01-12", "attended", held_date="2026-01-15"),
    # JSA, held on the day the claim started: 0 days, in time.
    wfi("T03", "2026-03-02", "attended", held_date="2026-03-02"),
    # JSA, failed to attend: expected, not held (due after the period: still June's claim).
    wfi("T04", "2026-07-02", "failed_to_attend"),
    # Claim started the day before the period: out, although held in January (2 days).
    wfi("T05", "2026-01-02", "attended", held_date="2026-01-02"),
    # Claim started the day after the period: out (0 days).
    wfi("T06", "2026-07-01", "attended", held_date="2026-07-01"),
    # Deferred (even though held later), waived and pending: not expected within four days.
    wfi("T07", "2026-02-12", "deferred", "illness", "2026-03-12", "2026-03-13"),
    wfi("T08", "2026-02-12", "waived"),
    wfi("T09", "2026-04-03", "pending"),
    # 2026-04-15 -> 05-05: 15 + 5 = 20 days.
    wfi("T10", "2026-04-20", "attended", held_date="2026-05-05"),
    # JSA: 2026-05-31 -> 06-03: 3 days; a May claim although held in June.
    wfi("T11", "2026-06-02", "attended", held_date="2026-06-03"),
    # Over a month's end: 2026-02-27 -> 02-28 (1), 03-01 (2), 03-02 (3), 03-03 (4): in time.
    wfi("T12", "2026-03-03", "attended", held_date="2026-03-03"),
]

# In the period, attended or missed: T01 (4 d), T02 (5 d), T03 (0 d, JSA), T04 (missed, JSA),
# T10 (20 d), T11 (3 d, JSA), T12 (4 d). Within 4 days: T01 T03 T11 T12.


@pytest.fixture(scope="module")
def runner(tmp_path_factory) -> Iterator[Runner]:
    """The interviews above, loaded once, with no rejected rows."""
    tables = {**GEOGRAPHY, "claims": CLAIMS, "wfi": WFIS}
    with runner_for(tmp_path_factory.mktemp("wfi_timeliness"), tables) as loaded:
        yield loaded


def run(runner, by="total", period=("2026-01", "2026-06"), **filters) -> list[dict]:
    request = MeasureRequest("wfi_timeliness", *period, by=by, **filters)
    return runner.run(request, **EXACT).to_dicts()


def timeliness(expected, within, attended, missed, median, **keys) -> dict:
    """A row; the rates are over the interviews expected (none when none are)."""
    return {
        **keys,
        "interviews_expected": expected,
        "held_within_4d": within,
        "timeliness_rate": within / expected if expected else None,
        "attended": attended,
        "failed_to_attend": missed,
        "fta_rate": missed / expected if expected else None,
        "median_days_to_interview": median,
    }


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        # 7 expected, 4 within (4/7), 6 attended, 1 missed (1/7);
        # attended days in order 0 3 4 4 5 20: median (4 + 4) / 2 = 4
        ({}, timeliness(7, 4, 6, 1, 4.0)),
        # JSA: T03 (0 d), T04 (missed), T11 (3 d): median (0 + 3) / 2 = 1.5
        ({"benefits": ("JSA",)}, timeliness(3, 2, 2, 1, 1.5)),
        # UC: T01 (4), T02 (5), T10 (20), T12 (4): 4 4 5 20 -> (4 + 5) / 2 = 4.5
        ({"benefits": ("UC",)}, timeliness(4, 2, 4, 0, 4.5)),
        # lone parents: T02 (5 d); T08 was waived
        ({"groups": ("lone_parent",)}, timeliness(1, 0, 1, 0, 5.0)),
        # D02: T10 only (T05 and T06 outside the period; T07 T08 T09 not expected)
        ({"districts": ("D02",)}, timeliness(1, 0, 1, 0, 20.0)),
        # D01-O02: T03 (0 d), T04 (missed)
        ({"offices": ("D01-O02",)}, timeliness(2, 1, 1, 1, 0.0)),
        # carers: T06 only, outside the period: nothing expected, no rates, no median
        ({"groups": ("carer",)}, timeliness(0, 0, 0, 0, None)),
        # ESA: T05 outside the period and T07 deferred: nothing expected
        ({"benefits": ("ESA",)}, timeliness(0, 0, 0, 0, None)),
    ],
    ids=["all", "jsa", "uc", "lone_parent", "district", "office", "carer-empty", "esa-empty"],
)
def test_wfi_timeliness_total(runner, filters, expected) -> None:
    assert run(runner, **filters) == approx_rows([expected])


def test_wfi_timeliness_by_district(runner) -> None:
    assert run(runner, by="district") == approx_rows(
        [
            # T01 (4) T02 (5) T03 (0) T04 (missed) T12 (4): 0 4 4 5 -> (4 + 4) / 2 = 4
            timeliness(5, 3, 4, 1, 4.0, district_code="D01"),
            timeliness(1, 0, 1, 0, 20.0, district_code="D02"),  # T10
            timeliness(1, 1, 1, 0, 3.0, district_code="D03"),  # T11
        ]
    )


def test_wfi_timeliness_by_office(runner) -> None:
    def key(d, o):
        return {"district_code": d, "office_code": o}

    assert run(runner, by="office") == approx_rows(
        [
            timeliness(3, 2, 3, 0, 4.0, **key("D01", "D01-O01")),  # T01 4, T02 5, T12 4
            timeliness(2, 1, 1, 1, 0.0, **key("D01", "D01-O02")),  # T03 0, T04 missed
            timeliness(1, 0, 1, 0, 20.0, **key("D02", "D02-O01")),  # T10
            timeliness(1, 1, 1, 0, 3.0, **key("D03", "D03-O01")),  # T11
        ]
    )


def test_wfi_timeliness_by_month_of_claim_start(runner) -> None:
    assert run(runner, by="month") == approx_rows(
        [
            timeliness(2, 1, 2, 0, 4.5, month="2026-01"),  # T01 (4), T02 (5): (4 + 5) / 2
            timeliness(1, 1, 1, 0, 4.0, month="2026-02"),  # T12 started 02-27, held in March
            timeliness(1, 1, 1, 0, 0.0, month="2026-03"),  # T03
            timeliness(1, 0, 1, 0, 20.0, month="2026-04"),  # T10
            timeliness(1, 1, 1, 0, 3.0, month="2026-05"),  # T11 started 05-31, held in June
            timeliness(1, 0, 0, 1, None, month="2026-06"),  # T04 missed: no median
        ]
    )


def test_wfi_timeliness_period_bounds_the_claim_start(runner) -> None:
    # Dec 2025 - Jan 2026: T05 (2025-12-31, 2 d) now in, T01 (4) and T02 (5) still in.
    # 0 missed; days 2 4 5 -> median 4.
    assert run(runner, period=("2025-12", "2026-01")) == approx_rows([timeliness(3, 2, 3, 0, 4.0)])
    # Jun - Jul 2026: T04 (06-30, missed) and T06 (07-01, 0 d) in; T11 (05-31) out.
    assert run(runner, period=("2026-06", "2026-07")) == approx_rows([timeliness(2, 1, 1, 1, 0.0)])


def test_wfi_timeliness_filters_narrow_the_groups_listed(runner) -> None:
    # A JSA filter by district keeps every district: D01 T03 (0 d) and T04 (missed),
    # D02 nothing, D03 T11 (3 d).
    assert run(runner, by="district", benefits=("JSA",)) == approx_rows(
        [
            timeliness(2, 1, 1, 1, 0.0, district_code="D01"),
            timeliness(0, 0, 0, 0, None, district_code="D02"),
            timeliness(1, 1, 1, 0, 3.0, district_code="D03"),
        ]
    )
    # A district filter limits by=office to that district's offices.
    rows = run(runner, by="office", districts=("D01",))
    assert [(r["office_code"], r["interviews_expected"]) for r in rows] == [
        ("D01-O01", 3),
        ("D01-O02", 2),
    ]
