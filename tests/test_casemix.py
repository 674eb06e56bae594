"""Case-mix adjusted comparison (issue 18 s.1, indirect standardisation): the arithmetic worked by
hand, the cells each comparable measure's SQL returns, Runner.compare(adjusted=True) on a
hand-built extract and on the sample, and the compare command's --adjusted."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest
from extracts import claim, district, job_entry, office, runner_for

from jcp.cli import main
from jcp.extract import contract
from jcp.measures import comparison, perturbation, runner, specs
from jcp.measures.access import Scope
from jcp.measures.comparison import (
    Z_95,
    Z_998,
    adjusted_overdispersion,
    adjusted_point,
    funnel_point,
    mix_rates,
)
from jcp.measures.queries import query_sql, sql_parameters
from jcp.measures.runner import CELL_GROUPINGS, CELL_KEYS, COMPARE_UNITS, MEASURES, RequestError
from jcp.measures.specs import CatalogueError, read_catalogue

NATIONAL = Scope.national()
# Every comparable rate of the catalogue, with its measure.
COMPARABLE = [(m, c) for m in MEASURES for c in specs.comparable_columns(m)]


# The arithmetic, by hand ------------------------------------------------------------------------

# A unit of 100 people: 60 in cell A, whose national rate is 0.5, and 40 in cell B, at 0.1.
#   e = (60 x 0.5 + 40 x 0.1) / 100 = (30 + 4) / 100 = 0.34
#   v = (60 x 0.5 x 0.5 + 40 x 0.1 x 0.9) / 100 = (15 + 3.6) / 100 = 0.186
# Published population 100: E = 100 x 0.34 = 34, V = 100 x 0.186 = 18.6, sqrt(V) = 4.3127717.
#   sqrt(V) / E = 4.3127717 / 34 = 0.12684623
#   95%:   half-width 1.959964 x 0.12684623 = 0.24861404; limits 0.75138596, 1.24861404
#   99.8%: half-width 3.090232 x 0.12684623 = 0.39198431; limits 0.60801569, 1.39198431
MIX = [(60, 0.5), (40, 0.1)]
E_RATE, V_RATE = 0.34, 0.186


def test_mix_rates_by_hand() -> None:
    expected_rate, variance_rate = mix_rates(MIX)
    assert expected_rate == pytest.approx(0.34)
    assert variance_rate == pytest.approx(0.186)
    assert mix_rates([]) is None  # nobody in any cell: no mix
    assert mix_rates([(0, 0.5)]) is None


def test_adjusted_limits_and_ratio_by_hand() -> None:
    point = adjusted_point(40, 100, E_RATE, V_RATE, target=0.3)
    assert point is not None
    assert point.expected == pytest.approx(34)
    # O / E = 40 / 34 = 1.17647059; adjusted rate = 1.17647059 x 0.3 = 0.35294118.
    assert point.ratio == pytest.approx(1.1764705882352942)
    assert point.adjusted_rate == pytest.approx(0.35294117647058826)
    assert point.rate == 0.4  # the raw rate stays O / n
    assert point.lower_95 == pytest.approx(0.7513859627806226)
    assert point.upper_95 == pytest.approx(1.2486140372193772)
    assert point.lower_998 == pytest.approx(0.6080156902666665)
    assert point.upper_998 == pytest.approx(1.3919843097333335)
    assert point.verdict == "as_expected"  # 1.176 is within 0.751..1.249


@pytest.mark.parametrize(
    ("observed", "verdict"),
    [
        (48, "higher_998"),  # 48 / 34 = 1.4118 > 1.3920
        (47, "higher_95"),  # 1.2486 < 1.3824 <= 1.3920
        (43, "higher_95"),  # 1.2647 > 1.2486
        (42, "as_expected"),  # 1.2353 <= 1.2486
        (26, "as_expected"),  # 0.7647 >= 0.7514
        (25, "lower_95"),  # 0.7353 < 0.7514
        (21, "lower_95"),  # 0.6176 >= 0.6080
        (20, "lower_998"),  # 0.5882 < 0.6080
    ],
)
def test_adjusted_verdicts_by_hand(observed, verdict) -> None:
    point = adjusted_point(observed, 100, E_RATE, V_RATE, target=0.3)
    assert point is not None and point.verdict == verdict


def test_adjusted_lower_limit_is_clipped_at_0() -> None:
    # n = 10, e = 0.1, v = 0.09: E = 1, V = 0.9, sqrt(V) / E = 0.9486833; 95% half-width
    # 1.959964 x 0.9486833 = 1.859386 -> lower 1 - 1.859 < 0, clipped to 0; upper 2.859386.
    point = adjusted_point(0, 10, 0.1, 0.09, target=0.1)
    assert point is not None
    assert point.lower_95 == point.lower_998 == 0.0
    assert point.upper_95 == pytest.approx(1 + Z_95 * math.sqrt(0.9))
    assert point.verdict == "as_expected"  # ratio 0 is on the clipped limit, not beyond it


def test_nothing_expected_has_no_ratio() -> None:
    # Every cell's rate 0: E = 0, V = 0. No ratio; limits are 1; no events is as expected and
    # any event is beyond the 99.8% limit (as a target of 0 is, unadjusted).
    none = adjusted_point(0, 50, 0.0, 0.0, target=0.2)
    some = adjusted_point(1, 50, 0.0, 0.0, target=0.2)
    assert none is not None and some is not None
    assert (none.ratio, none.adjusted_rate, none.verdict) == (None, None, "as_expected")
    assert some.verdict == "higher_998"
    assert {none.lower_95, none.upper_95, none.lower_998, none.upper_998} == {1.0}


def test_too_few_or_unknown_mix_gets_no_point() -> None:
    assert adjusted_point(3, 9, E_RATE, V_RATE, 0.3, minimum=10) is None  # 9 under 10
    assert adjusted_point(3, 10, E_RATE, V_RATE, 0.3, minimum=10) is not None
    assert adjusted_point(None, 100, E_RATE, V_RATE, 0.3) is None  # a hidden count
    assert adjusted_point(30, 100, None, None, 0.3) is None  # no cells known for the unit


@pytest.mark.parametrize("observed", [12, 13, 20, 27, 28, 33])
def test_one_cell_at_the_national_rate_is_the_unadjusted_funnel(observed) -> None:
    # Every p_c = p0 = 0.2: e = 0.2, v = 0.16, E = n p0, V = n p0 (1 - p0), and the ratio limits
    # 1 +/- z sqrt(n p0 (1 - p0)) / (n p0) are the rate limits p0 +/- z sqrt(p0 (1 - p0) / n)
    # divided by p0; the verdicts agree (n = 100 keeps the rate limits inside 0..1).
    plain = funnel_point(observed, 100, 0.2)
    adjusted = adjusted_point(observed, 100, 0.2, 0.16, target=0.2)
    assert plain is not None and adjusted is not None
    assert adjusted.verdict == plain.verdict
    assert adjusted.expected == pytest.approx(plain.expected)
    assert adjusted.ratio == pytest.approx(plain.ratio)
    for limit in ("lower_95", "upper_95", "lower_998", "upper_998"):
        assert getattr(adjusted, limit) * 0.2 == pytest.approx(getattr(plain, limit))
    assert adjusted.adjusted_rate == pytest.approx(plain.rate)


# Over-dispersion in the adjusted form: z_i = (O_i - E_i) / sqrt(V_i) --------------------------

# Ten units of 100 people, alternately of the mix above (e = 0.34, v = 0.186: E = 34,
# sqrt(V) = 4.3127717) and of one cell at 0.5 (e = 0.5, v = 0.25: E = 50, sqrt(V) = 5).
RATES = [(E_RATE, V_RATE), (0.5, 0.25)] * 5


def _observed_for(zs: list[float]) -> list[float]:
    """Events giving exactly these adjusted z-scores: O = E + z sqrt(V)."""
    return [100 * e + z * math.sqrt(100 * v) for z, (e, v) in zip(zs, RATES, strict=True)]


def test_adjusted_overdispersion_over_1_widens_the_ratio_limits() -> None:
    # z = -3, -2, -1, 0, 0, 1, 1, 2, 3, 10. I = 10, k = floor(0.1 x 10) = 1: -3 becomes -2 and
    # 10 becomes 3: phi = (4 + 4 + 1 + 0 + 0 + 1 + 1 + 4 + 9 + 9) / 10 = 33 / 10 = 3.3.
    zs = [-3, -2, -1, 0, 0, 1, 1, 2, 3, 10]
    observed = _observed_for(zs)
    phi = adjusted_overdispersion(
        [*observed, None], [100] * 11, [e for e, _ in RATES] + [0.3], [v for _, v in RATES] + [0.2]
    )
    assert phi == pytest.approx(3.3)
    # The first unit (E = 34) has z = -3: O = 34 - 3 x 4.3127717 = 21.0616849, ratio
    # 21.0616849 / 34 = 0.61946132. Plain limits (above): below 0.7514 (95%), not below 0.6080
    # (99.8%): lower_95. Widened, the 95% half-width is 0.24861404 x sqrt(3.3) = 0.24861404 x
    # 1.8165902 = 0.45162983: limits 0.54837017 and 1.45162983, so as expected.
    plain = adjusted_point(observed[0], 100, E_RATE, V_RATE, 0.3)
    widened = adjusted_point(observed[0], 100, E_RATE, V_RATE, 0.3, phi)
    assert plain is not None and widened is not None
    assert widened.lower_95 == pytest.approx(0.54837017, abs=1e-8)
    assert widened.upper_95 == pytest.approx(1.45162983, abs=1e-8)
    assert widened.upper_998 == pytest.approx(1 + Z_998 * 0.12684623 * math.sqrt(3.3), abs=1e-7)
    assert widened.ratio == pytest.approx(0.61946132, abs=1e-8)
    assert (plain.verdict, widened.verdict) == ("lower_95", "as_expected")


def test_adjusted_overdispersion_under_1_changes_nothing() -> None:
    # z = -1, -1, -0.5, 0, 0, 0, 0.5, 1, 1, 2; k = 1: 2 becomes 1 (the 2nd largest).
    # phi = (1 + 1 + 0.25 + 0 + 0 + 0 + 0.25 + 1 + 1 + 1) / 10 = 5.5 / 10 = 0.55.
    zs = [-1, -1, -0.5, 0, 0, 0, 0.5, 1, 1, 2]
    observed = _observed_for(zs)
    phi = adjusted_overdispersion(
        observed, [100] * 10, [e for e, _ in RATES], [v for _, v in RATES]
    )
    assert phi == pytest.approx(0.55)
    # Not narrowed: the same point as with no phi.
    last = observed[-1]
    assert adjusted_point(last, 100, 0.5, 0.25, 0.3, phi) == adjusted_point(
        last, 100, 0.5, 0.25, 0.3
    )


def test_no_variance_gives_no_adjusted_z_score() -> None:
    # Every cell's rate 0 or 1: V = 0, no spread to measure by, so phi is not estimated.
    assert comparison.adjusted_z_score(3, 10, 3, 0) is None
    assert adjusted_overdispersion([3, 5], [10, 10], [0.3, 0.5], [0.0, 0.0]) is None


# The case_mix setting in specs ----------------------------------------------------------------

SPEC = """
title = "Test measure"
query = "measure"
definition = "A test."
case_mix = true
groupings = ["total", "district", "office"]

