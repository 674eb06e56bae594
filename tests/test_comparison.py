"""Funnel-plot comparison (issue 18 s.1, unadjusted): limits, over-dispersion, verdicts, the
comparable setting in specs, Runner.compare on the sample and the compare command."""

from __future__ import annotations

import json
import math
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pytest

from jcp.cli import main
from jcp.measures import comparison
from jcp.measures.access import read_access
from jcp.measures.comparison import (
    Z_95,
    Z_998,
    funnel_point,
    overdispersion,
    verdict,
    z_score,
)
from jcp.measures.runner import RequestError
from jcp.measures.specs import CatalogueError, catalogue, comparable_columns, read_catalogue

ROOT = Path(__file__).resolve().parent.parent
ACCESS = ROOT / "sample_data" / "access.toml"
LEADER = "leader.d01-o03@example.gov.uk"  # team leader of D01-O03 only
MANAGER = "manager.d02@example.gov.uk"


# The z values -------------------------------------------------------------------------------


def test_z_values_are_the_normal_quantiles() -> None:
    # 95% two-sided: the 0.975 quantile; 99.8% two-sided: the 0.999 quantile.
    assert abs(NormalDist().inv_cdf(0.975) - Z_95) < 1e-12
    assert abs(NormalDist().inv_cdf(0.999) - Z_998) < 1e-12


# Limits and verdicts, worked by hand ---------------------------------------------------------

# p0 = 0.2, n = 100: sd = sqrt(0.2 x 0.8 / 100) = 0.04.
#   95%:   half-width 1.959963984540054 x 0.04 = 0.07839855938; limits 0.12160144, 0.27839856
#   99.8%: half-width 3.090232306167813 x 0.04 = 0.12360929225; limits 0.07639071, 0.32360929
LOW_95, HIGH_95 = 0.2 - Z_95 * 0.04, 0.2 + Z_95 * 0.04
LOW_998, HIGH_998 = 0.2 - Z_998 * 0.04, 0.2 + Z_998 * 0.04


def test_limits_for_one_unit_by_hand() -> None:
    point = funnel_point(20, 100, 0.2)
    assert point is not None
    assert point.lower_95 == pytest.approx(0.12160144061839784)
    assert point.upper_95 == pytest.approx(0.27839855938160216)
    assert point.lower_998 == pytest.approx(0.07639070775328748)
    assert point.upper_998 == pytest.approx(0.3236092922467125)
    # expected = n x p0 = 100 x 0.2 = 20; ratio = O / E = 20 / 20 = 1.
    assert point.expected == pytest.approx(20)
    assert point.ratio == pytest.approx(1)
    assert point.rate == 0.2


@pytest.mark.parametrize(
    ("observed", "expected_verdict"),
    [
        (33, "higher_998"),  # 0.33 > 0.3236
        (32, "higher_95"),  # 0.2784 < 0.32 <= 0.3236
        (28, "higher_95"),  # 0.28 > 0.2784
        (27, "as_expected"),  # 0.27 <= 0.2784
        (20, "as_expected"),
        (13, "as_expected"),  # 0.13 >= 0.1216
        (12, "lower_95"),  # 0.12 < 0.1216
        (8, "lower_95"),  # 0.08 >= 0.0764
        (7, "lower_998"),  # 0.07 < 0.0764
    ],
)
def test_verdicts_by_hand(observed, expected_verdict) -> None:
    point = funnel_point(observed, 100, 0.2)
    assert point is not None and point.verdict == expected_verdict


def test_a_rate_exactly_on_a_limit_is_as_expected() -> None:
    limits = (LOW_95, HIGH_95, LOW_998, HIGH_998)
    assert verdict(HIGH_95, *limits) == "as_expected"
    assert verdict(LOW_95, *limits) == "as_expected"
    assert verdict(math.nextafter(HIGH_95, 1), *limits) == "higher_95"
    assert verdict(math.nextafter(LOW_95, 0), *limits) == "lower_95"
    assert verdict(HIGH_998, *limits) == "higher_95"  # on the 99.8% limit: beyond 95% only
    assert verdict(math.nextafter(HIGH_998, 1), *limits) == "higher_998"
    assert verdict(LOW_998, *limits) == "lower_95"
    assert verdict(math.nextafter(LOW_998, 0), *limits) == "lower_998"


