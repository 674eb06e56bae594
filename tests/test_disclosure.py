"""Small-number disclosure control (jcp.disclosure) checked against the issue's specification."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jcp.disclosure import (
    RULES,
    Thresholds,
    hidden_groups,
    row_with_markers,
    suppress,
    with_markers,
)

# --- The specification, written out here (not read from jcp.disclosure.RULES) ----------------

DIMS = ("job_search", "work_skills", "confidence", "health_wellbeing", "stability")


@dataclass(frozen=True)
class Spec:
    """How the issue maps the disclosure rules onto one measure's columns."""

    counts: tuple[str, ...]
    # rate, mean or median -> (denominator count, numerator count or None)
    rates: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    money: dict[str, str] = field(default_factory=dict)  # money column -> its payments count
    from_money: dict[str, str] = field(default_factory=dict)  # figure -> money it derives from
    additive_money: tuple[str, ...] = ()  # money columns that add up like counts
    category: str | None = None  # companions only


SPEC: dict[str, Spec] = {
    "deferrals": Spec(
        counts=("wfis_due", "deferred", "waived"),
        rates={
            "deferral_rate": ("wfis_due", "deferred"),
            "waiver_rate": ("wfis_due", "waived"),
            "median_deferral_days": ("deferred", None),
        },
    ),
    "job_entries": Spec(
        counts=("job_entries", "mature_13w", "sustained_13w", "mature_26w", "sustained_26w"),
        rates={
            "sustained_13w_rate": ("mature_13w", "sustained_13w"),
            "sustained_26w_rate": ("mature_26w", "sustained_26w"),
        },
    ),
    "distance_travelled": Spec(
        counts=("claims_measured", *(f"claims_{d}" for d in DIMS)),
        rates={
            "mean_change": ("claims_measured", None),
            "pct_improved": ("claims_measured", None),
            **{f"mean_change_{d}": (f"claims_{d}", None) for d in DIMS},
        },
    ),
    "fsf_spend": Spec(
        counts=("payments", "recipients", "claimant_payments"),
        rates={"avg_award_gbp": ("claimant_payments", None)},
        money={"spend_gbp": "payments"},
        additive_money=("spend_gbp",),
    ),
    "fsf_categories": Spec(
        counts=("payments",),
        money={"spend_gbp": "payments"},
        additive_money=("spend_gbp",),
        category="category",
    ),
    "deferral_reasons": Spec(counts=("deferred",), category="deferral_reason"),
    "fsf_budget": Spec(
        counts=("payments",),
        money={"spend_to_date_gbp": "payments"},
        from_money={
            "pct_spent": "spend_to_date_gbp",
            "projected_outturn_gbp": "spend_to_date_gbp",
        },
    ),
    "caseload": Spec(
        counts=("live_claims", "new_claims", "off_flows", "off_flows_to_work"),
        rates={"claims_per_coach": ("live_claims", None)},
    ),
}
DEFAULT = Thresholds()
KEYS = {"district": "district_code", "month": "month"}


# --- Helpers --------------------------------------------------------------------------------


def hidden_cells(result: pl.DataFrame) -> list[set[str]]:
    """The hidden columns of each row, checking every one of them is NULL in the frame."""
    lists = result["suppressed"].to_list()
    for index, cells in enumerate(lists):
        for column in cells:
            assert result[column][index] is None, f"row {index}: {column} listed but not NULL"
    return [set(cells) for cells in lists]


def assert_visible_unchanged(frame: pl.DataFrame, result: pl.DataFrame) -> None:
    """Every cell that is not hidden keeps its value."""
    hidden = hidden_cells(result)
    assert result.height == frame.height
    for column in frame.columns:
        for index, (before, after) in enumerate(zip(frame[column], result[column], strict=True)):
            if column not in hidden[index]:
                assert after == before, f"row {index}: visible {column} changed"


def base_row(measure: str) -> dict:
    """A by=total row of the measure where every figure is comfortably above the thresholds."""
    spec = SPEC[measure]
    row: dict = dict.fromkeys(spec.counts, 50)
    row |= dict.fromkeys(spec.rates, 0.5)
    row |= dict.fromkeys(spec.money, 2500.0)
    row |= dict.fromkeys(spec.from_money, 0.25)
    if spec.category:
        row[spec.category] = "A"
    if measure == "fsf_budget":
        row |= {"district_code": "D01", "financial_year": "2025-26", "allocation_gbp": 10000.0}
    return row


