"""The overview: headline tiles, the league table by role, its reference rows and verdicts."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

from jcp.measures import comparison
from jcp.measures.access import AccessList, Scope, User, read_access
from jcp.measures.disclosure import SUPPRESSED
from jcp.measures.filters import Filters
from jcp.measures.runner import (
    MEASURES,
    NATIONAL,
    RequestError,
    Runner,
    default_period,
    groupings_of,
)
from jcp.web.headlines import VERDICT_COLUMNS, league


def test_each_tile_comes_as_soon_as_its_own_measure_has_answered(sample_runner) -> None:
    """The overview draws tiles one by one: the first must not wait for every measure."""
    from jcp.measures.access import Scope
    from jcp.measures.filters import Filters
    from jcp.measures.runner import default_period
    from jcp.web.headlines import headline_tiles

    first, last = default_period(sample_runner.catalogue.extract_date)
    asked: list[tuple[str, str]] = []

    def run(request):
        asked.append((request.measure, request.period_to))
        return sample_runner.run(request, Scope.national())

    tiles = headline_tiles(run, Filters(first, last))
    tile = next(tiles)
    previous_to = Filters(first, last).previous_period().period_to
    assert tile.label == "Live caseload"
    assert asked == [("caseload", last), ("caseload", previous_to)]
    live = sample_runner.run(Filters(first, last).request("caseload"), Scope.national())
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
def access(sample_runner) -> AccessList:
    """The demo access list read against the sample's districts and offices."""
    return read_access(ACCESS, sample_runner.catalogue)


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
def test_a_reference_carries_rates_and_means_only(sample_runner, access, measure, level) -> None:
    leader = _scope(access, sample_runner, LEADER)
    frame = sample_runner.reference(sample_runner.default_request(measure), leader, level)
    assert frame.columns == [*REFERENCE_FIGURES[measure], SUPPRESSED]
    assert frame.height == 1


def test_no_reference_holds_a_count_money_or_key_sum(sample_runner, access) -> None:
    """Every grouped measure, every level a team leader may ask for, by total and by month."""
    leader = _scope(access, sample_runner, LEADER)
    for name, spec in MEASURES.items():
        if not spec.grouped or spec.query != "measure":
            continue
        for by in ("total", "month"):
            if by not in groupings_of(name):
                continue  # a curve has no month grouping
            for level in (NATIONAL, "D02"):
                frame = sample_runner.reference(
                    sample_runner.default_request(name, by=by), leader, level
                )
                for column in frame.columns:
                    assert not column.endswith("_key"), (name, column)
                    if column == spec.curve:
                        continue  # a curve's week: the row's label
                    if column in spec.columns:
                        kind = spec.columns[column].kind
                        assert kind in ("rate", "change", "mean", "text"), (name, column, kind)
                    else:
                        assert column in ("month", SUPPRESSED), (name, column)


def test_a_reference_rate_is_its_areas_published_rate(sample_runner, access) -> None:
    """The rate a team leader is shown for their district and the nation is the one a user
    who sees all of it is shown: the published numerator over the published denominator."""
    leader = _scope(access, sample_runner, LEADER)
    request = sample_runner.default_request("deferrals")
    own = sample_runner.run(request, leader).row(0, named=True)
    rates = {}
    for level, districts in ((NATIONAL, ()), ("D02", ("D02",))):
        published = sample_runner.run(replace(request, districts=districts), Scope.national())
        counts = published.row(0, named=True)
        reference = sample_runner.reference(request, leader, level).row(0, named=True)
        assert reference["deferral_rate"] == counts["deferred"] / counts["wfis_due"]
        assert reference["waiver_rate"] == counts["waived"] / counts["wfis_due"]
        assert counts["wfis_due"] > own["wfis_due"]  # a wider area than the leader's office
        rates[level] = reference["deferral_rate"]
    assert len({rates[NATIONAL], rates["D02"], own["deferral_rate"]}) == 3
    job_entries = sample_runner.default_request("job_entries")
    jobs = sample_runner.run(job_entries, Scope.national()).row(0, named=True)
    reference = sample_runner.reference(job_entries, leader, NATIONAL)
    assert reference["sustained_13w_rate"][0] == jobs["sustained_13w"] / jobs["mature_13w"]


