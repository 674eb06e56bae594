"""FSF uptake: live claims, those paid from the fund in the period, per 100, worked out by hand."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from extracts import EXACT, GEOGRAPHY, approx_rows, claim, payment, runner_for

from jcp.measures.access import Scope
from jcp.measures.disclosure import Thresholds, protect
from jcp.measures.queries import query_sql, sql_parameters
from jcp.measures.runner import MeasureRequest, Runner

PERIOD = ("2026-01", "2026-03")  # 2026-01-01 to 2026-03-31; the extract date is 2026-10-31

# Live in the period: start_date <= 2026-03-31 and (no end_date or end_date >= 2026-01-01).
CLAIMS = [
    # Starts on the period's last day: live. Paid on that day: a recipient.
    claim("U01", "D01-O01", "2026-03-31", "UC", "health_condition"),
    # Starts the day after the period: not live (paid that day too: outside the period).
    claim("U02", "D01-O01", "2026-04-01", "UC", "health_condition"),
    # Ends on the period's first day: live. Paid that day by ANOTHER office (D02-O01): a
    # recipient of its own office, D01-O02.
    claim("U03", "D01-O02", "2025-06-01", "ESA", "health_condition", "2026-01-01", "other"),
    # Ends the day before the period: not live (and paid that day: outside the period).
    claim("U04", "D01-O02", "2025-06-01", "UC", "lone_parent", "2025-12-31", "job_entry"),
    # Open all along; paid twice in February (one recipient) and the day before the period.
    claim("U05", "D02-O01", "2025-10-01", "UC", "lone_parent"),
    # Open all along; paid only the day after the period: live, not a recipient.
    claim("U06", "D02-O01", "2025-11-01", "JSA", "jobseeker"),
    # Starts 2026-01-15, ends 2026-03-10; paid in January and in March.
    claim("U07", "D03-O01", "2026-01-15", "UC", "carer", "2026-03-10", "job_entry"),
    # Ends 2026-01-10, paid 2026-02-15 (after its end; the contract allows it): live in the
    # period (in January) and paid in it (in February), so a recipient of the period, but of
    # neither month on its own (January: live, not paid; February: paid, not live).
    claim("U08", "D03-O01", "2025-05-01", "IS", "lone_parent", "2026-01-10", "other"),
    # Paid 2026-03-20, before it starts on 2026-05-01: not live in the period, not a recipient.
    claim("U09", "D03-O01", "2026-05-01", "UC", "health_condition"),
    # Ends 2025-12-15, paid 2026-01-05: not live in the period, not a recipient.
    claim("U10", "D03-O01", "2025-09-01", "JSA", "jobseeker", "2025-12-15", "other"),
    # Open all along, never paid.
    claim("U11", "D02-O01", "2024-01-01", "UC", "health_condition"),
]
PAYMENTS = [
    payment("P01", "D01-O01", "U01", "2026-03-31"),  # the period's last day
    payment("P02", "D01-O01", "U02", "2026-04-01"),  # the day after
    payment("P03", "D02-O01", "U03", "2026-01-01"),  # the period's first day, another office
    payment("P04", "D01-O02", "U04", "2025-12-31"),  # the day before
    payment("P05", "D02-O01", "U05", "2026-02-10"),
    payment("P06", "D02-O01", "U05", "2026-02-20"),  # a second payment: still one recipient
    payment("P07", "D02-O01", "U05", "2025-12-31"),  # the day before the period
    payment("P08", "D02-O01", "U06", "2026-04-01"),  # the day after the period
    payment("P09", "D03-O01", "U07", "2026-01-20"),
    payment("P10", "D03-O01", "U07", "2026-03-05"),
    # A partnership grant (no claim) in the period: nobody's uptake.
    payment("P11", "D03-O01", None, "2026-02-01", "5000.00", "partnership_grant"),
    payment("P12", "D03-O01", "U08", "2026-02-15"),
    payment("P13", "D03-O01", "U09", "2026-03-20"),
    payment("P14", "D03-O01", "U10", "2026-01-05"),
]


@pytest.fixture(scope="module")
def runner(tmp_path_factory) -> Iterator[Runner]:
    """The claims and payments above, loaded once, with no rejected rows."""
    tables = {**GEOGRAPHY, "claims": CLAIMS, "fsf_payments": PAYMENTS}
    with runner_for(tmp_path_factory.mktemp("fsf_uptake"), tables) as loaded:
        yield loaded


def run(runner, by="total", period=PERIOD, **filters) -> list[dict]:
    return runner.run(MeasureRequest("fsf_uptake", *period, by=by, **filters), **EXACT).to_dicts()


def uptake(live: int, recipients: int, **keys) -> dict:
    """A row; uptake is 100 x recipients / live claims (none when no claim is live)."""
    return {
        **keys,
        "live_claims": live,
        "recipients": recipients,
        "uptake_per_100": 100 * recipients / live if live else None,
    }


# Live: U01 U03 U05 U06 U07 U08 U11 = 7 (not U02, U04, U09, U10).
# Recipients: U01 (03-31), U03 (01-01), U05 (twice), U07 (twice), U08 (02-15) = 5;
# not U06 (paid 04-01), U11 (never paid), U02/U04/U09/U10 (not live). 100 x 5 / 7 = 71.43.
@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, uptake(7, 5)),
        # UC: U01 U02 U04 U05 U07 U09 U11; live U01 U05 U07 U11; paid U01 U05 U07: 75.0
        ({"benefits": ("UC",)}, uptake(4, 3)),
        # lone parents: U04 (not live) U05 U08: both live ones paid
        ({"groups": ("lone_parent",)}, uptake(2, 2)),
        # jobseekers: U06 (live, paid after the period) and U10 (not live): 0 per 100
        ({"groups": ("jobseeker",)}, uptake(1, 0)),
        # D02: U05 U06 U11 live; only U05 paid. U03's payment by D02-O01 is U03's office's.
        ({"districts": ("D02",)}, uptake(3, 1)),
        ({"offices": ("D02-O01",)}, uptake(3, 1)),
        # D01-O02: U03 (live, paid by D02-O01) and U04 (not live)
        ({"offices": ("D01-O02",)}, uptake(1, 1)),
        # nobody in group "other": no live claims, no uptake
        ({"groups": ("other",)}, uptake(0, 0)),
    ],
    ids=["all", "uc", "lone_parent", "jobseeker", "district", "office", "paid_elsewhere", "empty"],
)
def test_uptake_total(runner, filters, expected) -> None:
    assert run(runner, **filters) == approx_rows([expected])


def test_uptake_by_district(runner) -> None:
    assert run(runner, by="district") == approx_rows(
        [
            uptake(2, 2, district_code="D01"),  # U01, U03
            uptake(3, 1, district_code="D02"),  # U05 U06 U11; U05 paid
            uptake(2, 2, district_code="D03"),  # U07 U08; the grant is nobody's
        ]
    )


def test_uptake_by_office(runner) -> None:
    def key(d, o):
        return {"district_code": d, "office_code": o}

    assert run(runner, by="office") == approx_rows(
        [
            uptake(1, 1, **key("D01", "D01-O01")),  # U01 (U02 starts after)
            uptake(1, 1, **key("D01", "D01-O02")),  # U03, though D02-O01 paid it
            uptake(3, 1, **key("D02", "D02-O01")),  # U05 U06 U11; not U03's payment
            uptake(2, 2, **key("D03", "D03-O01")),  # U07 U08
        ]
    )


def test_uptake_by_month_each_month_its_own_period(runner) -> None:
    assert run(runner, by="month") == approx_rows(
        [
            # January: live U03 (ends 01-01) U05 U06 U07 (starts 01-15) U08 (ends 01-10) U11 = 6;
            # paid in January: U03 (01-01), U07 (01-20) = 2. U08 is paid in February.
            uptake(6, 2, month="2026-01"),
            # February: live U05 U06 U07 U11 = 4; paid: U05 (twice) = 1. U08 is paid on 02-15
            # but ended on 01-10: not live in February.
            uptake(4, 1, month="2026-02"),
            # March: live U01 (starts 03-31) U05 U06 U07 (ends 03-10) U11 = 5; paid: U01
            # (03-31), U07 (03-05) = 2. U09 is paid on 03-20 but starts in May.
            uptake(5, 2, month="2026-03"),
        ]
    )
    # The months' recipients add up to 5 claim-months, the quarter's to 5 claims, but not
    # the same ones: U07 counts in January and March and once in the quarter, U08 in the
    # quarter only.


def test_a_claim_counts_once_in_a_later_part_of_its_payments(runner) -> None:
    # February-March: live U01 U05 U06 U07 U11 = 5 (U03 and U08 ended in January);
    # recipients U01 (03-31), U05 (February; also paid 2025-12-31), U07 (03-05; also paid in
    # January, before this period) = 3. U08 (paid 02-15, ended 01-10) and U09 (paid 03-20,
    # starts 05-01) are not live in it. 100 x 3 / 5 = 60.
    assert run(runner, period=("2026-02", "2026-03")) == approx_rows([uptake(5, 3)])


def test_a_payment_after_the_claim_ended_counts_only_where_the_claim_was_live(runner) -> None:
    # U08 alone (D03-O01 IS): ended 2026-01-10, paid 2026-02-15.
    one = {"benefits": ("IS",)}
    assert run(runner, period=("2026-01", "2026-02"), **one) == approx_rows([uptake(1, 1)])
    assert run(runner, period=("2026-02", "2026-02"), **one) == approx_rows([uptake(0, 0)])
    assert run(runner, period=("2026-01", "2026-01"), **one) == approx_rows([uptake(1, 0)])


def test_a_payment_before_the_claim_starts_counts_once_the_claim_is_live(runner) -> None:
    # U09 (UC health_condition, D03-O01): paid 2026-03-20, starts 2026-05-01. Over March to
    # May it is live (from May) and paid (in March): a recipient; in March alone, not live.
    one = {"offices": ("D03-O01",), "benefits": ("UC",), "groups": ("health_condition",)}
    assert run(runner, period=("2026-03", "2026-05"), **one) == approx_rows([uptake(1, 1)])
    assert run(runner, period=("2026-03", "2026-03"), **one) == approx_rows([uptake(0, 0)])
    assert run(runner, period=("2026-05", "2026-05"), **one) == approx_rows([uptake(1, 0)])


def test_the_extract_date_bounds_the_months(runner) -> None:
    # October 2026 holds the extract date (2026-10-31): live are the open claims U01 U02 U05
    # U06 U09 U11 = 6, none paid. November starts after it: nothing is known, no live claims.
    assert run(runner, by="month", period=("2026-10", "2026-11")) == approx_rows(
        [uptake(6, 0, month="2026-10"), uptake(0, 0, month="2026-11")]
    )
    assert run(runner, period=("2026-11", "2026-12")) == approx_rows([uptake(0, 0)])


def test_uptake_is_the_published_counts_per_100(runner) -> None:
    # With disclosure control the rate is recomputed from the published (perturbed) counts,
    # times 100 (the ratio's scale), never from the true ones. Thresholds of 1 keep it shown.
    request = MeasureRequest("fsf_uptake", *PERIOD, by="office")
    params = runner.parameters(request, Scope.national())
    wanted = sql_parameters(query_sql("fsf_uptake"))
    raw = runner.engine.query("fsf_uptake", {k: v for k, v in params.items() if k in wanted})
    published = protect(raw, "fsf_uptake", Thresholds(min_count=1, min_denominator=1))
    assert published["uptake_per_100"].drop_nulls().len() > 0
    for row in published.iter_rows(named=True):
        if row["live_claims"]:
            assert row["uptake_per_100"] == pytest.approx(
                100 * row["recipients"] / row["live_claims"]
            )
