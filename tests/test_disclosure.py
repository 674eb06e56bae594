"""Disclosure control: counts perturbed by their cell key, the rest worked out from them.

Every expected figure is worked out here by hand from the perturbation table, whose intervals
this file checks against jcp/measures/ptable.csv read with the csv module (not through
jcp.measures.perturbation), with the arithmetic in comments.
"""

from __future__ import annotations

import csv
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from jcp.extract.contract import SCORE_COLUMNS as DIMENSIONS
from jcp.extract.db import connect_read_only
from jcp.measures.access import Scope
from jcp.measures.disclosure import (
    DisclosureError,
    Thresholds,
    protect,
    row_with_markers,
    rules_for,
    with_markers,
)
from jcp.measures.runner import MEASURES, Runner

PTABLE = Path(__file__).resolve().parent.parent / "jcp" / "measures" / "ptable.csv"
DEFAULT = Thresholds()
# Cell-key intervals (inclusive) of each perturbation, as jcp/measures/ptable.csv holds them.
# Counts of 2 and more share one row (the support -2..2 is whole from n = 2 on); a count of 1
# cannot go below 0, so its row runs -1..2.
FROM_2 = {-2: (0, 261), -1: (262, 1263), 0: (1264, 2831), 1: (2832, 3833), 2: (3834, 4095)}
COUNT_1 = {-1: (0, 1630), 0: (1631, 2882), 1: (2883, 3677), 2: (3678, 4095)}


def test_the_intervals_used_below_are_the_tables() -> None:
    rows = [r for r in csv.reader(line for line in PTABLE.open() if not line.startswith("#"))][1:]
    table: dict[int, dict[int, tuple[int, int]]] = {}
    for count, shift, first, last in rows:
        table.setdefault(int(count), {})[int(shift)] = (int(first), int(last))
    assert table[0] == {0: (0, 4095)}
    assert table[1] == COUNT_1
    top = max(table)
    for count in range(2, top + 1):
        assert table[count] == FROM_2, count


def _with_keys(frame: dict, keys: dict[str, list[int]]) -> pl.DataFrame:
    """A measure's frame as the SQL returns it: each count with its key sum beside it."""
    return pl.DataFrame({**frame, **{f"{c}_key": v for c, v in keys.items()}})


def test_deferrals_by_hand() -> None:
    frame = _with_keys(
        {
            "district_code": ["D01", "D02", "D03"],
            "wfis_due": [40, 9, 10],
            "deferred": [12, 2, 5],
            "waived": [3, 0, 0],
            "deferral_rate": [12 / 40, 2 / 9, 5 / 10],
            "waiver_rate": [3 / 40, 0.0, 0.0],
            "median_deferral_days": [21.0, 14.0, 28.0],
        },
        # Key sums are any size: the cell key is the sum mod 4096 (3 * 4096 + 2000 -> 2000).
        {
            "wfis_due": [3 * 4096 + 2000, 3900, 500],
            "deferred": [100, 200, 1500],
            "waived": [3000, 0, 0],
        },
    )
    shown = protect(frame, "deferrals", DEFAULT)
    # D01: 40 at key 2000 -> +0 = 40; 12 at key 100 -> -2 = 10; 3 at key 3000 -> +1 = 4, which
    #   is 1..4: [c]. Rates from the published counts: 10 / 40 = 0.25; the waiver rate hides with
    #   its hidden numerator. The median is over 10 published deferrals: shown, exact.
    # D02: 9 at key 3900 -> +2 = 11; 2 at key 200 -> -2 = 0; waived 0 stays 0. Rates 0 / 11 = 0
    #   (11 >= 10). The median is over 0 published deferrals: empty, as for nobody, not [c].
    # D03: 10 at key 500 -> -1 = 9: both rates over 9 < 10 hide; 5 at key 1500 -> +0 = 5, the
    #   median over 5 < 10 hides.
    assert shown["wfis_due"].to_list() == [40, 11, 9]
    assert shown["deferred"].to_list() == [10, 0, 5]
    assert shown["waived"].to_list() == [None, 0, 0]
    assert shown["deferral_rate"].to_list() == [0.25, 0.0, None]
    assert shown["waiver_rate"].to_list() == [None, 0.0, None]
    assert shown["median_deferral_days"].to_list() == [21.0, None, None]
    assert shown["suppressed"].to_list() == [
        ["waived", "waiver_rate"],
        [],
        ["deferral_rate", "median_deferral_days", "waiver_rate"],
    ]
    assert not [c for c in shown.columns if c.endswith("_key")]


