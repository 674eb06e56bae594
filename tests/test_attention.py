"""The "Needs attention" list (issue 18 s.4): each source worked by hand on tiny extracts, the
order of the list, its links, and the page as the landing page of managers and team leaders.

Figures here are published figures, as the list shows them. So that the arithmetic can be
done by hand, the extracts' counts are published through an identity perturbation table
(every perturbation 0): the small-number rules (counts of 1 to 4 hidden, rates over fewer than
10 hidden, money to £10) still apply.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import polars as pl
import pytest
from extracts import budget, claim, district, office, payment, runner_for, wfi, write_extract

from jcp.config import Settings
from jcp.extract.db import connect_read_only
from jcp.extract.load import load
from jcp.measures import attention as attention_module
from jcp.measures.access import Scope, User
from jcp.measures.attention import (
    EMPTY_MESSAGE,
    KINDS,
    Sources,
    attention,
    attention_items,
    drift_items,
    financial_year,
    fsf_outturn,
    make_item,
    unit_items,
)
from jcp.measures.comparison import Z_998
from jcp.measures.filters import Filters, default_filters, filters_from_query
from jcp.measures.runner import Runner
from jcp.web.pages import PAGES, default_page

ROOT = Path(__file__).resolve().parent.parent
# Binomial limits only: with five offices one extreme office makes phi large enough to hide
# every other (see test_overdispersion_setting_reaches_the_comparisons).
# Hand-worked binomial limits: no over-dispersion widening, no case-mix adjustment (adjusted
# items are checked apart, on a hand-built frame).
NO_PHI = Settings(overdispersion=False, case_mix=False)
PERIOD = Filters("2025-11", "2026-10")  # the sidebar's default for an extract of 2026-10-31
PAGE_PATHS = {page.url_path for page in PAGES}


@pytest.fixture(autouse=True)
def identity_perturbation(tmp_path_factory, monkeypatch):
    """Published counts equal true counts (a perturbation table of zeros), for hand arithmetic.

    The app reads its table once per process, so its shared results (jcp.web.results, the
    runners' national figures) are not keyed by it: they are cleared on the way in and out, or
    the pages opened here (on the sample database) would leave figures published through this
    table for later tests in the process to read, and would read theirs.
    """
    from jcp.measures import disclosure, perturbation
    from jcp.web import widgets

    path = tmp_path_factory.getbasetemp() / "identity-ptable.csv"
    if not path.exists():
        path.write_text(
            "count,perturbation,ckey_from,ckey_to\n0,0,0,4095\n1,0,0,4095\n2,0,0,4095\n",
            encoding="utf-8",
        )
    identity = perturbation.load_ptable(path)
    widgets.clear_results()
    with monkeypatch.context() as patched:
        patched.setattr(disclosure, "load_ptable", lambda: identity)
        patched.setattr(perturbation, "load_ptable", lambda *a: identity)
        yield
    widgets.clear_results()


def team_leader(*offices: str) -> Scope:
    return Scope("team_leader", frozenset(offices), "team leader: " + ", ".join(offices))


def manager(runner: Runner, *districts: str) -> Scope:
    return User("m@x.uk", "district_manager", districts).scope(runner.catalogue)


# ---- units outside their limits ----------------------------------------------------------------

# Five offices, 100 interviews each (JSA claims started 2026-03-02, attended): held within 4
# days (2026-03-04) or not (2026-03-13). On time: D01-O01 50, D01-O02 98, D01-O03 64,
# D02-O01 80, D03-O01 80.
ON_TIME = {"D01-O01": 50, "D01-O02": 98, "D01-O03": 64, "D02-O01": 80, "D03-O01": 80}
UNITS_GEOGRAPHY = {
    "districts": [district("D01"), district("D02"), district("D03")],
    "offices": [
        office("D01-O01", "D01"),
        office("D01-O02", "D01"),
        office("D01-O03", "D01"),
        office("D02-O01", "D02"),
        office("D03-O01", "D03"),
    ],
}


def _timeliness_tables() -> dict[str, list[dict]]:
    claims, interviews = [], []
    for code, on_time in ON_TIME.items():
        for number in range(100):
            claim_id = f"{code}-{number:03d}"
            claims.append(claim(claim_id, code, "2026-03-02", "JSA", "jobseeker"))
            held = "2026-03-04" if number < on_time else "2026-03-13"
            interviews.append(wfi(claim_id, due_date="2026-03-03", held_date=held))
    return {**UNITS_GEOGRAPHY, "claims": claims, "wfi": interviews}


@pytest.fixture(scope="module")
def timeliness_runner(tmp_path_factory):
    """Five offices' interview timeliness, one far below and one far above the rest."""
    with runner_for(tmp_path_factory.mktemp("timeliness"), _timeliness_tables()) as runner:
        yield runner


def test_an_office_worse_at_99_8_is_first_and_a_better_one_is_not_listed(
    timeliness_runner,
) -> None:
    # National timeliness p0 = (50 + 98 + 64 + 80 + 80) / 500 = 372 / 500 = 0.744.
    # At n = 100: sd = sqrt(0.744 x 0.256 / 100) = 0.0436422.
    #   95%:   half-width 1.959964 x 0.0436422 = 0.0855371 -> limits 0.658463, 0.829537
    #   99.8%: half-width 3.090232 x 0.0436422 = 0.1348645 -> limits 0.609136, 0.878864
    # D01-O01 0.50 < 0.609136: lower at 99.8%, and higher is better: worse (99.8%).
    # D01-O03 0.64: below 0.658463, above 0.609136: worse (95%).
    # D01-O02 0.98 > 0.878864: higher at 99.8%, better: not a concern, not listed.
    # The failed-to-attend rate is 0 everywhere (p0 = 0): every office as expected. The other
    # comparable rates have no national rate here (no deferrals, jobs, reviews, restarts).
    runner = timeliness_runner
    items = attention_items(runner, PERIOD, manager(runner, "D01"), NO_PHI)
    units = [i for i in items if i.kind.startswith("worse")]
    assert [i.kind for i in units] == ["worse_998", "worse_95"]
    assert items[0] == units[0]  # the most concerning item of the list
    assert units[0].text == (
        "Office D01-O01 (D01-O01): held within 4 days (rate) 50.0% (50 of 100 interviews "
        "expected), against 74.4% nationally: ▼▼ lower than expected (99.8%), worse."
    )
    assert units[1].text.startswith("Office D01-O03 (D01-O03): held within 4 days (rate) 64.0%")
    assert units[1].text.endswith("▼ lower than expected (95%), worse.")
    assert not [i for i in items if "D01-O02" in i.text]
    # Each links to the page that explains it, on that office, with the period.
    assert units[0].page == "deferrals"
    assert units[0].query_params == {"office": ["D01-O01"], "from": ["2025-11"], "to": ["2026-10"]}


def test_a_national_user_compares_districts(timeliness_runner) -> None:
    # Districts against p0 = 0.744: D01 (50 + 98 + 64) / 300 = 0.706667, at n = 300 the 95%
    # limits are 0.744 -/+ 1.959964 x sqrt(0.744 x 0.256 / 300) = 0.694615, 0.793385: inside.
    # D02 and D03 0.80 at n = 100: inside 0.658463 .. 0.829537. No district is listed.
    found = attention(timeliness_runner, PERIOD, Scope.national(), NO_PHI)
    assert not [i for i in found.items if i.kind.startswith("worse")]
    assert (
        # Timeliness, failing to attend and FSF uptake (0 per 100: no payments) have a national
        # rate here; the other comparable rates have no one in them.
        "No district worse than expected on any of the 3 rates compared with the national rate."
        in found.quiet
    )


def test_overdispersion_setting_reaches_the_comparisons(timeliness_runner) -> None:
    # z = (rate - 0.744) / 0.0436422: D01-O01 -5.590921, D01-O02 5.407612, D01-O03 -2.383016,
    # D02-O01 and D03-O01 1.283162. I = 5, k = floor(0.5) = 0: nothing winsorised.
    # phi = (31.258401 + 29.242272 + 5.678765 + 1.646505 + 1.646505) / 5 = 13.894489; the
    # 99.8% lower limit widens to 0.744 - 0.1348645 x sqrt(13.894489) = 0.241288, so 0.50 is
    # inside it: with the setting on (the default), no office is worse.
    phi = (5.590921**2 + 5.407612**2 + 2.383016**2 + 2 * 1.283162**2) / 5
    assert phi == pytest.approx(13.894489, abs=1e-5)
    assert 0.744 - Z_998 * math.sqrt(0.744 * 0.256 / 100) * math.sqrt(phi) < 0.5
    runner = timeliness_runner
    items = attention_items(runner, PERIOD, manager(runner, "D01"), Settings(case_mix=False))
    assert not [i for i in items if i.kind.startswith("worse")]


def _compare_frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "district_code": pl.String,
            "office_code": pl.String,
            "observed": pl.Int64,
            "population": pl.Int64,
            "rate": pl.Float64,
            "target": pl.Float64,
            "lower_998": pl.Float64,
            "upper_998": pl.Float64,
            "verdict": pl.String,
        },
    )


