"""The overview: headline tiles, the league table by role, its reference rows and cues."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

from jcp.access import AccessList, Scope, read_access
from jcp.db import connect_read_only
from jcp.disclosure import SUPPRESSED
from jcp.headlines import ALL_IN_SCOPE, league_cue
from jcp.measures import MEASURES, NATIONAL, RequestError, Runner


def test_rates_and_means_are_cued_by_direction_sizes_never() -> None:
    league = pl.DataFrame(
        {
            "district_code": ["D01", "D02", "D03", ALL_IN_SCOPE],
            "live_claims": [100, 300, 50, 450],
            "job_entries": [10, 25, 5, 40],  # every district below the total: not "worse"
            "sustained_13w_rate": [0.60, 0.40, 0.50, 0.50],  # higher is better
            # Neither way is better: deferral targets were removed, as deferring is sometimes
            # right (queries/deferrals.toml), so a low rate is not coloured as good.
            "deferral_rate": [0.20, 0.40, None, 0.30],
            "mean_change": [1.5, 0.5, 1.0, 1.0],
            "spend_gbp": [1000.0, 5000.0, 10.0, 6010.0],
        }
    )
    cues = league_cue(league)
    assert cues["live_claims"] == ["", "", "", ""]
    assert cues["job_entries"] == ["", "", "", ""]
    assert cues["spend_gbp"] == ["", "", "", ""]
    assert cues["sustained_13w_rate"] == ["better", "worse", "", ""]
    assert cues["deferral_rate"] == ["", "", "", ""]
    assert cues["mean_change"] == ["better", "worse", "", ""]


def test_each_tile_comes_as_soon_as_its_own_measure_has_answered(sample_db) -> None:
    """The overview draws tiles one by one: the first must not wait for every measure."""
    from jcp.access import Scope
    from jcp.db import connect_read_only
    from jcp.filters import Filters
    from jcp.headlines import headline_tiles
    from jcp.measures import Runner, default_period

    runner = Runner(connect_read_only(sample_db))
    first, last = default_period(runner.catalogue.extract_date)
    asked: list[tuple[str, str]] = []

    def run(request):
        asked.append((request.measure, request.period_to))
        return runner.run(request, Scope.national())

    tiles = headline_tiles(run, Filters(first, last))
    tile = next(tiles)
    previous_to = Filters(first, last).previous_period().period_to
    assert tile.label == "Live caseload"
    assert asked == [("caseload", last), ("caseload", previous_to)]
    live = runner.run(Filters(first, last).request("caseload"), Scope.national())
    assert tile.value == f"{live['live_claims'][0]:,}"
    rest = list(tiles)
    assert len(rest) == 7
    assert {m for m, _ in asked} == {
        "caseload",
        "job_entries",
        "deferrals",
        "distance_travelled",
        "fsf_spend",
        "fsf_budget",
    }


# Reference figures: the rates and means of a wider area -------------------------------------

ACCESS = Path(__file__).resolve().parent.parent / "sample_data" / "access.toml"
ANALYST = "analyst@example.gov.uk"
MANAGER = "manager.d02@example.gov.uk"  # district manager of D02
LEADER = "leader.d02-o03@example.gov.uk"  # team leader of D02-O03 (Huddersfield) only


@pytest.fixture(scope="module")
def runner(sample_db) -> Runner:
    """A runner on the sample database, opened as the app opens it."""
    return Runner(connect_read_only(sample_db))


@pytest.fixture(scope="module")
def access(runner) -> AccessList:
    """The demo access list read against the sample's districts and offices."""
    return read_access(ACCESS, runner.catalogue)


def _scope(access: AccessList, runner: Runner, email: str) -> Scope:
    return access.scope_for(email, runner.catalogue)


# By hand from queries/*.toml: each measure's columns of kind rate, change or mean.
REFERENCE_FIGURES = {
    "caseload": ["claims_per_coach"],
    "deferrals": ["deferral_rate", "waiver_rate"],
    "job_entries": ["sustained_13w_rate", "sustained_26w_rate"],
    "distance_travelled": [
        "mean_change",
        "pct_improved",
        "mean_change_job_search",
        "mean_change_work_skills",
        "mean_change_confidence",
        "mean_change_health_wellbeing",
        "mean_change_stability",
    ],
    "fsf_spend": [],  # money and counts only
}


@pytest.mark.parametrize("level", [NATIONAL, "D02"])
@pytest.mark.parametrize("measure", list(REFERENCE_FIGURES))
def test_a_reference_carries_rates_and_means_only(runner, access, measure, level) -> None:
    leader = _scope(access, runner, LEADER)
    frame = runner.reference(runner.default_request(measure), leader, level)
    assert frame.columns == [*REFERENCE_FIGURES[measure], SUPPRESSED]
    assert frame.height == 1


