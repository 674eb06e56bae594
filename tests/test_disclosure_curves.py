"""Disclosure control of Kaplan-Meier curves (protect = curve): recomputed from the published
counts, cut from the first small week to the end of the group, and failing closed.

The perturbation intervals used are those tests/test_disclosure.py checks against the table: a
count of 2 or more with a cell key (key sum mod 4096) in 1264..2831 is shifted by 0, in
262..1263 by -1. Expected figures are worked out here with the arithmetic in comments.
"""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest

from jcp.measures.disclosure import DisclosureError, Thresholds, protect, with_markers
from jcp.measures.specs import CatalogueError, read_catalogue

DEFAULT = Thresholds()
SAME = 2000  # a cell key whose count is published unchanged (shift 0 for counts of 2 or more)
MINUS_1 = 500  # a cell key shifting a count of 2 or more by -1
Z = 1.959963984540054
CURVE = ["survival", "ci_low", "ci_high"]


def _band(survival: float, variance: float) -> tuple[float, float]:
    """The log-log band by its formula: exp(-exp(log(-log S) +- z sqrt(V) / -log S))."""
    centre = math.log(-math.log(survival))
    spread = Z * math.sqrt(variance) / -math.log(survival)
    return math.exp(-math.exp(centre + spread)), math.exp(-math.exp(centre - spread))


def _curve_frame(rows: list[tuple]) -> pl.DataFrame:
    """(district, week, at_risk, events, censored, at_risk key, events key) rows as job_survival
    returns them; the true curve columns hold nonsense, which must never be shown."""
    district, week, at_risk, events, censored, at_risk_key, events_key = zip(*rows, strict=True)
    return pl.DataFrame(
        {
            "district_code": list(district),
            "week": list(week),
            "at_risk": list(at_risk),
            "events": list(events),
            "censored": list(censored),
            "survival": [0.123] * len(rows),
            "ci_low": [0.1] * len(rows),
            "ci_high": [0.2] * len(rows),
            "at_risk_key": list(at_risk_key),
            "events_key": list(events_key),
            "censored_key": [SAME if c else 0 for c in censored],
        }
    )


def test_a_curve_is_recomputed_from_published_counts_and_cut_to_the_end() -> None:
    frame = _curve_frame(
        [
            # D01: 40 at risk, 4 events (published [c], but the perturbed 4 enters the curve).
            ("D01", 0, 40, 4, 6, SAME, SAME),
            # 30 at risk at key 500: published 29. 6 events, shown as 6.
            ("D01", 1, 30, 6, 16, MINUS_1, SAME),
            # 8 at risk: under 10, so the curve is [c] from here ...
            ("D01", 2, 8, 2, 0, SAME, SAME),
            # ... to the end, although 20 would be enough (a constructed frame: at risk only
            # falls in a real one).
            ("D01", 3, 20, 2, 0, SAME, SAME),
            ("D01", 4, 12, 0, 0, SAME, 0),
            # D02: nobody at all: no curve, as for nobody, not [c].
            ("D02", 0, 0, 0, 0, 0, 0),
            ("D02", 1, 0, 0, 0, 0, 0),
            # D03: 12 at risk and no event, then all 10 at risk have the event.
            ("D03", 0, 12, 0, 2, SAME, 0),
            ("D03", 1, 10, 10, 0, SAME, SAME),
            ("D03", 2, 0, 0, 0, 0, 0),
        ]
    )
    shown = protect(frame, "job_survival", DEFAULT).sort("district_code", "week")
    rows = shown.rows_by_key(["district_code", "week"], named=True, unique=True)

    # D01 week 0: S = 1 - 4/40 = 0.9; V = 4 / (40 x 36) = 1/360.
    # Week 1: S = 0.9 x (1 - 6/29) = 0.9 x 23/29; V = 1/360 + 6 / (29 x 23).
    s0, v0 = 0.9, 1 / 360
    s1, v1 = 0.9 * 23 / 29, 1 / 360 + 6 / (29 * 23)
    for week, survival, variance in ((0, s0, v0), (1, s1, v1)):
        low, high = _band(survival, variance)
        row = rows[("D01", week)]
        assert row["survival"] == pytest.approx(survival, rel=1e-12)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high), rel=1e-12)
        assert row["ci_low"] < row["survival"] < row["ci_high"]
    assert rows[("D01", 0)]["events"] is None  # published 4: [c] in its own column
    assert rows[("D01", 1)]["at_risk"] == 29
    assert rows[("D01", 0)]["suppressed"] == ["events"]
    assert rows[("D01", 1)]["suppressed"] == []
    for week in (2, 3, 4):
        row = rows[("D01", week)]
        assert [row[c] for c in CURVE] == [None, None, None]
        assert set(CURVE) <= set(row["suppressed"]), week
    assert rows[("D01", 3)]["at_risk"] == 20  # the count itself still shows

    # D02: published 0 at risk: empty, not marked.
    for week in (0, 1):
        row = rows[("D02", week)]
        assert [row[c] for c in CURVE] == [None, None, None]
        assert row["suppressed"] == []

    # D03 week 0: no event, S = 1 and the band 1 to 1. Week 1: 10 of 10, S = 1 x (1 - 10/10)
    # = 0, the band 0 to 0. Week 2: 0 at risk (under 10, so the rest is cut; as for nobody).
    assert [rows[("D03", 0)][c] for c in CURVE] == [1.0, 1.0, 1.0]
    assert [rows[("D03", 1)][c] for c in CURVE] == [0.0, 0.0, 0.0]
    assert [rows[("D03", 2)][c] for c in CURVE] == [None, None, None]
    assert rows[("D03", 2)]["suppressed"] == []

    marked = with_markers(shown.filter(pl.col("district_code") == "D01"))
    assert marked["survival"].to_list()[2:] == ["[c]", "[c]", "[c]"]
    assert not [c for c in shown.columns if c.endswith("_key") or c.startswith("perturbed")]