def test_a_rate_with_no_better_direction_is_information_beyond_99_8_only(
    timeliness_runner,
) -> None:
    # The deferral rate has no better direction: beyond 99.8% either way is listed for
    # information (ranked below everything else); beyond 95% only, not at all.
    frame = _compare_frame(
        [
            {
                "district_code": "D01",
                "office_code": "D01-O01",
                "observed": 30,
                "population": 100,
                "rate": 0.30,
                "target": 0.12,
                "lower_998": 0.02,
                "upper_998": 0.22,
                "verdict": "higher_998",
            },
            {
                "district_code": "D01",
                "office_code": "D01-O02",
                "observed": 19,
                "population": 100,
                "rate": 0.19,
                "target": 0.12,
                "lower_998": 0.02,
                "upper_998": 0.22,
                "verdict": "higher_95",
            },
        ]
    )
    items = unit_items(frame, "deferrals", "deferral_rate", PERIOD, timeliness_runner.catalogue)
    assert [i.kind for i in items] == ["information"]
    assert items[0].text == (
        "Office D01-O01 (D01-O01): deferral rate 30.0% (30 of 100 interviews due), against "
        "12.0% nationally: ▲▲ higher than expected (99.8%). Neither way is better (deferring "
        "is sometimes right): for information."
    )
    assert "worse" not in items[0].text