def test_limits_are_clipped_to_0_and_1() -> None:
    # p0 = 0.2, n = 4: sd = sqrt(0.16 / 4) = 0.2; 95% half-width 0.392 -> lower 0 (not
    # -0.192), upper 0.592; 99.8% half-width 0.618 -> lower 0, upper 0.818.
    point = funnel_point(0, 4, 0.2)
    assert point is not None
    assert (point.lower_95, point.lower_998) == (0.0, 0.0)
    assert point.upper_95 == pytest.approx(0.2 + Z_95 * 0.2)
    # p0 = 0.8, n = 4: upper 0.8 + 0.618 -> 1.
    high = funnel_point(4, 4, 0.8)
    assert high is not None and (high.upper_95, high.upper_998) == (1.0, 1.0)
    assert high.verdict == "as_expected"  # 1.0 is on the clipped limit, not beyond it


def test_small_or_missing_populations_get_no_point() -> None:
    assert funnel_point(3, 9, 0.2, minimum=10) is None  # 9 under the minimum 10
    assert funnel_point(3, 10, 0.2, minimum=10) is not None  # 10 is enough
    assert funnel_point(0, 0, 0.2) is None  # nobody: no rate
    assert funnel_point(None, 50, 0.2) is None  # a hidden count
    assert funnel_point(5, None, 0.2) is None


@pytest.mark.parametrize("target", [0.0, 1.0])
def test_a_target_of_0_or_1_has_no_spread(target) -> None:
    # p0 (1 - p0) = 0: every limit is p0 itself, no z-score, phi not estimated.
    at_target = funnel_point(50 * target, 50, target)
    assert at_target is not None
    assert {at_target.lower_95, at_target.upper_95, at_target.lower_998, at_target.upper_998} == {
        target
    }
    assert at_target.verdict == "as_expected"  # exactly on the (single) limit
    off = funnel_point(1 if target == 0 else 49, 50, target)
    assert off is not None and off.verdict == ("higher_998" if target == 0 else "lower_998")
    assert z_score(1, 50, target) is None
    assert overdispersion([0, 1], [50, 50], target) is None
    # Nothing is expected where p0 = 0: no ratio (no division by zero); p0 = 1: 50 / 50 = 1.
    assert at_target.ratio == (None if target == 0 else 1.0)


# Over-dispersion, winsorised by hand -----------------------------------------------------------


def _counts_for(zs: list[float], n: int, target: float) -> list[float]:
    """Events giving exactly these z-scores: O = n p0 + z sqrt(n p0 (1 - p0))."""
    return [n * target + z * math.sqrt(n * target * (1 - target)) for z in zs]


def test_overdispersion_of_10_units_over_1_widens_the_limits() -> None:
    # p0 = 0.5, n = 100: sd of a count = sqrt(100 x 0.25) = 5, so O = 50 + 5 z:
    # O = 35, 40, 45, 50, 50, 55, 55, 60, 65, 100 give z = -3, -2, -1, 0, 0, 1, 1, 2, 3, 10.
    observed = [35, 40, 45, 50, 50, 55, 55, 60, 65, 100]
    # I = 10, k = floor(0.1 x 10) = 1: the smallest (-3) becomes the 2nd smallest (-2), the
    # largest (10) the 2nd largest (3): -2, -2, -1, 0, 0, 1, 1, 2, 3, 3.
    # phi = (4 + 4 + 1 + 0 + 0 + 1 + 1 + 4 + 9 + 9) / 10 = 33 / 10 = 3.3.
    # Units with no population (0, or a hidden count) are not among the I.
    phi = overdispersion([*observed, 0, None], [100] * 10 + [0, 100], 0.5)
    assert phi == pytest.approx(3.3)
    # Widened: half-width x sqrt(3.3) = x 1.8165902. 95% at n = 100: 1.96 x 0.05 x 1.8166
    # = 0.17802; 99.8%: 3.0902 x 0.05 x 1.8166 = 0.28069.
    widened = funnel_point(65, 100, 0.5, phi)
    plain = funnel_point(65, 100, 0.5)
    assert widened is not None and plain is not None
    assert widened.upper_95 == pytest.approx(0.5 + Z_95 * 0.05 * math.sqrt(3.3))
    assert widened.upper_95 == pytest.approx(0.67802, abs=1e-5)
    assert widened.upper_998 == pytest.approx(0.78069, abs=1e-5)
    # 0.65: beyond the plain 95% limit (0.598), within the plain 99.8% one (0.6545), and
    # within the widened 95% limit (0.678).
    assert plain.verdict == "higher_95"
    assert widened.verdict == "as_expected"
    outlier = funnel_point(100, 100, 0.5, phi)
    assert outlier is not None and outlier.verdict == "higher_998"  # 1.0 > 0.7807