def spec_primary(measure: str, row: dict, thresholds: Thresholds) -> set[str]:
    """The issue's primary rules for one row with nothing to add up against (by=total)."""
    spec = SPEC[measure]
    hidden = {c for c in spec.counts if 0 < row[c] < thresholds.min_count}
    for _ in range(3):  # rates follow counts, money follows payments, budget figures follow money
        for rate, (denominator, numerator) in spec.rates.items():
            if row[denominator] < thresholds.min_denominator or {denominator, numerator} & hidden:
                hidden.add(rate)
        for money, payments in spec.money.items():
            if row[payments] < thresholds.min_payments or payments in hidden:
                hidden.add(money)
        for figure, money in spec.from_money.items():
            if money in hidden:
                hidden.add(figure)
    return hidden


def run_one(measure: str, thresholds: Thresholds = DEFAULT, **overrides) -> set[str]:
    """Suppress a one-row by=total frame of the measure; the set of hidden columns."""
    frame = pl.DataFrame([base_row(measure) | overrides])
    result = suppress(frame, measure, "total", thresholds)
    assert_visible_unchanged(frame, result)
    return hidden_cells(result)[0]


def deferrals_frame(by: str, rows: list[tuple[int, int, int]], **keys: list) -> pl.DataFrame:
    """A deferrals frame from (wfis_due, deferred, waived) rows, its derived columns consistent.

    The median over deferred is 7.0 days wherever anything was deferred.
    """
    if by in KEYS and not keys:
        keys = {
            KEYS[by]: [
                f"D{i + 1:02d}" if by == "district" else f"2025-{i + 1:02d}"
                for i in range(len(rows))
            ]
        }
    wfis, deferred, waived = (list(column) for column in zip(*rows, strict=True))
    return pl.DataFrame(
        {
            **keys,
            "wfis_due": wfis,
            "deferred": deferred,
            "waived": waived,
            "deferral_rate": [d / w if w else None for w, d in zip(wfis, deferred, strict=True)],
            "waiver_rate": [v / w if w else None for w, v in zip(wfis, waived, strict=True)],
            "median_deferral_days": [7.0 if d else None for d in deferred],
        },
        schema_overrides={"median_deferral_days": pl.Float64},
    )


# --- Primary suppression --------------------------------------------------------------------

COUNT_CASES = [(m, c) for m, spec in SPEC.items() for c in spec.counts]


@pytest.mark.parametrize("value", [0, 1, 2, 3, 4, 5])
@pytest.mark.parametrize(("measure", "column"), COUNT_CASES)
def test_count_of_1_to_4_hidden_zero_and_5_shown(measure, column, value):
    # A count of 1..4 is [c]; 0 and 5 are shown. Whatever derives from it goes with it.
    hidden = run_one(measure, **{column: value})
    assert (column in hidden) == (1 <= value <= 4)
    assert hidden == spec_primary(measure, base_row(measure) | {column: value}, DEFAULT)


@pytest.mark.parametrize("value", [0, 1, 4, 5, 6, 12])
def test_waived_count_by_hand(value):
    # wfis_due 50, deferred 20, waived `value`: waived 1..4 hides waived and waiver_rate
    # (waived = waiver_rate x wfis_due); deferral_rate and everything else stays.
    hidden = run_one("deferrals", wfis_due=50, deferred=20, waived=value)
    assert hidden == ({"waived", "waiver_rate"} if 1 <= value <= 4 else set())


RATE_CASES = [(m, r, d) for m, spec in SPEC.items() for r, (d, _) in spec.rates.items()]


@pytest.mark.parametrize(("denominator_value", "shown"), [(9, False), (10, True)])
@pytest.mark.parametrize(("measure", "rate", "denominator"), RATE_CASES)
def test_rate_over_9_hidden_over_10_shown(measure, rate, denominator, denominator_value, shown):
    # The denominator count 9 or 10 is itself shown (>= 5); only the figures over it change.
    hidden = run_one(measure, **{denominator: denominator_value})
    assert (rate not in hidden) == shown
    assert denominator not in hidden
    assert hidden == spec_primary(
        measure, base_row(measure) | {denominator: denominator_value}, DEFAULT
    )


def test_deferral_rates_over_9_by_hand():
    # wfis_due 9 (shown, >= 5), deferred 5, waived 4: deferral_rate and waiver_rate are over 9
    # -> [c]; waived 4 -> [c]; median over deferred 5 (< 10) -> [c]; deferred 5 shown.
    hidden = run_one("deferrals", wfis_due=9, deferred=5, waived=4)
    assert hidden == {"deferral_rate", "waiver_rate", "waived", "median_deferral_days"}
    # wfis_due 10, deferred 10, waived 0: both rates shown; median over 10 shown.
    assert run_one("deferrals", wfis_due=10, deferred=10, waived=0) == set()


MONEY_CASES = [
    ("fsf_spend", {"spend_gbp"}),
    ("fsf_categories", {"spend_gbp"}),
    ("fsf_budget", {"spend_to_date_gbp", "pct_spent", "projected_outturn_gbp"}),
]


