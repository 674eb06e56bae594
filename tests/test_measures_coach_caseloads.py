"""Work coach caseloads and their spread per office, as at the extract date, by hand."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from extracts import EXACT, GEOGRAPHY, approx_rows, claim, office, runner_for, wfi

from jcp.extract import contract
from jcp.measures import specs
from jcp.measures.access import Scope
from jcp.measures.runner import MeasureRequest, Runner

# The extract date is 2026-10-31 (tests/extracts.py). Neither list depends on the period.
PERIOD = ("2026-01", "2026-06")
GROUPS = ("jobseeker", "lone_parent", "health_condition", "carer", "other")


def _claim(claim_id, office_code, coach, start, benefit, group, end=None) -> dict:
    reason = "other" if end else None
    return claim(claim_id, office_code, start, benefit, group, end, reason, work_coach_ref=coach)


def _deferred(claim_id, due, until, held=None) -> dict:
    return wfi(claim_id, due, "deferred", "illness", until, held)


CLAIMS = [
    # D01-O01, coach WC01.
    # Open (no end date), since 2025-06: its flows run over many months.
    _claim("K01", "D01-O01", "WC01", "2025-06-01", "UC", "health_condition"),
    # Ended on the extract date itself: has an end date, so not open.
    _claim("K02", "D01-O01", "WC01", "2025-06-01", "UC", "health_condition", "2026-10-31"),
    _claim("K03", "D01-O01", "WC01", "2026-02-02", "JSA", "jobseeker"),
    _claim("K04", "D01-O01", "WC01", "2026-09-01", "IS", "lone_parent"),
    _claim("K05", "D01-O01", "WC01", "2026-09-01", "UC", "health_condition"),
    _claim("K06", "D01-O01", "WC01", "2026-02-02", "ESA", "health_condition"),
    _claim("K07", "D01-O01", "WC01", "2026-01-05", "UC", "carer"),
    # Ended 2026-06-01: not open, and its overdue-looking deferral is off the worklist.
    _claim("K08", "D01-O01", "WC01", "2026-01-05", "UC", "health_condition", "2026-06-01"),
    # D01-O01, coach WC02, who also holds K10 in D01-O02.
    _claim("K09", "D01-O01", "WC02", "2026-03-02", "UC", "other"),
    # D01-O01, no coach: the office's Unassigned row.
    _claim("K11", "D01-O01", None, "2026-04-01", "UC", "health_condition"),
    _claim("K12", "D01-O01", None, "2026-04-01", "UC", "lone_parent"),
    _claim("K13", "D01-O01", None, "2026-01-05", "UC", "health_condition", "2026-05-01"),
    # WC03's only claim ended the day before the extract date: WC03 holds no open claim.
    _claim("K14", "D01-O01", "WC03", "2026-01-05", "UC", "health_condition", "2026-10-30"),
    # D01-O02.
    _claim("K10", "D01-O02", "WC02", "2026-03-02", "UC", "carer"),
    # D03-O01: a coach whose reference is the text "Unassigned", and a claim with no coach.
    _claim("K20", "D03-O01", "Unassigned", "2026-01-05", "UC", "health_condition"),
    _claim("K21", "D03-O01", None, "2026-01-05", "UC", "health_condition"),
]
# D02-O01: five coaches holding 2, 5, 7, 9 and 30 open claims, one claim with no coach, and
# one ended claim of S1's (not open).
SPREAD = {
    "S1": [("UC", "health_condition")] * 2,
    "S2": [("UC", "health_condition")] * 5,
    "S3": [("UC", "lone_parent")] * 7,
    "S4": [("ESA", "health_condition")] * 9,
    "S5": [("UC", "health_condition")] * 20 + [("JSA", "jobseeker")] * 10,
}
for coach, held in SPREAD.items():
    for number, (benefit, group) in enumerate(held):
        month = f"2026-{number % 9 + 1:02d}-01"  # spread over months Jan-Sep
        CLAIMS.append(_claim(f"{coach}-{number:02d}", "D02-O01", coach, month, benefit, group))
CLAIMS += [
    _claim("S1-ended", "D02-O01", "S1", "2026-02-02", "UC", "health_condition", "2026-08-03"),
    _claim("U1", "D02-O01", None, "2026-05-04", "UC", "health_condition"),
]

WFIS = [
    # Deferred until 2026-10-30, one day before the extract date: overdue by 1 day.
    _deferred("K04", "2026-09-08", "2026-10-30"),
    # Deferred until the extract date itself: not before it, so not overdue.
    _deferred("K05", "2026-09-08", "2026-10-31"),
    # Until 2026-03-01: overdue by 30 (to 03-31) + 30 + 31 + 30 + 31 + 31 + 30 + 31 = 244 days.
    _deferred("K06", "2026-02-09", "2026-03-01"),
    # Held after its deferral: not overdue.
    _deferred("K07", "2026-01-12", "2026-02-01", held="2026-02-10"),
    # On an ended claim: not overdue.
    _deferred("K08", "2026-01-12", "2026-03-01"),
    # No coach, until 2026-09-30: overdue by 31 days (October has 31).
    _deferred("K12", "2026-04-08", "2026-09-30"),
    wfi("K09", "2026-03-09"),  # attended: never overdue
]

# GEOGRAPHY's offices, and D02-O02 with no claim at all.
TABLES = {
    "districts": GEOGRAPHY["districts"],
    "offices": [*GEOGRAPHY["offices"], office("D02-O02", "D02")],
    "claims": CLAIMS,
    "wfi": WFIS,
}


@pytest.fixture(scope="module")
def runner(tmp_path_factory) -> Iterator[Runner]:
    """The claims and interviews above, loaded once, with no rejected rows."""
    with runner_for(tmp_path_factory.mktemp("coach_caseloads"), TABLES) as r:
        yield r


def run(runner, measure="coach_caseloads", scope=None, **filters) -> list[dict]:
    request = MeasureRequest(measure, *PERIOD, **filters)
    if scope is None:
        return runner.run(request, **EXACT).to_dicts()
    return runner.run(request, scope).to_dicts()


def coach(district, office_code, ref, groups, overdue=0, oldest=None) -> dict:
    """A row: `groups` maps claimant group to open claims; open_claims is their sum."""
    return {
        "district_code": district,
        "office_code": office_code,
        "work_coach_ref": ref,
        "open_claims": sum(groups.values()),
        **{f"open_{group}": groups.get(group, 0) for group in GROUPS},
        "overdue_deferrals": overdue,
        "oldest_overdue_days": oldest,
    }


# Every open claim by coach, in district, office and coach order, the Unassigned row last:
#   WC01 in D01-O01: K01 K03 K04 K05 K06 K07 (K02 and K08 ended): jobseeker K03, lone parent
#     K04, health K01 K05 K06, carer K07. Overdue: K04 (1 day) and K06 (244 days); not K05
#     (until the extract date), K07 (held), K08 (claim ended).
#   WC02 in D01-O01 (K09) and again in D01-O02 (K10): a row in each office.
#   Unassigned in D01-O01: K11, K12 (K13 ended); K12 overdue 31 days.
#   WC03: K14 ended, so no row.
#   D03-O01: the coach called "Unassigned" (K20) and the claim with no coach (K21), apart.
WC01 = coach(
    "D01",
    "D01-O01",
    "WC01",
    {"jobseeker": 1, "lone_parent": 1, "health_condition": 3, "carer": 1},
    overdue=2,
    oldest=244,
)
WC02_O01 = coach("D01", "D01-O01", "WC02", {"other": 1})
UNASSIGNED_O01 = coach(
    "D01", "D01-O01", None, {"health_condition": 1, "lone_parent": 1}, overdue=1, oldest=31
)
WC02_O02 = coach("D01", "D01-O02", "WC02", {"carer": 1})
D02_ROWS = [
    coach("D02", "D02-O01", "S1", {"health_condition": 2}),  # S1-ended is not open
    coach("D02", "D02-O01", "S2", {"health_condition": 5}),
    coach("D02", "D02-O01", "S3", {"lone_parent": 7}),
    coach("D02", "D02-O01", "S4", {"health_condition": 9}),
    coach("D02", "D02-O01", "S5", {"health_condition": 20, "jobseeker": 10}),
    coach("D02", "D02-O01", None, {"health_condition": 1}),  # U1
]
D03_ROWS = [
    coach("D03", "D03-O01", "Unassigned", {"health_condition": 1}),  # K20: a real coach
    coach("D03", "D03-O01", None, {"health_condition": 1}),  # K21: no coach
]


def test_coach_caseloads_every_coach(runner) -> None:
    assert run(runner) == [WC01, WC02_O01, UNASSIGNED_O01, WC02_O02, *D02_ROWS, *D03_ROWS]


def test_the_columns_are_the_spec_and_a_group_each() -> None:
    declared = specs.spec("coach_caseloads").output_columns()
    assert [c for c in declared if c.startswith("open_") and c != "open_claims"] == [
        f"open_{group}" for group in contract.CLAIMANT_GROUPS
    ]
    assert list(WC01) == declared


def test_neither_list_depends_on_the_period(runner) -> None:
    for measure in ("coach_caseloads", "coach_caseload_spread"):
        first = runner.run(MeasureRequest(measure, "2024-01", "2024-01"), **EXACT)
        second = runner.run(MeasureRequest(measure, "2026-10", "2026-10"), **EXACT)
        assert first.to_dicts() == second.to_dicts() == run(runner, measure)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        # UC only: WC01 keeps K01 K05 (health) and K07 (carer); its overdue K04 (IS) and K06
        # (ESA) go. S4 holds ESA claims only: no row. S5 keeps its 20 UC claims.
        (
            {"benefits": ("UC",)},
            [
                coach("D01", "D01-O01", "WC01", {"health_condition": 2, "carer": 1}),
                WC02_O01,
                UNASSIGNED_O01,  # K11 K12 are UC
                WC02_O02,
                *D02_ROWS[:3],
                coach("D02", "D02-O01", "S5", {"health_condition": 20}),
                D02_ROWS[-1],
                *D03_ROWS,
            ],
        ),
        # Lone parents: K04 (overdue 1 day), K12 (31 days), S3's seven.
        (
            {"groups": ("lone_parent",)},
            [
                coach("D01", "D01-O01", "WC01", {"lone_parent": 1}, overdue=1, oldest=1),
                coach("D01", "D01-O01", None, {"lone_parent": 1}, overdue=1, oldest=31),
                D02_ROWS[2],
            ],
        ),
        ({"districts": ("D03",)}, D03_ROWS),
        ({"offices": ("D01-O02",)}, [WC02_O02]),
        ({"offices": ("D02-O02",)}, []),  # no claim at all
        # ESA health condition in D01: K06 only, overdue 244 days.
        (
            {"districts": ("D01",), "benefits": ("ESA",), "groups": ("health_condition",)},
            [coach("D01", "D01-O01", "WC01", {"health_condition": 1}, overdue=1, oldest=244)],
        ),
    ],
    ids=["uc", "lone_parent", "district", "office", "empty_office", "all_filters"],
)
def test_coach_caseloads_filters(runner, filters, expected) -> None:
    assert run(runner, **filters) == expected


TEAM_LEADER_O02 = Scope("team_leader", frozenset({"D01-O02"}), "team leader: D01-O02")
MANAGER_D01 = Scope("district_manager", frozenset({"D01-O01", "D01-O02"}), "district manager: D01")


def test_a_team_leader_sees_only_their_offices_coaches(runner) -> None:
    assert run(runner, scope=TEAM_LEADER_O02) == [WC02_O02]
    # Asking for another office gives nothing, not that office.
    assert run(runner, scope=TEAM_LEADER_O02, offices=("D01-O01",)) == []
    assert run(runner, scope=TEAM_LEADER_O02, districts=("D02",)) == []
    # Exact figures within scope: a list is not adjusted or hidden.
    assert run(runner, scope=MANAGER_D01) == [WC01, WC02_O01, UNASSIGNED_O01, WC02_O02]


@pytest.mark.parametrize(
    "filters",
    [{}, {"benefits": ("UC",)}, {"groups": ("lone_parent",)}, {"offices": ("D01-O01",)}],
    ids=["all", "uc", "lone_parent", "office"],
)
def test_overdue_deferrals_are_the_worklists_rows(runner, filters) -> None:
    worklist = run(runner, "overdue_deferrals", **filters)
    listed: dict[tuple, list[int]] = {}
    for row in worklist:
        key = (row["office_code"], row["work_coach_ref"])
        listed.setdefault(key, []).append(row["days_overdue"])
    counted = {
        (r["office_code"], r["work_coach_ref"]): (r["overdue_deferrals"], r["oldest_overdue_days"])
        for r in run(runner, **filters)
        if r["overdue_deferrals"]
    }
    assert counted == {key: (len(days), max(days)) for key, days in listed.items()}
    assert sum(n for n, _ in counted.values()) == len(worklist)


def test_overdue_deferrals_are_the_worklists_rows_on_the_sample(sample_runner) -> None:
    national = Scope.national()
    request = sample_runner.default_request("overdue_deferrals")
    worklist = sample_runner.run(request, national)
    caseloads = sample_runner.run(sample_runner.default_request("coach_caseloads"), national)
    assert worklist.height > 100  # not vacuous
    listed: dict[tuple, list[int]] = {}
    for row in worklist.iter_rows(named=True):
        listed.setdefault((row["office_code"], row["work_coach_ref"]), []).append(
            row["days_overdue"]
        )
    counted = {
        (r["office_code"], r["work_coach_ref"]): (r["overdue_deferrals"], r["oldest_overdue_days"])
        for r in caseloads.iter_rows(named=True)
        if r["overdue_deferrals"]
    }
    assert counted == {key: (len(days), max(days)) for key, days in listed.items()}


def test_open_claims_are_the_claims_with_no_end_date_on_the_sample(sample_runner) -> None:
    # The list reads claim_flows' running totals; the claims table says the same directly.
    caseloads = sample_runner.run(
        sample_runner.default_request("coach_caseloads"), Scope.national()
    )
    direct = sample_runner.engine.con.execute(
        "select office_code, work_coach_ref, count(*) from claims where end_date is null "
        "group by all"
    ).fetchall()
    assert sorted(
        (r["office_code"], r["work_coach_ref"] or "", r["open_claims"])
        for r in caseloads.iter_rows(named=True)
    ) == sorted((o, c or "", n) for o, c, n in direct)


# --------------------------------------------------------------------- spread per office


def spread(district, office_code, coaches, open_claims, unassigned, figures=None) -> dict:
    """A row; `figures` is (min, median, 90th percentile, max), None when no coach."""
    low, median, p90, high = figures or (None, None, None, None)
    return {
        "district_code": district,
        "office_code": office_code,
        "coaches": coaches,
        "open_claims": open_claims,
        "unassigned_claims": unassigned,
        "min_claims_per_coach": low,
        "median_claims_per_coach": median,
        "p90_claims_per_coach": p90,
        "max_claims_per_coach": high,
    }


# Linear interpolation: with n caseloads in order x[0..n-1], the p-th percentile is at
# h = p (n - 1) / 100, x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h]).
# D01-O01: WC01 6, WC02 1 -> 1 6; median h = 0.5: 1 + 0.5 x 5 = 3.5; 90th h = 0.9: 1 + 4.5 = 5.5.
#   Open: 6 + 1 + 2 unassigned = 9. WC03 holds nothing open: not a coach here.
# D01-O02: WC02 1, the only coach: every figure 1.
# D02-O01: 2 5 7 9 30; median h = 2: 7; 90th h = 3.6: 9 + 0.6 x 21 = 21.6. Open 53 + U1 = 54.
# D02-O02: no claim: listed, with no coach and no figures.
# D03-O01: the coach "Unassigned" holds 1; K21, with no coach, is the unassigned claim.
SPREAD_ROWS = [
    spread("D01", "D01-O01", 2, 9, 2, (1, 3.5, 5.5, 6)),
    spread("D01", "D01-O02", 1, 1, 0, (1, 1.0, 1.0, 1)),
    spread("D02", "D02-O01", 5, 54, 1, (2, 7.0, 21.6, 30)),
    spread("D02", "D02-O02", 0, 0, 0),
    spread("D03", "D03-O01", 1, 2, 1, (1, 1.0, 1.0, 1)),
]


def test_spread_per_office(runner) -> None:
    assert run(runner, "coach_caseload_spread") == approx_rows(SPREAD_ROWS)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        # UC: D01-O01 WC01 3 (K01 K05 K07), WC02 1 -> 1 3: median 2, 90th 1 + 0.9 x 2 = 2.8;
        #   open 3 + 1 + 2 = 6. D02-O01 S1 2, S2 5, S3 7, S5 20 (S4 holds ESA only) -> n = 4:
        #   median h = 1.5: 5 + 0.5 x 2 = 6; 90th h = 2.7: 7 + 0.7 x 13 = 16.1; open 34 + 1.
        (
            {"benefits": ("UC",)},
            [
                spread("D01", "D01-O01", 2, 6, 2, (1, 2.0, 2.8, 3)),
                SPREAD_ROWS[1],
                spread("D02", "D02-O01", 4, 35, 1, (2, 6.0, 16.1, 20)),
                SPREAD_ROWS[3],
                SPREAD_ROWS[4],
            ],
        ),
        # Jobseekers: K03 (WC01) in D01-O01, S5's ten in D02-O01; every other office empty.
        (
            {"groups": ("jobseeker",)},
            [
                spread("D01", "D01-O01", 1, 1, 0, (1, 1.0, 1.0, 1)),
                spread("D01", "D01-O02", 0, 0, 0),
                spread("D02", "D02-O01", 1, 10, 0, (10, 10.0, 10.0, 10)),
                spread("D02", "D02-O02", 0, 0, 0),
                spread("D03", "D03-O01", 0, 0, 0),
            ],
        ),
        ({"districts": ("D02",)}, SPREAD_ROWS[2:4]),
        ({"offices": ("D01-O02", "D03-O01")}, [SPREAD_ROWS[1], SPREAD_ROWS[4]]),
    ],
    ids=["uc", "jobseeker", "district", "offices"],
)
def test_spread_filters(runner, filters, expected) -> None:
    assert run(runner, "coach_caseload_spread", **filters) == approx_rows(expected)


def test_spread_is_limited_to_the_scope(runner) -> None:
    assert run(runner, "coach_caseload_spread", scope=MANAGER_D01) == approx_rows(SPREAD_ROWS[:2])
    assert run(runner, "coach_caseload_spread", scope=TEAM_LEADER_O02) == approx_rows(
        SPREAD_ROWS[1:2]
    )


@pytest.mark.parametrize("filters", [{}, {"benefits": ("UC",)}, {"groups": ("jobseeker",)}])
def test_spread_agrees_with_the_per_coach_rows(runner, filters) -> None:
    # Two lists of the same claims: each office's open and unassigned claims and its coaches'
    # smallest and largest caseloads are those of the per-coach rows.
    rows = run(runner, **filters)
    for office_row in run(runner, "coach_caseload_spread", **filters):
        mine = [r for r in rows if r["office_code"] == office_row["office_code"]]
        held = [r["open_claims"] for r in mine if r["work_coach_ref"] is not None]
        assert office_row["open_claims"] == sum(r["open_claims"] for r in mine)
        assert office_row["unassigned_claims"] == sum(
            r["open_claims"] for r in mine if r["work_coach_ref"] is None
        )
        assert office_row["coaches"] == len(held)
        assert office_row["min_claims_per_coach"] == (min(held) if held else None)
        assert office_row["max_claims_per_coach"] == (max(held) if held else None)