def test_money_rounded_and_hidden_by_published_payments() -> None:
    frame = _with_keys(
        {
            "office_code": ["O1", "O2", "O3"],
            "payments": [7, 2, 3],
            "spend_gbp": [Decimal("1234.56"), Decimal("80.00"), Decimal("45.00")],
            "recipients": [5, 1, 3],
            "avg_award_gbp": [150.0, 40.0, 15.0],
            "claimant_payments": [6, 2, 3],
        },
        {
            "payments": [3000, 0, 4000],
            "recipients": [2000, 0, 2000],
            "claimant_payments": [100, 0, 4000],
        },
    ).with_columns(pl.col("spend_gbp").cast(pl.Decimal(12, 2)))
    shown = protect(frame, "fsf_spend", DEFAULT)
    # O1: payments 7 at 3000 -> +1 = 8 >= 5: spend £1,234.56 to the nearest £10 = £1,230;
    #   claimant payments 6 at 100 -> -2 = 4: [c], and the average over them with it; recipients
    #   5 at 2000 -> +0 = 5.
    # O2: payments 2 at 0 -> -2 = 0: spend shown as £0, as for no payments; claimant payments
    #   likewise 0, so no average; recipients 1 at key 0 -> -1 = 0.
    # O3: 3 at 4000 -> +2 = 5: spend £45 -> £50 (halves away from zero); the average award is
    #   the claimants' spend rounded, over the published payments (5 >= min_payments 5), to
    #   £10: £15 x 3 = £45 -> £50, / 5 = £10 -> £10 (not the true £15, which with £50 would
    #   give back 3 payments); recipients 3 at 2000 -> 3: [c].
    assert shown["payments"].to_list() == [8, 0, 5]
    assert shown["spend_gbp"].to_list() == [Decimal("1230"), Decimal("0"), Decimal("50")]
    assert shown["claimant_payments"].to_list() == [None, 0, 5]
    assert shown["avg_award_gbp"].to_list() == [None, None, 10.0]
    assert shown["recipients"].to_list() == [5, 0, None]
    assert shown["suppressed"].to_list() == [
        ["avg_award_gbp", "claimant_payments"],
        [],
        ["recipients"],
    ]


def test_budget_share_is_worked_out_from_the_rounded_spend() -> None:
    frame = _with_keys(
        {
            "district_code": ["D01", "D02"],
            "financial_year": ["2026-27", "2026-27"],
            "allocation_gbp": [Decimal("10000.00"), Decimal("3000.00")],
            "spend_to_date_gbp": [Decimal("2345.67"), Decimal("600.00")],
            "payments": [50, 3],
            "pct_spent": [0.234567, 0.2],
            "projected_outturn_gbp": [Decimal("4567.89"), Decimal("1000.00")],
        },
        {"payments": [2000, 2000]},
    )
    shown = protect(frame, "fsf_budget", DEFAULT)
    # D01: 50 payments at 2000 -> 50: spend £2,345.67 -> £2,350, share 2,350 / 10,000 = 0.235,
    #   outturn £4,567.89 -> £4,570. D02: 3 payments -> 3: [c], and the spend, its share and the
    #   outturn worked out from it. The allocation is public: shown as it is.
    assert shown["spend_to_date_gbp"].to_list() == [Decimal("2350"), None]
    assert shown["pct_spent"].to_list() == [pytest.approx(0.235), None]
    assert shown["projected_outturn_gbp"].to_list() == [Decimal("4570"), None]
    assert shown["allocation_gbp"].to_list() == [Decimal("10000.00"), Decimal("3000.00")]
    assert shown["suppressed"][1].to_list() == [
        "payments",
        "pct_spent",
        "projected_outturn_gbp",
        "spend_to_date_gbp",
    ]