def test_a_reference_covers_its_whole_area_whatever_the_filters(sample_runner, access) -> None:
    manager = _scope(access, sample_runner, MANAGER)
    whole = sample_runner.reference(sample_runner.default_request("deferrals"), manager, "D02")
    one_office = sample_runner.default_request("deferrals", offices=("D02-O03",))
    assert sample_runner.reference(one_office, manager, "D02").equals(whole)
    # The benefit filter is kept: the area's ESA claims only.
    esa = sample_runner.default_request("deferrals", benefits=("ESA",))
    d02_esa = replace(esa, districts=("D02",))
    published = sample_runner.run(d02_esa, Scope.national()).row(0, named=True)
    reference = sample_runner.reference(esa, manager, "D02").row(0, named=True)
    assert reference["deferral_rate"] == published["deferred"] / published["wfis_due"]
    assert reference["deferral_rate"] != whole["deferral_rate"][0]


@pytest.mark.parametrize("level", ["D01", "D03", "D04", "D05", "D06", "D99", "D02-O03", ""])
def test_a_team_leader_gets_no_reference_for_another_district(sample_runner, access, level) -> None:
    leader = _scope(access, sample_runner, LEADER)
    with pytest.raises(RequestError, match=r"no reference figures for .*\(D02\)"):
        sample_runner.reference(sample_runner.default_request("deferrals"), leader, level)


def test_a_district_manager_gets_no_reference_for_another_district(sample_runner, access) -> None:
    manager = _scope(access, sample_runner, MANAGER)
    with pytest.raises(RequestError, match="no reference figures for 'D01'"):
        sample_runner.reference(sample_runner.default_request("job_entries"), manager, "D01")


@pytest.mark.parametrize(
    "measure, by, message",
    [
        ("deferrals", "office", "group it by total or month"),  # every office's rate
        ("deferrals", "district", "group it by total or month"),
        ("overdue_deferrals", "total", "has no reference figures"),  # an operational list
        ("fsf_budget", "total", "has no reference figures"),  # district budgets, ungrouped
    ],
)
def test_a_reference_is_one_areas_measure(sample_runner, access, measure, by, message) -> None:
    leader = _scope(access, sample_runner, LEADER)
    with pytest.raises(RequestError, match=message):
        sample_runner.reference(sample_runner.default_request(measure, by=by), leader, NATIONAL)


def test_nobody_gets_a_reference(sample_runner) -> None:
    with pytest.raises(RequestError, match="no access"):
        sample_runner.reference(
            sample_runner.default_request("deferrals"), Scope.nobody(), NATIONAL
        )


# The league table by role -------------------------------------------------------------------

# By hand from sample_data/offices.csv.
D02_OFFICES = [f"D02-O0{n}" for n in range(1, 9)]  # Leeds City ... Pontefract
D05_OFFICES = [f"D05-O0{n}" for n in range(1, 7)]  # Newcastle ... Washington


def _league(runner: Runner, scope: Scope, filters: Filters | None = None, asked=None):
    """The league for a scope, straight from the runner (as the app's cache builds it)."""
    filters = filters or Filters(*default_period(runner.extract_date))

    def reference(request, level):
        if asked is not None:
            asked.append(level)
        return runner.reference(request, scope, level)

    def compare(request, column, unit):
        return runner.compare(request, column, unit, scope)

    return league(
        lambda request: runner.run(request, scope),
        reference,
        compare,
        filters,
        scope,
        runner.catalogue,
    )


def _rows(frame: pl.DataFrame) -> list[tuple]:
    offices = frame["office_code"] if "office_code" in frame.columns else [None] * frame.height
    return list(zip(frame["level"], frame["district_code"], offices, strict=True))