def test_an_adjusted_comparison_is_said_against_the_rate_expected_for_the_case_mix(
    timeliness_runner,
) -> None:
    # The frame Runner.compare will give with adjusted=True (issue 18 s.1): expected = E_i,
    # ratio = O / E, limits on the ratio scale. 95 of 230 sustained: rate 95 / 230 = 41.3%;
    # E = 120, so 120 / 230 = 52.2% expected for this case mix; O / E = 95 / 120 = 0.791667,
    # below the 99.8% lower limit 0.80: worse. How far beyond, for the ranking: (1 - 0.791667)
    # / (1 - 0.80) = 1.041667 half-widths.
    frame = _compare_frame(
        [
            {
                "district_code": "D01",
                "office_code": "D01-O01",
                "observed": 95,
                "population": 230,
                "rate": 95 / 230,
                "target": 0.55,
                "lower_998": 0.80,
                "upper_998": 1.20,
                "verdict": "lower_998",
            }
        ]
    ).with_columns(expected=pl.lit(120.0), ratio=pl.lit(95 / 120))
    (item,) = unit_items(
        frame, "job_entries", "sustained_13w_rate", PERIOD, timeliness_runner.catalogue, True
    )
    assert item.text == (
        "Office D01-O01 (D01-O01): 13-week sustained rate 41.3% (95 of 230 old enough for 13 "
        "weeks), against 52.2% expected for its case mix (55.0% nationally): ▼▼ lower than "
        "expected (99.8%), worse."
    )
    assert item.kind == "worse_998" and item.rank[1] == pytest.approx(-1.041667, abs=1e-6)


# ---- the overdue worklist ------------------------------------------------------------------------

# Extract date 2026-10-31, so the previous month's end T = 2026-09-30. D01-O01's deferred
# interviews (UC claims started 2026-07-06, due 2026-07-10):
#   A until 09-10, never held, open          -> overdue at T and now (51 days: 20 + 31)
#   B until 09-15, held 10-05                 -> at T only
#   C until 10-10, never held, open          -> now only (21 days)
#   D until 09-20, never held, claim ended 10-15 -> at T only
#   E until 09-30, never held, open          -> now only (not before T; 31 days)
#   F until 09-01, held 09-30                 -> neither (held on T)
#   G until 09-05, never held, claim ended 09-30 -> neither (ended on T)
#   H until 10-20, never held, open          -> now only (11 days)
# Now: A, C, E, H = 4; at T: A, B, D = 3; up 1; the oldest 51 days. D01-O02 has I, until
# 08-01, never held, open: 91 days overdue, overdue at T too, and not the team leader's.
OVERDUE = {
    "A": ("D01-O01", "2026-09-10", None, None),
    "B": ("D01-O01", "2026-09-15", "2026-10-05", None),
    "C": ("D01-O01", "2026-10-10", None, None),
    "D": ("D01-O01", "2026-09-20", None, "2026-10-15"),
    "E": ("D01-O01", "2026-09-30", None, None),
    "F": ("D01-O01", "2026-09-01", "2026-09-30", None),
    "G": ("D01-O01", "2026-09-05", None, "2026-09-30"),
    "H": ("D01-O01", "2026-10-20", None, None),
    "I": ("D01-O02", "2026-08-01", None, None),
}