def test_the_count_threshold_comes_from_the_configuration() -> None:
    frame = _with_keys(
        {"wfis_due": [30], "deferred": [3], "waived": [0], "deferral_rate": [0.1]}
        | {"waiver_rate": [0.0], "median_deferral_days": [7.0]},
        {"wfis_due": [2000], "deferred": [2000], "waived": [0]},
    )
    # 3 deferred at key 2000 -> +0 = 3: hidden under min_count 5, shown under min_count 3.
    assert protect(frame, "deferrals", DEFAULT)["deferred"].to_list() == [None]
    assert protect(frame, "deferrals", Thresholds(min_count=3))["deferred"].to_list() == [3]


# --- Fail closed ----------------------------------------------------------------------------


def test_every_measure_has_rules() -> None:
    # Lists (the overdue worklist) are exact by their spec; every other measure has counts.
    for name, spec in MEASURES.items():
        rules = rules_for(name)
        assert rules.unprotected == (spec.query == "list")
        assert rules.unprotected or rules.counts, name


def test_a_measure_without_rules_is_an_error() -> None:
    with pytest.raises(DisclosureError, match="no spec, so no disclosure rules"):
        protect(pl.DataFrame({"n": [1]}), "no_such_measure", DEFAULT)


def test_a_figure_without_a_rule_is_an_error() -> None:
    frame = _with_keys(
        {"wfis_due": [30], "deferred": [3], "waived": [0], "deferral_rate": [0.1]}
        | {"waiver_rate": [0.0], "median_deferral_days": [7.0], "mean_age": [41.5]},
        {"wfis_due": [1], "deferred": [1], "waived": [0]},
    )
    with pytest.raises(DisclosureError, match="no disclosure rule for mean_age"):
        protect(frame, "deferrals", DEFAULT)


def test_a_count_without_its_key_sum_is_an_error() -> None:
    frame = pl.DataFrame({"deferred": [3], "deferred_key": [1]}).with_columns(
        deferral_reason=pl.lit("illness")
    )
    assert protect(frame, "deferral_reasons", DEFAULT)["deferred"].to_list() == [None]
    with pytest.raises(DisclosureError, match="no count or key sum for deferred"):
        protect(frame.drop("deferred_key"), "deferral_reasons", DEFAULT)


def test_the_overdue_worklist_is_exact() -> None:
    frame = pl.DataFrame(
        {
            "claim_id": ["C1", "C2"],
            "office_code": ["O11", "O11"],
            "work_coach_ref": ["WC1", "WC2"],
            "days_overdue": [1, 3],
        }
    )
    assert protect(frame, "overdue_deferrals", DEFAULT).equals(frame)


# --- Markers for exports and tiles ------------------------------------------------------------


@pytest.fixture
def published() -> pl.DataFrame:
    """Deferrals of test_deferrals_by_hand, as published."""
    frame = _with_keys(
        {
            "district_code": ["D01", "D02"],
            "wfis_due": [40, 9],
            "deferred": [12, 2],
            "waived": [3, 0],
            "deferral_rate": [0.3, 2 / 9],
            "waiver_rate": [0.075, 0.0],
            "median_deferral_days": [21.0, 14.0],
        },
        {"wfis_due": [2000, 3900], "deferred": [100, 200], "waived": [3000, 0]},
    )
    return protect(frame, "deferrals", DEFAULT)


def test_with_markers_writes_c_exactly_in_hidden_cells(published) -> None:
    marked = with_markers(published)
    assert "suppressed" not in marked.columns
    assert marked["waived"].to_list() == ["[c]", "0"]
    assert marked["waiver_rate"].to_list() == ["[c]", "0.0"]
    assert marked["wfis_due"].to_list() == [40, 11]


def test_row_with_markers_for_tiles(published) -> None:
    row = row_with_markers(published, 0)
    assert "suppressed" not in row
    assert row["waived"] == row["waiver_rate"] == "[c]"
    assert row["wfis_due"] == 40 and row["deferred"] == 10


