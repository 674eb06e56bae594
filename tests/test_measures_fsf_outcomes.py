"""FSF outcomes: sustained jobs with and without FSF before the start, worked out by hand.

Descriptive, not a measure of effect; these tests check only the counting.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from extracts import EXACT, GEOGRAPHY, approx_rows, claim, job_entry, payment, runner_for

from jcp.measures.runner import MeasureRequest, Runner

# 2026-02-01 to 2026-08-31. The extract date is 2026-10-31, so a job is mature for 13 weeks
# when start_date + 91 <= 2026-10-31, i.e. started on or before 2026-08-01 (Oct 31 less 30
# days is Oct 1, less 30 is Sep 1, less 31 is Aug 1).
PERIOD = ("2026-02", "2026-08")

CLAIMS = [
    claim("O1", "D01-O01", "2025-06-01", "UC", "health_condition"),
    claim("O2", "D01-O02", "2025-06-01", "JSA", "jobseeker"),
    claim("O3", "D02-O01", "2025-06-01", "UC", "lone_parent"),
    claim("O4", "D03-O01", "2025-06-01", "ESA", "health_condition"),
]
PAYMENTS = [
    # O1 is paid by ANOTHER office on 2026-03-02: its jobs from that day on are supported.
    payment("P1", "D02-O01", "O1", "2026-03-02"),
    # O2 is paid on 2026-03-03: the day after its first job starts.
    payment("P2", "D01-O02", "O2", "2026-03-03"),
    payment("P3", "D02-O01", "O3", "2026-01-15"),
    # A partnership grant supports no claim's job (O4 has no payment).
    payment("P4", "D03-O01", None, "2026-02-01", "5000.00", "partnership_grant"),
]
# Days in work = end_date - start_date; sustained when still in work or >= 91 days.
JOBS = [
    # Paid on the start date itself: supported. Still in work: sustained.
    job_entry("J01", "O1", "2026-03-02"),
    # Paid the day after the start: unsupported. Mar 2 -> Apr 2 31, -> May 2 30, -> Jun 1 30:
    # 91 days, sustained.
    job_entry("J02", "O2", "2026-03-02", "2026-06-01"),
    # The same claim's later job, after the payment: supported. Apr 1 -> May 1 30, -> Jun 1
    # 31, -> Jun 30 29: 90 days, not sustained.
    job_entry("J03", "O2", "2026-04-01", "2026-06-30"),
    # Starts 2026-08-01: mature (the last mature day). Supported (paid 01-15), in work.
    job_entry("J04", "O3", "2026-08-01"),
    # Starts 2026-08-02: one day short of mature, left out.
    job_entry("J05", "O3", "2026-08-02"),
    # Mature, unsupported; Aug 1 -> Oct 31 is 91 days, so -> Oct 30 is 90: not sustained.
    job_entry("J06", "O4", "2026-08-01", "2026-10-30"),
    # Unsupported; May 10 -> Jun 10 31, -> Jul 10 30, -> Aug 9 30: 91 days, sustained.
    job_entry("J07", "O4", "2026-05-10", "2026-08-09"),
    # The period's first day; before O1 was paid: unsupported, in work, sustained.
    job_entry("J08", "O1", "2026-02-01"),
    # The day before the period, and a month after it: not counted.
    job_entry("J09", "O1", "2026-01-31"),
    job_entry("J10", "O3", "2026-09-01"),
]


@pytest.fixture(scope="module")
def runner(tmp_path_factory) -> Iterator[Runner]:
    """The claims, payments and jobs above, loaded once, with no rejected rows."""
    tables = {**GEOGRAPHY, "claims": CLAIMS, "fsf_payments": PAYMENTS, "job_entries": JOBS}
    with runner_for(tmp_path_factory.mktemp("fsf_outcomes"), tables) as loaded:
        yield loaded


def run(runner, by="total", period=PERIOD, measure="fsf_outcomes", **filters) -> list[dict]:
    return runner.run(MeasureRequest(measure, *period, by=by, **filters), **EXACT).to_dicts()


def outcomes(mature_s: int, sustained_s: int, mature_u: int, sustained_u: int, **keys) -> dict:
    """A row; each rate is sustained over mature (none when nothing is mature)."""
    return {
        **keys,
        "mature_supported": mature_s,
        "sustained_supported": sustained_s,
        "rate_supported": sustained_s / mature_s if mature_s else None,
        "mature_unsupported": mature_u,
        "sustained_unsupported": sustained_u,
        "rate_unsupported": sustained_u / mature_u if mature_u else None,
    }


# Mature in the period: supported J01 (sustained) J03 (90 days) J04 (sustained) = 3, 2;
# unsupported J02 (91 days) J06 (90 days) J07 (91 days) J08 (in work) = 4, 3.
# Not counted: J05 (not mature), J09 (before), J10 (after).
@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, outcomes(3, 2, 4, 3)),
        # UC: O1 and O3: J01 J04 supported, both sustained; J08 unsupported, sustained
        ({"benefits": ("UC",)}, outcomes(2, 2, 1, 1)),
        # jobseekers: O2: J03 supported (90 days); J02 unsupported (91 days)
        ({"groups": ("jobseeker",)}, outcomes(1, 0, 1, 1)),
        ({"offices": ("D01-O02",)}, outcomes(1, 0, 1, 1)),
        # D03: O4, never paid: J06 (90 days) J07 (91 days)
        ({"districts": ("D03",)}, outcomes(0, 0, 2, 1)),
        ({"groups": ("other",)}, outcomes(0, 0, 0, 0)),
    ],
    ids=["all", "uc", "jobseeker", "office", "district", "empty"],
)
def test_outcomes_total(runner, filters, expected) -> None:
    assert run(runner, **filters) == approx_rows([expected])


def test_outcomes_by_district(runner) -> None:
    assert run(runner, by="district") == approx_rows(
        [
            outcomes(2, 1, 2, 2, district_code="D01"),  # J01 J03 | J02 J08
            outcomes(1, 1, 0, 0, district_code="D02"),  # J04 (J05 not mature)
            outcomes(0, 0, 2, 1, district_code="D03"),  # J06 J07
        ]
    )


def test_outcomes_by_office(runner) -> None:
    def key(d, o):
        return {"district_code": d, "office_code": o}

    assert run(runner, by="office") == approx_rows(
        [
            # J01 (paid by D02-O01, still O1's office's job) | J08
            outcomes(1, 1, 1, 1, **key("D01", "D01-O01")),
            outcomes(1, 0, 1, 1, **key("D01", "D01-O02")),  # J03 | J02
            outcomes(1, 1, 0, 0, **key("D02", "D02-O01")),  # J04
            outcomes(0, 0, 2, 1, **key("D03", "D03-O01")),  # J06 J07
        ]
    )


def test_outcomes_by_start_month(runner) -> None:
    assert run(runner, by="month") == approx_rows(
        [
            outcomes(0, 0, 1, 1, month="2026-02"),  # J08
            outcomes(1, 1, 1, 1, month="2026-03"),  # J01 | J02
            outcomes(1, 0, 0, 0, month="2026-04"),  # J03
            outcomes(0, 0, 1, 1, month="2026-05"),  # J07
            outcomes(0, 0, 0, 0, month="2026-06"),
            outcomes(0, 0, 0, 0, month="2026-07"),
            # The boundary month, day by day: J04 | J06 mature on 08-01; J05 (08-02) is not.
            outcomes(1, 1, 1, 0, month="2026-08"),
        ]
    )


@pytest.mark.parametrize("by", ["total", "district", "office", "month"])
def test_the_two_groups_add_up_to_the_job_entries_13_week_counts(runner, by) -> None:
    # Every mature job is supported or not, and sustained as job_entries counts sustained_13w.
    ours = [
        (
            r["mature_supported"] + r["mature_unsupported"],
            r["sustained_supported"] + r["sustained_unsupported"],
        )
        for r in run(runner, by=by)
    ]
    theirs = [(r["mature_13w"], r["sustained_13w"]) for r in run(runner, by, measure="job_entries")]
    assert ours == theirs