def _overdue_tables() -> dict[str, list[dict]]:
    claims, interviews = [], []
    for claim_id, (code, until, held, ended) in OVERDUE.items():
        claims.append(
            claim(claim_id, code, "2026-07-06", end_date=ended, end_reason=ended and "other")
        )
        interviews.append(
            wfi(claim_id, "2026-07-10", "deferred", "illness", deferred_until=until, held_date=held)
        )
    return {**UNITS_GEOGRAPHY, "claims": claims, "wfi": interviews}


@pytest.fixture(scope="module")
def overdue_runner(tmp_path_factory):
    """Deferred interviews overdue now, at the previous month's end, both or neither."""
    with runner_for(tmp_path_factory.mktemp("overdue"), _overdue_tables()) as runner:
        yield runner


def test_the_worklist_at_the_previous_month_end_by_hand(overdue_runner) -> None:
    frame = overdue_runner.run(
        overdue_runner.default_request("overdue_deferrals_month_end"), Scope.national()
    )
    assert frame.rows() == [
        ("D01", "D01-O01", pl.Series(["2026-09-30"]).str.to_date()[0], 3),  # A, B, D
        ("D01", "D01-O02", pl.Series(["2026-09-30"]).str.to_date()[0], 1),  # I
    ]


def test_overdue_count_change_and_oldest(overdue_runner) -> None:
    found = attention(overdue_runner, PERIOD, team_leader("D01-O01"), NO_PHI)
    (item,) = [i for i in found.items if i.kind == "overdue"]
    assert item.text == (
        "4 deferred interviews are overdue (past the date they were deferred until, never "
        "held, claim still open): up 1 since 30 September 2026 (3 then). The oldest is 51 "
        "days overdue."
    )
    assert found.overdue == 4
    assert item.page == "deferrals"
    # The district manager sees both offices: A, C, E, H and I now (5), A, B, D and I at T (4);
    # the oldest is I, 91 days (31 + 30 + 30 days from 08-01 to 10-31).
    (both,) = [
        i
        for i in attention_items(overdue_runner, PERIOD, manager(overdue_runner, "D01"), NO_PHI)
        if i.kind == "overdue"
    ]
    assert "5 deferred interviews are overdue" in both.text
    assert "up 1 since 30 September 2026 (4 then). The oldest is 91 days overdue." in both.text


@pytest.mark.parametrize(
    ("now", "then", "words"),
    [(4, 3, "up 1"), (2, 5, "down 3"), (3, 3, "no change"), (1200, 0, "up 1,200")],
)
def test_change_words(now, then, words) -> None:
    assert attention_module._change_words(now, then) == words


# ---- follow-up below the national rate -------------------------------------------------------

# Deferred interviews due back on 2026-06-01 (UC claims started 2026-05-18, due 2026-05-20),
# 14-day windows long passed by 2026-10-31. D01-O01: 10 due, 5 held on 06-05 (within 14
# days), 5 held on 07-01 (later): 5 / 10 = 50.0%. D02-O01: 20 due, 18 within. D03-O01: 10
# due, 9 within (90.0%). National: (5 + 18 + 9) / (10 + 20 + 10) = 32 / 40 = 80.0%.
FOLLOWUP = {"D01-O01": (10, 5), "D02-O01": (20, 18), "D03-O01": (10, 9)}


def _followup_tables() -> dict[str, list[dict]]:
    claims, interviews = [], []
    for code, (due, within) in FOLLOWUP.items():
        for number in range(due):
            claim_id = f"{code}-{number:02d}"
            claims.append(claim(claim_id, code, "2026-05-18"))
            held = "2026-06-05" if number < within else "2026-07-01"
            interviews.append(
                wfi(claim_id, "2026-05-20", "deferred", "illness", "2026-06-01", held)
            )
    return {**UNITS_GEOGRAPHY, "claims": claims, "wfi": interviews}


@pytest.fixture(scope="module")
def followup_runner(tmp_path_factory):
    """Follow-up of deferred interviews: one office below the national rate."""
    with runner_for(tmp_path_factory.mktemp("followup"), _followup_tables()) as runner:
        yield runner


def test_follow_up_below_the_national_rate(followup_runner) -> None:
    items = attention_items(followup_runner, PERIOD, team_leader("D01-O01"), NO_PHI)
    (item,) = [i for i in items if i.kind == "followup"]
    assert item.text == (
        "Follow-up of deferred interviews: 50.0% held within 14 days of the date they were "
        "deferred until (5 of 10 due), below the national 80.0%."
    )
    assert item.page == "deferrals"
    # 90.0% is above 80.0%: nothing to list, and the list says so.
    found = attention(followup_runner, PERIOD, team_leader("D03-O01"), NO_PHI)
    assert not [i for i in found.items if i.kind == "followup"]
    assert "Follow-up of deferred interviews: 90.0%, at or above the national 80.0%." in found.quiet


