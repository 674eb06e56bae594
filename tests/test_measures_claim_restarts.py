"""Claim restarts: claims ending in the period and whether the claimant claimed again, by hand."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from extracts import EXACT, GEOGRAPHY, approx_rows, claim, runner_for

from jcp.measures.runner import MeasureRequest, Runner

# 2026-01-01 to 2026-08-31. The extract date is 2026-10-31 (tests/extracts.py), so a claim is
# old enough for 91 days when it ended on or before 2026-10-31 - 91 = 2026-08-01 (Aug 1 -> Sep 1
# is 31 days, -> Oct 1 61, -> Oct 31 91), and for 182 days on or before 2026-05-02 (May 2 ->
# Jun 2 31, -> Jul 2 61, -> Aug 2 92, -> Sep 2 123, -> Oct 2 153, -> Oct 31 182).
PERIOD = ("2026-01", "2026-08")


def _claim(claim_id, person, office_code, start, benefit, group, end=None, reason=None) -> dict:
    """A claim of the claimant `person` (claims of one person share their claimant_ref)."""
    row = claim(claim_id, office_code, start, benefit, group, end, reason)
    return row | {"claimant_ref": f"P-{person}"}


# Days from an ending claim's end to its claimant's next claim, worked out beside each pair.
CLAIMS = [
    # Ends on the period's first day, into work; the same person claims again that very day:
    # day 0 counts (start_date on or after end_date).
    _claim(
        "R01", "A", "D01-O01", "2025-10-01", "UC", "health_condition", "2026-01-01", "job_entry"
    ),
    _claim("R02", "A", "D02-O01", "2026-01-01", "JSA", "jobseeker"),
    # The person's other claim started the day before this one ended: not a restart.
    _claim("R03", "B", "D01-O02", "2025-11-01", "UC", "lone_parent", "2026-02-10", "other"),
    _claim("R04", "B", "D01-O02", "2026-02-09", "UC", "lone_parent"),
    # 2026-03-01 -> 04-01 is 31 days, -> 05-01 61, -> 05-31 91: restarted within 91 days.
    _claim(
        "R05", "C", "D02-O01", "2025-12-01", "ESA", "health_condition", "2026-03-01", "job_entry"
    ),
    _claim("R06", "C", "D02-O01", "2026-05-31", "ESA", "health_condition"),
    # 2026-03-01 -> 06-01 is 92 days: not within 91, within 182.
    _claim("R07", "D", "D02-O01", "2025-12-15", "UC", "carer", "2026-03-01", "other"),
    _claim("R08", "D", "D02-O01", "2026-06-01", "UC", "carer"),
    # 2026-02-01 -> 03-01 28, -> 04-01 59, -> 05-01 89, -> 06-01 120, -> 07-01 150, -> 08-01 181,
    # -> 08-02 182: within 182. The new claim is another benefit in another district: the
    # filters apply to the claim that ended, so it still counts for D01 and UC.
    _claim(
        "R09", "E", "D01-O01", "2025-09-01", "UC", "health_condition", "2026-02-01", "job_entry"
    ),
    _claim("R10", "E", "D03-O01", "2026-08-02", "JSA", "jobseeker"),
    # 2026-02-01 -> 08-03 is 183 days: not within 182.
    _claim(
        "R11", "F", "D01-O01", "2025-09-01", "UC", "health_condition", "2026-02-01", "job_entry"
    ),
    _claim("R12", "F", "D01-O01", "2026-08-03", "UC", "health_condition"),
    # Starts and ends the same day, no other claim: its own start (on its end date) is not a
    # restart.
    _claim("R13", "G", "D03-O01", "2026-04-15", "JSA", "jobseeker", "2026-04-15", "other"),
    # Someone else claims at the same office the day this claim ends: not a restart.
    _claim("R14", "H", "D03-O01", "2026-01-20", "JSA", "jobseeker", "2026-04-20", "other_benefit"),
    _claim("R15", "I", "D03-O01", "2026-04-20", "JSA", "jobseeker"),
    # Ends 2026-08-01: exactly old enough for 91 days (+ 91 = 2026-10-31, the extract date).
    # 08-01 -> 08-10 is 9 days: restarted.
    _claim("R16", "J", "D01-O02", "2026-03-01", "IS", "lone_parent", "2026-08-01", "job_entry"),
    _claim("R17", "J", "D01-O02", "2026-08-10", "IS", "lone_parent"),
    # Ends 2026-08-02: one day short of 91 days, so not judged, although it restarted on day 0.
    _claim("R18", "K", "D01-O02", "2026-03-01", "IS", "lone_parent", "2026-08-02", "job_entry"),
    _claim("R19", "K", "D01-O02", "2026-08-02", "IS", "lone_parent"),
    # Ends 2026-05-02, into work: exactly old enough for 182 days. 05-02 -> 06-01 is 30 days.
    _claim(
        "R20", "L", "D02-O01", "2026-01-05", "UC", "health_condition", "2026-05-02", "job_entry"
    ),
    _claim("R21", "L", "D02-O01", "2026-06-01", "UC", "health_condition"),
    # Ends 2026-05-03: one day short of 182 days (old enough for 91); restarted on day 0.
    _claim(
        "R22", "M", "D02-O01", "2026-01-05", "UC", "health_condition", "2026-05-03", "job_entry"
    ),
    _claim("R23", "M", "D02-O01", "2026-05-03", "UC", "health_condition"),
    # Ends on the period's last day: in, too recent to judge at all.
    _claim("R24", "N", "D03-O01", "2026-05-01", "UC", "carer", "2026-08-31", "other"),
    # Ends the day before the period (out), restarting 10 days later.
    _claim("R25", "O", "D01-O01", "2025-06-01", "UC", "carer", "2025-12-31", "other"),
    _claim("R26", "O", "D01-O01", "2026-01-10", "UC", "carer"),
    # Ends the day after the period: out.
    _claim("R27", "P", "D01-O01", "2025-06-01", "UC", "carer", "2026-09-01", "other"),
    # Two later claims: the earlier one decides. 03-10 -> 05-20 is 71 days (-> 04-10 31,
    # -> 05-10 61); 03-10 -> 09-30 is 204 (31 + 30 + 31 + 30 + 31 + 31 = 184 to 09-10, + 20).
    _claim(
        "R28",
        "Q",
        "D01-O02",
        "2025-10-01",
        "ESA",
        "health_condition",
        "2026-03-10",
        "work_programme",
    ),
    _claim("R29", "Q", "D01-O02", "2026-09-30", "ESA", "health_condition"),
    _claim("R30", "Q", "D02-O01", "2026-05-20", "UC", "health_condition"),
]


@pytest.fixture(scope="module")
def runner(tmp_path_factory) -> Iterator[Runner]:
    """The claims above, loaded once, with no rejected rows."""
    with runner_for(tmp_path_factory.mktemp("restarts"), {**GEOGRAPHY, "claims": CLAIMS}) as r:
        yield r


def run(runner, by="total", period=PERIOD, measure="claim_restarts", **filters) -> list[dict]:
    return runner.run(MeasureRequest(measure, *period, by=by, **filters), **EXACT).to_dicts()


def restarts(ended, m91, r91, m182, r182, m182w, r182w, **keys) -> dict:
    """A row; each rate is its restarts over the claims old enough (none when there are none)."""

    def rate(n: int, d: int) -> float | None:
        return n / d if d else None

    return {
        **keys,
        "ended": ended,
        "mature_91d": m91,
        "restarted_91d": r91,
        "restart_rate_91d": rate(r91, m91),
        "mature_182d": m182,
        "restarted_182d": r182,
        "restart_rate_182d": rate(r182, m182),
        "mature_182d_to_work": m182w,
        "restarted_182d_to_work": r182w,
        "restart_rate_182d_to_work": rate(r182w, m182w),
    }


# Ending in the period, with (days to the next claim; - for none; w for into work):
#   R01 01-01 0 w | R03 02-10 - | R05 03-01 91 w | R07 03-01 92 | R09 02-01 182 w
#   R11 02-01 183 w | R13 04-15 - | R14 04-20 - | R16 08-01 9 w | R18 08-02 0 w
#   R20 05-02 30 w | R22 05-03 0 w | R24 08-31 - | R28 03-10 71
# ended 14. Old enough for 91 days (ended by 08-01): all but R18, R24 = 12; of those within 91
# days: R01 R05 R16 R20 R22 R28 = 6. Old enough for 182 (ended by 05-02): R01 R03 R05 R07 R09
# R11 R13 R14 R20 R28 = 10; within 182: R01 R05 R07 R09 R20 R28 = 6. Into work and old enough
# for 182: R01 R05 R09 R11 R20 = 5; within 182: R01 R05 R09 R20 = 4.
@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, restarts(14, 12, 6, 10, 6, 5, 4)),
        # UC: R01 R03 R07 R09 R11 R20 R22 R24. 91: all but R24 = 7, restarted R01 R20 R22 = 3.
        # 182: R01 R03 R07 R09 R11 R20 = 6, restarted R01 R07 R09 R20 = 4 (R09's new claim is
        # JSA: the filter is on the claim that ended). Into work: R01 R09 R11 R20 = 4, R11 not.
        ({"benefits": ("UC",)}, restarts(8, 7, 3, 6, 4, 4, 3)),
        # Jobseekers: R13 R14, neither restarted (R02 is a jobseeker's claim, but open).
        ({"groups": ("jobseeker",)}, restarts(2, 2, 0, 2, 0, 0, 0)),
        # D01: R01 R03 R09 R11 (O01) R16 R18 R28 (O02). 91: all but R18 = 6, restarted R01 R16
        # R28 = 3. 182: R01 R03 R09 R11 R28 = 5, restarted R01 R09 R28 = 3. Into work: R01 R09
        # R11 = 3, restarted R01 R09 = 2.
        ({"districts": ("D01",)}, restarts(7, 6, 3, 5, 3, 3, 2)),
        # D01-O02: R03 R16 R18 R28. 91: R03 R16 R28 = 3, restarted R16 R28 = 2. 182: R03 R28,
        # restarted R28. None into work and old enough (R16, R18 ended too recently).
        ({"offices": ("D01-O02",)}, restarts(4, 3, 2, 2, 1, 0, 0)),
        ({"groups": ("other",)}, restarts(0, 0, 0, 0, 0, 0, 0)),
    ],
    ids=["all", "uc", "jobseeker", "district", "office", "empty"],
)
def test_claim_restarts_total(runner, filters, expected) -> None:
    assert run(runner, **filters) == approx_rows([expected])


def test_claim_restarts_by_district(runner) -> None:
    assert run(runner, by="district") == approx_rows(
        [
            restarts(7, 6, 3, 5, 3, 3, 2, district_code="D01"),
            # R05 (91, w) R07 (92) R20 (30, w, 05-02) R22 (0, w, 05-03: 91 only)
            restarts(4, 4, 3, 3, 3, 2, 2, district_code="D02"),
            # R13 R14 (no restart) R24 (too recent)
            restarts(3, 2, 0, 2, 0, 0, 0, district_code="D03"),
        ]
    )


def test_claim_restarts_by_office(runner) -> None:
    def key(d, o):
        return {"district_code": d, "office_code": o}

    assert run(runner, by="office") == approx_rows(
        [
            # R01 (0, w) R09 (182, w) R11 (183, w): all old enough for both windows.
            restarts(3, 3, 1, 3, 2, 3, 2, **key("D01", "D01-O01")),
            restarts(4, 3, 2, 2, 1, 0, 0, **key("D01", "D01-O02")),
            restarts(4, 4, 3, 3, 3, 2, 2, **key("D02", "D02-O01")),
            restarts(3, 2, 0, 2, 0, 0, 0, **key("D03", "D03-O01")),
        ]
    )


def test_claim_restarts_by_month_of_end(runner) -> None:
    # May holds the 182-day boundary (05-02) and August the 91-day one (08-01), so both are
    # counted a claim at a time; the other months come from the monthly summary.
    assert run(runner, by="month") == approx_rows(
        [
            restarts(1, 1, 1, 1, 1, 1, 1, month="2026-01"),  # R01, day 0
            # R03 (-), R09 (182, w), R11 (183, w)
            restarts(3, 3, 0, 3, 1, 2, 1, month="2026-02"),
            # R05 (91, w), R07 (92), R28 (71)
            restarts(3, 3, 2, 3, 3, 1, 1, month="2026-03"),
            restarts(2, 2, 0, 2, 0, 0, 0, month="2026-04"),  # R13, R14
            # R20 (05-02: old enough for 182, 30 days, w), R22 (05-03: 91 only, day 0, w)
            restarts(2, 2, 2, 1, 1, 1, 1, month="2026-05"),
            restarts(0, 0, 0, 0, 0, 0, 0, month="2026-06"),
            restarts(0, 0, 0, 0, 0, 0, 0, month="2026-07"),
            # R16 (08-01: old enough for 91, 9 days), R18 (08-02: not), R24 (08-31: not)
            restarts(3, 1, 1, 0, 0, 0, 0, month="2026-08"),
        ]
    )


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        # R25 ended the day before the period: it is a real restart (10 days), left out above
        # only by its date.
        (("2025-12", "2025-12"), restarts(1, 1, 1, 1, 1, 0, 0)),
        # R27 ended the day after the period: 2026-09-01 + 91 is after the extract date.
        (("2026-09", "2026-09"), restarts(1, 0, 0, 0, 0, 0, 0)),
    ],
    ids=["month_before", "month_after"],
)
def test_claims_just_outside_the_period(runner, period, expected) -> None:
    assert run(runner, period=period) == approx_rows([expected])


@pytest.mark.parametrize("by", ["total", "district", "office", "month"])
def test_ended_is_off_flows_ended(runner, by) -> None:
    # One name, one meaning: the same claims as off_flows counts.
    ours = [r["ended"] for r in run(runner, by=by)]
    assert ours == [r["ended"] for r in run(runner, by, measure="off_flows")]


def test_no_claimant_ref_in_the_output(runner) -> None:
    for by in ("total", "district", "office", "month"):
        frame = runner.run(MeasureRequest("claim_restarts", *PERIOD, by=by), **EXACT)
        assert not [c for c in frame.columns if "claimant" in c]
        assert not any("P-" in str(v) for row in frame.rows() for v in row)