@pytest.mark.parametrize(("measure", "money"), MONEY_CASES)
def test_money_from_4_payments_hidden_from_5_shown(measure, money):
    # 4 payments: the count 4 is [c] and so is every money figure built from them (and, for
    # budgets, the percentage spent and projected outturn that derive from that spend).
    assert run_one(measure, payments=4) == {"payments", *money}
    assert run_one(measure, payments=5) == set()


def test_money_threshold_is_separate_from_count_threshold():
    # min_payments 10: 8 payments is a shown count but spend from 8 payments is [c]; the
    # average award is over claimant_payments (50) and stays.
    thresholds = Thresholds(min_payments=10)
    assert run_one("fsf_spend", thresholds, payments=8) == {"spend_gbp"}
    assert run_one("fsf_spend", thresholds, payments=10) == set()
    assert run_one("fsf_spend", payments=8) == set()  # defaults: 8 >= 5


@pytest.mark.parametrize(
    ("thresholds", "overrides", "expected"),
    [
        # min_count 3: waived 3 now shown; waived 2 still hidden with its rate.
        (Thresholds(min_count=3), {"waived": 3}, set()),
        (Thresholds(min_count=3), {"waived": 2}, {"waived", "waiver_rate"}),
        # min_count 10: waived 7 hidden with waiver_rate.
        (Thresholds(min_count=10), {"waived": 7}, {"waived", "waiver_rate"}),
        # min_denominator 20: wfis_due 15 shown but both rates over it hidden.
        (Thresholds(min_denominator=20), {"wfis_due": 15}, {"deferral_rate", "waiver_rate"}),
        (Thresholds(), {"wfis_due": 15}, set()),
        # min_denominator 20: median over deferred 15 hidden.
        (Thresholds(min_denominator=20), {"deferred": 15}, {"median_deferral_days"}),
    ],
)
def test_thresholds_from_configuration_change_the_outcome(thresholds, overrides, expected):
    # Base row: wfis_due 50, deferred 50, waived 50 (rates 0.5), then the overrides.
    assert run_one("deferrals", thresholds, **overrides) == expected


def test_by_total_row_with_one_small_cell_hides_it_and_what_derives_from_it():
    # by=total, wfis_due 40, deferred 3, waived 12: deferred [c]; deferral_rate gives it back
    # (3 = rate x 40) -> [c]; median over 3 deferrals -> [c]. wfis_due and waived are not parts
    # of a shown total with deferred, so nothing else is hidden.
    frame = deferrals_frame("total", [(40, 3, 12)])
    result = suppress(frame, "deferrals", "total", DEFAULT)
    assert hidden_cells(result) == [{"deferred", "deferral_rate", "median_deferral_days"}]
    assert_visible_unchanged(frame, result)


# --- Secondary suppression: main measures ---------------------------------------------------


@pytest.mark.parametrize("by", ["district", "month"])
def test_one_small_cell_in_a_column_hides_the_next_smallest(by):
    # wfis_due 40, 25, 3, 12 add up to the total 80 the page shows. 3 -> [c] (primary); alone it
    # would be 80 - 40 - 25 - 12, so the next-smallest non-zero, 12, is [c] too.
    # Rates over wfis_due go with it in both rows; the median over deferred 0 (row 3) -> [c].
    frame = deferrals_frame(by, [(40, 10, 20), (25, 10, 10), (3, 0, 0), (12, 10, 0)])
    result = suppress(frame, "deferrals", by, DEFAULT)
    assert hidden_cells(result) == [
        set(),
        set(),
        {"wfis_due", "deferral_rate", "waiver_rate", "median_deferral_days"},
        {"wfis_due", "deferral_rate", "waiver_rate"},
    ]
    assert_visible_unchanged(frame, result)


def test_row_with_a_primary_and_a_secondary_cell():
    #        wfis_due deferred waived
    # D01       40       12      20
    # D02       30        3       7
    # D03       50       20       2
    # D04       60       25      30
    # deferred: D02 3 [c] -> next-smallest 12 (D01) [c]. waived: D03 2 [c] -> next-smallest
    # 7 (D02) [c]. So D02 loses deferred (primary) and waived (secondary), both its rates and its
    # median (over 3 deferrals); D01 loses deferred, deferral_rate and median (its deferred is
    # hidden); D03 loses waived and waiver_rate. wfis_due has nothing small: all shown.
    frame = deferrals_frame("district", [(40, 12, 20), (30, 3, 7), (50, 20, 2), (60, 25, 30)])
    result = suppress(frame, "deferrals", "district", DEFAULT)
    assert hidden_cells(result) == [
        {"deferred", "deferral_rate", "median_deferral_days"},
        {"deferred", "deferral_rate", "waived", "waiver_rate", "median_deferral_days"},
        {"waived", "waiver_rate"},
        set(),
    ]


