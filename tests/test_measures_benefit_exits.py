"""Benefit exits: claims starting in the period, and whether they ended within 13-52 weeks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from extracts import EXACT, GEOGRAPHY, approx_rows, claim, runner_for

from jcp.measures.runner import MeasureRequest, Runner

# 2025-10-01 to 2026-08-31. The extract date is 2026-10-31 (tests/extracts.py), so a claim is
# old enough for W weeks when start_date + 7W days <= 2026-10-31, i.e. it started on or before:
#   13 weeks (91 days):  2026-08-01 (Aug 1 -> Sep 1 31, -> Oct 1 61, -> Oct 31 91)
#   26 weeks (182 days): 2026-05-02 (May 2 -> Aug 2 92, -> Oct 2 153, -> Oct 31 182)
#   39 weeks (273 days): 2026-01-31 (Jan 31 -> Feb 28 28, -> Mar 31 59, -> Apr 30 89,
#                        -> May 31 120, -> Jun 30 150, -> Jul 31 181, -> Aug 31 212,
#                        -> Sep 30 242, -> Oct 31 273)
#   52 weeks (364 days): 2025-11-01 (2025-10-31 is 365 days before 2026-10-31)
PERIOD = ("2025-10", "2026-08")


def _claim(claim_id, office_code, start, end=None, reason=None) -> dict:
    """A claim; each office's claims share a benefit and group (the filter tests use them)."""
    benefit, group = {
        "D01-O01": ("UC", "health_condition"),
        "D01-O02": ("JSA", "jobseeker"),
        "D02-O01": ("ESA", "health_condition"),
        "D03-O01": ("UC", "carer"),
    }[office_code]
    return claim(claim_id, office_code, start, benefit, group, end, reason)


# Days from start to end worked out beside each claim.
CLAIMS = [
    # The period's first day, still open: old enough for every window, never exited.
    _claim("X15", "D01-O01", "2025-10-01"),
    # 2025-10-15 -> 2026-10-15 is 365 days (no 29 February between): one day too late for 52.
    _claim("X14", "D01-O02", "2025-10-15", "2026-10-15", "job_entry"),
    # Exactly old enough for 52 weeks; 2025-11-01 -> 2026-10-31 is 364 days: exited at 52.
    _claim("X01", "D01-O01", "2025-11-01", "2026-10-31", "job_entry"),
    # One day short of 52 weeks; 18 days, so exited at 13, 26 and 39.
    _claim("X19", "D01-O02", "2025-11-02", "2025-11-20", "other"),
    # 2025-12-01 -> 2026-01-01 31, -> 03-01 90, -> 06-01 182, -> 09-01 274: 08-31 is 273 days,
    # exited at 39 (not 26); 09-01 is 274, one too many.
    _claim("X10", "D01-O01", "2025-12-01", "2026-08-31", "job_entry"),
    _claim("X11", "D02-O01", "2025-12-01", "2026-09-01", "job_entry"),
    # 2026-01-10 -> 02-10 31, -> 03-10 59, -> 04-10 90: 04-11 is 91 days (exited at 13), 04-12
    # is 92 (not at 13; at 26 and 39).
    _claim("X02", "D02-O01", "2026-01-10", "2026-04-11", "other"),
    _claim("X03", "D02-O01", "2026-01-10", "2026-04-12", "other"),
    # Exactly old enough for 39 weeks; open.
    _claim("X12", "D03-O01", "2026-01-31"),
    # One day short of 39 weeks. 2026-02-01 -> 08-01 is 181 days: 08-02 is 182 (exited at 26,
    # into work), 08-03 is 183 (not).
    _claim("X06", "D01-O02", "2026-02-01", "2026-08-02", "job_entry"),
    _claim("X07", "D03-O01", "2026-02-01", "2026-08-03", "job_entry"),
    # Exactly old enough for 26 weeks; 30 days, into work.
    _claim("X08", "D01-O01", "2026-05-02", "2026-06-01", "job_entry"),
    # One day short of 26 weeks; 1 day.
    _claim("X09", "D03-O01", "2026-05-03", "2026-05-04", "other"),
    # Exactly old enough for 13 weeks; open.
    _claim("X04", "D02-O01", "2026-08-01"),
    # One day short of 13 weeks: its exit after 3 days, into work, is not yet judged.
    _claim("X05", "D03-O01", "2026-08-02", "2026-08-05", "job_entry"),
    # The period's last day: in, too recent for any window.
    _claim("X17", "D03-O01", "2026-08-31", "2026-09-02", "other"),
    # The day before the period and the day after: out.
    _claim("X16", "D01-O01", "2025-09-30", "2025-10-05", "job_entry"),
    _claim("X18", "D01-O01", "2026-09-01"),
]