def test_overdispersion_of_10_units_under_1_changes_nothing() -> None:
    # p0 = 0.5, n = 400: sd of a count = sqrt(400 x 0.25) = 10, so O = 200 + 10 z:
    # z = -1, -1, -0.5, 0, 0, 0, 0.5, 1, 1, 2.
    observed = [190, 190, 195, 200, 200, 200, 205, 210, 210, 220]
    # k = 1: -1 stays -1 (the 2nd smallest is -1 too); 2 becomes 1 (the 2nd largest).
    # phi = (1 + 1 + 0.25 + 0 + 0 + 0 + 0.25 + 1 + 1 + 1) / 10 = 5.5 / 10 = 0.55.
    phi = overdispersion(observed, [400] * 10, 0.5)
    assert phi == pytest.approx(0.55)
    assert funnel_point(220, 400, 0.5, phi) == funnel_point(220, 400, 0.5)  # not narrowed


def test_overdispersion_of_20_units_winsorises_two_at_each_end() -> None:
    # p0 = 0.5, n = 400: z = -4, -3, -1, fourteen 0s, 1, 2, 6.
    zs = [-4, -3, -1, *[0] * 14, 1, 2, 6]
    # I = 20, k = floor(0.1 x 20) = 2: -4 and -3 become the 3rd smallest (-1); 2 and 6 the 3rd
    # largest (1): three -1s, fourteen 0s, three 1s. phi = (3 + 3) / 20 = 0.3.
    # (Without winsorising it would be (16 + 9 + 1 + 1 + 4 + 36) / 20 = 3.35.)
    assert overdispersion(_counts_for(zs, 400, 0.5), [400] * 20, 0.5) == pytest.approx(0.3)


# A simulation: units drawn from one common rate ------------------------------------------------


def test_about_5_and_0_2_percent_of_units_fall_outside_the_limits() -> None:
    """50 runs of 400 units, O ~ Binomial(n, 0.3), n from 100 to 1,000, phi off.

    20,000 units in all. The binomial standard error of the share outside the 95% limits is
    sqrt(0.05 x 0.95 / 20,000) = 0.00154, and outside 99.8% sqrt(0.002 x 0.998 / 20,000) =
    0.000316; the tolerances are 4 of them (0.0062 and 0.00126), which a correct funnel misses
    about once in 16,000 seeds. (The exact binomial share beyond the 99.8% limits for these n
    is about 0.0019, not 0.002, because counts are whole: well inside the tolerance.)
    """
    rng = np.random.default_rng(20260418)
    target = 0.3
    outside_95 = outside_998 = units = 0
    for _run in range(50):
        population = rng.integers(100, 1001, size=400)
        observed = rng.binomial(population, target)
        for o, n in zip(observed.tolist(), population.tolist(), strict=True):
            point = funnel_point(o, n, target)
            assert point is not None
            outside_95 += point.verdict != "as_expected"
            outside_998 += point.verdict in ("higher_998", "lower_998")
            units += 1
    assert units == 20_000
    assert abs(outside_95 / units - 0.05) <= 4 * math.sqrt(0.05 * 0.95 / units)
    assert abs(outside_998 / units - 0.002) <= 4 * math.sqrt(0.002 * 0.998 / units)


# The comparable setting ------------------------------------------------------------------------

GOOD = """
title = "Test measure"
query = "measure"
definition = "A test."
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


def test_a_ratio_can_be_comparable(tmp_path) -> None:
    assert _catalogue(tmp_path, GOOD)["m"].columns["people_rate"].comparable


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        # A count is not a rate.
        ('protect = "count"\n', 'protect = "count"\ncomparable = true\n', "ratio column only"),
        # A share of one count in another, not a mean or a median.
        (
            'protect = "ratio"\nnumerator = "people"\ndenominator = "people"\n',
            'protect = "gated"\npopulation = "people"\n',
            "ratio column only",
        ),
        ("comparable = true", 'comparable = "yes"', "true or false"),
        ('"district", "office"', '"district"', "grouped by district and office"),
    ],
)
def test_comparable_elsewhere_fails_closed(tmp_path, old, new, message) -> None:
    text = GOOD.replace(old, new, 1)
    assert text != GOOD
    with pytest.raises(CatalogueError, match=message) as raised:
        _catalogue(tmp_path, text)
    assert "m.toml" in str(raised.value) and "people" in str(raised.value)


def test_the_catalogue_marks_the_issue_s_rates_comparable() -> None:
    marked = {(m, c) for m in catalogue() for c in comparable_columns(m)}
    assert {
        ("job_entries", "sustained_13w_rate"),
        ("deferrals", "deferral_rate"),
        ("wfi_timeliness", "timeliness_rate"),
        ("wfi_timeliness", "fta_rate"),
        ("deferral_followup", "followup_rate"),
        ("claim_restarts", "restart_rate_182d"),
        ("distance_travelled", "pct_improved"),
    } <= marked


# Runner.compare on the sample ----------------------------------------------------------------


@pytest.fixture(scope="module")
def access(sample_runner):
    """The demo access list read against the sample's districts and offices."""
    return read_access(ACCESS, sample_runner.catalogue)