[columns.people]
label = "People"
kind = "count"
better = "neither"
protect = "count"

[columns.people_rate]
label = "People rate"
kind = "rate"
better = "higher"
protect = "ratio"
numerator = "people"
denominator = "people"
comparable = true
"""


def _catalogue(tmp_path: Path, text: str):
    (tmp_path / "m.toml").write_text(text, encoding="utf-8")
    (tmp_path / "m.sql").write_text("-- m: test\nselect 1\n", encoding="utf-8")
    return read_catalogue(tmp_path)


def test_a_case_mix_measure_returns_its_cells_after_the_grouping_keys(tmp_path) -> None:
    spec = _catalogue(tmp_path, SPEC)["m"]
    assert spec.case_mix
    assert spec.output_columns() == [
        "district_code",
        "office_code",
        "month",
        "benefit",
        "claimant_group",
        "age_band",
        "people",
        "people_rate",
        "people_key",
    ]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("case_mix = true", 'case_mix = "yes"', "case_mix is true or false"),
        ("comparable = true", "", "case_mix is for a measure with a comparable rate"),
        ("[columns.people]", "[columns.age_band]", "column age_band: is a case-mix cell key"),
    ],
)
def test_case_mix_elsewhere_fails_closed(tmp_path, old, new, message) -> None:
    text = SPEC.replace(old, new, 1)
    if old == "[columns.people]":  # the ratio names its counts
        text = text.replace('"people"', '"age_band"')
    assert text != SPEC
    with pytest.raises(CatalogueError, match=message) as raised:
        _catalogue(tmp_path, text)
    assert "m.toml" in str(raised.value)


def test_a_scaled_ratio_can_be_comparable(tmp_path) -> None:
    """A figure per 100 is compared as the share itself (0 to 1)."""
    spec = _catalogue(tmp_path, SPEC.replace("comparable = true", "comparable = true\nscale = 100"))
    assert spec["m"].columns["people_rate"].comparable
    assert spec["m"].columns["people_rate"].scale == 100


def test_every_comparable_measure_can_be_adjusted() -> None:
    """The issue's rates, FSF uptake among them, each with cells in its SQL."""
    assert {(m, c) for m, c in COMPARABLE} == {
        ("job_entries", "sustained_13w_rate"),
        ("deferrals", "deferral_rate"),
        ("wfi_timeliness", "timeliness_rate"),
        ("wfi_timeliness", "fta_rate"),
        ("deferral_followup", "followup_rate"),
        ("claim_restarts", "restart_rate_182d"),
        ("distance_travelled", "pct_improved"),
        ("fsf_uptake", "uptake_per_100"),
    }
    assert all(MEASURES[m].case_mix for m, _ in COMPARABLE)
    assert [m for m in MEASURES if MEASURES[m].case_mix] == sorted({m for m, _ in COMPARABLE})


