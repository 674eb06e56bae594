"""Every page, as every office's team leader, every district manager and under every
single-value filter: no exception.

Suppressed values ([c]) and empty results are normal states on a small office or a narrow
filter, and each page must draw them without raising. One AppTest per user or filter moves
through the pages with switch_page, so the process-wide result caches are reused.
"""

from __future__ import annotations

import time
import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from jcp.extract import contract
from jcp.measures.access import Scope, read_access
from jcp.measures.filters import available_months
from jcp.web.pages import PAGES, default_page

ROOT = Path(__file__).resolve().parent.parent
ACCESS = ROOT / "sample_data" / "access.toml"
NATIONAL = "analyst@example.gov.uk"
# The "Compare by" choice of each page that has one: both groupings are swept.
COMPARE_BY = {
    "pages/distance_travelled.py": "distance_by",
    "pages/job_entries.py": "jobs_by",
    "pages/fsf.py": "fsf_by",
    "pages/deferrals.py": "deferrals_by",
}


def _users(role: str, codes: str) -> dict[str, str]:
    """Code -> the e-mail of the user of `role` with that one code, from the sample access file."""
    users = tomllib.loads(ACCESS.read_text(encoding="utf-8"))["users"]
    return {
        entry[codes][0]: email
        for email, entry in users.items()
        if entry["role"] == role and len(entry[codes]) == 1
    }


LEADERS = _users("team_leader", "offices")
MANAGERS = _users("district_manager", "districts")
timings: dict[str, float] = {}


@pytest.fixture(scope="module", autouse=True)
def report_time():
    """Print how long the sweep took (it is budgeted at about 60-90 s of `make test`)."""
    yield
    print(f"\nsweep: {len(timings)} sessions in {sum(timings.values()):.1f} s")


def test_the_sweep_covers_every_office_of_the_sample(sample_runner) -> None:
    catalogue = sample_runner.catalogue
    assert sorted(LEADERS) == sorted(catalogue.office_districts)
    assert sorted(MANAGERS) == sorted(catalogue.districts)
    access = read_access(ACCESS, catalogue)
    assert access.problems == []
    for office, email in LEADERS.items():
        assert access.scope_for(email, catalogue).offices == frozenset({office})


def _every_page(at: AppTest, who: str, role: str = "national") -> None:
    """Run each page (and each page's other grouping), checking each ran to its title. The
    first run opens the role's landing page; every other page is switched to."""
    started = time.perf_counter()
    at.run()
    landing = default_page(role)
    for entry in [landing, *(e for e in PAGES if e is not landing)]:
        page = entry.file
        if entry is not landing:
            at.switch_page(page)
            at.run()
        assert not at.exception, (who, page, [e.value for e in at.exception])
        assert [t.value for t in at.title] == [entry.heading], (who, page)
        key = COMPARE_BY.get(page)
        if key and key in [r.key for r in at.radio]:
            at.radio(key=key).set_value("office").run()
            assert not at.exception, (who, page, "by office", [e.value for e in at.exception])
            at.radio(key=key).set_value("district").run()
    timings[who] = time.perf_counter() - started


@pytest.mark.parametrize("office", sorted(LEADERS))
def test_every_page_as_each_offices_team_leader(office, sample_db, app_for) -> None:
    at = app_for(sample_db, demo_user=LEADERS[office])
    _every_page(at, f"team leader of {office}", "team_leader")
    assert at.multiselect(key="filter_offices").options[0].endswith(f"({office})")


@pytest.mark.parametrize("district", sorted(MANAGERS))
def test_every_page_as_each_district_manager(district, sample_db, app_for) -> None:
    at = app_for(sample_db, demo_user=MANAGERS[district])
    _every_page(at, f"district manager of {district}", "district_manager")
    assert at.multiselect(key="filter_districts").options[0].endswith(f"({district})")


FILTERS = [("benefit", b) for b in contract.BENEFITS] + [
    ("group", g) for g in contract.CLAIMANT_GROUPS
]


@pytest.mark.parametrize("key, value", FILTERS)
def test_every_page_under_each_single_filter(key, value, sample_db, app_for) -> None:
    at = app_for(sample_db, {key: value}, demo_user=NATIONAL)
    _every_page(at, f"national, {key}={value}")
    widget = "filter_benefits" if key == "benefit" else "filter_groups"
    assert at.multiselect(key=widget).value == [value]


def test_every_page_for_the_smallest_office_under_narrow_filters(
    sample_db, sample_runner, app_for
) -> None:
    """Where hidden values are most common: the office with the fewest claims, as its team
    leader, under each single filter and over the data's first month alone."""
    offices = sample_runner.run(
        sample_runner.default_request("caseload", by="office"), Scope.national(), unsuppressed=True
    )
    smallest = offices.sort("live_claims", "office_code")["office_code"][0]
    first_month = available_months(sample_runner.catalogue)[0]
    narrow = [{key: value} for key, value in FILTERS] + [{"from": first_month, "to": first_month}]
    for query in narrow:
        at = app_for(sample_db, query, demo_user=LEADERS[smallest])
        _every_page(at, f"team leader of {smallest}, {query}", "team_leader")
