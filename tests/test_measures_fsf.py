"""Flexible Support Fund spend, categories and budgets, hand-checked against a tiny extract."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from extracts import (
    EXACT,
    GEOGRAPHY,
    approx_rows,
    budget,
    claim,
    payment,
    runner_for,
)

from jcp.extract.contract import FSF_CATEGORIES
from jcp.measures.runner import MeasureRequest, Runner

D = Decimal
CLAIMS = [
    claim("P1", "D01-O01", "2025-01-01", "UC", "health_condition"),
    claim("P2", "D01-O02", "2025-01-01", "JSA", "jobseeker"),
    claim("P3", "D02-O01", "2025-01-01", "ESA", "health_condition"),
]
PAYMENTS = [
    payment("F01", "D01-O01", "P1", "2026-01-10", "25.00", "travel"),
    payment("F02", "D01-O01", "P1", "2026-02-15", "40.50", "clothing_equipment"),
    payment("F03", "D01-O02", "P2", "2026-03-31", "100.00", "training"),  # last day of FY 25-26
    payment("F04", "D02-O01", None, "2026-03-31", "5000.00", "partnership_grant"),
    # paid by D02-O01 for a claim of D01-O01: belongs to the payment's own office, D02-O01
    payment("F05", "D02-O01", "P1", "2026-04-01", "60.00", "travel"),  # first day of FY 26-27
    payment("F06", "D02-O01", "P3", "2026-06-30", "14.50", "childcare"),
    payment("F07", "D01-O01", "P1", "2025-12-31", "999.00", "travel"),  # before the period
    payment("F08", "D01-O01", "P2", "2026-07-01", "888.00", "other"),  # after the period
    payment("F09", "D01-O02", None, "2026-04-01", "3000.00", "partnership_grant"),
    payment("F10", "D01-O01", None, "2025-03-31", "777.00", "partnership_grant"),  # FY 24-25
    payment("F11", "D01-O01", "P1", "2025-04-01", "1.00", "travel"),  # FY 25-26
]
BUDGETS = [
    budget("D01", "2025-26", "10000.00"),
    budget("D01", "2026-27", "20000.00"),
    budget("D02", "2026-27", "8000.00"),
    budget("D02", "2024-25", "5000.00"),
    budget("D03", "2027-28", "1000.00"),
]


@pytest.fixture(scope="module")
def runner(tmp_path_factory) -> Iterator[Runner]:
    """The payments extract above, loaded once, with no rejected rows."""
    tables = {**GEOGRAPHY, "claims": CLAIMS, "fsf_payments": PAYMENTS, "fsf_budgets": BUDGETS}
    with runner_for(tmp_path_factory.mktemp("fsf"), tables) as loaded:
        yield loaded


# Counts that exist for disclosure control; test_disclosure_support_counts checks them.
SUPPORT_COUNTS = {"fsf_spend": ["claimant_payments"], "fsf_budget": ["payments"]}


def run(runner, measure, by="total", period=("2026-01", "2026-06"), **filters) -> list[dict]:
    frame = runner.run(MeasureRequest(measure, *period, by=by, **filters), **EXACT)
    return frame.drop(SUPPORT_COUNTS.get(measure, [])).to_dicts()


def spend_row(payments, spend, recipients, avg, **keys) -> dict:
    return {
        **keys,
        "payments": payments,
        "spend_gbp": D(spend),
        "recipients": recipients,
        "avg_award_gbp": avg,
    }


# ----------------------------------------------------------------------------- fsf_spend


# Jan-Jun 2026: F01 F02 F03 F04 F05 F06 F09 = 7 payments
#   spend 25 + 40.50 + 100 + 5000 + 60 + 14.50 + 3000 = 8240.00
#   recipients P1, P2, P3 = 3; avg over payments with a claim: (25+40.5+100+60+14.5)/5 = 48.0
@pytest.mark.parametrize(
    ("period", "filters", "expected"),
    [
        (("2026-01", "2026-06"), {}, spend_row(7, "8240.00", 3, 240 / 5)),
        # UC (claim P1): F01 F02 F05; both partnership grants are dropped
        (("2026-01", "2026-06"), {"benefits": ("UC",)}, spend_row(3, "125.50", 1, 125.5 / 3)),
        (("2026-01", "2026-06"), {"benefits": ("JSA",)}, spend_row(1, "100.00", 1, 100.0)),
        # health_condition (P1, P3): F01 F02 F05 F06 = 140.00 over 4 payments
        (
            ("2026-01", "2026-06"),
            {"groups": ("health_condition",)},
            spend_row(4, "140.00", 2, 140 / 4),
        ),
        (("2026-01", "2026-06"), {"groups": ("carer",)}, spend_row(0, "0", 0, None)),
        # D02-O01: F04 (grant, no claim) F05 F06 -> 5074.50; avg (60 + 14.5) / 2 = 37.25
        (("2026-01", "2026-06"), {"offices": ("D02-O01",)}, spend_row(3, "5074.50", 2, 37.25)),
        # ... and with a benefit filter the grant goes: F05 only
        (
            ("2026-01", "2026-06"),
            {"offices": ("D02-O01",), "benefits": ("UC",)},
            spend_row(1, "60.00", 1, 60.0),
        ),
        # D01: F01 F02 F03 F09 -> 3165.50; recipients P1 P2; avg (25 + 40.5 + 100) / 3
        (("2026-01", "2026-06"), {"districts": ("D01",)}, spend_row(4, "3165.50", 2, 165.5 / 3)),
        (("2026-01", "2026-06"), {"districts": ("D03",)}, spend_row(0, "0", 0, None)),
        # April alone: F05 (60.00) and the grant F09 (3000.00); avg over F05 only
        (("2026-04", "2026-04"), {}, spend_row(2, "3060.00", 1, 60.0)),
        (("2026-05", "2026-05"), {}, spend_row(0, "0", 0, None)),
    ],
)
def test_fsf_spend_total(runner, period, filters, expected):
    assert run(runner, "fsf_spend", period=period, **filters) == approx_rows([expected])


def test_fsf_spend_by_district(runner):
    assert run(runner, "fsf_spend", by="district") == approx_rows(
        [
            spend_row(4, "3165.50", 2, 165.5 / 3, district_code="D01"),  # F01 F02 F03 F09
            spend_row(3, "5074.50", 2, 74.5 / 2, district_code="D02"),  # F04 F05 F06
            spend_row(0, "0", 0, None, district_code="D03"),
        ]
    )


def test_fsf_spend_by_office_uses_the_payments_own_office(runner):
    def key(d, o):
        return {"district_code": d, "office_code": o}

    assert run(runner, "fsf_spend", by="office") == approx_rows(
        [
            spend_row(2, "65.50", 1, 65.5 / 2, **key("D01", "D01-O01")),  # F01 F02
            spend_row(2, "3100.00", 1, 100.0, **key("D01", "D01-O02")),  # F03, grant F09
            # F04 (grant), F05 (P1's claim is at D01-O01, but D02-O01 paid), F06
            spend_row(3, "5074.50", 2, 74.5 / 2, **key("D02", "D02-O01")),
            spend_row(0, "0", 0, None, **key("D03", "D03-O01")),
        ]
    )


def test_fsf_spend_by_month(runner):
    assert run(runner, "fsf_spend", by="month") == approx_rows(
        [
            spend_row(1, "25.00", 1, 25.0, month="2026-01"),  # F01
            spend_row(1, "40.50", 1, 40.5, month="2026-02"),  # F02
            spend_row(2, "5100.00", 1, 100.0, month="2026-03"),  # F03, grant F04
            spend_row(2, "3060.00", 1, 60.0, month="2026-04"),  # F05, grant F09
            spend_row(0, "0", 0, None, month="2026-05"),
            spend_row(1, "14.50", 1, 14.5, month="2026-06"),  # F06
        ]
    )


# ------------------------------------------------------------------------ fsf_categories


@pytest.mark.parametrize(
    ("by", "filters", "expected"),
    [
        (
            "total",
            {},
            [
                ("childcare", 1, D("14.50")),  # F06
                ("clothing_equipment", 1, D("40.50")),  # F02
                ("partnership_grant", 2, D("8000.00")),  # F04 5000 + F09 3000
                ("training", 1, D("100.00")),  # F03
                ("travel", 2, D("85.00")),  # F01 25 + F05 60 ("other" F08 is out of period)
            ],
        ),
        (
            "total",
            {"benefits": ("UC",)},
            [("clothing_equipment", 1, D("40.50")), ("travel", 2, D("85.00"))],
        ),
        (
            "district",
            {},
            [
                ("D01", "clothing_equipment", 1, D("40.50")),
                ("D01", "partnership_grant", 1, D("3000.00")),
                ("D01", "training", 1, D("100.00")),
                ("D01", "travel", 1, D("25.00")),
                ("D02", "childcare", 1, D("14.50")),
                ("D02", "partnership_grant", 1, D("5000.00")),
                ("D02", "travel", 1, D("60.00")),
            ],
        ),
        (
            "office",
            {"districts": ("D02",)},
            [
                ("D02", "D02-O01", "childcare", 1, D("14.50")),
                ("D02", "D02-O01", "partnership_grant", 1, D("5000.00")),
                ("D02", "D02-O01", "travel", 1, D("60.00")),
            ],
        ),
        (
            "month",
            {},
            [
                ("2026-01", "travel", 1, D("25.00")),
                ("2026-02", "clothing_equipment", 1, D("40.50")),
                ("2026-03", "partnership_grant", 1, D("5000.00")),
                ("2026-03", "training", 1, D("100.00")),
                ("2026-04", "partnership_grant", 1, D("3000.00")),
                ("2026-04", "travel", 1, D("60.00")),
                ("2026-06", "childcare", 1, D("14.50")),
            ],
        ),
        ("total", {"groups": ("carer",)}, []),
    ],
)
def test_fsf_categories(runner, by, filters, expected):
    rows = run(runner, "fsf_categories", by=by, **filters)
    # Every category is listed for every group (0 where none, as for deferral reasons); the
    # figures worked out above are the categories paid.
    assert sorted(tuple(r.values()) for r in rows if r["payments"]) == expected
    groups = {tuple(r.values())[:-3] for r in rows}
    assert len(rows) == len(groups) * len(FSF_CATEGORIES)


# ---------------------------------------------------------------------------- fsf_budget

# Financial years: 2025-26 = 2025-04-01..2026-03-31 (365 days), 2026-27 = 2026-04-01..
# 2027-03-31 (365 days). Extract date 2026-10-31: 2026-27 has run 2026-04-01..2026-10-31
# inclusive = 30 + 31 + 30 + 31 + 31 + 30 + 31 = 214 days.
#
# D01 2025-26: F11 (2025-04-01) 1.00 + F07 999.00 + F01 25.00 + F02 40.50 + F03 (2026-03-31)
#   100.00 = 1165.50 (F10 on 2025-03-31 is FY 2024-25; F07 is outside the request period but
#   inside the year). pct 1165.50 / 10000 = 0.11655; year over -> outturn = spend.
D01_2526 = {
    "district_code": "D01",
    "financial_year": "2025-26",
    "allocation_gbp": D("10000.00"),
    "spend_to_date_gbp": D("1165.50"),
    "pct_spent": 0.11655,
    "projected_outturn_gbp": 1165.50,  # 1165.50 / 365 * 365
}
# D01 2026-27: F09 (2026-04-01) 3000.00 + F08 888.00 = 3888.00; pct 3888 / 20000 = 0.1944
D01_2627 = {
    "district_code": "D01",
    "financial_year": "2026-27",
    "allocation_gbp": D("20000.00"),
    "spend_to_date_gbp": D("3888.00"),
    "pct_spent": 0.1944,
    "projected_outturn_gbp": 3888 / 214 * 365,  # = 6631.40...
}
# D02 2026-27: F05 (2026-04-01) 60.00 + F06 14.50 = 74.50 (F04 on 2026-03-31 is FY 2025-26)
D02_2627 = {
    "district_code": "D02",
    "financial_year": "2026-27",
    "allocation_gbp": D("8000.00"),
    "spend_to_date_gbp": D("74.50"),
    "pct_spent": 74.5 / 8000,
    "projected_outturn_gbp": 74.5 / 214 * 365,  # = 127.07...
}
# D03 2027-28 has not started on the extract date: nothing spent, no projection.
D03_2728 = {
    "district_code": "D03",
    "financial_year": "2027-28",
    "allocation_gbp": D("1000.00"),
    "spend_to_date_gbp": D("0.00"),
    "pct_spent": 0.0,
    "projected_outturn_gbp": None,
}
# D02 2024-25 has ended and nothing was paid in it.
D02_2425 = {
    "district_code": "D02",
    "financial_year": "2024-25",
    "allocation_gbp": D("5000.00"),
    "spend_to_date_gbp": D("0.00"),
    "pct_spent": 0.0,
    "projected_outturn_gbp": 0.0,
}


def _budget_rows(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: (r["district_code"], r["financial_year"]))


@pytest.mark.parametrize(
    ("period", "filters", "expected"),
    [
        # Jan-Jun 2026 overlaps FY 2025-26 (Jan-Mar) and FY 2026-27 (Apr-Jun)
        (("2026-01", "2026-06"), {}, [D01_2526, D01_2627, D02_2627]),
        # April to June only: FY 2025-26 ended on 31 March
        (("2026-04", "2026-06"), {}, [D01_2627, D02_2627]),
        (("2026-03", "2026-03"), {}, [D01_2526]),
        (("2027-04", "2027-04"), {}, [D03_2728]),
        (("2024-06", "2025-03"), {}, [D02_2425]),
        (("2026-01", "2026-06"), {"districts": ("D02",)}, [D02_2627]),
        # an office filter selects its district's budgets, with the whole district's spend
        (("2026-01", "2026-06"), {"offices": ("D01-O02",)}, [D01_2526, D01_2627]),
        # benefit and group filters do not apply to budgets
        (("2026-01", "2026-06"), {"benefits": ("JSA",)}, [D01_2526, D01_2627, D02_2627]),
        (("2026-01", "2026-06"), {"groups": ("carer",)}, [D01_2526, D01_2627, D02_2627]),
    ],
    ids=[
        "jan-jun",
        "apr-jun",
        "march",
        "not-started",
        "ended",
        "district",
        "office",
        "benefit",
        "group",
    ],
)
def test_fsf_budget(runner, period, filters, expected):
    rows = _budget_rows(run(runner, "fsf_budget", period=period, **filters))
    assert rows == approx_rows(expected)


@pytest.mark.parametrize("by", ["district", "office", "month"])
def test_fsf_budget_ignores_by(runner, by):
    assert _budget_rows(run(runner, "fsf_budget", by=by)) == approx_rows(
        [D01_2526, D01_2627, D02_2627]
    )


def test_disclosure_support_counts(runner) -> None:
    """The payment counts behind averages and spend (disclosure control needs these)."""
    spend = runner.run(MeasureRequest("fsf_spend", "2026-01", "2026-06"), **EXACT)
    # F01, F02, F03, F05, F06 have a claim; F04 and F09 are partnership grants.
    assert spend.select("payments", "claimant_payments").row(0) == (7, 5)
    budget_rows = runner.run(MeasureRequest("fsf_budget", "2025-04", "2027-03"), **EXACT)
    assert budget_rows.select("district_code", "financial_year", "payments").rows() == [
        ("D01", "2025-26", 5),  # F01, F02, F03, F07, F11
        ("D01", "2026-27", 2),  # F08, F09
        ("D02", "2026-27", 2),  # F05, F06
    ]


# ------------------------------------------- recipients of claims paid in several months

# Claims paid by one office only, month after month: counted once over a period, in the
# period's first month they were paid (payment_months keeps a claim's previous payment month).
REPEAT_CLAIMS = [
    claim("R1", "D03-O01", "2025-01-01", "UC", "health_condition"),
    claim("R2", "D03-O01", "2025-01-01", "ESA", "carer"),
]
REPEAT_PAYMENTS = [
    payment("G01", "D03-O01", "R1", "2025-12-05", "10.00", "travel"),  # before the period
    payment("G02", "D03-O01", "R1", "2026-01-05", "10.00", "travel"),
    payment("G03", "D03-O01", "R1", "2026-01-20", "10.00", "travel"),  # same month again
    payment("G04", "D03-O01", "R1", "2026-03-05", "10.00", "travel"),
    payment("G05", "D03-O01", "R2", "2026-02-05", "10.00", "childcare"),
    payment("G06", "D03-O01", "R2", "2026-02-25", "10.00", "childcare"),
]


@pytest.fixture(scope="module")
def repeat_runner(tmp_path_factory) -> Iterator[Runner]:
    """Two claims at one office, each paid in several months."""
    tables = {**GEOGRAPHY, "claims": REPEAT_CLAIMS, "fsf_payments": REPEAT_PAYMENTS}
    with runner_for(tmp_path_factory.mktemp("fsf_repeat"), tables) as loaded:
        yield loaded


@pytest.mark.parametrize(
    ("period", "by", "recipients"),
    [
        # Jan-Jun: R1 (G02 G03 G04), R2 (G05 G06) -> 2, whatever R1 was paid in December
        (("2026-01", "2026-06"), "total", [2]),
        (("2026-01", "2026-06"), "district", [0, 0, 2]),  # D01 D02 D03
        (("2026-01", "2026-06"), "office", [0, 0, 0, 2]),
        # Feb-Mar: R2 in February, R1 in March (its January payments are outside) -> 2
        (("2026-02", "2026-03"), "total", [2]),
        (("2026-03", "2026-06"), "total", [1]),  # R1 (G04)
        (("2025-12", "2026-01"), "total", [1]),  # R1, paid in both months, once
        # By month, each month's own claims: Jan R1, Feb R2, Mar R1
        (("2026-01", "2026-03"), "month", [1, 1, 1]),
    ],
)
def test_fsf_spend_counts_a_claim_paid_in_several_months_once(
    repeat_runner, period, by, recipients
):
    frame = repeat_runner.run(MeasureRequest("fsf_spend", *period, by=by), **EXACT)
    assert frame["recipients"].to_list() == recipients