# The cells each measure's SQL returns ---------------------------------------------------------


def _query(runner_: runner.Runner, measure: str, by: str, **filters) -> pl.DataFrame:
    """A measure's SQL run as the runner runs it, exact (no disclosure control)."""
    request = replace(runner_.default_request(measure, **filters), by=by)
    wanted = sql_parameters(query_sql(measure))
    params = runner_.parameters(request, NATIONAL)
    return runner_.engine.query(measure, {k: v for k, v in params.items() if k in wanted})


@pytest.mark.parametrize("unit", ["office", "district"])
@pytest.mark.parametrize("measure", sorted({m for m, _ in COMPARABLE}))
def test_cells_add_up_to_each_unit_s_counts(measure, unit, sample_runner) -> None:
    """Every count of a unit, summed over its cells, is the unit's count (no claim lost or
    counted twice by the split), and the cells are the contract's values, never NULL."""
    keys = list(COMPARE_UNITS[unit])
    counts = [c.name for c in MEASURES[measure].figures if c.protect == "count"]
    cells = _query(sample_runner, measure, CELL_GROUPINGS[unit])
    assert cells.height > 0
    assert cells.select(*keys, *CELL_KEYS).null_count().row(0) == (0,) * (len(keys) + 3)
    assert set(cells["benefit"]) <= set(contract.BENEFITS)
    assert set(cells["claimant_group"]) <= set(contract.CLAIMANT_GROUPS)
    assert set(cells["age_band"]) <= set(contract.AGE_BANDS)
    # One row per unit and cell.
    assert cells.select(*keys, *CELL_KEYS).is_duplicated().sum() == 0
    summed = cells.group_by(keys).agg(pl.col(counts).sum()).sort(keys)
    units = _query(sample_runner, measure, unit).select(*keys, *counts).sort(keys)
    assert summed.select(*keys, *counts).rows() == units.rows()
    assert units.select(counts).sum().row(0) != (0,) * len(counts)  # not vacuous
    # Outside the cell groupings the cells are NULL, so every grouping is as it was.
    assert (
        _query(sample_runner, measure, unit).select(CELL_KEYS).null_count().row(0)
        == (units.height,) * 3
    )


