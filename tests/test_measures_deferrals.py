"""Deferrals, deferral reasons and overdue deferrals, hand-checked against a tiny extract."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from extracts import EXACT, GEOGRAPHY, approx_rows, claim, runner_for, wfi

from jcp.extract.contract import DEFERRAL_REASONS
from jcp.measures.runner import MeasureRequest, Runner

# Extract date 2026-10-31 (the helper's default). Period Jan-Jun 2026 unless a test says so.
# Four offices; D03 has no activity at all, so it must show as a zero row.


def _claim(claim_id, office_code, start, benefit="UC", group="health_condition", **kw) -> dict:
    return claim(claim_id, office_code, start, benefit, group, **kw)


CLAIMS = [
    _claim("W01", "D01-O01", "2026-01-05", work_coach_ref="WC01"),
    _claim("W02", "D01-O01", "2026-01-05", group="lone_parent"),
    _claim("W03", "D01-O01", "2026-02-02", benefit="ESA"),
    _claim("W04", "D01-O01", "2026-02-02"),
    _claim("W05", "D01-O01", "2026-01-05", benefit="JSA", group="jobseeker"),
    _claim("W06", "D01-O01", "2026-03-02"),
    _claim("W07", "D01-O01", "2025-12-01", work_coach_ref="WC07"),
    _claim("W08", "D01-O01", "2026-07-01"),
    _claim(
        "W09", "D01-O02", "2026-03-02", benefit="IS", group="lone_parent", work_coach_ref="WC09"
    ),
    _claim("W10", "D01-O02", "2026-03-02", group="carer"),
    _claim("W11", "D02-O01", "2026-04-01", "ESA", end_date="2026-05-01", end_reason="other"),
    _claim("W12", "D02-O01", "2026-06-01", group="other"),
    _claim("W13", "D02-O01", "2026-10-01"),
    _claim("W14", "D02-O01", "2025-11-01", group="other", work_coach_ref=None),
    _claim("W15", "D02-O01", "2026-04-01", benefit="JSA", group="jobseeker"),
]


def _deferred(claim_id, due, until, reason, held=None) -> dict:
    return wfi(claim_id, due, "deferred", reason, until, held)


WFIS = [
    _deferred("W01", "2026-01-12", "2026-01-22", "illness"),  # 10 days
    _deferred("W02", "2026-01-20", "2026-02-09", "caring", held="2026-02-09"),  # 20 days, held
    wfi("W03", "2026-02-10", "waived"),
    wfi("W04", "2026-02-16", "attended"),
    wfi("W05", "2026-01-12", "attended"),  # JSA: never in the deferral measure
    wfi("W06", "2026-03-02", "pending"),  # pending: excluded
    _deferred("W07", "2025-12-15", "2026-01-15", "life_event"),  # due before the period
    _deferred("W08", "2026-07-01", "2026-11-15", "other"),  # due after the period; not yet due
    _deferred("W09", "2026-03-09", "2026-04-08", "illness"),  # 30 days
    wfi("W10", "2026-03-16", "failed_to_attend"),
    _deferred("W11", "2026-04-06", "2026-04-10", "hospital"),  # 4 days; claim closed 05-01
    wfi("W12", "2026-06-30", "waived"),  # last day of the period
    _deferred("W13", "2026-10-01", "2026-10-31", "bereavement"),  # until = extract date
    _deferred("W14", "2025-11-20", "2026-04-08", "other"),  # same deferred_until as W09
    wfi("W15", "2026-04-06", "failed_to_attend"),  # JSA again, in D02
]

# In the period Jan-Jun 2026, non-JSA, not pending: W01 W02 W03 W04 W09 W10 W11 W12 (8 WFIs).
# Deferred: W01 (10 d), W02 (20 d), W09 (30 d), W11 (4 d). Waived: W03, W12.


@pytest.fixture(scope="module")
def runner(tmp_path_factory) -> Iterator[Runner]:
    """The deferral extract above, loaded once, with no rejected rows."""
    tables = {**GEOGRAPHY, "claims": CLAIMS, "wfi": WFIS}
    with runner_for(tmp_path_factory.mktemp("deferrals"), tables) as loaded:
        yield loaded


def run(runner, measure, by="total", period=("2026-01", "2026-06"), **filters) -> list[dict]:
    return runner.run(MeasureRequest(measure, *period, by=by, **filters), **EXACT).to_dicts()


def deferral_row(due, deferred, waived, rate, waiver_rate, median, **keys) -> dict:
    return {
        **keys,
        "wfis_due": due,
        "deferred": deferred,
        "waived": waived,
        "deferral_rate": rate,
        "waiver_rate": waiver_rate,
        "median_deferral_days": median,
    }


# ---------------------------------------------------------------------------- deferrals


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        # 8 due; 4 deferred -> 4/8 = 0.5; 2 waived -> 2/8 = 0.25;
        # median of 4, 10, 20, 30 (even count) = (10 + 20) / 2 = 15
        ({}, deferral_row(8, 4, 2, 0.5, 0.25, 15.0)),
        # D02: W11 (deferred 4 d), W12 (waived); W13/W14 outside the period, W15 JSA
        ({"districts": ("D02",)}, deferral_row(2, 1, 1, 1 / 2, 1 / 2, 4.0)),
        # D01-O02: W09 (deferred 30 d), W10 (failed to attend) -> 1/2, 0/2
        ({"offices": ("D01-O02",)}, deferral_row(2, 1, 0, 1 / 2, 0.0, 30.0)),
        # ESA: W03 (waived), W11 (deferred 4 d)
        ({"benefits": ("ESA",)}, deferral_row(2, 1, 1, 1 / 2, 1 / 2, 4.0)),
        # JSA WFIs are excluded, so the population is empty: zero counts, null rates
        ({"benefits": ("JSA",)}, deferral_row(0, 0, 0, None, None, None)),
        # lone_parent: W02 (20 d), W09 (30 d) -> 2/2 deferred, median (20 + 30) / 2 = 25
        ({"groups": ("lone_parent",)}, deferral_row(2, 2, 0, 1.0, 0.0, 25.0)),
        # UC and health_condition: W01 (deferred 10 d), W04 (attended); W06 pending is out
        (
            {"benefits": ("UC",), "groups": ("health_condition",)},
            deferral_row(2, 1, 0, 1 / 2, 0.0, 10.0),
        ),
    ],
    ids=["all", "district", "office", "benefit", "jsa-empty", "group", "benefit+group"],
)
def test_deferrals_total(runner, filters, expected):
    assert run(runner, "deferrals", **filters) == approx_rows([expected])


def test_deferrals_narrow_period_counts_by_due_date(runner):
    # Feb-Mar: W03 (waived), W04, W09 (deferred 30 d), W10 -> 4 due; W02's deferral running
    # into February still belongs to January, its due month.
    rows = run(runner, "deferrals", period=("2026-02", "2026-03"))
    assert rows == approx_rows([deferral_row(4, 1, 1, 1 / 4, 1 / 4, 30.0)])


def test_deferrals_by_district_lists_every_district(runner):
    assert run(runner, "deferrals", by="district") == approx_rows(
        [
            # D01: W01 W02 W03 W04 W09 W10 = 6; deferred 10, 20, 30 -> median 20; 1 waived
            deferral_row(6, 3, 1, 3 / 6, 1 / 6, 20.0, district_code="D01"),
            # D02: W11 (4 d), W12 (waived)
            deferral_row(2, 1, 1, 1 / 2, 1 / 2, 4.0, district_code="D02"),
            # D03: no WFIs at all -> zeros and null rates
            deferral_row(0, 0, 0, None, None, None, district_code="D03"),
        ]
    )


def test_deferrals_by_office_lists_every_office(runner):
    def key(d, o):
        return {"district_code": d, "office_code": o}

    assert run(runner, "deferrals", by="office") == approx_rows(
        [
            # W01 (10 d) W02 (20 d) W03 (waived) W04 -> median (10 + 20) / 2 = 15
            deferral_row(4, 2, 1, 2 / 4, 1 / 4, 15.0, **key("D01", "D01-O01")),
            deferral_row(2, 1, 0, 1 / 2, 0.0, 30.0, **key("D01", "D01-O02")),
            deferral_row(2, 1, 1, 1 / 2, 1 / 2, 4.0, **key("D02", "D02-O01")),
            deferral_row(0, 0, 0, None, None, None, **key("D03", "D03-O01")),
        ]
    )


def test_deferrals_by_month_uses_due_month_and_lists_every_month(runner):
    assert run(runner, "deferrals", by="month") == approx_rows(
        [
            deferral_row(2, 2, 0, 1.0, 0.0, 15.0, month="2026-01"),  # W01 10 d, W02 20 d
            deferral_row(2, 0, 1, 0.0, 1 / 2, None, month="2026-02"),  # W03 waived, W04
            deferral_row(2, 1, 0, 1 / 2, 0.0, 30.0, month="2026-03"),  # W09 30 d, W10
            deferral_row(1, 1, 0, 1.0, 0.0, 4.0, month="2026-04"),  # W11 4 d
            deferral_row(0, 0, 0, None, None, None, month="2026-05"),  # nothing due
            deferral_row(1, 0, 1, 0.0, 1.0, None, month="2026-06"),  # W12 waived on 06-30
        ]
    )


def test_deferrals_filters_narrow_the_groups_listed(runner):
    # A district filter limits by=office to that district's offices ...
    rows = run(runner, "deferrals", by="office", districts=("D01",))
    assert [(r["office_code"], r["wfis_due"]) for r in rows] == [("D01-O01", 4), ("D01-O02", 2)]
    # ... an office filter limits by=office to those offices ...
    rows = run(runner, "deferrals", by="office", offices=("D01-O02", "D03-O01"))
    assert rows == approx_rows(
        [
            deferral_row(2, 1, 0, 1 / 2, 0.0, 30.0, district_code="D01", office_code="D01-O02"),
            deferral_row(0, 0, 0, None, None, None, district_code="D03", office_code="D03-O01"),
        ]
    )
    # ... and by=district to the offices' districts ...
    rows = run(runner, "deferrals", by="district", offices=("D01-O02",))
    assert rows == approx_rows([deferral_row(2, 1, 0, 1 / 2, 0.0, 30.0, district_code="D01")])
    # ... and a benefit filter keeps every district, with zeros where nothing matches.
    rows = run(runner, "deferrals", by="district", benefits=("IS",))
    assert rows == approx_rows(
        [
            deferral_row(1, 1, 0, 1.0, 0.0, 30.0, district_code="D01"),  # W09 only
            deferral_row(0, 0, 0, None, None, None, district_code="D02"),
            deferral_row(0, 0, 0, None, None, None, district_code="D03"),
        ]
    )


# ---------------------------------------------------------------------- deferral reasons


@pytest.mark.parametrize(
    ("by", "filters", "expected"),
    [
        # W01 illness, W02 caring, W09 illness, W11 hospital; W07/W08/W13/W14 out of period
        (
            "total",
            {},
            [("caring", 1), ("hospital", 1), ("illness", 2)],
        ),
        (
            "office",
            {},
            [
                ("D01", "D01-O01", "caring", 1),
                ("D01", "D01-O01", "illness", 1),
                ("D01", "D01-O02", "illness", 1),
                ("D02", "D02-O01", "hospital", 1),
            ],
        ),
        (
            "district",
            {},
            [("D01", "caring", 1), ("D01", "illness", 2), ("D02", "hospital", 1)],
        ),
        (
            "month",
            {},
            [
                ("2026-01", "caring", 1),
                ("2026-01", "illness", 1),
                ("2026-03", "illness", 1),
                ("2026-04", "hospital", 1),
            ],
        ),
        ("total", {"groups": ("lone_parent",)}, [("caring", 1), ("illness", 1)]),  # W02, W09
        ("total", {"benefits": ("JSA",)}, []),  # no deferral at all: every reason 0
    ],
)
def test_deferral_reasons(runner, by, filters, expected):
    rows = run(runner, "deferral_reasons", by=by, **filters)
    # Every reason is listed for every group (0 where none: a row only where a reason occurs
    # would show someone is there); the figures worked out above are the reasons that occur.
    assert sorted(tuple(r.values()) for r in rows if r["deferred"]) == expected
    groups = {tuple(r.values())[:-2] for r in rows}
    assert len(rows) == len(groups) * len(DEFERRAL_REASONS)


def test_deferral_reasons_columns(runner):
    frame = runner.run(
        MeasureRequest("deferral_reasons", "2026-01", "2026-06", by="office"), **EXACT
    )
    assert frame.columns == ["district_code", "office_code", "deferral_reason", "deferred"]


# --------------------------------------------------------------------- overdue deferrals

# Deferred, deferred_until < 2026-10-31, never held, claim still open:
#   W07 until 2026-01-15 -> 2026-10-31 - 2026-01-15 = 16 + 28 + 31 + 30 + 31 + 30 + 31 + 31
#       + 30 + 31 = 289 days
#   W01 until 2026-01-22 -> 289 - 7 = 282 days
#   W09 until 2026-04-08 -> 2026-10-31 - 2026-04-08 = 22 + 31 + 30 + 31 + 31 + 30 + 31 = 206
#   W14 until 2026-04-08 -> 206 days too: the tie is broken by claim_id, W09 before W14
# Not overdue: W02 (held 2026-02-09), W08 (until 2026-11-15, not yet due), W13 (until
# 2026-10-31 = the extract date, not before it), W11 (claim ended 2026-05-01).
W07_ROW = {
    "claim_id": "W07",
    "district_code": "D01",
    "office_code": "D01-O01",
    "work_coach_ref": "WC07",
    "benefit": "UC",
    "claimant_group": "health_condition",
    "deferral_reason": "life_event",
    "deferred_until": dt.date(2026, 1, 15),
    "days_overdue": 289,
}
W14_ROW = {
    "claim_id": "W14",
    "district_code": "D02",
    "office_code": "D02-O01",
    "work_coach_ref": None,
    "benefit": "UC",
    "claimant_group": "other",
    "deferral_reason": "other",
    "deferred_until": dt.date(2026, 4, 8),
    "days_overdue": 206,
}


def test_overdue_deferrals_rows_and_sort_order(runner):
    rows = run(runner, "overdue_deferrals")
    assert [(r["claim_id"], r["days_overdue"]) for r in rows] == [
        ("W07", 289),
        ("W01", 282),
        ("W09", 206),
        ("W14", 206),
    ]
    assert rows[0] == W07_ROW
    assert rows[3] == W14_ROW
    assert list(rows[0]) == list(W07_ROW)  # the column order of the spec


def test_overdue_deferrals_ignore_the_period_and_by(runner):
    everything = run(runner, "overdue_deferrals")
    assert run(runner, "overdue_deferrals", period=("2024-01", "2024-01")) == everything
    assert run(runner, "overdue_deferrals", by="office") == everything
    assert run(runner, "overdue_deferrals", by="month") == everything


@pytest.mark.parametrize(
    ("filters", "claims"),
    [
        ({"offices": ("D01-O02",)}, ["W09"]),
        ({"districts": ("D01",)}, ["W07", "W01", "W09"]),
        ({"districts": ("D02",)}, ["W14"]),  # W11 closed, W13 not yet overdue
        ({"districts": ("D03",)}, []),
        ({"benefits": ("IS",)}, ["W09"]),
        ({"benefits": ("ESA",)}, []),  # W11 is the only deferred ESA claim, and it is closed
        ({"groups": ("other",)}, ["W14"]),
        ({"groups": ("health_condition",), "offices": ("D01-O01",)}, ["W07", "W01"]),
    ],
)
def test_overdue_deferrals_filters(runner, filters, claims):
    assert [r["claim_id"] for r in run(runner, "overdue_deferrals", **filters)] == claims
