"""Measure requests: bad requests refused, and every measure and grouping on the sample extract."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest
from extracts import EXACT, valid_tables, write_extract

from jcp.cli import main
from jcp.extract.db import connect_read_only
from jcp.extract.load import load
from jcp.measures.runner import (
    MEASURES,
    MeasureRequest,
    RequestError,
    Runner,
    measure_groupings,
    months_between,
)

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"
GROUPINGS = ("total", "district", "office", "month")
KEYS = {
    "total": [],
    "district": ["district_code"],
    "office": ["district_code", "office_code"],
    "month": ["month"],
}
# Grouped measures that list every allowed district/office/month, and their count columns:
# by=district and by=office rows must add up to the total row.
COUNTS = {
    "deferrals": ["wfis_due", "deferred", "waived"],
    "job_entries": [
        "job_entries",
        "mature_13w",
        "sustained_13w",
        "mature_26w",
        "sustained_26w",
    ],
    "distance_travelled": ["claims_measured"],
    "fsf_spend": ["payments", "spend_gbp"],
    "caseload": ["live_claims", "new_claims", "off_flows", "off_flows_to_work"],
}
# Counts of events dated in a month, which by=month rows must add up to as well (a claim's
# latest review and live claims are per month, so those are left out).
MONTH_ADDITIVE = {
    "deferrals": COUNTS["deferrals"],
    "job_entries": COUNTS["job_entries"],
    "fsf_spend": COUNTS["fsf_spend"],
    "caseload": ["new_claims", "off_flows", "off_flows_to_work"],
}
RATES = {
    "deferrals": ["deferral_rate", "waiver_rate"],
    "job_entries": ["sustained_13w_rate", "sustained_26w_rate"],
    "distance_travelled": ["pct_improved"],
}


# -------------------------------------------------------------------------- bad requests


@pytest.fixture(scope="module")
def small_db(tmp_path_factory) -> Path:
    """The helpers' small valid extract, loaded once."""
    tmp = tmp_path_factory.mktemp("small")
    load(write_extract(tmp / "extract", valid_tables()), tmp / "db.duckdb")
    return tmp / "db.duckdb"


@pytest.fixture(scope="module")
def small_runner(small_db) -> Iterator[Runner]:
    """A runner on the small database, opened as the app and the commands open it."""
    con = connect_read_only(small_db)
    assert con.execute("select count(*) from rejects").fetchone() == (0,)
    yield Runner(con)
    con.close()


@pytest.mark.parametrize(
    "changes",
    [
        {"measure": "no_such_measure"},
        {"period_from": "2026-13"},
        {"period_to": "2026-13"},
        {"period_from": "2026-00"},
        {"period_from": "2026-1"},
        {"period_to": ""},
        {"period_from": "2026-06", "period_to": "2026-01"},
        {"period_from": "0000-01"},  # year 0 is not in the calendar
        {"period_from": "1899-12"},
        {"period_from": "9999-12", "period_to": "9999-12", "by": "month"},  # spine overflowed
        {"period_to": "2100-01"},
        {"by": "week"},
        {"offices": ("D09-O09",)},
        {"offices": ("D01-O01", "D09-O09")},
        {"districts": ("D99",)},
        {"benefits": ("PIP",)},
        {"groups": ("pensioner",)},
    ],
)
def test_bad_requests_raise_request_error(small_runner, changes):
    fields = {"measure": "deferrals", "period_from": "2026-01", "period_to": "2026-06"}
    with pytest.raises(RequestError):
        small_runner.run(MeasureRequest(**{**fields, **changes}), **EXACT)


@pytest.mark.parametrize(
    ("args", "month"),
    [
        (["--from", "0000-01"], "from month 0000-01"),
        (["--from", "9999-12", "--to", "9999-12", "--by", "month"], "from month 9999-12"),
        (["--from", "2026-01", "--to", "9999-12"], "to month 9999-12"),
    ],
)
def test_months_out_of_range_are_one_line_and_exit_2(small_db, args, month, capsys):
    status = main(["measure", "deferrals", "--national", "--db", str(small_db), *args])
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert (
        err
        == f"error: {month} is out of range: a request may cover months from 1900-01 to 2099-12\n"
    )


def test_the_widest_request_is_answered(small_runner):
    # 1900-01 to 2099-12 is 200 years of 12 months each.
    frame = small_runner.run(MeasureRequest("deferrals", "1900-01", "2099-12", by="month"), **EXACT)
    assert frame.height == 2400
    # The WFIs of C1 and C3, due in 2026-01; C2 is a JSA claim, which deferrals leave out.
    assert frame["wfis_due"].sum() == 2


def test_no_period_the_pages_offer_leaves_the_request_range(small_runner):
    """The longest period a page offers, and the period before it, are valid requests.

    A loaded database has no claim before 2000-01 and an extract_date at most a year after the
    day of its load, and the pages offer months from the first claim's to the extract_date's.
    """
    import datetime as dt

    from jcp.extract.load import one_year_after
    from jcp.measures.filters import Filters

    longest = Filters("2000-01", f"{one_year_after(dt.date.today()):%Y-%m}")
    for period in (longest, longest.previous_period()):
        small_runner.check(MeasureRequest("deferrals", period.period_from, period.period_to))