@pytest.fixture(scope="module")
def runner(tmp_path_factory) -> Iterator[Runner]:
    """The claims above, loaded once, with no rejected rows."""
    with runner_for(tmp_path_factory.mktemp("exits"), {**GEOGRAPHY, "claims": CLAIMS}) as r:
        yield r


def run(runner, by="total", period=PERIOD, **filters) -> list[dict]:
    request = MeasureRequest("benefit_exits", *period, by=by, **filters)
    return runner.run(request, **EXACT).to_dicts()


def exits(w13, w26, w39, w52, **keys) -> dict:
    """A row from (mature, exited, exited into work) for each window; the rates are over mature
    (none when no claim is old enough)."""
    row = dict(keys)
    for weeks, (mature, exited, to_work) in zip(
        (13, 26, 39, 52), (w13, w26, w39, w52), strict=True
    ):
        row |= {
            f"mature_{weeks}w": mature,
            f"exited_{weeks}w": exited,
            f"exit_rate_{weeks}w": exited / mature if mature else None,
            f"exited_to_work_{weeks}w": to_work,
            f"exit_to_work_rate_{weeks}w": to_work / mature if mature else None,
        }
    return row


NONE = (0, 0, 0)

# Started in the period: X15 X14 X01 X19 X10 X11 X02 X03 X12 X06 X07 X08 X09 X04 X05 X17 (16).
#   13 weeks: old enough all but X05 X17 = 14; exited X19 (18) X02 (91) X08 (30 w) X09 (1) = 4,
#             into work X08 = 1.
#   26 weeks: old enough (by 05-02) X15 X14 X01 X19 X10 X11 X02 X03 X12 X06 X07 X08 = 12;
#             exited X19 X02 X03 (92) X06 (182 w) X08 (w) = 5, into work X06 X08 = 2.
#   39 weeks: old enough (by 01-31) X15 X14 X01 X19 X10 X11 X02 X03 X12 = 9; exited X19 X10
#             (273 w) X02 X03 = 4, into work X10 = 1.
#   52 weeks: old enough (by 2025-11-01) X15 X14 X01 = 3; exited X01 (364 w) = 1, into work 1.
ALL = exits((14, 4, 1), (12, 5, 2), (9, 4, 1), (3, 1, 1))
# By office (benefit and group follow the office):
#   D01-O01 X15 X01 X10 X08: 13: 4, X08; 26: 4, X08; 39: X15 X01 X10, X10 (w); 52: X15 X01, X01.
O01 = exits((4, 1, 1), (4, 1, 1), (3, 1, 1), (2, 1, 1))
#   D01-O02 X14 X19 X06: 13: 3, X19; 26: 3, X19 X06 (w); 39: X14 X19, X19; 52: X14, none.
O02 = exits((3, 1, 0), (3, 2, 1), (2, 1, 0), (1, 0, 0))
#   D02-O01 X11 X02 X03 X04: 13: 4, X02; 26: X11 X02 X03, X02 X03; 39: the same; 52: none.
D02 = exits((4, 1, 0), (3, 2, 0), (3, 2, 0), NONE)
#   D03-O01 X12 X07 X09 X05 X17: 13: X12 X07 X09, X09; 26: X12 X07, none; 39: X12; 52: none.
D03 = exits((3, 1, 0), (2, 0, 0), (1, 0, 0), NONE)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ALL),
        # UC is D01-O01 and D03-O01: 13: 4 + 3, 1 + 1, 1; 26: 4 + 2, 1, 1; 39: 3 + 1, 1, 1;
        # 52: 2, 1, 1.
        ({"benefits": ("UC",)}, exits((7, 2, 1), (6, 1, 1), (4, 1, 1), (2, 1, 1))),
        ({"groups": ("jobseeker",)}, O02),
        # D01 is D01-O01 and D01-O02 added up.
        ({"districts": ("D01",)}, exits((7, 2, 1), (7, 3, 2), (5, 2, 1), (3, 1, 1))),
        ({"offices": ("D02-O01",)}, D02),
        ({"groups": ("other",)}, exits(NONE, NONE, NONE, NONE)),
    ],
    ids=["all", "uc", "jobseeker", "district", "office", "empty"],
)
def test_benefit_exits_total(runner, filters, expected) -> None:
    assert run(runner, **filters) == approx_rows([expected])