# ---- the Flexible Support Fund ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("projected", "flag"),
    [
        ("110000", None),  # exactly +10% of 100,000: on the boundary, within
        ("110000.01", "over"),
        ("110010", "over"),  # the next £10 a published outturn can be
        ("100000", None),
        ("90000", None),  # exactly -10%: within
        ("89999.99", "under"),
        ("89990", "under"),
    ],
)
def test_fsf_outturn_boundary_both_sides(projected, flag) -> None:
    from decimal import Decimal

    assert fsf_outturn(Decimal(projected), Decimal("100000")) == flag


def test_financial_year() -> None:
    assert financial_year(pl.Series(["2026-10-31"]).str.to_date()[0])[0] == "2026-27"
    assert financial_year(pl.Series(["2027-03-31"]).str.to_date()[0])[0] == "2026-27"
    assert financial_year(pl.Series(["2026-03-31"]).str.to_date()[0])[0] == "2025-26"


# Financial year 2026-27 (2026-04-01 to 2027-03-31, 365 days); by 2026-10-31, 214 days have
# gone (30 + 31 + 30 + 31 + 31 + 30 + 31). Ten partnership grants per district:
#   D01 10 x £6,420 = £64,200: projected 64,200 / 214 x 365 = 300 x 365 = £109,500 against
#       £99,000 (+10% = £108,900): over by 10,500 / 99,000 = 10.6%, "11% over".
#   D02 the same £109,500 against £100,000 (+10% = £110,000): within.
#   D03 10 x £5,136 = £51,360: projected 240 x 365 = £87,600 against £100,000 (-10% =
#       £90,000): under by 12,400 / 100,000 = 12.4%, "12% under".
FSF_SPEND = {
    "D01": ("99000", "6420.00"),
    "D02": ("100000", "6420.00"),
    "D03": ("100000", "5136.00"),
}


def _fsf_tables() -> dict[str, list[dict]]:
    payments, budgets = [], []
    for code, (allocation, amount) in FSF_SPEND.items():
        budgets.append(budget(code, "2026-27", allocation))
        for number in range(10):
            payments.append(
                payment(
                    f"{code}-F{number}",
                    f"{code}-O01",
                    None,
                    f"2026-{5 + number % 5:02d}-1{number // 5}",
                    amount,
                    "partnership_grant",
                )
            )
    return {**UNITS_GEOGRAPHY, "fsf_payments": payments, "fsf_budgets": budgets}


@pytest.fixture(scope="module")
def fsf_runner(tmp_path_factory):
    """Three districts' FSF spend: one projected over, one within, one under."""
    with runner_for(tmp_path_factory.mktemp("fsf"), _fsf_tables()) as runner:
        yield runner


def test_fsf_projected_outturn_beyond_10_percent_both_sides(fsf_runner) -> None:
    items = attention_items(fsf_runner, PERIOD, manager(fsf_runner, "D01", "D02", "D03"), NO_PHI)
    fsf = [i for i in items if i.kind == "fsf"]
    # Ranked by how far from the allocation: D03 (12.4%) before D01 (10.6%); D02 not listed.
    assert [i.text for i in fsf] == [
        "District D03 (D03): Flexible Support Fund 2026-27 projected outturn £87,600 is 12% "
        "under the £100,000 allocation (spend to date £51,360 over 214 of the year's 365 "
        "days, to 31 October 2026).",
        "District D01 (D01): Flexible Support Fund 2026-27 projected outturn £109,500 is 11% "
        "over the £99,000 allocation (spend to date £64,200 over 214 of the year's 365 days, "
        "to 31 October 2026).",
    ]
    assert fsf[0].page == "fsf" and fsf[0].query_params["district"] == ["D03"]


def test_fsf_is_for_district_managers_only(fsf_runner) -> None:
    # D01's team leader (and a national user) hold no budget: no FSF item, though D01 is over.
    for scope in (team_leader("D01-O01"), Scope.national()):
        items = attention_items(fsf_runner, PERIOD, scope, NO_PHI)
        assert not [i for i in items if i.kind == "fsf"]
    within = attention(fsf_runner, PERIOD, manager(fsf_runner, "D02"), NO_PHI)
    assert not within.items
    assert "Flexible Support Fund 2026-27: projected outturn within 10% of the allocation." in (
        within.quiet
    )


# ---- rejected rows ------------------------------------------------------------------------------