@pytest.mark.parametrize("measure", sorted(MEASURES))
def test_single_month_period_is_accepted(small_runner, measure):
    small_runner.run(MeasureRequest(measure, "2026-03", "2026-03"), **EXACT)


# --------------------------------------------------------------------- the sample extract


@pytest.fixture(scope="module")
def sample_runner(tmp_path_factory) -> Iterator[Runner]:
    """The committed sample extract (or, until it exists, a generated one), loaded once."""
    tmp = tmp_path_factory.mktemp("sample")
    if (SAMPLE_DIR / "extract.toml").exists():
        folder = SAMPLE_DIR
    else:
        try:
            generate = importlib.import_module("jcp.extract.generate").generate
        except ImportError:
            pytest.fail("no sample_data/extract.toml and no jcp.extract.generate to make one")
        folder = tmp / "extract"
        generate(folder, claims=3000, seed=5)
    load(folder, tmp / "db.duckdb")
    con = duckdb.connect(str(tmp / "db.duckdb"), read_only=True)
    yield Runner(con)
    con.close()


def _run(runner: Runner, measure: str, by: str = "total", **changes) -> pl.DataFrame:
    return runner.run(runner.default_request(measure, by=by, **changes), **EXACT)


def _total(frame: pl.DataFrame, column: str):
    values = frame[column].to_list()
    return sum(values, Decimal(0) if isinstance(values[0], Decimal) else 0)


@pytest.mark.parametrize(("measure", "by"), sorted(measure_groupings()))
def test_every_measure_and_grouping_runs_on_the_sample(sample_runner, measure, by):
    frame = _run(sample_runner, measure, by)
    catalogue = sample_runner.catalogue
    if not MEASURES[measure].grouped:
        # Lists and fsf_budget ignore `by` (so only "total" is asked of them above).
        assert frame.equals(_run(sample_runner, measure, "office"))
        return
    keys = KEYS[by]
    assert frame.columns[: len(keys)] == keys
    assert not {"district_code", "office_code", "month"} & (set(frame.columns) - set(keys))
    if measure not in COUNTS:
        return  # companions list only the rows that occur
    request = sample_runner.default_request(measure, by=by)
    expected_keys = {
        "total": [()],
        "district": [(d,) for d in catalogue.districts],
        "office": sorted((d, o) for o, d in catalogue.office_districts.items()),
        "month": [(m,) for m in months_between(request.period_from, request.period_to)],
    }[by]
    if keys:
        assert frame.select(keys).rows() == expected_keys
    else:
        assert frame.height == 1
    for column in RATES.get(measure, []):
        assert frame[column].drop_nulls().is_between(0, 1).all(), column


@pytest.mark.parametrize("by", ["district", "office"])
@pytest.mark.parametrize("measure", sorted(COUNTS))
def test_sample_groups_add_up_to_the_total(sample_runner, measure, by):
    total = _run(sample_runner, measure)
    grouped = _run(sample_runner, measure, by)
    for column in COUNTS[measure]:
        assert _total(grouped, column) == total[column][0], column
    assert total[COUNTS[measure][0]][0] > 0  # the sample has activity in the period


@pytest.mark.parametrize("measure", sorted(MONTH_ADDITIVE))
def test_sample_months_add_up_to_the_total(sample_runner, measure):
    total = _run(sample_runner, measure)
    by_month = _run(sample_runner, measure, "month")
    for column in MONTH_ADDITIVE[measure]:
        assert _total(by_month, column) == total[column][0], column


@pytest.mark.parametrize("by", GROUPINGS)
def test_sample_companions_add_up_to_their_measures(sample_runner, by):
    reasons = _run(sample_runner, "deferral_reasons", by)
    assert _total(reasons, "deferred") == _total(_run(sample_runner, "deferrals", by), "deferred")
    categories = _run(sample_runner, "fsf_categories", by)
    spend = _run(sample_runner, "fsf_spend", by)
    for column in ("payments", "spend_gbp"):
        assert _total(categories, column) == _total(spend, column), column


def test_sample_benefit_filter_drops_partnership_grants(sample_runner):
    benefits = ("JSA", "ESA", "IS", "UC")  # every benefit: only claim-less payments go
    everything = _run(sample_runner, "fsf_categories")
    with_claims = _run(sample_runner, "fsf_categories", benefits=benefits)
    # Every category is listed (0 where none): grants show no payments and no spend.
    grants = with_claims.filter(pl.col("category") == "partnership_grant").row(0, named=True)
    assert everything.filter(pl.col("category") == "partnership_grant")["payments"][0] > 0
    assert grants["payments"] == 0 and grants["spend_gbp"] == 0
    others = pl.col("category") != "partnership_grant"
    assert (
        with_claims.filter(others)
        .sort("category")
        .equals(everything.filter(others).sort("category"))
    )