def test_a_filter_narrows_the_cells_as_it_does_the_measure(sample_runner) -> None:
    cells = _query(sample_runner, "job_entries", "office_cell", benefits=("UC",))
    assert set(cells["benefit"]) == {"UC"}
    office = _query(sample_runner, "job_entries", "office", benefits=("UC",))
    assert cells["mature_13w"].sum() == office["mature_13w"].sum() > 0


def test_users_cannot_ask_for_cells(sample_runner) -> None:
    for by in CELL_GROUPINGS.values():
        with pytest.raises(RequestError, match="grouping"):
            sample_runner.run(sample_runner.default_request("job_entries", by=by), NATIONAL)


def test_results_never_carry_the_cells(sample_runner) -> None:
    for by in ("total", "district", "office", "month"):
        frame = sample_runner.run(sample_runner.default_request("deferrals", by=by), NATIONAL)
        assert not set(CELL_KEYS) & set(frame.columns)


# A case-mix example: raw "lower, worse", adjusted "as expected" ---------------------------------

# Two cells, nationally: ESA health_condition 50-64 (H) sustains 30% of jobs, UC jobseeker
# 16-24 (J) 80%. Office D01-O01 has only H jobs, D01-O02 only J jobs, eight more offices 10 of
# each. All jobs start on 2026-03-02, 13 weeks before the extract date (2026-10-31) and more.
#   H: 100 + 8 x 10 = 180 jobs, 30 + 8 x 3 = 54 sustained: p_H = 54 / 180 = 0.3
#   J: 100 + 8 x 10 = 180 jobs, 80 + 8 x 8 = 144 sustained: p_J = 144 / 180 = 0.8
#   national p0 = (54 + 144) / 360 = 198 / 360 = 0.55
# D01-O01: 30 / 100 = 0.3; sd = sqrt(0.55 x 0.45 / 100) = 0.04975; 99.8% lower limit
#   0.55 - 3.0902 x 0.04975 = 0.3963: far below it, "lower (99.8%), worse" unadjusted.
#   Its mix is all H: e = p_H = 0.3, v = 0.3 x 0.7 = 0.21; E = 100 x 0.3 = 30 = O: ratio 1,
#   limits 1 +/- 1.96 x sqrt(21) / 30 = 1 +/- 0.299: "as expected".
# The neutral offices: 10 H and 10 J each, e = (3 + 8) / 20 = 0.55, v = (10 x 0.21 + 10 x 0.16)
#   / 20 = 0.185, rate 11 / 20 = 0.55: z = 0 either way, so with I = 10 and k = 1 both extreme
#   offices are winsorised to the neutral ones and phi stays small.
# Counts are perturbed by at most 2 (docs/disclosure.md): O and n are the published ones, and
# the cell rates and each office's cell populations are worked from perturbed counts too, so
# p_H is within 52 / 182 = 0.2857 .. 56 / 178 = 0.3146 and p_J within 142 / 182 = 0.7802 ..
# 146 / 178 = 0.8202. Every margin above is far wider than that.
P_H = (52 / 182, 56 / 178)
P_J = (142 / 182, 146 / 178)
H = {"benefit": "ESA", "claimant_group": "health_condition", "age_band": "50-64"}
J = {"benefit": "UC", "claimant_group": "jobseeker", "age_band": "16-24"}
OFFICES = ["D01-O01", "D01-O02", *(f"D0{d}-O{o:02d}" for d in (2, 3) for o in range(1, 5))]
# Each office's mix-expected rate e: one cell's rate, or for 8 to 12 of each cell between
# (12 x 0.2857 + 8 x 0.7802) / 20 = 0.4835 and (8 x 0.3146 + 12 x 0.8202) / 20 = 0.6180.
E_BOUNDS = {"D01-O01": P_H, "D01-O02": P_J}
NEUTRAL = (0.4835, 0.6180)