@pytest.mark.parametrize(
    "email, heading, rows",
    [
        (
            ANALYST,
            "Districts compared",
            [("District", f"D0{n}", None) for n in range(1, 7)] + [("National", None, None)],
        ),
        (
            MANAGER,
            "Offices compared",
            [("Office", "D02", o) for o in D02_OFFICES]
            + [("District", "D02", None), ("National", None, None)],
        ),
        (
            "manager.d05@example.gov.uk",
            "Offices compared",
            [("Office", "D05", o) for o in D05_OFFICES]
            + [("District", "D05", None), ("National", None, None)],
        ),
        (
            LEADER,
            "Your offices compared",
            [("Office", "D02", "D02-O03"), ("District", "D02", None), ("National", None, None)],
        ),
        (
            "leader.d01-o03@example.gov.uk",
            "Your offices compared",
            [("Office", "D01", "D01-O03"), ("District", "D01", None), ("National", None, None)],
        ),
    ],
)
def test_each_role_compares_its_own_rows_with_its_references(
    sample_runner, access, email, heading, rows
) -> None:
    shown = _league(sample_runner, _scope(access, sample_runner, email))
    assert _rows(shown.frame) == rows
    assert shown.heading == heading
    assert shown.compared == len(rows) - (1 if email == ANALYST else 2)


def test_a_team_leaders_reference_rows_carry_rates_only(sample_runner, access) -> None:
    leader = _scope(access, sample_runner, LEADER)
    asked: list[str] = []
    shown = _league(sample_runner, leader, asked=asked)
    assert set(asked) == {"D02", NATIONAL}  # never another district
    office, district, nation = shown.frame.rows(named=True)
    # Their own office: every figure, as the runner gives the leader.
    own = sample_runner.run(sample_runner.default_request("caseload"), leader).row(0, named=True)
    assert office["live_claims"] == own["live_claims"] > 0
    # The district and the nation: rates and means only, counts and money left blank.
    for row, districts in ((district, ("D02",)), (nation, ())):
        for count in ("live_claims", "job_entries", "spend_gbp"):
            assert row[count] is None and count not in row[SUPPRESSED]
        area = Filters(*default_period(sample_runner.extract_date), districts=districts)
        national = Scope.national()
        jobs = sample_runner.run(area.request("job_entries"), national).row(0, named=True)
        deferrals = sample_runner.run(area.request("deferrals"), national).row(0, named=True)
        distance = sample_runner.run(area.request("distance_travelled"), national)
        assert row["sustained_13w_rate"] == jobs["sustained_13w"] / jobs["mature_13w"]
        assert row["deferral_rate"] == deferrals["deferred"] / deferrals["wfis_due"]
        assert row["mean_change"] == distance["mean_change"][0]
    assert shown.blank == {"live_claims": [1, 2], "job_entries": [1, 2], "spend_gbp": [1, 2]}
    assert "The District and National rows show rates and means only" in shown.caption
    assert "verdict beside it against the national rate" in shown.caption


