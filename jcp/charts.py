"""Altair chart builders: plain functions from a result frame to an alt.Chart (no Streamlit)."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import polars as pl

from jcp.formats import AXIS_FORMATS

# Tableau 10: distinguishable, colour-blind-safer than the default; a district keeps its colour
# on every page because the domain is all districts in the data, not just those shown.
DISTRICT_PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)

FORMATS = AXIS_FORMATS  # one style per kind (jcp.formats)


def district_scale(all_districts: Sequence[str]) -> alt.Scale:
    codes = list(all_districts)
    colours = [DISTRICT_PALETTE[i % len(DISTRICT_PALETTE)] for i in range(len(codes))]
    return alt.Scale(domain=codes, range=colours)


def _for_vega(frame: pl.DataFrame) -> pl.DataFrame:
    # Vega-Lite has no decimal type: money goes to float for drawing only (tables keep Decimal).
    # The list of hidden cells is not drawn; hidden values are already NULL, so left out.
    frame = frame.drop("suppressed") if "suppressed" in frame.columns else frame
    return frame.with_columns(
        pl.col(name).cast(pl.Float64) for name, dtype in frame.schema.items() if dtype.is_decimal()
    )


def bar_by_group(
    frame: pl.DataFrame,
    value: str,
    value_title: str,
    title: str,
    kind: str,
    group: str,
    all_districts: Sequence[str],
) -> alt.Chart:
    """One bar per district or office, coloured by district."""
    group_title = "Office" if group == "office_code" else "District"
    return (
        alt.Chart(_for_vega(frame), title=title)
        .mark_bar()
        .encode(
            x=alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(format=FORMATS[kind])),
            y=alt.Y(f"{group}:N", title=group_title, sort=None),
            color=alt.Color(
                "district_code:N", title="District", scale=district_scale(all_districts)
            ),
            tooltip=[
                alt.Tooltip(f"{group}:N", title=group_title),
                alt.Tooltip(f"{value}:Q", title=value_title, format=FORMATS[kind]),
            ],
        )
    )


def lines_by_month(
    frame: pl.DataFrame, value_title: str, title: str, kind: str, series_title: str = "Measure"
) -> alt.Chart:
    """Lines over months from a long frame with columns month, series, value."""
    return (
        alt.Chart(_for_vega(frame), title=title)
        .mark_line(point=True)
        .encode(
            x=alt.X("month:O", title="Month"),
            y=alt.Y("value:Q", title=value_title, axis=alt.Axis(format=FORMATS[kind])),
            color=alt.Color("series:N", title=series_title),
            tooltip=[
                alt.Tooltip("month:O", title="Month"),
                alt.Tooltip("series:N", title=series_title),
                alt.Tooltip("value:Q", title=value_title, format=FORMATS[kind]),
            ],
        )
    )


def stacked_categories(
    frame: pl.DataFrame, group: str, category: str, value: str, value_title: str, title: str
) -> alt.Chart:
    """Stacked horizontal bars: one bar per group, one segment per category."""
    group_title = {"office_code": "Office", "district_code": "District"}.get(group, "Period")
    # A NULL (hidden) segment would break the stack for every segment after it: leave it out.
    drawn = _for_vega(frame).filter(pl.col(value).is_not_null())
    return (
        alt.Chart(drawn, title=title)
        .mark_bar()
        .encode(
            x=alt.X(f"sum({value}):Q", title=f"{value_title} (£)", axis=alt.Axis(format=",.0f")),
            y=alt.Y(f"{group}:N", title=group_title),
            color=alt.Color(f"{category}:N", title=category.replace("_", " ").capitalize()),
            tooltip=[
                alt.Tooltip(f"{group}:N", title=group_title),
                alt.Tooltip(f"{category}:N", title="Category"),
                alt.Tooltip(f"{value}:Q", title=f"{value_title} (£)", format=",.0f"),
                alt.Tooltip("payments:Q", title="Payments", format=",.0f"),
            ],
        )
    )


def bars(
    frame: pl.DataFrame,
    label: str,
    value: str,
    label_title: str,
    value_title: str,
    title: str,
    kind: str,
) -> alt.Chart:
    """Simple horizontal bars for a small breakdown (dimensions, reasons)."""
    return (
        alt.Chart(_for_vega(frame), title=title)
        .mark_bar()
        .encode(
            x=alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(format=FORMATS[kind])),
            y=alt.Y(f"{label}:N", title=label_title, sort="-x"),
            tooltip=[
                alt.Tooltip(f"{label}:N", title=label_title),
                alt.Tooltip(f"{value}:Q", title=value_title, format=FORMATS[kind]),
            ],
        )
    )