def test_no_reference_holds_a_count_money_or_key_sum(runner, access) -> None:
    """Every grouped measure, every level a team leader may ask for, by total and by month."""
    leader = _scope(access, runner, LEADER)
    for name, spec in MEASURES.items():
        if not spec.grouped or spec.query != "measure":
            continue
        for by in ("total", "month"):
            for level in (NATIONAL, "D02"):
                frame = runner.reference(runner.default_request(name, by=by), leader, level)
                for column in frame.columns:
                    assert not column.endswith("_key"), (name, column)
                    if column in spec.columns:
                        kind = spec.columns[column].kind
                        assert kind in ("rate", "change", "mean", "text"), (name, column, kind)
                    else:
                        assert column in ("month", SUPPRESSED), (name, column)


def test_a_reference_rate_is_its_areas_published_rate(runner, access) -> None:
    """The rate a team leader is shown for their district and the nation is the one a user
    who sees all of it is shown: the published numerator over the published denominator."""
    leader = _scope(access, runner, LEADER)
    request = runner.default_request("deferrals")
    own = runner.run(request, leader).row(0, named=True)
    rates = {}
    for level, districts in ((NATIONAL, ()), ("D02", ("D02",))):
        published = runner.run(replace(request, districts=districts), Scope.national())
        counts = published.row(0, named=True)
        reference = runner.reference(request, leader, level).row(0, named=True)
        assert reference["deferral_rate"] == counts["deferred"] / counts["wfis_due"]
        assert reference["waiver_rate"] == counts["waived"] / counts["wfis_due"]
        assert counts["wfis_due"] > own["wfis_due"]  # a wider area than the leader's office
        rates[level] = reference["deferral_rate"]
    assert len({rates[NATIONAL], rates["D02"], own["deferral_rate"]}) == 3
    jobs = runner.run(runner.default_request("job_entries"), Scope.national()).row(0, named=True)
    reference = runner.reference(runner.default_request("job_entries"), leader, NATIONAL)
    assert reference["sustained_13w_rate"][0] == jobs["sustained_13w"] / jobs["mature_13w"]


def test_a_reference_covers_its_whole_area_whatever_the_filters(runner, access) -> None:
    manager = _scope(access, runner, MANAGER)
    whole = runner.reference(runner.default_request("deferrals"), manager, "D02")
    one_office = runner.default_request("deferrals", offices=("D02-O03",))
    assert runner.reference(one_office, manager, "D02").equals(whole)
    # The benefit filter is kept: the area's ESA claims only.
    esa = runner.default_request("deferrals", benefits=("ESA",))
    published = runner.run(replace(esa, districts=("D02",)), Scope.national()).row(0, named=True)
    reference = runner.reference(esa, manager, "D02").row(0, named=True)
    assert reference["deferral_rate"] == published["deferred"] / published["wfis_due"]
    assert reference["deferral_rate"] != whole["deferral_rate"][0]


@pytest.mark.parametrize("level", ["D01", "D03", "D04", "D05", "D06", "D99", "D02-O03", ""])
def test_a_team_leader_gets_no_reference_for_another_district(runner, access, level) -> None:
    leader = _scope(access, runner, LEADER)
    with pytest.raises(RequestError, match=r"no reference figures for .*\(D02\)"):
        runner.reference(runner.default_request("deferrals"), leader, level)


def test_a_district_manager_gets_no_reference_for_another_district(runner, access) -> None:
    manager = _scope(access, runner, MANAGER)
    with pytest.raises(RequestError, match="no reference figures for 'D01'"):
        runner.reference(runner.default_request("job_entries"), manager, "D01")


@pytest.mark.parametrize(
    "measure, by, message",
    [
        ("deferrals", "office", "group it by total or month"),  # every office's rate
        ("deferrals", "district", "group it by total or month"),
        ("overdue_deferrals", "total", "has no reference figures"),  # an operational list
        ("fsf_budget", "total", "has no reference figures"),  # district budgets, ungrouped
    ],
)
def test_a_reference_is_one_areas_measure(runner, access, measure, by, message) -> None:
    leader = _scope(access, runner, LEADER)
    with pytest.raises(RequestError, match=message):
        runner.reference(runner.default_request(measure, by=by), leader, NATIONAL)


def test_nobody_gets_a_reference(runner) -> None:
    with pytest.raises(RequestError, match="no access"):
        runner.reference(runner.default_request("deferrals"), Scope.nobody(), NATIONAL)
