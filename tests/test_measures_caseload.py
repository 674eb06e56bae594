"""Caseload: live claims, inflow, off-flows and claims per work coach, hand-checked."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from extracts import EXACT, GEOGRAPHY, approx_rows, claim, runner_for

from jcp.measures.runner import MeasureRequest, Runner


def _claim(claim_id, office_code, start, benefit, group, coach, end=None, reason=None) -> dict:
    return claim(claim_id, office_code, start, benefit, group, end, reason, coach)


CLAIMS = [
    _claim("L01", "D01-O01", "2025-11-01", "UC", "health_condition", "WC1"),
    _claim("L02", "D01-O01", "2026-02-10", "UC", "lone_parent", "WC1"),
    # ends on the period's last day: an off-flow to work, and NOT live on 2026-06-30
    _claim("L03", "D01-O01", "2026-03-05", "JSA", "jobseeker", "WC2", "2026-06-30", "job_entry"),
    # ends the day after the period: still live on 2026-06-30
    _claim("L04", "D01-O02", "2025-12-01", "ESA", "health_condition", "WC3", "2026-07-01", "other"),
    # starts on the period's last day: live and new; no work coach
    _claim("L05", "D01-O02", "2026-06-30", "UC", "carer", None),
    _claim(
        "L06", "D02-O01", "2026-01-01", "UC", "health_condition", "WC4", "2026-04-15", "job_entry"
    ),
    _claim(
        "L07", "D02-O01", "2025-06-01", "IS", "lone_parent", "WC4", "2026-01-31", "other_benefit"
    ),
    _claim("L08", "D02-O01", "2026-07-01", "UC", "health_condition", "WC5"),  # after the period
    _claim("L09", "D02-O01", "2025-01-01", "UC", "health_condition", "WC5", "2025-12-31", "other"),
    _claim("L10", "D02-O01", "2026-05-05", "UC", "health_condition", None),
    # coach WC1 also works in D01-O01: counted once for district D01
    _claim("L11", "D01-O02", "2026-06-01", "UC", "health_condition", "WC1"),
]


@pytest.fixture(scope="module")
def runner(tmp_path_factory) -> Iterator[Runner]:
    """The claims extract above, loaded once, with no rejected rows."""
    tables = {**GEOGRAPHY, "claims": CLAIMS}
    with runner_for(tmp_path_factory.mktemp("caseload"), tables) as loaded:
        yield loaded


def run(runner, by="total", period=("2026-01", "2026-06"), **filters) -> list[dict]:
    return runner.run(MeasureRequest("caseload", *period, by=by, **filters), **EXACT).to_dicts()


def caseload_row(live, new, off, to_work, per_coach, **keys) -> dict:
    return {
        **keys,
        "live_claims": live,
        "new_claims": new,
        "off_flows": off,
        "off_flows_to_work": to_work,
        "claims_per_coach": per_coach,
    }


# Jan-Jun 2026, live on 2026-06-30: L01 L02 L04 L05 L10 L11 = 6 (L03 ended that day, L06 L07
# ended earlier, L08 not started). Coaches among them: WC1 (L01 L02 L11), WC3 (L04) -> 6 / 2 = 3.
# New: L02 L03 L05 L06 L10 L11 = 6. Off-flows: L07 (01-31), L06 (04-15), L03 (06-30) = 3; to
# work L03 L06 = 2.
@pytest.mark.parametrize(
    ("period", "filters", "expected"),
    [
        (("2026-01", "2026-06"), {}, caseload_row(6, 6, 3, 2, 6 / 2)),
        # January: live on 01-31 L01 L04 L06 (L07 ends that day) -> coaches WC1 WC3 WC4 -> 1.0
        (("2026-01", "2026-01"), {}, caseload_row(3, 1, 1, 0, 3 / 3)),
        # UC: live L01 L02 L05 L10 L11 -> coaches WC1 -> 5.0; new L02 L05 L06 L10 L11; off L06
        (("2026-01", "2026-06"), {"benefits": ("UC",)}, caseload_row(5, 5, 1, 1, 5 / 1)),
        # lone_parent: L02 live (WC1) and new; L07 an off-flow, not to work
        (("2026-01", "2026-06"), {"groups": ("lone_parent",)}, caseload_row(1, 1, 1, 0, 1.0)),
        # D02: live L10 (no coach) -> claims_per_coach null; new L06 L10; off L06 L07
        (("2026-01", "2026-06"), {"districts": ("D02",)}, caseload_row(1, 2, 2, 1, None)),
        # D01-O02: live L04 (WC3) L05 (no coach) L11 (WC1) -> 3 / 2; new L05 L11
        (("2026-01", "2026-06"), {"offices": ("D01-O02",)}, caseload_row(3, 2, 0, 0, 3 / 2)),
        # nobody in group "other": zeros and a null ratio
        (("2026-01", "2026-06"), {"groups": ("other",)}, caseload_row(0, 0, 0, 0, None)),
    ],
    ids=["all", "january", "uc", "lone-parent", "district", "office", "empty"],
)
def test_caseload_total(runner, period, filters, expected):
    assert run(runner, period=period, **filters) == approx_rows([expected])


def test_caseload_by_district(runner):
    assert run(runner, by="district") == approx_rows(
        [
            # live L01 L02 L04 L05 L11 -> distinct coaches WC1 WC3 -> 5 / 2 (not 5 / 3, as
            # adding up each office's coaches would give); new L02 L03 L05 L11; off L03 (work)
            caseload_row(5, 4, 1, 1, 5 / 2, district_code="D01"),
            caseload_row(1, 2, 2, 1, None, district_code="D02"),
            caseload_row(0, 0, 0, 0, None, district_code="D03"),
        ]
    )


def test_caseload_by_office(runner):
    def key(d, o):
        return {"district_code": d, "office_code": o}

    assert run(runner, by="office") == approx_rows(
        [
            caseload_row(2, 2, 1, 1, 2 / 1, **key("D01", "D01-O01")),  # live L01 L02 (WC1)
            # live L04 (WC3) L05 L11 (WC1); new L05 L11
            caseload_row(3, 2, 0, 0, 3 / 2, **key("D01", "D01-O02")),
            caseload_row(1, 2, 2, 1, None, **key("D02", "D02-O01")),  # live L10, no coach
            caseload_row(0, 0, 0, 0, None, **key("D03", "D03-O01")),
        ]
    )


def test_caseload_by_month_counts_live_at_each_month_end(runner):
    assert run(runner, by="month") == approx_rows(
        [
            # 01-31: L01 L04 L06 (WC1 WC3 WC4); new L06; off L07 (other_benefit)
            caseload_row(3, 1, 1, 0, 3 / 3, month="2026-01"),
            # 02-28: + L02 (WC1) -> 4 claims, 3 coaches; new L02
            caseload_row(4, 1, 0, 0, 4 / 3, month="2026-02"),
            # 03-31: + L03 (WC2) -> 5 claims, 4 coaches; new L03
            caseload_row(5, 1, 0, 0, 5 / 4, month="2026-03"),
            # 04-30: L06 ended 04-15 (to work) -> L01 L02 L03 L04, coaches WC1 WC2 WC3
            caseload_row(4, 0, 1, 1, 4 / 3, month="2026-04"),
            # 05-31: + L10 (no coach) -> 5 claims, still 3 coaches; new L10
            caseload_row(5, 1, 0, 0, 5 / 3, month="2026-05"),
            # 06-30: L03 ends that day (to work); L05, L11 start -> L01 L02 L04 L05 L10 L11,
            # coaches WC1 WC3
            caseload_row(6, 2, 1, 1, 6 / 2, month="2026-06"),
        ]
    )