def _jobs(office_code: str, cell: dict, jobs: int, sustained: int) -> tuple[list, list]:
    claims, entries = [], []
    for n in range(jobs):
        claim_id = f"{office_code}-{cell['benefit']}-{n}"
        claims.append(claim(claim_id, office_code, "2026-01-05", **cell))
        # Not sustained: left after 30 days, well within 13 weeks.
        ended = None if n < sustained else "2026-04-01"
        entries.append(job_entry(f"J-{claim_id}", claim_id, "2026-03-02", ended))
    return claims, entries


def _case_mix_tables() -> dict[str, list[dict]]:
    claims, entries = [], []
    for code in OFFICES:
        plan = {"D01-O01": [(H, 100, 30)], "D01-O02": [(J, 100, 80)]}.get(
            code, [(H, 10, 3), (J, 10, 8)]
        )
        for cell, jobs, sustained in plan:
            more_claims, more_entries = _jobs(code, cell, jobs, sustained)
            claims += more_claims
            entries += more_entries
    return {
        "districts": [district("D01"), district("D02"), district("D03")],
        "offices": [office(code, code[:3]) for code in OFFICES],
        "claims": claims,
        "job_entries": entries,
    }


@pytest.fixture(scope="module")
def case_mix_runner(tmp_path_factory):
    """The case-mix example above, loaded."""
    with runner_for(tmp_path_factory.mktemp("casemix"), _case_mix_tables()) as loaded:
        yield loaded


def test_a_health_condition_office_is_worse_raw_and_as_expected_adjusted(case_mix_runner) -> None:
    request = case_mix_runner.default_request("job_entries")
    raw = case_mix_runner.compare(request, "sustained_13w_rate", "office", NATIONAL)
    adjusted = case_mix_runner.compare(
        request, "sustained_13w_rate", "office", NATIONAL, adjusted=True
    )
    row = {r["office_code"]: r for r in raw.iter_rows(named=True)}
    adj = {r["office_code"]: r for r in adjusted.iter_rows(named=True)}
    assert set(row) == set(adj) == set(OFFICES)
    # Unadjusted: the health-condition office is below the 99.8% limit, so worse (a higher
    # sustained rate is better); the jobseeker office above it, better.
    assert row["D01-O01"]["verdict"] == "lower_998"
    assert comparison.verdict_text(row["D01-O01"]["verdict"], "higher").endswith("worse")
    assert row["D01-O02"]["verdict"] == "higher_998"
    # Adjusted: both are what their case mix expects.
    assert adj["D01-O01"]["verdict"] == adj["D01-O02"]["verdict"] == "as_expected"
    assert {r["verdict"] for r in adj.values()} == {"as_expected"}
    published = case_mix_runner.run(replace(request, by="office"), NATIONAL)
    target = raw["target"][0]
    assert adj["D01-O01"]["phi"] < 1  # the extremes are winsorised to the neutral offices
    for counts in published.iter_rows(named=True):
        code = counts["office_code"]
        o, n = counts["sustained_13w"], counts["mature_13w"]
        # O and n are the published counts in both forms; E = n x e.
        assert (adj[code]["observed"], adj[code]["population"]) == (o, n)
        assert (row[code]["observed"], row[code]["population"]) == (o, n)
        assert adj[code]["rate"] == row[code]["rate"] == pytest.approx(o / n)
        e = adj[code]["expected"] / n
        low, high = E_BOUNDS.get(code, NEUTRAL)
        assert low <= e <= high, code
        assert adj[code]["ratio"] == pytest.approx(o / (n * e))
        assert adj[code]["adjusted_rate"] == pytest.approx(o / (n * e) * target)
        assert row[code]["expected"] == pytest.approx(n * target)  # unadjusted: n x p0
        if code in E_BOUNDS:
            # One cell: v = p (1 - p) = e (1 - e), so the limits follow from E alone.
            half = Z_95 * math.sqrt(n * e * (1 - e)) / (n * e)
            assert adj[code]["lower_95"] == pytest.approx(1 - half)
            assert adj[code]["upper_95"] == pytest.approx(1 + half)
    # The target is the published national rate, 198 / 360 = 0.55 give or take perturbation.
    assert target == pytest.approx(0.55, abs=0.02)


