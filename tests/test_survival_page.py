"""The survival page: step curves with their band, grey against the chosen, and in words."""

from __future__ import annotations

import polars as pl

from jcp.measures.access import Scope
from jcp.measures.disclosure import row_with_markers
from jcp.web import charts
from jcp.web.formats import format_value


def _curve(district: str, survival: list[float | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "district_code": [district] * len(survival),
            "week": list(range(len(survival))),
            "survival": survival,
            "ci_low": [None if s is None else s - 0.05 for s in survival],
            "ci_high": [None if s is None else min(s + 0.05, 1.0) for s in survival],
            "suppressed": [[] for _ in survival],
        }
    )


def _marks(spec: dict) -> list[dict]:
    """Every mark of a (nested) layered chart's spec, with its data's name."""
    found = []
    for layer in spec.get("layer", []):
        if "layer" in layer:
            found += _marks(layer)
        else:
            found.append(layer)
    return found


def test_curves_are_steps_with_the_chosen_highlighted_and_the_rest_grey() -> None:
    frame = pl.concat([_curve("D01", [0.9, 0.8, None]), _curve("D02", [0.95, 0.7, 0.6])])
    spec = charts.survival_curves(frame, "Share", "T", "district_code", ["D01"]).to_dict()
    marks = _marks(spec)
    assert {m["mark"]["interpolate"] for m in marks} == {"step-after"}
    colours = {m["mark"]["color"] for m in marks}
    assert colours == {charts.HIGHLIGHT, charts.OTHERS}  # two colours, never one per district
    (band,) = [m for m in marks if m["mark"]["type"] == "area"]
    # Only the chosen district's band, and only weeks with an estimate (not the empty one).
    rows = spec["datasets"][band["data"]["name"]]
    assert {r["district_code"] for r in rows} == {"D01"} and len(rows) == 2


def test_a_total_curve_is_one_highlighted_step_line_and_its_band() -> None:
    spec = charts.survival_curves(_curve("", [1.0, 0.5]).drop("district_code"), "S", "T").to_dict()
    marks = _marks(spec)
    assert sorted(m["mark"]["type"] for m in marks) == ["area", "line"]
    assert {m["mark"]["color"] for m in marks} == {charts.HIGHLIGHT}


def test_the_page_says_the_runners_13_and_26_week_figures(sample_db, sample_runner, app_for):
    at = app_for(sample_db)
    at.run()
    at.switch_page("pages/survival.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["How long jobs and claims last"]
    text = " ".join(m.value for m in at.markdown).replace("\\", "")  # markdown escapes
    for measure in ("job_survival", "claim_survival"):
        curve = sample_runner.run(sample_runner.default_request(measure), Scope.national())
        for weeks in (13, 26):
            # The curve's week 12 is the share still going after 13 completed weeks.
            row = row_with_markers(curve.filter(pl.col("week") == weeks - 1))
            assert f"{format_value(row['survival'], 'rate')} after {weeks} weeks" in text
    assert len(at.metric) == 4
