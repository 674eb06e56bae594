"""The shared result cache's keys: equivalent requests (the same codes in another order, or a
filter naming just what the user's scope sees) share one entry and give the same figures."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from jcp.measures.access import Scope
from jcp.measures.filters import Filters
from jcp.measures.runner import MEASURES, MeasureRequest, Runner

# By hand from sample_data/offices.csv: D01 has offices D01-O01 to D01-O10, D02 D02-O01 to
# D02-O08.
D02_OFFICES = frozenset(f"D02-O{n:02d}" for n in range(1, 9))
MANAGER_D02 = Scope("district_manager", D02_OFFICES, "district manager: D02")
LEADER_D02_O03 = Scope("team_leader", frozenset({"D02-O03"}), "team leader: D02-O03")
# A manager of two districts: one of them picked narrows the view.
MANAGER_D01_D02 = Scope(
    "district_manager",
    D02_OFFICES | {f"D01-O{n:02d}" for n in range(1, 11)},
    "district manager: D01, D02",
)


@pytest.mark.parametrize(
    ("scope", "districts", "offices", "expected"),
    [
        # A national user's codes are only sorted and de-duplicated: naming every district
        # is not dropped (it would narrow to the catalogue's districts).
        (Scope.national(), ("D02", "D01", "D02"), (), (("D01", "D02"), ())),
        # The manager of D02 picking D02 asks for what they see anyway.
        (MANAGER_D02, ("D02",), (), ((), ())),
        (MANAGER_D02, ("D02", "D02"), ("D02-O05", "D02-O01"), ((), ("D02-O01", "D02-O05"))),
        # Every one of their eight offices, in any order, is all of them.
        (MANAGER_D02, (), tuple(sorted(D02_OFFICES, reverse=True)), ((), ())),
        # A manager of two districts picking one, or seven of D02's eight offices: narrower.
        (MANAGER_D01_D02, ("D02",), (), (("D02",), ())),
        (MANAGER_D01_D02, ("D02", "D01"), (), ((), ())),
        (MANAGER_D02, (), tuple(sorted(D02_OFFICES))[1:], ((), tuple(sorted(D02_OFFICES))[1:])),
        # The team leader of D02-O03 picking its district, its office, or both.
        (LEADER_D02_O03, ("D02",), (), ((), ())),
        (LEADER_D02_O03, (), ("D02-O03",), ((), ())),
        (LEADER_D02_O03, ("D02",), ("D02-O03",), ((), ())),
        # A district the leader has no office in stays (it leaves them nothing).
        (LEADER_D02_O03, ("D01",), (), (("D01",), ())),
    ],
)
def test_narrowing_by_hand(sample_runner, scope, districts, offices, expected) -> None:
    assert scope.narrowing(districts, offices, sample_runner.catalogue) == expected


def test_equivalent_request_by_hand(sample_runner: Runner) -> None:
    asked = MeasureRequest(
        "deferrals",
        "2025-01",
        "2025-12",
        districts=("D02",),
        benefits=("UC", "ESA", "UC"),
        groups=("lone_parent", "carer"),
    )
    assert sample_runner.equivalent(asked, MANAGER_D02) == MeasureRequest(
        "deferrals", "2025-01", "2025-12", benefits=("ESA", "UC"), groups=("carer", "lone_parent")
    )
    filters = Filters("2025-01", "2025-12", ("D02",), ("D02-O03",), ("UC", "ESA"), ())
    assert filters.equivalent(LEADER_D02_O03, sample_runner.catalogue) == Filters(
        "2025-01", "2025-12", benefits=("ESA", "UC")
    )


@pytest.mark.parametrize(
    ("scope", "changes"),
    [
        (MANAGER_D02, {"districts": ("D02",)}),
        (MANAGER_D02, {"offices": tuple(sorted(D02_OFFICES, reverse=True))}),
        (LEADER_D02_O03, {"districts": ("D02",), "offices": ("D02-O03",)}),
        (Scope.national(), {"districts": ("D03", "D01"), "benefits": ("UC", "JSA")}),
    ],
    ids=["manager-district", "manager-offices", "leader-both", "national-order"],
)
def test_equivalent_requests_give_the_same_figures(sample_runner: Runner, scope, changes) -> None:
    """Every measure and grouping: the request as asked and its equivalent publish the same
    frame (what lets one cache entry answer both)."""
    for name, spec in MEASURES.items():
        for by in spec.groupings or ("total",):
            asked = replace(sample_runner.default_request(name, by=by), **changes)
            found = sample_runner.equivalent(asked, scope)
            assert found != asked
            assert sample_runner.run(asked, scope).equals(sample_runner.run(found, scope)), (
                name,
                by,
            )


@pytest.fixture
def shared_results(sample_db: Path, monkeypatch):
    """jcp.web.results on the sample outside a session, its caches and counters empty."""
    from jcp.web import data, results

    monkeypatch.setenv("JCP_DB", str(sample_db))
    results.run_cached.clear()
    results.summary_cached.clear()
    monkeypatch.setattr(results, "LOOKUPS", type(results.LOOKUPS)())
    monkeypatch.setattr(results, "COMPUTED", type(results.COMPUTED)())
    return results, str(sample_db), data.database_version()[1]


def test_two_equivalent_requests_share_one_entry(shared_results) -> None:
    results, path, version = shared_results
    plain = MeasureRequest("job_entries", "2025-01", "2025-12", benefits=("ESA", "UC"))
    picked = replace(plain, districts=("D02",), benefits=("UC", "ESA"))
    first = results.run_shared(path, version, plain, MANAGER_D02)
    second = results.run_shared(path, version, picked, MANAGER_D02)
    assert second is first  # the one cached frame
    # Two lookups, one result worked out: a hit rate of 1 - 1/2.
    assert results.cache_stats()["run"] == {"lookups": 2, "computed": 1, "hit_rate": 0.5}
    # Another scope is another entry, even for the same request.
    results.run_shared(path, version, plain, LEADER_D02_O03)
    assert results.cache_stats()["run"]["computed"] == 2


def test_a_page_summary_is_shared_by_equivalent_filters(shared_results, monkeypatch) -> None:
    from jcp.web import signin

    results, _, _ = shared_results
    monkeypatch.setattr(signin, "current_scope", lambda: LEADER_D02_O03)
    first = results.summary("job_entries", Filters("2025-01", "2025-12", groups=("carer",)))
    again = results.summary(
        "job_entries", Filters("2025-01", "2025-12", ("D02",), ("D02-O03",), (), ("carer",))
    )
    assert again is first
    assert results.cache_stats()["summary"] == {"lookups": 2, "computed": 1, "hit_rate": 0.5}