def test_fsf_share_tile_never_adds_up_a_hidden_spend() -> None:
    """The overview's share-of-allocation tile shows [c] if any district's spend is hidden."""
    from jcp.measures.filters import Filters
    from jcp.web.headlines import fsf_share_spent

    budgets = _with_keys(
        {
            "district_code": ["D01", "D02"],
            "financial_year": ["2026-27", "2026-27"],
            "allocation_gbp": [1000.0, 3000.0],
            "spend_to_date_gbp": [400.0, 600.0],
            "payments": [50, 3],
            "pct_spent": [0.4, 0.2],
            "projected_outturn_gbp": [700.0, 1000.0],
        },
        {"payments": [2000, 2000]},
    )
    filters = Filters("2025-11", "2026-10")
    shown = protect(budgets, "fsf_budget", DEFAULT)  # D02: 3 payments -> 3: [c], spend [c]
    assert fsf_share_spent(lambda request: shown, filters) == "[c]"
    # Both shown (50 payments each): (400 + 600) / (1000 + 3000) = 0.25.
    both = protect(budgets.with_columns(payments=pl.lit(50)), "fsf_budget", DEFAULT)
    assert fsf_share_spent(lambda request: both, filters) == pytest.approx(0.25)


def test_means_are_rounded_and_per_coach_scaled_to_the_published_count() -> None:
    caseload = _with_keys(
        {
            "live_claims": [40, 12],
            "new_claims": [10, 3],
            "off_flows": [9, 2],
            "off_flows_to_work": [5, 1],
            "claims_per_coach": [40 / 8, 12 / 3],
        },
        {
            "live_claims": [3000, 100],
            "new_claims": [2000, 2000],
            "off_flows": [2000, 2000],
            "off_flows_to_work": [2000, 2000],
        },
    )
    shown = protect(caseload, "caseload", DEFAULT)
    # Row 1: 40 live claims at key 3000 -> +1 = 41; 8 coaches: 40 / 8 = 5.0 would give back the
    #   true 40 (5.0 x 8), so it is scaled to the published 41: 5.0 x 41 / 40 = 5.125 -> 5.1.
    # Row 2: 12 at key 100 -> -2 = 10 (>= 10, shown); 12 / 3 = 4.0 x 10 / 12 = 3.333 -> 3.3.
    assert shown["live_claims"].to_list() == [41, 10]
    assert shown["claims_per_coach"].to_list() == [5.1, 3.3]
    assert "true live_claims" not in shown.columns

    distance = _with_keys(
        {
            "claims_measured": [25],
            "mean_change": [0.8234],
            "pct_improved": [11 / 25],
            "claims_improved": [11],
            **{f"mean_change_{d}": [1.26] for d in DIMENSIONS},
            **{f"claims_{d}": [25] for d in DIMENSIONS},
        },
        {
            "claims_measured": [4000],
            "claims_improved": [500],
            **{f"claims_{d}": [2000] for d in DIMENSIONS},
        },
    )
    shown = protect(distance, "distance_travelled", DEFAULT)
    # 25 claims at key 4000 -> +2 = 27; 11 improved at key 500 -> -1 = 10: the share is 10 / 27
    # from the published counts, not 11 / 25. Means to one place: 0.8234 -> 0.8, 1.26 -> 1.3.
    assert shown["claims_measured"].to_list() == [27]
    assert shown["claims_improved"].to_list() == [10]
    assert shown["pct_improved"].to_list() == [pytest.approx(10 / 27)]
    assert shown["mean_change"].to_list() == [0.8]
    assert shown["mean_change_stability"].to_list() == [1.3]

    spend = _with_keys(
        {
            "payments": [30],
            "spend_gbp": [Decimal("3703.68")],
            "recipients": [20],
            "avg_award_gbp": [3703.68 / 30],
            "claimant_payments": [30],
        },
        {"payments": [2000], "recipients": [2000], "claimant_payments": [2000]},
    ).with_columns(pl.col("spend_gbp").cast(pl.Decimal(12, 2)))
    # 30 claimant payments at key 2000 -> 30. The claimants' spend £123.456 x 30 = £3,703.68 is
    # rounded to £3,700 and shared over the published 30: £123.33, to £10: £120.
    assert protect(spend, "fsf_spend", DEFAULT)["avg_award_gbp"].to_list() == [120.0]


