"""Follow-up of deferred interviews and deferral lengths by reason, hand-checked."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from extracts import EXACT, GEOGRAPHY, approx_rows, claim, runner_for, wfi

from jcp.extract.contract import DEFERRAL_REASONS
from jcp.measures.runner import MeasureRequest, Runner

# Extract date 2026-10-31 (the helper's default). A deferral's 14-day window has passed when
# deferred_until + 14 <= 2026-10-31, i.e. deferred_until <= 2026-10-17. Period Jan-Oct 2026
# (2026-01-01 to 2026-10-31) unless a test says so, so that October, the month the window's
# end falls in (read one deferral at a time), is in it beside whole months (read from counts).


def _claim(claim_id, office_code, start, benefit="UC", group="health_condition", **kw) -> dict:
    return claim(claim_id, office_code, start, benefit, group, **kw)


CLAIMS = [
    _claim("D01", "D01-O01", "2026-01-05"),
    _claim("D02", "D01-O01", "2026-01-05", group="lone_parent"),
    _claim("D03", "D01-O02", "2026-02-02", "ESA"),
    _claim("D04", "D01-O02", "2026-02-02", "IS", "lone_parent"),
    _claim(
        "D05", "D02-O01", "2026-03-02", group="carer", end_date="2026-05-01", end_reason="other"
    ),
    _claim("D06", "D02-O01", "2026-09-01", "ESA"),
    _claim("D07", "D02-O01", "2026-09-01"),
    _claim("D08", "D03-O01", "2026-09-01", group="other"),
    _claim("D09", "D03-O01", "2025-12-01"),
    _claim("D10", "D01-O01", "2026-10-01", "ESA"),
    _claim("D11", "D01-O01", "2025-12-01", "ESA", "carer"),
    _claim("D13", "D01-O02", "2026-03-02"),
    _claim("A01", "D01-O01", "2026-02-02"),
    _claim("A02", "D02-O01", "2026-02-02", "ESA"),
    _claim("A03", "D03-O01", "2026-02-02", "JSA", "jobseeker"),
]


def _deferred(claim_id, due, until, reason, held=None) -> dict:
    return wfi(claim_id, due, "deferred", reason, until, held)


WFIS = [
    # Held on deferred_until + 14 (01-20 + 14 = 02-03): within. 15 days' deferral (01-05 ->
    # 01-20).
    _deferred("D01", "2026-01-05", "2026-01-20", "illness", held="2026-02-03"),
    # Held on deferred_until + 15 (01-31 + 15 = 02-15): later. 26 days' deferral.
    _deferred("D02", "2026-01-05", "2026-01-31", "caring", held="2026-02-15"),
    # Never held, claim open: not held. 02-02 -> 03-01 is 27 days (February has 28).
    _deferred("D03", "2026-02-02", "2026-03-01", "illness"),
    # Held before the date it was deferred until (after it was due): within. 02-02 -> 03-10
    # is 26 + 10 = 36 days.
    _deferred("D04", "2026-02-02", "2026-03-10", "hospital", held="2026-03-05"),
    # Never held, the claim ended 2026-05-01: still not held. 03-02 -> 04-01 is 30 days.
    _deferred("D05", "2026-03-02", "2026-04-01", "life_event"),
    # deferred_until + 14 = 10-31, the extract date: mature; held on it, so within.
    # 09-01 -> 10-17 is 30 + 16 = 46 days.
    _deferred("D06", "2026-09-01", "2026-10-17", "illness", held="2026-10-31"),
    # One day later: 10-18 + 14 = 11-01, after the extract date: not judged yet. 47 days.
    _deferred("D07", "2026-09-01", "2026-10-18", "hospital"),
    # Mature (10-02 + 14 = 10-16); held 10-20 = 10-02 + 18: later. 09-01 -> 10-02 is 31 days.
    _deferred("D08", "2026-09-01", "2026-10-02", "other", held="2026-10-20"),
    # deferred_until the day before the period: out of follow-up (and due in 2025: out of
    # lengths). 30 days.
    _deferred("D09", "2025-12-01", "2025-12-31", "bereavement", held="2026-01-02"),
    # deferred_until after the period and the extract date: out of follow-up. Due in October:
    # in lengths, 10-01 -> 11-05 is 31 + 4 = 35 days.
    _deferred("D10", "2026-10-01", "2026-11-05", "hospital"),
    # deferred_until on the period's first day: in; never held. Due in 2025: out of lengths.
    _deferred("D11", "2025-12-15", "2026-01-01", "bereavement"),
    # deferred_until 03-31, held 04-14 = 03-31 + 14: within. 03-02 -> 03-31 is 29 days.
    _deferred("D13", "2026-03-02", "2026-03-31", "illness", held="2026-04-14"),
    # Not deferred: in neither measure.
    wfi("A01", "2026-02-02", "attended"),
    wfi("A02", "2026-02-02", "waived"),
    wfi("A03", "2026-02-02", "failed_to_attend"),
]


@pytest.fixture(scope="module")
def runner(tmp_path_factory) -> Iterator[Runner]:
    """The deferrals above, loaded once, with no rejected rows."""
    tables = {**GEOGRAPHY, "claims": CLAIMS, "wfi": WFIS}
    with runner_for(tmp_path_factory.mktemp("deferral_followup"), tables) as loaded:
        yield loaded


def run(runner, measure, by="total", period=("2026-01", "2026-10"), **filters) -> list[dict]:
    return runner.run(MeasureRequest(measure, *period, by=by, **filters), **EXACT).to_dicts()


# ---------------------------------------------------------------------- deferral follow-up


def followup(due, within, later, not_held, **keys) -> dict:
    """A row; held within, later and not held make up the deferrals due."""
    assert within + later + not_held == due
    return {
        **keys,
        "deferrals_due": due,
        "held_within_14d": within,
        "followup_rate": within / due if due else None,
        "held_later": later,
        "not_held": not_held,
    }


# Due and mature in Jan-Oct: D01 (within), D02 (later), D11 (not held), D03 (not held),
# D04 (within), D13 (within), D05 (not held), D06 (within), D08 (later). Left out: D07 (not
# mature), D09 (before the period), D10 (after it), A01-A03 (not deferred).
@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        # 9 due: within D01 D04 D13 D06 = 4 (4/9), later D02 D08 = 2, not held D11 D03 D05 = 3
        ({}, followup(9, 4, 2, 3)),
        # UC: D01 (within), D02 (later), D13 (within), D05 (not held), D08 (later)
        ({"benefits": ("UC",)}, followup(5, 2, 2, 1)),
        # ESA: D11 (not held), D03 (not held), D06 (within); D10 out of the period
        ({"benefits": ("ESA",)}, followup(3, 1, 0, 2)),
        # JSA interviews are never deferred: nothing due, no rate
        ({"benefits": ("JSA",)}, followup(0, 0, 0, 0)),
        ({"groups": ("lone_parent",)}, followup(2, 1, 1, 0)),  # D02 (later), D04 (within)
        ({"groups": ("carer",)}, followup(2, 0, 0, 2)),  # D11, D05: neither held
        ({"districts": ("D02",)}, followup(2, 1, 0, 1)),  # D05 (not held), D06 (within)
        ({"offices": ("D01-O02",)}, followup(3, 2, 0, 1)),  # D03 (not), D04, D13 (within)
    ],
    ids=["all", "uc", "esa", "jsa-empty", "lone_parent", "carer", "district", "office"],
)
def test_deferral_followup_total(runner, filters, expected) -> None:
    assert run(runner, "deferral_followup", **filters) == approx_rows([expected])


def test_deferral_followup_by_district(runner) -> None:
    assert run(runner, "deferral_followup", by="district") == approx_rows(
        [
            # D01 D02 D11 (O01), D03 D04 D13 (O02): within D01 D04 D13, later D02,
            # not held D11 D03
            followup(6, 3, 1, 2, district_code="D01"),
            followup(2, 1, 0, 1, district_code="D02"),  # D05, D06 (D07 not mature)
            followup(1, 0, 1, 0, district_code="D03"),  # D08 (D09 before the period)
        ]
    )


def test_deferral_followup_by_office(runner) -> None:
    def key(d, o):
        return {"district_code": d, "office_code": o}

    assert run(runner, "deferral_followup", by="office") == approx_rows(
        [
            followup(3, 1, 1, 1, **key("D01", "D01-O01")),  # D01 within, D02 later, D11 not
            followup(3, 2, 0, 1, **key("D01", "D01-O02")),  # D03 not, D04 D13 within
            followup(2, 1, 0, 1, **key("D02", "D02-O01")),  # D05 not, D06 within
            followup(1, 0, 1, 0, **key("D03", "D03-O01")),  # D08 later
        ]
    )


def test_deferral_followup_by_month_of_deferred_until(runner) -> None:
    assert run(runner, "deferral_followup", by="month") == approx_rows(
        [
            followup(3, 1, 1, 1, month="2026-01"),  # D11 (01-01), D01 (01-20), D02 (01-31)
            followup(0, 0, 0, 0, month="2026-02"),
            followup(3, 2, 0, 1, month="2026-03"),  # D03 (03-01), D04 (03-10), D13 (03-31)
            followup(1, 0, 0, 1, month="2026-04"),  # D05 (04-01)
            followup(0, 0, 0, 0, month="2026-05"),
            followup(0, 0, 0, 0, month="2026-06"),
            followup(0, 0, 0, 0, month="2026-07"),
            followup(0, 0, 0, 0, month="2026-08"),
            followup(0, 0, 0, 0, month="2026-09"),
            # D06 (10-17, mature, within) and D08 (10-02, later); D07 (10-18) not mature
            followup(2, 1, 1, 0, month="2026-10"),
        ]
    )


def test_deferral_followup_period_bounds_deferred_until(runner) -> None:
    # Jan-Mar: D11 on 01-01 (the first day) and D13 on 03-31 (the last day) in; D09 on
    # 2025-12-31 and D05 on 04-01 out. D01 D02 D11 D03 D04 D13: within D01 D04 D13, later D02.
    assert run(runner, "deferral_followup", period=("2026-01", "2026-03")) == approx_rows(
        [followup(6, 3, 1, 2)]
    )
    # Dec 2025 alone: D09 (held 01-02, 2 days after 12-31: within).
    assert run(runner, "deferral_followup", period=("2025-12", "2025-12")) == approx_rows(
        [followup(1, 1, 0, 0)]
    )
    # October alone, the month the window's end falls in: D06 (10-17, mature) and D08 in,
    # D07 (10-18) not yet judged. November: D10 is not judged before 11-19, so nothing.
    assert run(runner, "deferral_followup", period=("2026-10", "2026-10")) == approx_rows(
        [followup(2, 1, 1, 0)]
    )
    assert run(runner, "deferral_followup", period=("2026-11", "2026-11")) == approx_rows(
        [followup(0, 0, 0, 0)]
    )


def test_deferral_followup_filters_narrow_the_groups_listed(runner) -> None:
    # A district filter limits by=office to that district's offices; an ESA filter by month
    # keeps every month, January D11, March D03, October D06.
    rows = run(runner, "deferral_followup", by="office", districts=("D01",))
    assert [(r["office_code"], r["deferrals_due"]) for r in rows] == [
        ("D01-O01", 3),
        ("D01-O02", 3),
    ]
    rows = run(runner, "deferral_followup", by="month", benefits=("ESA",))
    assert [(r["month"], r["deferrals_due"], r["held_within_14d"]) for r in rows] == [
        ("2026-01", 1, 0),
        ("2026-02", 0, 0),
        ("2026-03", 1, 0),
        ("2026-04", 0, 0),
        ("2026-05", 0, 0),
        ("2026-06", 0, 0),
        ("2026-07", 0, 0),
        ("2026-08", 0, 0),
        ("2026-09", 0, 0),
        ("2026-10", 1, 1),
    ]


# ------------------------------------------------------------------------ deferral lengths

# Deferred interviews due in Jan-Oct, with deferral days (deferred_until - due_date) and
# reason: D01 15 illness, D02 26 caring, D03 27 illness, D04 36 hospital, D13 29 illness,
# D05 30 life_event, D06 46 illness, D07 47 hospital, D08 31 other, D10 35 hospital.
# Out: D09 and D11 (due in December 2025), so bereavement has none.


def lengths(reason, deferred, median, mean, **keys) -> tuple:
    return (*keys.values(), reason, deferred, median, pytest.approx(mean))


@pytest.mark.parametrize(
    ("by", "filters", "expected"),
    [
        (
            "total",
            {},
            [
                lengths("caring", 1, 26.0, 26.0),
                # 35 36 47: median 36; mean 118 / 3
                lengths("hospital", 3, 36.0, 118 / 3),
                # 15 27 29 46: median (27 + 29) / 2 = 28; mean 117 / 4 = 29.25
                lengths("illness", 4, 28.0, 29.25),
                lengths("life_event", 1, 30.0, 30.0),
                lengths("other", 1, 31.0, 31.0),
            ],
        ),
        (
            "district",
            {},
            [
                lengths("caring", 1, 26.0, 26.0, d="D01"),  # D02
                lengths("hospital", 2, 35.5, 35.5, d="D01"),  # D04 36, D10 35
                lengths("illness", 3, 27.0, 71 / 3, d="D01"),  # D01 15, D03 27, D13 29
                lengths("hospital", 1, 47.0, 47.0, d="D02"),  # D07
                lengths("illness", 1, 46.0, 46.0, d="D02"),  # D06
                lengths("life_event", 1, 30.0, 30.0, d="D02"),  # D05
                lengths("other", 1, 31.0, 31.0, d="D03"),  # D08
            ],
        ),
        (
            "office",
            {"districts": ("D01",)},
            [
                lengths("caring", 1, 26.0, 26.0, d="D01", o="D01-O01"),  # D02
                lengths("hospital", 1, 35.0, 35.0, d="D01", o="D01-O01"),  # D10
                lengths("illness", 1, 15.0, 15.0, d="D01", o="D01-O01"),  # D01
                lengths("hospital", 1, 36.0, 36.0, d="D01", o="D01-O02"),  # D04
                lengths("illness", 2, 28.0, 28.0, d="D01", o="D01-O02"),  # D03 27, D13 29
            ],
        ),
        (
            "month",
            {},
            [
                lengths("caring", 1, 26.0, 26.0, m="2026-01"),  # D02
                lengths("illness", 1, 15.0, 15.0, m="2026-01"),  # D01
                lengths("hospital", 1, 36.0, 36.0, m="2026-02"),  # D04
                lengths("illness", 1, 27.0, 27.0, m="2026-02"),  # D03
                lengths("illness", 1, 29.0, 29.0, m="2026-03"),  # D13
                lengths("life_event", 1, 30.0, 30.0, m="2026-03"),  # D05
                lengths("hospital", 1, 47.0, 47.0, m="2026-09"),  # D07
                lengths("illness", 1, 46.0, 46.0, m="2026-09"),  # D06
                lengths("other", 1, 31.0, 31.0, m="2026-09"),  # D08
                lengths("hospital", 1, 35.0, 35.0, m="2026-10"),  # D10
            ],
        ),
        # ESA: D03 27 and D06 46 illness (median and mean 36.5), D10 35 hospital
        (
            "total",
            {"benefits": ("ESA",)},
            [lengths("hospital", 1, 35.0, 35.0), lengths("illness", 2, 36.5, 36.5)],
        ),
        # carers: D05 (D11 due in 2025)
        ("total", {"groups": ("carer",)}, [lengths("life_event", 1, 30.0, 30.0)]),
        # D03-O01: D08 (D09 due in 2025)
        ("total", {"offices": ("D03-O01",)}, [lengths("other", 1, 31.0, 31.0)]),
        ("total", {"benefits": ("JSA",)}, []),  # never deferred: every reason 0
    ],
    ids=["total", "district", "office", "month", "esa", "carer", "office-filter", "jsa-empty"],
)
def test_deferral_lengths(runner, by, filters, expected) -> None:
    rows = run(runner, "deferral_lengths", by=by, **filters)
    # Every reason is listed for every group (0 where none); the figures worked out above
    # are the reasons that occur.
    assert [tuple(r.values()) for r in rows if r["deferred"]] == expected
    groups = {tuple(r.values())[:-4] for r in rows}
    assert len(rows) == len(groups) * len(DEFERRAL_REASONS)
    assert all(r["median_deferral_days"] is None for r in rows if not r["deferred"])


def test_deferral_lengths_period_bounds_the_due_date(runner) -> None:
    # Dec 2025: D09 (due 12-01, 30 days) and D11 (due 12-15, 17 days), both bereavement.
    rows = run(runner, "deferral_lengths", period=("2025-12", "2025-12"))
    assert [tuple(r.values()) for r in rows if r["deferred"]] == [
        lengths("bereavement", 2, 23.5, 23.5)
    ]


@pytest.mark.parametrize("by", ["total", "district", "office", "month"])
def test_deferral_lengths_add_up_to_the_deferrals_measure(runner, by) -> None:
    # deferral_lengths splits exactly the interviews deferrals counts as deferred.
    whole = {
        tuple(r[k] for k in ("district_code", "office_code", "month") if k in r): r["deferred"]
        for r in run(runner, "deferrals", by=by)
    }
    parts: dict[tuple, int] = {}
    for r in run(runner, "deferral_lengths", by=by):
        group = tuple(r[k] for k in ("district_code", "office_code", "month") if k in r)
        parts[group] = parts.get(group, 0) + r["deferred"]
    assert parts == whole