def test_a_district_managers_district_row_is_theirs_in_full(sample_runner, access) -> None:
    manager = _scope(access, sample_runner, MANAGER)
    shown = _league(sample_runner, manager)
    rows = shown.frame.rows(named=True)
    district, nation = rows[-2], rows[-1]
    # Their district is within their scope: its counts as they see them anywhere.
    caseload, spending = (sample_runner.default_request(m) for m in ("caseload", "fsf_spend"))
    total = sample_runner.run(caseload, manager).row(0, named=True)
    spend = sample_runner.run(spending, manager).row(0, named=True)
    # The same cell as the national view of D02, so the same published figure (which need not
    # be the sum of the offices' published figures: each is perturbed on its own).
    d02 = sample_runner.run(
        sample_runner.default_request("caseload", districts=("D02",)), Scope.national()
    )
    assert district["live_claims"] == total["live_claims"] == d02["live_claims"][0] > 0
    assert district["spend_gbp"] == float(spend["spend_gbp"])
    assert nation["live_claims"] is None and nation["sustained_13w_rate"] is not None
    assert shown.blank == {"live_claims": [9], "job_entries": [9], "spend_gbp": [9]}
    assert "The National row shows rates and means only" in shown.caption
    # Each office's verdicts are the funnel's (against the national rate), in symbol and words;
    # the reference rows have none.
    for h in VERDICT_COLUMNS:
        funnel = sample_runner.compare(
            sample_runner.default_request(h.measure), h.column, "office", manager
        )
        better = "neither" if h.column == "deferral_rate" else "higher"
        expected = {
            row["office_code"]: comparison.verdict_label(row["verdict"], better)
            for row in funnel.iter_rows(named=True)
        }
        column = shown.frame[h.column + "_verdict"].to_list()
        assert column[:8] == [expected[r["office_code"]] for r in rows[:8]]
        assert column[8:] == [None, None]
        assert all(text[0] in "▲▼●" for text in column[:8] if text)
    assert [h.column for h in VERDICT_COLUMNS] == ["sustained_13w_rate", "deferral_rate"]
    assert "against the national rate" in shown.caption


def test_a_national_users_national_row_is_the_whole_nation(sample_runner, access) -> None:
    analyst = _scope(access, sample_runner, ANALYST)
    first, last = default_period(sample_runner.extract_date)
    nation = sample_runner.run(sample_runner.default_request("caseload"), analyst)["live_claims"][0]
    shown = _league(sample_runner, analyst)
    assert shown.frame["live_claims"][-1] == nation
    assert shown.blank == {}
    assert "rates and means only" not in shown.caption
    assert "Each district's" in shown.caption
    # A district filter narrows the districts compared, not the nation they are set against.
    one = _league(sample_runner, analyst, Filters(first, last, districts=("D01",)))
    assert _rows(one.frame) == [("District", "D01", None), ("National", None, None)]
    d01 = sample_runner.run(sample_runner.default_request("caseload", districts=("D01",)), analyst)
    assert one.frame["live_claims"].to_list() == [d01["live_claims"][0], nation]


def test_offices_in_two_districts_each_have_their_district_as_reference(sample_runner) -> None:
    catalogue = sample_runner.catalogue
    leader = User("two@example.gov.uk", "team_leader", offices=("D01-O02", "D02-O03"))
    shown = _league(sample_runner, leader.scope(catalogue))
    assert _rows(shown.frame) == [
        ("Office", "D01", "D01-O02"),
        ("Office", "D02", "D02-O03"),
        ("District", "D01", None),
        ("District", "D02", None),
        ("National", None, None),
    ]
    assert shown.blank["live_claims"] == [2, 3, 4]
    # A manager of two districts filtering on one: that district's offices and reference.
    manager = User("boss@example.gov.uk", "district_manager", districts=("D02", "D05"))
    first, last = default_period(sample_runner.extract_date)
    shown = _league(
        sample_runner, manager.scope(catalogue), Filters(first, last, districts=("D05",))
    )
    assert _rows(shown.frame) == [("Office", "D05", o) for o in D05_OFFICES] + [
        ("District", "D05", None),
        ("National", None, None),
    ]


def test_a_district_wholly_in_scope_is_shown_in_full(sample_runner) -> None:
    """A team leader of every office of D05 sees D05 whole: its row is not rates only."""
    leader = User("all.d05@example.gov.uk", "team_leader", offices=tuple(D05_OFFICES))
    shown = _league(sample_runner, leader.scope(sample_runner.catalogue))
    assert _rows(shown.frame)[-2:] == [("District", "D05", None), ("National", None, None)]
    assert shown.frame["live_claims"][-2] is not None
    assert shown.blank == {"live_claims": [7], "job_entries": [7], "spend_gbp": [7]}
    assert "The National row shows rates and means only" in shown.caption