def test_adjusted_districts_on_the_example(case_mix_runner) -> None:
    # D01 holds the two extreme offices: 100 H and 100 J, e = (30 + 80) / 200 = 0.55, as the
    # nation; D02 and D03 are four neutral offices each (e = 0.55); perturbed counts move each
    # by far less than 0.02. Every district as expected.
    request = case_mix_runner.default_request("job_entries")
    districts = case_mix_runner.compare(
        request, "sustained_13w_rate", "district", NATIONAL, adjusted=True
    )
    assert districts["district_code"].to_list() == ["D01", "D02", "D03"]
    assert (districts["expected"] / districts["population"]).to_list() == pytest.approx(
        [0.55] * 3, abs=0.02
    )
    assert set(districts["verdict"]) == {"as_expected"}


def test_the_frame_s_columns(case_mix_runner) -> None:
    request = case_mix_runner.default_request("job_entries")
    raw = case_mix_runner.compare(request, "sustained_13w_rate", "office", NATIONAL)
    adjusted = case_mix_runner.compare(
        request, "sustained_13w_rate", "office", NATIONAL, adjusted=True
    )
    issue = [
        "district_code",
        "office_code",
        "observed",
        "population",
        "rate",
        "target",
        "expected",
        "ratio",
        "lower_95",
        "upper_95",
        "lower_998",
        "upper_998",
        "phi",
        "verdict",
        "suppressed",
    ]
    assert raw.columns == issue
    assert adjusted.columns == [*issue[:5], "adjusted_rate", *issue[5:]]


# On the sample ------------------------------------------------------------------------------


@pytest.mark.parametrize("unit", ["office", "district"])
@pytest.mark.parametrize(("measure", "column"), COMPARABLE)
def test_adjusted_compare_on_the_sample(measure, column, unit, sample_runner) -> None:
    """Each unit's E is its published population times its mix-expected rate, recomputed here
    from the cell counts as perturbed (never the true ones); O, n, the target and the units
    placed are the unadjusted comparison's; phi is over every unit's adjusted z-score."""
    request = sample_runner.default_request(measure)
    raw = sample_runner.compare(request, column, unit, NATIONAL)
    adjusted = sample_runner.compare(request, column, unit, NATIONAL, adjusted=True)
    keys = list(COMPARE_UNITS[unit])
    assert (
        adjusted.select(*keys, "observed", "population", "rate", "target").rows()
        == raw.select(*keys, "observed", "population", "rate", "target").rows()
    )
    rate = MEASURES[measure].columns[column]
    target = adjusted["target"][0] / rate.scale  # the share (FSF uptake is shown per 100)
    o, n = rate.numerator, rate.denominator
    cells = _query(sample_runner, measure, CELL_GROUPINGS[unit])

    def perturbed_count(name: str) -> pl.Expr:
        return perturbation.perturbed(pl.col(name), pl.col(f"{name}_key")).clip(lower_bound=0)

    # A cell's national rate as it would be published: perturbed events / perturbed population,
    # the nation's rate instead where that would be hidden (events 1 to 4, population under 10).
    national = (
        cells.group_by(CELL_KEYS)
        .agg(pl.col(o, f"{o}_key", n, f"{n}_key").sum())
        .with_columns(perturbed_count(o).alias("po"), perturbed_count(n).alias("pn"))
        .with_columns(
            pl.when((pl.col("pn") >= 10) & ~pl.col("po").is_between(1, 4))
            .then(pl.col("po") / pl.col("pn"))
            .otherwise(target)
            .alias("p"),
            (pl.col(o) / pl.col(n)).alias("true_p"),
        )
    )
    mix = (
        cells.with_columns(perturbed_count(n).alias("w"))
        .join(national.select(*CELL_KEYS, "p", "true_p"), on=list(CELL_KEYS))
        .group_by(keys)
        .agg(
            ((pl.col("w") * pl.col("p")).sum() / pl.col("w").sum()).alias("e"),
            ((pl.col("w") * pl.col("p") * (1 - pl.col("p"))).sum() / pl.col("w").sum()).alias("v"),
            ((pl.col(n) * pl.col("true_p")).sum() / pl.col(n).sum()).alias("true_e"),
        )
    )
    placed = adjusted.filter(pl.col("verdict").is_not_null()).join(mix, on=keys)
    assert placed.height == adjusted["verdict"].drop_nulls().len() > 0
    for row in placed.iter_rows(named=True):
        assert row["expected"] == pytest.approx(row["population"] * row["e"])
        assert row["ratio"] == pytest.approx(row["observed"] / row["expected"])
        assert row["adjusted_rate"] == pytest.approx(row["ratio"] * row["target"])
        widen = max(1.0, math.sqrt(row["phi"]))
        half = Z_998 * math.sqrt(row["population"] * row["v"]) / row["expected"] * widen
        assert row["upper_998"] == pytest.approx(1 + half)
        assert row["lower_998"] == pytest.approx(max(1 - half, 0.0))
    assert placed["phi"][0] == pytest.approx(
        adjusted_overdispersion(
            placed["observed"].to_list(),
            placed["population"].to_list(),
            placed["e"].to_list(),
            placed["v"].to_list(),
        )
    )
    # From true counts some unit's E would differ: the check above can tell them apart.
    assert (placed["population"] * placed["true_e"] - placed["expected"]).abs().max() > 1e-6
    # No point, no verdict, exactly where the unadjusted comparison has none.
    assert adjusted["verdict"].is_null().to_list() == raw["verdict"].is_null().to_list()