def test_benefit_exits_by_district(runner) -> None:
    assert run(runner, by="district") == approx_rows(
        [
            exits((7, 2, 1), (7, 3, 2), (5, 2, 1), (3, 1, 1), district_code="D01"),
            {"district_code": "D02", **D02},
            {"district_code": "D03", **D03},
        ]
    )


def test_benefit_exits_by_office(runner) -> None:
    def key(d, o):
        return {"district_code": d, "office_code": o}

    assert run(runner, by="office") == approx_rows(
        [
            {**key("D01", "D01-O01"), **O01},
            {**key("D01", "D01-O02"), **O02},
            {**key("D02", "D02-O01"), **D02},
            {**key("D03", "D03-O01"), **D03},
        ]
    )


def test_benefit_exits_by_start_month(runner) -> None:
    # The windows' boundaries fall in August (13), May (26), January (39) and November (52):
    # those months are counted a claim at a time, the others come from the monthly summary.
    assert run(runner, by="month") == approx_rows(
        [
            # X15 (open), X14 (365 days, w): old enough for all four, exited in none.
            exits((2, 0, 0), (2, 0, 0), (2, 0, 0), (2, 0, 0), month="2025-10"),
            # X01 (364 w; the only one old enough for 52), X19 (18 days)
            exits((2, 1, 0), (2, 1, 0), (2, 1, 0), (1, 1, 1), month="2025-11"),
            # X10 (273 w), X11 (274 w)
            exits((2, 0, 0), (2, 0, 0), (2, 1, 1), NONE, month="2025-12"),
            # X02 (91), X03 (92), X12 (open, 01-31: old enough for 39)
            exits((3, 1, 0), (3, 2, 0), (3, 2, 0), NONE, month="2026-01"),
            # X06 (182 w), X07 (183 w); 02-01 is one day short of 39 weeks
            exits((2, 0, 0), (2, 1, 1), NONE, NONE, month="2026-02"),
            exits(NONE, NONE, NONE, NONE, month="2026-03"),
            exits(NONE, NONE, NONE, NONE, month="2026-04"),
            # X08 (05-02, 30 w: old enough for 26), X09 (05-03, 1: 13 only)
            exits((2, 2, 1), (1, 1, 1), NONE, NONE, month="2026-05"),
            exits(NONE, NONE, NONE, NONE, month="2026-06"),
            exits(NONE, NONE, NONE, NONE, month="2026-07"),
            # X04 (08-01, open: old enough for 13), X05 (08-02), X17 (08-31): too recent
            exits((1, 0, 0), NONE, NONE, NONE, month="2026-08"),
        ]
    )


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        # X16 started the day before the period: 5 days, into work; left out above by its date.
        (("2025-09", "2025-09"), exits((1, 1, 1), (1, 1, 1), (1, 1, 1), (1, 1, 1))),
        # X18 started the day after the period: too recent for any window.
        (("2026-09", "2026-09"), exits(NONE, NONE, NONE, NONE)),
    ],
    ids=["month_before", "month_after"],
)
def test_claims_just_outside_the_period(runner, period, expected) -> None:
    assert run(runner, period=period) == approx_rows([expected])
