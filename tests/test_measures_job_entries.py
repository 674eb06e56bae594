"""Job entries and 13/26-week sustainment, hand-checked against a tiny extract."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from extracts import (
    EXACT,
    GEOGRAPHY,
    approx_rows,
    claim,
    job_entry,
    runner_for,
)

from jcp.measures.runner import MeasureRequest, Runner

# Extract date 2026-10-31. 13 weeks = 91 days, 26 weeks = 182 days, so
#   mature_13w  <=> start + 91 <= 2026-10-31  <=> start <= 2026-08-01
#   mature_26w  <=> start + 182 <= 2026-10-31 <=> start <= 2026-05-02

# job id: (office, benefit, claimant group, job start, job end)
JOBS = {
    # open since 01-05: sustained at 13 and 26 weeks
    "E01": ("D01-O01", "UC", "health_condition", "2026-01-05", None),
    # 01-05 -> 04-06 = 26 + 28 + 31 + 6 = 91 days: sustained 13w exactly; failed 26w
    "E02": ("D01-O01", "JSA", "jobseeker", "2026-01-05", "2026-04-06"),
    # 01-05 -> 04-05 = 90 days: failed 13w and 26w
    "E03": ("D01-O01", "JSA", "jobseeker", "2026-01-05", "2026-04-05"),
    # 02-02 -> 08-03 = 26 + 31 + 30 + 31 + 30 + 31 + 3 = 182 days: sustained 26w exactly
    "E04": ("D01-O01", "ESA", "health_condition", "2026-02-02", "2026-08-03"),
    # 02-02 -> 08-02 = 181 days: sustained 13w, failed 26w
    "E05": ("D01-O01", "UC", "lone_parent", "2026-02-02", "2026-08-02"),
    # starts 05-02: 26w window ends exactly on the extract date -> mature and sustained
    "E06": ("D01-O02", "UC", "health_condition", "2026-05-02", None),
    # starts 05-03: 26w window not elapsed -> neither sustained nor failed at 26w
    "E07": ("D01-O02", "IS", "carer", "2026-05-03", None),
    # 06-15 -> 06-30 = 15 days: failed 13w; 26w window not elapsed, so NOT failed at 26w
    "E08": ("D01-O02", "UC", "health_condition", "2026-06-15", "2026-06-30"),
    # outside Jan-Jun
    "E09": ("D02-O01", "UC", "health_condition", "2025-12-20", None),
    "E10": ("D02-O01", "UC", "health_condition", "2026-07-01", None),
    # starts 08-01: 13w window ends exactly on the extract date -> mature and sustained
    "E11": ("D02-O01", "UC", "health_condition", "2026-08-01", None),
    # starts 08-02, ended after 18 days, but the 13w window has not elapsed: not failed
    "E12": ("D02-O01", "UC", "health_condition", "2026-08-02", "2026-08-20"),
    "E13": ("D02-O01", "UC", "health_condition", "2026-09-15", None),
}

TABLES = {
    **GEOGRAPHY,
    "claims": [
        claim(f"K{j[1:]}", o, "2025-12-01", benefit, group)
        for j, (o, benefit, group, _, _) in JOBS.items()
    ],
    "job_entries": [
        job_entry(j, f"K{j[1:]}", start, end) for j, (_, _, _, start, end) in JOBS.items()
    ],
}


@pytest.fixture(scope="module")
def runner(tmp_path_factory) -> Iterator[Runner]:
    """The job-entry extract above, loaded once, with no rejected rows."""
    tables = TABLES
    with runner_for(tmp_path_factory.mktemp("job_entries"), tables) as loaded:
        yield loaded


def run(runner, by="total", period=("2026-01", "2026-06"), **filters) -> list[dict]:
    return runner.run(MeasureRequest("job_entries", *period, by=by, **filters), **EXACT).to_dicts()


def jobs_row(jobs, m13, s13, r13, m26, s26, r26, **keys) -> dict:
    return {
        **keys,
        "job_entries": jobs,
        "mature_13w": m13,
        "sustained_13w": s13,
        "sustained_13w_rate": r13,
        "mature_26w": m26,
        "sustained_26w": s26,
        "sustained_26w_rate": r26,
    }


# Jan-Jun: E01..E08 = 8 jobs, all 13w-mature (all start <= 08-01).
#   sustained_13w: all but E03 (90 d) and E08 (15 d) = 6 -> 6/8 = 0.75
#   mature_26w: E01..E06 (start <= 05-02) = 6; sustained: E01, E04 (182 d), E06 = 3 -> 3/6
TOTAL = jobs_row(8, 8, 6, 6 / 8, 6, 3, 3 / 6)


@pytest.mark.parametrize(
    ("period", "filters", "expected"),
    [
        (("2026-01", "2026-06"), {}, TOTAL),
        # E01 (sustained both), E02 (91 d: 13w yes, 26w no), E03 (90 d: neither)
        (("2026-01", "2026-01"), {}, jobs_row(3, 3, 2, 2 / 3, 3, 1, 1 / 3)),
        # E06 starts 05-02 (26w-mature, open), E07 starts 05-03 (not 26w-mature)
        (("2026-05", "2026-05"), {}, jobs_row(2, 2, 2, 1.0, 1, 1, 1.0)),
        # E08 alone: failed at 13w, but immature at 26w -> 26w population empty -> null rate
        (("2026-06", "2026-06"), {}, jobs_row(1, 1, 0, 0.0, 0, 0, None)),
        # E11 (08-01, 13w-mature, open) and E12 (08-02, ended early but immature: not failed)
        (("2026-08", "2026-08"), {}, jobs_row(2, 1, 1, 1.0, 0, 0, None)),
        # Aug-Oct: E11, E12, E13 -> only E11 is mature at 13 weeks
        (("2026-08", "2026-10"), {}, jobs_row(3, 1, 1, 1.0, 0, 0, None)),
        # JSA: E02 (91 d), E03 (90 d) -> 13w 1/2; both 26w-mature, neither sustained -> 0/2
        (("2026-01", "2026-06"), {"benefits": ("JSA",)}, jobs_row(2, 2, 1, 1 / 2, 2, 0, 0.0)),
        # IS: E07 only -> 13w 1/1; 26w not mature -> null, not 0
        (("2026-01", "2026-06"), {"benefits": ("IS",)}, jobs_row(1, 1, 1, 1.0, 0, 0, None)),
        # lone_parent + carer: E05 (181 d), E07 (open, 26w-immature)
        (
            ("2026-01", "2026-06"),
            {"groups": ("lone_parent", "carer")},
            jobs_row(2, 2, 2, 1.0, 1, 0, 0.0),
        ),
        # D01-O02: E06, E07, E08 -> 13w 2/3 (E08 fails); 26w: E06 only, sustained
        (("2026-01", "2026-06"), {"offices": ("D01-O02",)}, jobs_row(3, 3, 2, 2 / 3, 1, 1, 1.0)),
        # D02 has no job starting in Jan-Jun: zero counts, null rates
        (
            ("2026-01", "2026-06"),
            {"districts": ("D02",)},
            jobs_row(0, 0, 0, None, 0, 0, None),
        ),
    ],
    ids=[
        "all",
        "jan-91-vs-90-days",
        "may-26w-maturity-edge",
        "jun-immature-26w",
        "aug-13w-maturity-edge",
        "aug-oct",
        "jsa",
        "is",
        "groups",
        "office",
        "district-empty",
    ],
)
def test_job_entries_total(runner, period, filters, expected):
    assert run(runner, period=period, **filters) == approx_rows([expected])


def test_job_entries_by_district(runner):
    assert run(runner, by="district") == approx_rows(
        [
            {"district_code": "D01", **TOTAL},  # every Jan-Jun job is in D01
            jobs_row(0, 0, 0, None, 0, 0, None, district_code="D02"),
            jobs_row(0, 0, 0, None, 0, 0, None, district_code="D03"),
        ]
    )


def test_job_entries_by_office(runner):
    def key(d, o):
        return {"district_code": d, "office_code": o}

    assert run(runner, by="office") == approx_rows(
        [
            # E01..E05: 13w fails only E03 -> 4/5; 26w: E01, E04 sustained of 5 -> 2/5
            jobs_row(5, 5, 4, 4 / 5, 5, 2, 2 / 5, **key("D01", "D01-O01")),
            # E06, E07, E08: 13w 2/3; 26w E06 only -> 1/1
            jobs_row(3, 3, 2, 2 / 3, 1, 1, 1.0, **key("D01", "D01-O02")),
            jobs_row(0, 0, 0, None, 0, 0, None, **key("D02", "D02-O01")),
            jobs_row(0, 0, 0, None, 0, 0, None, **key("D03", "D03-O01")),
        ]
    )


def test_job_entries_by_month(runner):
    assert run(runner, by="month") == approx_rows(
        [
            jobs_row(3, 3, 2, 2 / 3, 3, 1, 1 / 3, month="2026-01"),  # E01 E02 E03
            jobs_row(2, 2, 2, 1.0, 2, 1, 1 / 2, month="2026-02"),  # E04 (182 d) E05 (181 d)
            jobs_row(0, 0, 0, None, 0, 0, None, month="2026-03"),
            jobs_row(0, 0, 0, None, 0, 0, None, month="2026-04"),
            jobs_row(2, 2, 2, 1.0, 1, 1, 1.0, month="2026-05"),  # E06 E07
            jobs_row(1, 1, 0, 0.0, 0, 0, None, month="2026-06"),  # E08
        ]
    )