def test_rejected_rows_are_counted_in_the_users_offices(tmp_path) -> None:
    # Rejected: C7 (benefit PIP, not in the contract) and C8 (the same) at D01-O01; C8's
    # interview (its claim rejected); C2's interview (a JSA interview deferred), C2 accepted at
    # D01-O01; C9 at office ZZZ (not in the database). D01-O01: claims 2, interviews 2.
    tables = {
        **UNITS_GEOGRAPHY,
        "claims": [
            claim("C2", "D01-O01", benefit="JSA", claimant_group="jobseeker"),
            claim("C7", "D01-O01", benefit="PIP"),
            claim("C8", "D01-O01", benefit="PIP"),
            claim("C9", "ZZZ"),
        ],
        "wfi": [
            wfi("C2", outcome="deferred", deferral_reason="illness", deferred_until="2026-02-20"),
            wfi("C8"),
        ],
    }
    db = tmp_path / "rejects.duckdb"
    report = load(write_extract(tmp_path / "extract", tables), db)
    assert report.total_rejected == 5
    runner = Runner(connect_read_only(db))
    (item,) = [
        i
        for i in attention_items(runner, PERIOD, manager(runner, "D01"), NO_PHI)
        if i.kind == "rejects"
    ]
    assert item.text == (
        "Data: 4 rows rejected in the latest load in your offices in view for breaking the "
        "data contract (claims 2, initial interviews 2), so in no figure."
    )
    assert item.page == "data"
    # A national user: every rejected row (C9's too).
    (national,) = [
        i for i in attention_items(runner, PERIOD, Scope.national(), NO_PHI) if i.kind == "rejects"
    ]
    assert national.text.startswith("Data: 5 rows rejected in the latest load ")
    # Another office's team leader: none of them.
    quiet = attention(runner, PERIOD, team_leader("D01-O02"), NO_PHI)
    assert not [i for i in quiet.items if i.kind == "rejects"]
    assert "Data: no rows rejected in the latest load in your offices in view." in quiet.quiet
    # The report itself is narrowed to the scope: D02-O01's team leader gets no row.
    assert runner.report("reject_offices", team_leader("D02-O01")).height == 0


# ---- drift (Runner.drift is being built apart: its frame, by hand) -----------------------------


def _drift_frame(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "district_code": pl.String,
            "office_code": pl.String,
            "month": pl.String,
            "rate": pl.Float64,
            "centre": pl.Float64,
            "lower": pl.Float64,
            "upper": pl.Float64,
            "signal": pl.String,
        },
        orient="row",
    )


SUSTAINED_DRIFT = _drift_frame(
    [
        # D01-O01: a run below in August, then below the lower limit in September: the latest.
        ("D01", "D01-O01", "2026-08", 0.50, 0.60, 0.45, 0.75, "run_below"),
        ("D01", "D01-O01", "2026-09", 0.41, 0.60, 0.452, 0.748, "below_limit"),
        ("D01", "D01-O01", "2026-10", 0.55, 0.60, 0.45, 0.75, None),
        # D01-O02: above its upper limit (higher is better): not a concern.
        ("D01", "D01-O02", "2026-10", 0.90, 0.60, 0.45, 0.75, "above_limit"),
        # D01-O03: a run below in May, before the last 3 months (August to October).
        ("D01", "D01-O03", "2026-05", 0.50, 0.60, 0.45, 0.75, "run_below"),
    ]
)


def test_drift_items_from_a_drift_frame(timeliness_runner) -> None:
    items = drift_items(
        SUSTAINED_DRIFT, "job_entries", "sustained_13w_rate", PERIOD, timeliness_runner.catalogue
    )
    assert [i.text for i in items] == [
        "Office D01-O01 (D01-O01): 13-week sustained rate 41.0% in 2026-09, below its lower "
        "control limit of 45.2%, set by its own previous 12 months, worse."
    ]
    assert items[0].kind == "drift" and items[0].page == "job_entries"
    assert items[0].query_params["office"] == ["D01-O01"]
    # The deferral rate has no better direction: a signal either way is for information.
    deferral = _drift_frame([("D01", "D01-O02", "2026-10", 0.30, 0.12, 0.05, 0.19, "run_above")])
    (info,) = drift_items(
        deferral, "deferrals", "deferral_rate", PERIOD, timeliness_runner.catalogue
    )
    assert info.kind == "information"
    assert "above its centre line of 12.0% for 8 months or more in a row" in info.text


# ---- the whole list: order, links, the empty state -------------------------------------------


def _empty(*columns: str) -> pl.DataFrame:
    return pl.DataFrame(schema={c: pl.String for c in columns})