def test_two_small_cells_need_no_extra_hiding():
    # wfis_due 40, 3, 2, 25: two cells [c]; 70 - 40 - 25 gives only their sum (5), so nothing
    # else in the column is hidden. Rows 2 and 3 lose their rates (over a hidden wfis_due) and
    # their median (over 0 deferrals); rows 1 and 4 keep everything.
    frame = deferrals_frame("district", [(40, 15, 10), (3, 0, 0), (2, 0, 0), (25, 12, 5)])
    result = suppress(frame, "deferrals", "district", DEFAULT)
    both = {"wfis_due", "deferral_rate", "waiver_rate", "median_deferral_days"}
    assert hidden_cells(result) == [set(), both, both, set()]


def test_small_cell_among_zeros_is_the_only_one_hidden():
    # wfis_due 3, 0, 0: the total (3) is itself [c]; zeros are shown as 0 and never picked as
    # the secondary cell. Row 1 loses wfis_due and its rates; every row's median is over 0.
    frame = deferrals_frame("district", [(3, 0, 0), (0, 0, 0), (0, 0, 0)])
    result = suppress(frame, "deferrals", "district", DEFAULT)
    hidden = hidden_cells(result)
    assert hidden[0] == {"wfis_due", "deferral_rate", "waiver_rate", "median_deferral_days"}
    assert hidden[1] == hidden[2] == {"deferral_rate", "waiver_rate", "median_deferral_days"}
    assert result["wfis_due"].to_list()[1:] == [0, 0]


def test_by_office_secondary_suppression_stays_within_each_district():
    #  district office wfis_due
    #  D01      O11      3   [c] primary
    #  D01      O12     20   [c] secondary: next-smallest in D01 (not D02's 15)
    #  D01      O13     30
    #  D02      O21     15   D02 has nothing small: all shown
    #  D02      O22     25
    frame = deferrals_frame(
        "office",
        [(3, 0, 0), (20, 10, 5), (30, 10, 10), (15, 10, 5), (25, 10, 10)],
        district_code=["D01", "D01", "D01", "D02", "D02"],
        office_code=["O11", "O12", "O13", "O21", "O22"],
    )
    result = suppress(frame, "deferrals", "office", DEFAULT)
    assert hidden_cells(result) == [
        {"wfis_due", "deferral_rate", "waiver_rate", "median_deferral_days"},
        {"wfis_due", "deferral_rate", "waiver_rate"},
        set(),
        set(),
        set(),
    ]


def test_by_office_rows_also_add_up_to_the_overall_total():
    #  district office wfis_due
    #  D01      O11      3   [c]: D01's only office, so D01's own figure (3) is small too
    #  D02      O21     20
    #  D02      O22     30
    # Offices add up to the overall total the page shows (53) as well as to their district:
    # 53 - 20 - 30 = 3 gives O11 back unless another office cell is hidden. Hiding O21 then
    # leaves it alone in D02 (50 - 30), so D02 needs both hidden: at least two more cells.
    frame = deferrals_frame(
        "office",
        [(3, 0, 0), (20, 10, 5), (30, 10, 10)],
        district_code=["D01", "D02", "D02"],
        office_code=["O11", "O21", "O22"],
    )
    hidden = hidden_cells(suppress(frame, "deferrals", "office", DEFAULT))
    assert "wfis_due" in hidden[0]
    others = sum("wfis_due" in cells for cells in hidden[1:])
    assert others >= 1, "53 - 20 - 30 gives back O11's hidden 3"
    assert others != 1, "D02's 50 minus its one visible office gives the other back"


def test_fsf_spend_by_district_counts_and_spend():
    # payments = recipients = claimant_payments = 30, 3, 8, 40; spend 50 a payment
    # (1500, 150, 400, 2000), avg_award 50.
    # Each count column: D02's 3 [c] -> next-smallest 8 (D03) [c].
    # spend: D02's from 3 payments [c] -> next-smallest 400 (D03) [c].
    # avg_award: over 3 and 8 claimant payments (< 10) -> [c] in D02 and D03.
    payments = [30, 3, 8, 40]
    frame = pl.DataFrame(
        {
            "district_code": ["D01", "D02", "D03", "D04"],
            "payments": payments,
            "recipients": payments,
            "claimant_payments": payments,
            "spend_gbp": [50.0 * p for p in payments],
            "avg_award_gbp": [50.0] * 4,
        }
    )
    result = suppress(frame, "fsf_spend", "district", DEFAULT)
    every = {"payments", "recipients", "claimant_payments", "spend_gbp", "avg_award_gbp"}
    assert hidden_cells(result) == [set(), every, every, set()]