def test_comparison_is_from_the_published_table(sample_runner) -> None:
    from jcp.measures.access import Scope

    request = sample_runner.default_request("deferrals")
    compared = sample_runner.compare(request, "deferral_rate", "office", Scope.national())
    published = sample_runner.run(
        sample_runner.default_request("deferrals", by="office"), Scope.national()
    )
    total = sample_runner.run(request, Scope.national())
    assert compared["target"].unique().to_list() == [total["deferral_rate"][0]]
    joined = compared.join(published, on=["district_code", "office_code"])
    assert joined.height == published.height
    for row in joined.iter_rows(named=True):
        if "deferral_rate" in row["suppressed_right"]:
            assert row["rate"] is None and row["verdict"] is None
        else:
            assert (row["observed"], row["population"]) == (row["deferred"], row["wfis_due"])
            assert row["rate"] == pytest.approx(row["deferral_rate"])
            assert row["verdict"] is not None


def test_a_team_leader_and_a_national_user_share_target_and_phi(sample_runner, access) -> None:
    from jcp.measures.access import Scope

    request = sample_runner.default_request("deferrals")
    leader = access.scope_for(LEADER, sample_runner.catalogue)
    mine = sample_runner.compare(request, "deferral_rate", "office", leader)
    everyone = sample_runner.compare(request, "deferral_rate", "office", Scope.national())
    assert mine["office_code"].to_list() == ["D01-O03"]  # only the leader's office
    assert mine.row(0) == everyone.filter(office_code="D01-O03").row(0)
    assert mine["phi"][0] is not None and mine["phi"][0] == everyone["phi"][0]
    # Districts: a manager gets their own whole district; a team leader sees no whole district.
    manager = access.scope_for(MANAGER, sample_runner.catalogue)
    districts = sample_runner.compare(request, "deferral_rate", "district", manager)
    assert districts["district_code"].to_list() == ["D02"]
    assert sample_runner.compare(request, "deferral_rate", "district", leader).height == 0
    # A district filter narrows the rows returned, never the national phi or target.
    filtered = sample_runner.compare(
        sample_runner.default_request("deferrals", districts=("D03",)),
        "deferral_rate",
        "office",
        Scope.national(),
    )
    assert set(filtered["district_code"]) == {"D03"}
    assert filtered["phi"][0] == everyone["phi"][0]
    assert filtered["target"][0] == everyone["target"][0]


def test_overdispersion_can_be_turned_off(sample_runner) -> None:
    from jcp.measures.access import Scope

    request = sample_runner.default_request("deferrals")
    off = sample_runner.compare(
        request, "deferral_rate", "district", Scope.national(), overdispersion=False
    )
    assert off["phi"].is_null().all()
    row = off.row(0, named=True)
    expected = funnel_point(row["observed"], row["population"], row["target"])
    assert expected is not None and row["upper_95"] == pytest.approx(expected.upper_95)


@pytest.mark.parametrize(
    ("column", "unit", "message"),
    [
        ("waiver_rate", "office", "not a comparable rate"),
        ("wfis_due", "office", "not a comparable rate"),
        ("deferral_rate", "month", "compare offices or districts"),
    ],
)
def test_compare_refuses(sample_runner, column, unit, message) -> None:
    from jcp.measures.access import Scope

    with pytest.raises(RequestError, match=message):
        sample_runner.compare(
            sample_runner.default_request("deferrals"), column, unit, Scope.national()
        )


# The compare command -------------------------------------------------------------------------