def test_the_list_is_in_the_issues_order_of_priority(timeliness_runner) -> None:
    """Every source given a hand-built answer (the drift source as Runner.drift will be wired):
    the items come out worse at 99.8%, worse at 95%, drift, overdue, follow-up, FSF, rejects,
    and information last."""
    runner = timeliness_runner
    compared = {
        ("wfi_timeliness", "timeliness_rate"): _compare_frame(
            [
                {
                    "district_code": "D01",
                    "office_code": "D01-O03",
                    "observed": 64,
                    "population": 100,
                    "rate": 0.64,
                    "target": 0.744,
                    "lower_998": 0.609136,
                    "upper_998": 0.878864,
                    "verdict": "lower_95",
                },
                {
                    "district_code": "D01",
                    "office_code": "D01-O01",
                    "observed": 50,
                    "population": 100,
                    "rate": 0.50,
                    "target": 0.744,
                    "lower_998": 0.609136,
                    "upper_998": 0.878864,
                    "verdict": "lower_998",
                },
            ]
        ),
        ("deferrals", "deferral_rate"): _compare_frame(
            [
                {
                    "district_code": "D01",
                    "office_code": "D01-O02",
                    "observed": 30,
                    "population": 100,
                    "rate": 0.30,
                    "target": 0.12,
                    "lower_998": 0.02,
                    "upper_998": 0.22,
                    "verdict": "higher_998",
                },
            ]
        ),
    }
    worklist = pl.DataFrame({"days_overdue": [40, 12]})
    month_end = pl.DataFrame(
        {"month_end": pl.Series(["2026-09-30"]).str.to_date(), "overdue_deferrals": [5]}
    )
    runs = {
        "overdue_deferrals": worklist,
        "overdue_deferrals_month_end": month_end,
        "deferral_followup": pl.DataFrame(
            {
                "deferrals_due": [10],
                "held_within_14d": [5],
                "followup_rate": [0.5],
                "suppressed": [[]],
            }
        ),
        "fsf_budget": pl.DataFrame(
            {
                "district_code": ["D01"],
                "financial_year": ["2026-27"],
                "allocation_gbp": [100000],
                "spend_to_date_gbp": [80000],
                "projected_outturn_gbp": [136450.0],
                "suppressed": [[]],
            }
        ),
    }
    sources = Sources(
        run=lambda request: runs[request.measure],
        compare=lambda request, column, unit: compared.get(
            (request.measure, column), _compare_frame([])
        ),
        reference=lambda request, level: pl.DataFrame(
            {"followup_rate": [0.75], "suppressed": [[]]}
        ),
        report=lambda name: pl.DataFrame(
            {
                "district_code": ["D01"],
                "office_code": ["D01-O01"],
                "table_name": ["claims"],
                "rows_rejected": [3],
            }
        ),
        drift=lambda request, column, unit: (
            SUSTAINED_DRIFT if column == "sustained_13w_rate" else _drift_frame([])
        ),
    )
    found = attention(runner, PERIOD, manager(runner, "D01"), NO_PHI, sources)
    assert [i.kind for i in found.items] == [
        "worse_998",
        "worse_95",
        "drift",
        "overdue",
        "followup",
        "fsf",
        "rejects",
        "information",
    ]
    assert list(found.kinds) == list(KINDS)
    assert found.items[0].text.startswith("Office D01-O01 (D01-O01)")
    # 2 overdue now against 5 at the month end; the oldest 40 days.
    assert "2 deferred interviews are overdue" in found.items[3].text
    assert "down 3 since 30 September 2026 (5 then). The oldest is 40 days overdue." in (
        found.items[3].text
    )
    # £136,450 against £100,000: 36% over.
    assert "projected outturn £136,450 is 36% over the £100,000 allocation" in found.items[5].text
    assert len(found.concerns) == 7 and len(found.information) == 1


def test_every_link_names_a_page_and_carries_the_filters(
    timeliness_runner, overdue_runner, followup_runner, fsf_runner
) -> None:
    filters = Filters("2026-01", "2026-10", benefits=("UC", "JSA"), groups=("jobseeker",))
    cases = [
        (timeliness_runner, manager(timeliness_runner, "D01"), replace(filters, benefits=())),
        (overdue_runner, team_leader("D01-O01"), replace(filters, groups=())),
        (followup_runner, team_leader("D01-O01"), replace(filters, benefits=("UC",), groups=())),
        (fsf_runner, manager(fsf_runner, "D01", "D03"), filters),
    ]
    kinds = set()
    for runner, scope, chosen in cases:
        # A link may only name months the data has (from its first claim's month).
        chosen = replace(chosen, period_from=default_filters(runner.catalogue).period_from)
        for item in attention_items(runner, chosen, scope, NO_PHI):
            kinds.add(item.kind)
            assert item.page in PAGE_PATHS
            assert item.entry.url_path == item.page
            url = urlsplit(item.link("https://dash.example"))
            assert url.netloc == "dash.example" and url.path == f"/{item.page}"
            # What the sidebar reads from the link: the user's filters, narrowed to the item's
            # office or district where it is about one.
            read, notices = filters_from_query(parse_qs(url.query), runner.catalogue, scope)
            assert notices == []
            expected = chosen
            if "office" in item.query_params:
                expected = replace(chosen, offices=tuple(item.query_params["office"]))
            elif "district" in item.query_params:
                expected = replace(chosen, districts=tuple(item.query_params["district"]))
            assert read == expected
    assert {"worse_998", "worse_95", "overdue", "followup", "fsf"} <= kinds