def test_zero_payment_row_does_not_count_as_a_second_hidden_spend():
    # Thresholds(min_count=3), min_payments 5 as default. payments 0, 4, 20 (spend 0, 200, 1000).
    # payments: all shown (0, and 4 >= 3). spend: D01 from 0 payments and D02 from 4 payments are
    # under 5 payments -> [c]. But D01 shows 0 payments, so its spend is known to be 0, and D02's
    # spend = total 1200 - 1000 - 0 = 200 is given back. Another spend cell must be hidden:
    # the next-smallest non-zero one, D03 (1000).
    frame = pl.DataFrame(
        {
            "district_code": ["D01", "D02", "D03"],
            "payments": [0, 4, 20],
            "recipients": [0, 4, 20],
            "claimant_payments": [0, 4, 20],
            "spend_gbp": [0.0, 200.0, 1000.0],
            "avg_award_gbp": [None, 50.0, 50.0],
        }
    )
    result = suppress(frame, "fsf_spend", "district", Thresholds(min_count=3))
    hidden = hidden_cells(result)
    assert "spend_gbp" in hidden[1]
    assert "spend_gbp" in hidden[2], "D02's hidden spend = 1200 - 1000 - 0 is given back"


def test_spend_from_zero_payments_does_not_force_a_pointless_secondary():
    # Defaults. payments 0 and 5, spend 0 and 50: nothing is small (0 is shown, 5 >= 5). If the
    # spend from 0 payments is hidden it is still known to be 0 (its payments show 0), so it
    # needs no partner; hiding D01's 50 as one would not protect anything (total 50 - 0 = 50).
    frame = pl.DataFrame(
        {
            "district_code": ["D00", "D01"],
            "payments": [0, 5],
            "recipients": [0, 5],
            "claimant_payments": [0, 5],
            "spend_gbp": [0.0, 50.0],
            "avg_award_gbp": [None, 10.0],
        }
    )
    hidden = hidden_cells(suppress(frame, "fsf_spend", "district", DEFAULT))
    assert "spend_gbp" not in hidden[1], "a hidden cell that total - 0 gives straight back"


# --- Companions -----------------------------------------------------------------------------

COMPANIONS = [
    pytest.param("fsf_categories", "category", ("payments", "spend_gbp"), id="fsf_categories"),
    pytest.param("deferral_reasons", "deferral_reason", ("deferred",), id="deferral_reasons"),
]


def companion_frame(measure: str, category: str, parts: list[tuple], by: str) -> pl.DataFrame:
    """A companion frame from (group key or None, category, count) parts; spend 50 a payment."""
    count = SPEC[measure].counts[0]
    columns: dict = {}
    if by in KEYS:
        columns[KEYS[by]] = [key for key, _, _ in parts]
    columns[category] = [cat for _, cat, _ in parts]
    columns[count] = [n for _, _, n in parts]
    if measure == "fsf_categories":
        columns["spend_gbp"] = [50.0 * n for _, _, n in parts]
    return pl.DataFrame(columns)


@pytest.mark.parametrize(("measure", "category", "columns"), COMPANIONS)
def test_companion_by_district_protects_both_directions(measure, category, columns):
    #        A    B    C        (each district's parts add up to its figure in the main measure;
    # D01    3   10   20         each category's parts add up to that category's total)
    # D02    8   30    -
    # D03   12    -    6
    # D01 A 3 [c]. Within D01: next-smallest 10 (D01 B) [c]. Across A: next-smallest 8
    # (D02 A) [c]. Across B: D01 B hidden alone -> D02 B (30) [c]. D02 now has A and B hidden;
    # C (20, 6) and D03 have nothing hidden. Stable: every group has 0 or 2 hidden.
    parts = [
        ("D01", "A", 3),
        ("D01", "B", 10),
        ("D01", "C", 20),
        ("D02", "A", 8),
        ("D02", "B", 30),
        ("D03", "A", 12),
        ("D03", "C", 6),
    ]
    frame = companion_frame(measure, category, parts, "district")
    result = suppress(frame, measure, "district", DEFAULT)
    hidden = hidden_cells(result)
    expected = {("D01", "A"), ("D01", "B"), ("D02", "A"), ("D02", "B")}
    for (key, cat, _), cells in zip(parts, hidden, strict=True):
        assert cells == (set(columns) if (key, cat) in expected else set()), (key, cat)
    assert_visible_unchanged(frame, result)


@pytest.mark.parametrize(("measure", "category", "columns"), COMPANIONS)
def test_companion_by_total_one_small_category(measure, category, columns):
    # by=total: categories A 3, B 40, C 12, D 25 add up to the main measure's total (80).
    # A [c]; the next-smallest, C 12, [c] too.
    parts = [(None, "A", 3), (None, "B", 40), (None, "C", 12), (None, "D", 25)]
    frame = companion_frame(measure, category, parts, "total")
    result = suppress(frame, measure, "total", DEFAULT)
    assert hidden_cells(result) == [set(columns), set(), set(columns), set()]


