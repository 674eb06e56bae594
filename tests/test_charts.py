"""Chart builders: every number format is one Vega's d3-format accepts (else nothing is drawn)."""

from __future__ import annotations

import re

import polars as pl
import pytest

from jcp import charts

# d3-format: [[fill]align][sign][symbol][0][width][,][.precision][~][type]
D3_FORMAT = re.compile(r"(.?[<>=^])?[-+( ]?[$#]?0?\d*,?(\.\d+)?~?[efgrsp%bcdoxXn]?")


def _formats(spec: object) -> list[str]:
    found = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "format" and isinstance(value, str):
                found.append(value)
            else:
                found += _formats(value)
    elif isinstance(spec, list):
        for item in spec:
            found += _formats(item)
    return found


def _charts() -> list:
    by_group = pl.DataFrame(
        {"district_code": ["D01", "D02"], "spend_gbp": [1.5, 2.5], "suppressed": [[], []]}
    )
    long = pl.DataFrame({"month": ["2026-01"], "series": ["Rate"], "value": [0.5]})
    parts = pl.DataFrame(
        {"district_code": ["D01"], "category": ["travel"], "spend_gbp": [3.0], "payments": [7]}
    )
    made = [
        charts.stacked_categories(parts, "district_code", "category", "spend_gbp", "Spend", "t")
    ]
    for kind in charts.FORMATS:
        made.append(
            charts.bar_by_group(by_group, "spend_gbp", "v", "t", kind, "district_code", ["D01"])
        )
        made.append(charts.lines_by_month(long, "v", "t", kind))
        made.append(charts.bars(by_group, "district_code", "spend_gbp", "l", "v", "t", kind))
    return made


@pytest.mark.parametrize("chart", _charts())
def test_every_format_is_valid_d3(chart) -> None:
    formats = _formats(chart.to_dict())
    assert formats
    for fmt in formats:
        assert D3_FORMAT.fullmatch(fmt), f"{fmt!r} is not a d3-format specifier"


def test_hidden_cell_lists_are_not_sent_to_the_browser() -> None:
    frame = pl.DataFrame({"district_code": ["D01"], "spend_gbp": [1.0], "suppressed": [["x"]]})
    spec = charts.bar_by_group(frame, "spend_gbp", "v", "t", "money", "district_code", ["D01"])
    rows = next(iter(spec.to_dict()["datasets"].values()))
    assert "suppressed" not in rows[0]


def test_hidden_segments_are_left_out_of_a_stack() -> None:
    """A NULL segment would stop Vega stacking the segments after it."""
    parts = pl.DataFrame(
        {
            "district_code": ["D03", "D03", "D03"],
            "category": ["childcare", "other", "travel"],
            "payments": [34, None, 672],
            "spend_gbp": [21901.0, None, 13593.33],
        }
    )
    spec = charts.stacked_categories(parts, "district_code", "category", "spend_gbp", "S", "t")
    rows = next(iter(spec.to_dict()["datasets"].values()))
    assert [r["category"] for r in rows] == ["childcare", "travel"]