@pytest.mark.parametrize("unit", ["office", "district"])
def test_fsf_uptake_is_compared_on_its_own_scale(unit, sample_runner) -> None:
    """Uptake is published per 100 live claims: the limits are worked on the share
    recipients / live claims and shown per 100, as are the rate, the target and the adjusted
    rate; the ratio and its adjusted limits have no scale."""
    request = sample_runner.default_request("fsf_uptake")
    national = sample_runner.run(request, NATIONAL)
    published = sample_runner.run(replace(request, by=unit), NATIONAL)
    compared = sample_runner.compare(request, "uptake_per_100", unit, NATIONAL)
    adjusted = sample_runner.compare(request, "uptake_per_100", unit, NATIONAL, adjusted=True)
    target = national["uptake_per_100"][0]
    assert compared["target"].unique().to_list() == [target] and 1 < target < 100
    keys = list(COMPARE_UNITS[unit])
    placed = compared.filter(pl.col("verdict").is_not_null())
    assert placed.height > 0
    for row in placed.join(published, on=keys).iter_rows(named=True):
        # The rate drawn is the figure published beside it: 100 x recipients / live claims.
        assert row["rate"] == pytest.approx(row["uptake_per_100"])
        share = funnel_point(row["observed"], row["population"], target / 100, row["phi"])
        assert share is not None and row["verdict"] == share.verdict
        assert row["lower_95"] == pytest.approx(100 * share.lower_95)
        assert row["upper_998"] == pytest.approx(100 * share.upper_998)
        assert row["expected"] == pytest.approx(row["population"] * target / 100)
        assert 0 <= row["lower_998"] < target < row["upper_998"] <= 100
    for row in adjusted.filter(pl.col("verdict").is_not_null()).iter_rows(named=True):
        assert row["lower_95"] < 1 < row["upper_95"] < 2  # a ratio, not per 100
        assert row["adjusted_rate"] == pytest.approx(row["ratio"] * target)


def test_fsf_uptake_drift_is_on_its_own_scale(sample_runner) -> None:
    """A month's centre is 100 x the previous 12 usable months' recipients / live claims, as
    its rate is 100 x its own (the p-chart is worked on the share, shown per 100)."""
    request = sample_runner.default_request("fsf_uptake")
    months = sample_runner.drift(request, "uptake_per_100", "total", NATIONAL)
    history = sample_runner.run(
        replace(request, by="month", period_from=runner.shift_months(request.period_from, -19)),
        NATIONAL,
    )
    usable = {
        row["month"]: (row["recipients"], row["live_claims"])
        for row in history.iter_rows(named=True)
        if "uptake_per_100" not in row["suppressed"]
    }
    judged = months.filter(pl.col("centre").is_not_null())
    assert judged.height > 0
    for row in judged.iter_rows(named=True):
        before = [runner.shift_months(row["month"], -k) for k in range(1, 13)]
        baseline = [usable[m] for m in before if m in usable]
        assert row["centre"] == pytest.approx(
            100 * sum(o for o, _ in baseline) / sum(n for _, n in baseline)
        )
        assert row["rate"] == pytest.approx(100 * row["observed"] / row["population"])
        assert row["lower"] <= row["centre"] <= row["upper"] and row["centre"] > 1