def test_empty_is_a_good_state(tmp_path) -> None:
    # One office with a few interviews attended on time: nothing to compare (too few), no
    # deferral, no FSF, no reject.
    tables = {
        **UNITS_GEOGRAPHY,
        "claims": [claim(f"C{n}", "D02-O01", "2026-03-02", "JSA", "jobseeker") for n in range(3)],
        "wfi": [wfi(f"C{n}", "2026-03-03", held_date="2026-03-04") for n in range(3)],
    }
    with runner_for(tmp_path, tables) as runner:
        found = attention(runner, PERIOD, team_leader("D02-O01"), NO_PHI)
    assert found.items == ()
    assert found.overdue == 0
    assert "No deferred interview is overdue (none at 30 September 2026 either)." in found.quiet
    assert "Data: no rows rejected in the latest load in your offices in view." in found.quiet
    assert EMPTY_MESSAGE == "Nothing outside the expected range this month."


def test_make_item_ranks_by_kind_then_weight() -> None:
    heavy = make_item("worse_95", 3.0, "b", "deferrals", PERIOD)
    light = make_item("worse_95", 1.0, "a", "deferrals", PERIOD)
    alarm = make_item("worse_998", 0.1, "c", "deferrals", PERIOD)
    assert sorted([light, heavy, alarm], key=lambda i: i.rank) == [alarm, heavy, light]


# ---- the page: the landing page of managers and team leaders ------------------------------------


def test_the_landing_page_depends_on_the_role() -> None:
    assert default_page("district_manager").url_path == "attention"
    assert default_page("team_leader").url_path == "attention"
    assert default_page("national").url_path == "overview"
    assert default_page("none").url_path == "overview"


@pytest.mark.parametrize(
    ("email", "heading"),
    [
        ("manager.d02@example.gov.uk", "Needs attention"),
        ("leader.d02-o03@example.gov.uk", "Needs attention"),
        ("analyst@example.gov.uk", "District performance overview"),
    ],
)
def test_attention_is_the_default_page_for_managers_and_team_leaders(
    sample_db, app_for, email, heading
) -> None:
    at = app_for(sample_db, demo_user=email)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == [heading]
    if heading != "Needs attention":
        return
    # Every item is a link to a page of the app, with the filters in its query.
    links = at.get("page_link")
    assert links
    for link in links:
        assert link.proto.page in PAGE_PATHS
        query = parse_qs(link.proto.query_string)
        assert query["from"] and query["to"]
    # Other pages are still reached, and the menu still leads back to this one.
    at.switch_page("pages/overview.py").run()
    assert [t.value for t in at.title] == ["District performance overview"]
    at.switch_page("pages/attention.py").run()
    assert [t.value for t in at.title] == ["Needs attention"]


def test_a_link_followed_in_the_session_sets_its_filters(sample_db, app_for) -> None:
    """An item's link (st.page_link with query parameters) opens its page on the office it is
    about; a move by the menu, which brings no query, keeps the session's filters."""
    at = app_for(sample_db, demo_user="manager.d02@example.gov.uk")
    at.run()
    assert at.multiselect(key="filter_offices").value == []
    at.query_params["office"] = "D02-O05"
    at.query_params["from"] = "2026-01"
    at.query_params["to"] = "2026-10"
    at.switch_page("pages/deferrals.py").run()
    assert not at.exception
    assert at.multiselect(key="filter_offices").value == ["D02-O05"]
    assert at.selectbox(key="filter_from").value == "2026-01"
    for key in ("office", "from", "to"):
        del at.query_params[key]
    at.switch_page("pages/job_entries.py").run()
    assert at.multiselect(key="filter_offices").value == ["D02-O05"]


def test_the_period_of_the_list_is_the_sidebars_default(sample_runner) -> None:
    # The digest and a new session both start from default_filters: 12 months to the extract
    # date's month (2025-11 to 2026-10 for the sample's 2026-10-31).
    assert default_filters(sample_runner.catalogue) == PERIOD