def test_a_part_is_0_wherever_its_whole_is_published_as_0() -> None:
    frame = _with_keys(
        {
            "office_code": ["O1", "O2"],
            "wfis_due": [2, 2],
            "deferred": [2, 2],
            "waived": [0, 0],
            "deferral_rate": [1.0, 1.0],
            "waiver_rate": [0.0, 0.0],
            "median_deferral_days": [14.0, 14.0],
        },
        {"wfis_due": [0, 3000], "deferred": [3000, 3000], "waived": [0, 0]},
    )
    shown = protect(frame, "deferrals", DEFAULT)
    # O1: 2 interviews due at key 0 -> -2 = 0. The 2 deferred at key 3000 -> +1 = 3 would be
    #   [c], proving the 0 is somebody: deferred interviews are interviews due, so they are 0.
    # O2: 2 due at key 3000 -> +1 = 3: [c], and the deferred stand as published ([c]).
    assert shown["wfis_due"].to_list() == [0, None]
    assert shown["deferred"].to_list() == [0, None]
    assert shown["suppressed"][0].to_list() == []
    assert "deferred" in shown["suppressed"][1].to_list()


def test_a_companion_part_is_0_wherever_its_main_measure_shows_0() -> None:
    reasons = _with_keys(
        {
            "office_code": ["O1", "O1", "O2"],
            "deferral_reason": ["illness", "caring", "illness"],
            "deferred": [2, 0, 2],
        },
        {"deferred": [3000, 0, 3000]},
    )
    # The main measure as published for the same request: O1's deferrals show 0, O2's [c].
    deferrals = pl.DataFrame(
        {"office_code": ["O1", "O2"], "deferred": [0, None], "suppressed": [[], ["deferred"]]}
    )
    shown = protect(reasons, "deferral_reasons", DEFAULT, parent=deferrals)
    # O1 illness: 2 at key 3000 -> +1 = 3 would be [c] under a 0: shown as 0. O2 illness: the
    # same 3 under a hidden total stays [c].
    assert shown["deferred"].to_list() == [0, 0, None]
    assert shown["suppressed"].to_list() == [[], [], ["deferred"]]


@pytest.mark.parametrize("companion", ["fsf_categories", "deferral_reasons", "deferral_lengths"])
def test_a_companions_main_measure_is_worked_out_once_per_request_and_scope(
    companion, sample_db, sample_runner, monkeypatch
) -> None:
    """The main measure a companion's disclosure reads is remembered by request and scope: the
    same request again (or an equivalent one) asks for it no more, another scope or filter
    does, and every figure is what a runner that remembers nothing publishes."""
    parent = MEASURES[companion].parent
    leader = Scope("team_leader", frozenset({"D01-O03"}), "team leader: D01-O03")
    national = Scope.national()
    request = sample_runner.default_request(companion, by="office")
    uc = replace(request, benefits=("UC",))
    sample_runner.forget()
    asked = []
    run = sample_runner.run
    monkeypatch.setattr(
        sample_runner,
        "run",
        lambda r, scope, **kw: asked.append((r, scope)) or run(r, scope, **kw),
    )
    # The same filter in another order is the same request (Runner.equivalent).
    two, two_swapped = (replace(request, benefits=b) for b in (("UC", "JSA"), ("JSA", "UC")))
    asks = [(request, national), (request, national), (request, leader), (uc, national)]
    asks += [(two, national), (two_swapped, national)]
    published = [sample_runner.run(r, s) for r, s in asks]
    sample_runner.forget()
    # Each ask runs the companion; the main measure is asked for once per (request, scope): not
    # again for the repeat, again for the leader and for UC, once for UC and JSA either way.
    main = [(r.measure, r.benefits, s) for r, s in asked if r.measure == parent]
    assert main == [
        (parent, (), national),
        (parent, (), leader),
        (parent, ("UC",), national),
        (parent, ("UC", "JSA"), national),
    ]
    fresh = Runner(connect_read_only(sample_db))
    try:
        for shown, (r, s) in zip(published, asks, strict=True):
            assert shown.equals(fresh.run(r, s)), (r, s)
    finally:
        fresh.engine.close()