def test_adjusted_phi_is_the_nation_s_whoever_asks(sample_runner) -> None:
    request = sample_runner.default_request("deferrals")
    everyone = sample_runner.compare(request, "deferral_rate", "office", NATIONAL, adjusted=True)
    one = sample_runner.compare(
        replace(request, offices=("D01-O03",)), "deferral_rate", "office", NATIONAL, adjusted=True
    )
    assert one["office_code"].to_list() == ["D01-O03"]
    assert one.row(0) == everyone.filter(office_code="D01-O03").row(0)
    off = sample_runner.compare(
        request, "deferral_rate", "office", NATIONAL, overdispersion=False, adjusted=True
    )
    assert off["phi"].is_null().all() and everyone["phi"][0] is not None


@pytest.fixture
def comparable_without_cells(monkeypatch) -> None:
    """benefit_exits' 13-week exit rate marked comparable: a rate its measure's SQL has no
    case-mix cells for (no such rate is in the catalogue)."""
    spec = MEASURES["benefit_exits"]
    assert not spec.case_mix
    columns = dict(spec.columns)
    columns["exit_rate_13w"] = replace(columns["exit_rate_13w"], comparable=True)
    monkeypatch.setitem(MEASURES, "benefit_exits", replace(spec, columns=columns))


def test_a_measure_without_cells_cannot_be_adjusted(
    sample_runner, comparable_without_cells
) -> None:
    request = sample_runner.default_request("benefit_exits")
    with pytest.raises(RequestError, match="benefit_exits cannot be adjusted for case mix"):
        sample_runner.compare(request, "exit_rate_13w", "office", NATIONAL, adjusted=True)
    # Unadjusted, it compares.
    assert sample_runner.compare(request, "exit_rate_13w", "office", NATIONAL).height == 53


# The command ----------------------------------------------------------------------------------


def _compare(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        status = main(["compare", *args])
    except SystemExit as exc:
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


def test_command_adjusted(sample_db, sample_runner, capsys) -> None:
    common = ["job_entries", "sustained_13w_rate", "--unit", "district", "--national"]
    status, out, err = _compare(
        capsys, *common, "--adjusted", "--format", "json", "--db", str(sample_db)
    )
    assert status == 0, err
    rows = json.loads(out)
    expected = sample_runner.compare(
        sample_runner.default_request("job_entries"),
        "sustained_13w_rate",
        "district",
        NATIONAL,
        adjusted=True,
    )
    assert [r["district_code"] for r in rows] == expected["district_code"].to_list()
    assert [r["expected"] for r in rows] == pytest.approx(expected["expected"].to_list())
    assert "adjusted_rate" in rows[0]
    status, out, _ = _compare(capsys, *common, "--format", "json", "--db", str(sample_db))
    assert status == 0 and "adjusted_rate" not in json.loads(out)[0]


def test_command_refuses_to_adjust_a_measure_without_cells(
    sample_db, capsys, comparable_without_cells
) -> None:
    status, out, err = _compare(
        capsys,
        "benefit_exits",
        "exit_rate_13w",
        "--unit",
        "office",
        "--national",
        "--adjusted",
        "--db",
        str(sample_db),
    )
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "cannot be adjusted for case mix" in err


def test_measure_command_refuses_a_cell_grouping(sample_db, capsys) -> None:
    capsys.readouterr()
    status = main(
        ["measure", "deferrals", "--by", "office_cell", "--national", "--db", str(sample_db)]
    )
    out, err = capsys.readouterr()
    assert status == 2 and out == "" and "office_cell" in err
    assert len(err.strip().splitlines()) == 1


def test_a_database_loaded_before_age_bands_is_refused_by_name(sample_db, tmp_path) -> None:
    """A database whose facts have no age band (loaded before case mix) cannot count per cell:
    opening it says so in one line, rather than a query failing later with a binder error."""
    import duckdb

    from jcp.extract.db import DatabaseOutdated
    from jcp.measures.engines import open_engine

    db = tmp_path / "old.duckdb"
    db.write_bytes(sample_db.read_bytes())
    con = duckdb.connect(str(db))
    con.execute("alter table job_entry_months drop column age_band")  # as loaders before it
    con.close()
    with pytest.raises(DatabaseOutdated, match=r"older version of the loader \(no age bands"):
        open_engine("duckdb", db=db)