def test_companion_parts_do_not_give_back_a_cell_hidden_in_the_main_table():
    # The page shows deferrals by district next to deferral reasons by district.
    # Main: deferred 20, 2, 12 (total 34): D02 [c], and D03 (12) [c] as its secondary cell.
    # Reasons: D01 r1 12 + r2 8; D02 other 2; D03 r1 7 + r2 5. "other" 2 is [c] (alone in its
    # district and its category, both totals small). If D03's reasons stay visible they add
    # up to D03's hidden 12, and then D02 = 34 - 20 - 12 = 2: the companion must not show
    # every part of a group whose figure the main table hides.
    main = deferrals_frame("district", [(60, 20, 10), (30, 2, 10), (40, 12, 10)])
    main_result = suppress(main, "deferrals", "district", DEFAULT)
    main_hidden = hidden_cells(main_result)
    assert "deferred" in main_hidden[1]
    assert "deferred" in main_hidden[2]
    parts = [
        ("D01", "r1", 12),
        ("D01", "r2", 8),
        ("D02", "other", 2),
        ("D03", "r1", 7),
        ("D03", "r2", 5),
    ]
    reasons = companion_frame("deferral_reasons", "deferral_reason", parts, "district")
    # The runner passes the groups the main table hides (Runner._hidden_parents).
    parents = hidden_groups(main_result, RULES["deferral_reasons"], ("district_code",))
    assert parents == {"deferred": {("D02",), ("D03",)}}
    hidden = hidden_cells(
        suppress(reasons, "deferral_reasons", "district", DEFAULT, hidden_parents=parents)
    )
    d03 = [cells for (key, _, _), cells in zip(parts, hidden, strict=True) if key == "D03"]
    assert any("deferred" in cells for cells in d03), "D03's reasons add up to its hidden 12"


# --- Operational lists and markers ----------------------------------------------------------


def test_overdue_worklist_is_never_suppressed():
    # Small numbers everywhere; the worklist comes back exactly as it went in.
    frame = pl.DataFrame(
        {
            "claim_id": ["C1", "C2"],
            "district_code": ["D01", "D01"],
            "office_code": ["O11", "O11"],
            "work_coach_ref": ["WC1", "WC2"],
            "deferral_reason": ["health", "childcare"],
            "days_overdue": [1, 3],
        }
    )
    assert suppress(frame, "overdue_deferrals", "total", DEFAULT).equals(frame)
    assert suppress(frame, "overdue_deferrals", "total", Thresholds(min_count=100)).equals(frame)


@pytest.fixture
def marked_source() -> pl.DataFrame:
    """Deferrals by district with waived 0, 3, 20, 12: rows 2 and 4 lose waived and its rate."""
    # waived 3 [c]; the next-smallest non-zero, 12, [c]; 0 is shown as 0.
    return deferrals_frame("district", [(40, 10, 0), (30, 10, 3), (50, 20, 20), (60, 25, 12)])


def test_with_markers_writes_c_exactly_in_hidden_cells(marked_source):
    result = suppress(marked_source, "deferrals", "district", DEFAULT)
    marked = with_markers(result)
    assert "suppressed" not in marked.columns
    assert marked["waived"].to_list() == ["0", "[c]", "20", "[c]"]
    rates = marked_source["waiver_rate"].cast(pl.String).to_list()
    assert marked["waiver_rate"].to_list() == [rates[0], "[c]", rates[2], "[c]"]
    for column in ("district_code", "wfis_due", "deferred", "deferral_rate"):
        assert marked[column].to_list() == marked_source[column].to_list()


def test_row_with_markers_for_tiles(marked_source):
    result = suppress(marked_source, "deferrals", "district", DEFAULT)
    row = row_with_markers(result, 1)
    assert "suppressed" not in row
    assert row["waived"] == row["waiver_rate"] == "[c]"
    assert row["wfis_due"] == 30 and row["deferred"] == 10
    assert row_with_markers(result, 0)["waived"] == 0


# --- Properties over random small tables ----------------------------------------------------