def _compare(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        status = main(["compare", *args])
    except SystemExit as exc:  # argparse's usage errors
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


def test_command_compares_a_team_leader_s_office(sample_db, capsys) -> None:
    status, out, _ = _compare(
        capsys,
        "deferrals",
        "deferral_rate",
        "--unit",
        "office",
        "--db",
        str(sample_db),
        "--access",
        str(ACCESS),
        "--as",
        LEADER,
        "--format",
        "json",
    )
    assert status == 0
    rows = json.loads(out)
    assert [r["office_code"] for r in rows] == ["D01-O03"]
    assert rows[0]["verdict"] in ("higher_998", "higher_95", "as_expected", "lower_95", "lower_998")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["deferrals", "waiver_rate", "--unit", "office", "--national"], "not a comparable"),
        (["deferrals", "deferral_rate", "--unit", "month", "--national"], "invalid choice"),
        (["deferrals", "deferral_rate", "--national"], "--unit"),
        (["nothing", "rate", "--unit", "office", "--national"], "unknown measure"),
        (["deferrals", "deferral_rate", "--unit", "office"], "--as EMAIL"),
    ],
)
def test_command_refuses_in_one_line(sample_db, capsys, args, message) -> None:
    status, out, err = _compare(capsys, *args, "--db", str(sample_db))
    assert status == 2 and out == "" and message in err
    assert len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize(
    ("verdict", "better", "label", "concern"),
    [
        # A higher 13-week sustained rate is better: above the 99.8% limit is better, below worse.
        ("higher_998", "higher", "▲▲ higher than expected (99.8%), better", 2),
        ("lower_95", "higher", "▼ lower than expected (95%), worse", 3),
        ("lower_998", "higher", "▼▼ lower than expected (99.8%), worse", 4),
        # Fewer restarts is better: a higher restart rate is worse.
        ("higher_95", "lower", "▲ higher than expected (95%), worse", 3),
        ("lower_998", "lower", "▼▼ lower than expected (99.8%), better", 2),
        # The deferral rate has no better direction: words and symbol only.
        ("higher_998", "neither", "▲▲ higher than expected (99.8%)", 2),
        ("lower_95", "neither", "▼ lower than expected (95%)", 1),
        ("as_expected", "higher", "● as expected", 0),
        (None, "higher", "", -1),
    ],
)
def test_verdict_words_symbols_and_concern(verdict, better, label, concern):
    assert comparison.verdict_label(verdict, better) == label
    assert comparison.concern(verdict, better) == concern


def test_national_figures_are_remembered_and_the_oldest_forgotten(
    sample_runner, monkeypatch
) -> None:
    """Runner.national asks the database once per request, and past REMEMBERED_RESULTS the
    oldest is forgotten first (here a limit of 2: the third request pushes out the first)."""
    from jcp.measures import runner as runner_module

    monkeypatch.setattr(runner_module, "REMEMBERED_RESULTS", 2)
    sample_runner.forget()
    asked = []
    run = sample_runner.run
    monkeypatch.setattr(
        sample_runner,
        "run",
        lambda request, scope, **kw: asked.append(request) or run(request, scope, **kw),
    )
    first, second, third = (
        sample_runner.default_request("deferrals", by=by) for by in ("total", "district", "office")
    )
    assert sample_runner.national(first) is sample_runner.national(first)  # one frame, shared
    sample_runner.national(second)
    sample_runner.national(third)  # the limit of 2: `first` goes
    sample_runner.national(second)  # still remembered
    sample_runner.national(first)  # asked again
    assert asked == [first, second, third, first]
    sample_runner.forget()


def test_remembered_figures_are_bounded_in_bytes_too(sample_runner, monkeypatch) -> None:
    """Past REMEMBERED_BYTES the oldest go first, however few results there are. With a bound
    of the first two results' size plus one byte both stay; a third, smaller than each, pushes
    out the oldest alone (the second and third then fit: s2 + s3 <= s1 + s2 + 1)."""
    from jcp.measures import runner as runner_module

    sample_runner.forget()
    asked = []
    run = sample_runner.run
    monkeypatch.setattr(
        sample_runner,
        "run",
        lambda request, scope, **kw: asked.append(request) or run(request, scope, **kw),
    )
    first, second, third = (
        sample_runner.default_request("deferrals", by=by) for by in ("office", "district", "total")
    )
    sizes = [sample_runner.national(r).estimated_size() for r in (first, second, third)]
    assert sizes[0] > sizes[2] and sizes[1] > sizes[2]  # 53 offices, 6 districts, one row
    sample_runner.forget()
    asked.clear()
    monkeypatch.setattr(runner_module, "REMEMBERED_BYTES", sizes[0] + sizes[1] + 1)
    sample_runner.national(first)
    sample_runner.national(second)
    sample_runner.national(first)  # both fit: not asked again
    assert asked == [first, second]
    sample_runner.national(third)  # over the bytes: `first`, the oldest, goes
    sample_runner.national(second)
    sample_runner.national(third)
    assert asked == [first, second, third]
    sample_runner.national(first)  # asked again
    assert asked == [first, second, third, first]
    sample_runner.forget()