def test_a_hidden_at_risk_count_cuts_the_curve_and_the_total_has_no_group() -> None:
    # Grouped by total: no district column; the curve runs over the weeks in order whatever
    # order the rows come in.
    frame = _curve_frame(
        [
            ("", 1, 3, 1, 0, SAME, SAME),  # 3 at risk: published [c], so the curve is cut
            ("", 0, 20, 5, 12, SAME, SAME),  # S = 1 - 5/20 = 0.75
        ]
    ).drop("district_code")
    shown = protect(frame, "job_survival", DEFAULT)
    assert shown["week"].to_list() == [0, 1]
    assert shown["survival"].to_list() == [0.75, None]
    assert shown["at_risk"].to_list() == [20, None]
    assert shown["suppressed"].to_list()[1] == sorted(["at_risk", "events", *CURVE])


def test_the_rate_threshold_decides_the_cut() -> None:
    # 12 at risk: shown under the default threshold of 10, cut under a threshold of 20.
    frame = _curve_frame([("D01", 0, 12, 6, 6, SAME, SAME)])
    assert protect(frame, "job_survival", DEFAULT)["survival"].to_list() == [0.5]
    stricter = Thresholds(min_denominator=20)
    assert protect(frame, "job_survival", stricter)["survival"].to_list() == [None]


def test_a_curve_without_its_step_column_is_an_error() -> None:
    frame = _curve_frame([("D01", 0, 12, 6, 6, SAME, SAME)])
    with pytest.raises(DisclosureError, match="step column week"):
        protect(frame.drop("week"), "job_survival", DEFAULT)
    with pytest.raises(DisclosureError, match="no count or key sum for events"):
        protect(frame.drop("events_key"), "job_survival", DEFAULT)


CURVE_SPEC = """
title = "Test curve"
query = "measure"
definition = "A test."
groupings = ["total", "district"]
curve = { column = "week", last = 3 }

[columns.week]
label = "Week"
kind = "key"

[columns.at_risk]
label = "At risk"
kind = "count"
better = "neither"
protect = "count"

[columns.events]
label = "Events"
kind = "count"
better = "neither"
protect = "count"

[columns.survival]
label = "Survival"
kind = "rate"
better = "higher"
protect = "curve"
population = "at_risk"
numerator = "events"

[columns.ci_low]
label = "Low"
kind = "rate"
better = "neither"
protect = "curve_bound"
of = "survival"
bound = "low"
"""


def _catalogue(tmp_path: Path, text: str) -> dict:
    (tmp_path / "m.toml").write_text(text, encoding="utf-8")
    (tmp_path / "m.sql").write_text("-- m: test\nselect 1\n", encoding="utf-8")
    return read_catalogue(tmp_path)


def test_a_curve_spec_reads(tmp_path) -> None:
    spec = _catalogue(tmp_path, CURVE_SPEC)["m"]
    assert spec.steps == (0, 1, 2, 3)
    (curve,) = spec.rules.curves
    assert (curve.column, curve.at_risk, curve.events, curve.low, curve.high) == (
        "survival",
        "at_risk",
        "events",
        "ci_low",
        None,
    )
    assert spec.rules.curve_step == "week"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # A curve is never grouped by month (a month is a step of the curve's own).
        (('groupings = ["total", "district"]', 'groupings = ["total", "month"]'), "groupings"),
        (('population = "at_risk"', 'population = "nobody"'), "needs population = a count"),
        (('numerator = "events"', 'numerator = "survival"'), "needs numerator = a count"),
        (('of = "survival"', 'of = "at_risk"'), "needs of = a curve"),
        (('bound = "low"', 'bound = "middle"'), "bound 'middle' is not one of"),
        (('bound = "low"\n', ""), "bound .* is for protect = curve_bound only"),
        (('curve = { column = "week", last = 3 }', ""), "needs the measure's curve"),
        (('column = "week"', 'column = "at_risk"'), "must be a key column"),
        (("last = 3", 'last = "3"'), "curve must be a table"),
    ],
)
def test_a_curve_spec_that_cannot_be_trusted_fails_to_load(tmp_path, change, message) -> None:
    old, new = change
    text = CURVE_SPEC.replace(old, new, 1)
    assert text != CURVE_SPEC
    with pytest.raises(CatalogueError, match=message):
        _catalogue(tmp_path, text)