# Defaults first (a failure shrinks towards them), then configured thresholds: a count
# threshold under the money one, and one above it.
THRESHOLD_SETS = st.sampled_from(
    [
        Thresholds(),
        Thresholds(min_count=3),
        Thresholds(min_count=7, min_denominator=15, min_payments=4),
    ]
)
PROPERTY = settings(
    max_examples=200,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
small = st.one_of(st.integers(0, 6), st.integers(0, 30))  # the interesting range first


@st.composite
def deferrals_rows(draw) -> tuple[int, int, int]:
    """One consistent (wfis_due, deferred, waived)."""
    wfis = draw(small)
    deferred = draw(st.integers(0, wfis))
    return wfis, deferred, draw(st.integers(0, wfis - deferred))


@st.composite
def fsf_spend_rows(draw) -> dict:
    """One consistent fsf_spend row (payments 0 gives spend 0, as the zero-filled spine does)."""
    payments = draw(small)
    claimant = draw(st.integers(0, payments))
    unit = draw(st.integers(10, 300))
    return {
        "payments": payments,
        "recipients": draw(st.integers(min(1, claimant), claimant)),
        "claimant_payments": claimant,
        "spend_gbp": float(unit * payments),
        "avg_award_gbp": float(unit) if claimant else None,
    }


@st.composite
def main_tables(draw, measure: str) -> tuple[str, pl.DataFrame]:
    """A by=district, by=month or by=office table of 1-6 rows of the measure."""
    by = draw(st.sampled_from(["district", "month", "office"]))
    n = draw(st.integers(1, 6))
    if by == "office":
        keys = {
            "district_code": draw(
                st.lists(st.sampled_from(["D01", "D02"]), min_size=n, max_size=n)
            ),
            "office_code": [f"O{i}" for i in range(n)],
        }
    elif by == "district":
        keys = {"district_code": [f"D{i:02d}" for i in range(n)]}
    else:
        keys = {"month": [f"2025-{i + 1:02d}" for i in range(n)]}
    if measure == "deferrals":
        return by, deferrals_frame(
            by, draw(st.lists(deferrals_rows(), min_size=n, max_size=n)), **keys
        )
    rows = draw(st.lists(fsf_spend_rows(), min_size=n, max_size=n))
    frame = pl.DataFrame(rows, schema_overrides={"avg_award_gbp": pl.Float64})
    return by, pl.DataFrame(keys).hstack(frame)


def check_primary_and_derived(
    measure: str, frame: pl.DataFrame, result: pl.DataFrame, thresholds: Thresholds
) -> list[set[str]]:
    """Primary rules hold cell by cell and no visible rate or money gives back a hidden count."""
    spec = SPEC[measure]
    hidden = hidden_cells(result)
    assert_visible_unchanged(frame, result)
    for index, row in enumerate(frame.to_dicts()):
        cells = hidden[index]
        for count in spec.counts:
            if 0 < row[count] < thresholds.min_count:
                assert count in cells, f"row {index}: {count} {row[count]} shown"
            if row[count] == 0:
                assert count not in cells, f"row {index}: zero {count} hidden"
        for rate, (denominator, numerator) in spec.rates.items():
            if row[denominator] < thresholds.min_denominator:
                assert rate in cells, f"row {index}: {rate} over {row[denominator]} shown"
            if rate not in cells:
                assert denominator not in cells, f"row {index}: {rate} gives back {denominator}"
                assert numerator not in cells, f"row {index}: {rate} gives back {numerator}"
        for money, payments in spec.money.items():
            if row[payments] < thresholds.min_payments:
                assert money in cells, f"row {index}: {money} from {row[payments]} payments"
            if money not in cells:
                assert payments not in cells, f"row {index}: {money} shown, {payments} hidden"
    return hidden


def check_groups(
    measure: str,
    frame: pl.DataFrame,
    hidden: list[set[str]],
    groups: list[tuple[list[int], set[str]]],
    thresholds: Thresholds,
) -> None:
    """In every group adding up to a shown total, a hidden non-zero cell is never alone.

    Each group comes with the columns whose total the page hides anyway (besides small totals).
    A hidden zero (spend from 0 payments, the payments shown as 0) is known to be 0 and so
    does not count as hidden. A total that is itself small is [c] and gives nothing away.
    """
    spec = SPEC[measure]
    rows = frame.to_dicts()
    for members, hidden_totals in groups:
        if len(members) < 2:
            continue  # the cell is its own total: nothing to subtract it from
        for column in (*spec.counts, *spec.additive_money):
            if column in spec.additive_money:
                total_payments = sum(rows[i][spec.money[column]] for i in members)
                small_total = total_payments < thresholds.min_payments or (
                    0 < total_payments < thresholds.min_count
                )
            else:
                total = sum(rows[i][column] for i in members)
                small_total = 0 < total < thresholds.min_count
            if small_total or column in hidden_totals:
                continue
            alone = [i for i in members if column in hidden[i] and rows[i][column] != 0]
            assert len(alone) != 1, (
                f"{column}: row {alone} is the only hidden cell of rows {members}, "
                f"values {[rows[i][column] for i in members]}: total minus visible gives it back"
            )


def main_groups(
    measure: str, by: str, frame: pl.DataFrame, thresholds: Thresholds
) -> list[tuple[list[int], set[str]]]:
    """The sets of rows adding up to a total the page shows (offices: per district and all).

    The overall total is a by=total row, so only its own smallness hides it. A district's
    figure is shown in the by=district table, where secondary suppression may hide it too: that
    table is built here by adding the offices up and suppressing it like any by=district table
    (the by=district case of this same property checks that table on its own).
    """
    everything = list(range(frame.height))
    if by != "office":
        return [(everything, set())]
    spec = SPEC[measure]
    additive = [*spec.counts, *spec.additive_money]
    districts = frame.group_by("district_code").agg(pl.col(additive).sum())
    shown = suppress(districts, measure, "district", thresholds)
    district_hidden = dict(zip(shown["district_code"], hidden_cells(shown), strict=True))
    codes = frame["district_code"].to_list()
    return [(everything, set())] + [
        ([i for i, d in enumerate(codes) if d == code], cells)
        for code, cells in district_hidden.items()
    ]


@pytest.mark.parametrize("measure", ["deferrals", "fsf_spend"])
@PROPERTY
@given(thresholds=THRESHOLD_SETS, data=st.data())
def test_property_main_table_never_gives_back_a_hidden_cell(measure, thresholds, data):
    by, frame = data.draw(main_tables(measure))
    result = suppress(frame, measure, by, thresholds)
    hidden = check_primary_and_derived(measure, frame, result, thresholds)
    check_groups(measure, frame, hidden, main_groups(measure, by, frame, thresholds), thresholds)


@st.composite
def companion_tables(draw, measure: str) -> tuple[str, pl.DataFrame]:
    """A by=total, by=district or by=month companion: each group's categories with counts 1-30."""
    by = draw(st.sampled_from(["total", "district", "month"]))
    group_keys = {
        "total": [None],
        "district": ["D01", "D02", "D03"],
        "month": ["2025-01", "2025-02", "2025-03"],
    }[by]
    cells = [(g, c) for g in group_keys for c in ("A", "B", "C")]
    present = draw(st.lists(st.sampled_from(cells), min_size=1, max_size=len(cells), unique=True))
    counts = draw(
        st.lists(
            st.one_of(st.integers(1, 6), st.integers(1, 30)),
            min_size=len(present),
            max_size=len(present),
        )
    )
    parts = [(g, c, n) for (g, c), n in zip(sorted(present, key=str), counts, strict=True)]
    category = SPEC[measure].category
    frame = companion_frame(measure, category, parts, by)
    if measure == "fsf_categories":
        units = draw(st.lists(st.integers(10, 300), min_size=len(parts), max_size=len(parts)))
        frame = frame.with_columns(
            spend_gbp=pl.Series([float(u * n) for u, (_, _, n) in zip(units, parts, strict=True)])
        )
    return by, frame


@pytest.mark.parametrize("measure", ["fsf_categories", "deferral_reasons"])
@PROPERTY
@given(thresholds=THRESHOLD_SETS, data=st.data())
def test_property_companion_protected_in_both_directions(measure, thresholds, data):
    by, frame = data.draw(companion_tables(measure))
    result = suppress(frame, measure, by, thresholds)
    hidden = check_primary_and_derived(measure, frame, result, thresholds)
    category = SPEC[measure].category
    group = frame[KEYS[by]].to_list() if by in KEYS else [None] * frame.height
    categories = frame[category].to_list()
    # Within each group across categories (adds up to the group's figure in the main measure)
    # and each category across groups (adds up to that category's total).
    groups = [([i for i, g in enumerate(group) if g == key], set()) for key in set(group)]
    groups += [
        ([i for i, c in enumerate(categories) if c == key], set()) for key in set(categories)
    ]
    check_groups(measure, frame, hidden, groups, thresholds)


def test_fsf_share_tile_never_adds_up_a_hidden_spend():
    """The overview's share-of-allocation tile shows [c] if any district's spend is hidden."""
    from jcp.filters import Filters
    from jcp.headlines import fsf_share_spent

    budgets = pl.DataFrame(
        {
            "district_code": ["D01", "D02"],
            "financial_year": ["2026-27", "2026-27"],
            "allocation_gbp": [1000.0, 3000.0],
            "spend_to_date_gbp": [400.0, 600.0],
            "payments": [50, 3],
            "pct_spent": [0.4, 0.2],
            "projected_outturn_gbp": [700.0, 1000.0],
        }
    )
    filters = Filters("2025-11", "2026-10")
    shown = suppress(budgets, "fsf_budget", "total", DEFAULT)  # D02: 3 payments -> spend [c]
    assert fsf_share_spent(lambda request: shown, filters) == "[c]"
    # With both spends shown: (400 + 600) / (1000 + 3000) = 0.25.
    unhidden = suppress(budgets.with_columns(payments=pl.lit(50)), "fsf_budget", "total", DEFAULT)
    assert fsf_share_spent(lambda request: unhidden, filters) == pytest.approx(0.25)
