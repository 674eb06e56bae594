"""How long jobs and claims last: Kaplan-Meier curves of job survival and of time to a job."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
import streamlit as st

from jcp.measures import specs
from jcp.measures.filters import Filters
from jcp.output import plain_text
from jcp.web import charts, data, results, sidebar, widgets
from jcp.web.formats import format_value

# Each curve: its tab, how its estimate reads, and what the sentence under it calls the spells.
CURVES = {
    "job_survival": ("Jobs: still in work", "Share still in work", "jobs", "still in work"),
    "claim_survival": (
        "Claims: not yet into work",
        "Share not yet into work",
        "claims",
        "not yet into work while on benefit",
    ),
}
# The curve's week w is the share still going after w + 1 completed weeks: 13 weeks is week 12.
MILESTONES = (13, 26)


def _at_week(frame: pl.DataFrame, week: int) -> dict:
    return widgets.tile_row(frame.filter(pl.col("week") == week))


def curve_section(filters: Filters, measure: str, description: Sequence[str] = ()) -> None:
    """One measure's curve for the whole selection, in words and as a chart, then compared;
    `description`: the page's sentences, the first chart's accessible description."""
    heading, value_title, spells, still = CURVES[measure]
    st.caption(plain_text(specs.spec(measure).definition))
    total = results.run(filters.request(measure))
    if not widgets.has_activity(total, ["at_risk"]):
        widgets.empty_state()
        return
    tiles = st.columns(len(MILESTONES))
    sentences = []
    for tile, weeks in zip(tiles, MILESTONES, strict=True):
        row = _at_week(total, weeks - 1)
        shown = format_value(row.get("survival"), "rate")
        low, high = (format_value(row.get(c), "rate") for c in ("ci_low", "ci_high"))
        band = f"{low} to {high}"
        tile.metric(
            f"{value_title} after {weeks} weeks",
            shown,
            border=True,
            help=widgets.figure_help(f"95% band {band}.", measure),
        )
        sentences.append(f"{shown} after {weeks} weeks (95% band {band})")
    # Half-way, read off the published curve: the first week at or below a half.
    half = total.filter(pl.col("survival") <= 0.5)["week"].min()
    median = (
        f" Half had ended by the end of week {half}."
        if half is not None
        else " The curve does not reach a half within the weeks shown."
    )
    # The chart's text alternative: the curve's milestones in a sentence.
    st.markdown(
        plain_text(
            f"Of the {spells} started in the period, the estimated share {still} is "
            + "; ".join(sentences)
            + "."
            + median
        )
    )
    widgets.chart(
        charts.survival_curves,
        total,
        value_title,
        f"{value_title}, by week",
        title=f"{heading}, all selected",
        key=f"{measure}_total",
        description=description,
    )
    by, group_column = widgets.compare_by(f"{measure}_by")
    groups, chosen = results.comparison(filters, measure, by)
    widgets.chart(
        charts.survival_curves,
        groups,
        value_title,
        f"{value_title} by {by}",
        group_column,
        chosen,
        title=f"{heading}, by {by}",
        key=f"{measure}_by_{by}",
    )
    st.caption(
        f"One line per {by}: those chosen in the filters are highlighted, with their band. A "
        "curve stops where too few are left at risk to show."
    )
    widgets.table(total, f"{heading}, week by week (table)", f"{measure}_table")


filters = sidebar.current_filters()
st.title("How long jobs and claims last")
st.caption(
    "Kaplan-Meier curves: jobs and claims still going at the extract date count for as long as "
    "they have been seen, so recent ones are included rather than left out. The band is the 95% "
    "confidence interval. " + plain_text(filters.describe(data.catalogue()))
)
summary = results.summary("survival", filters)
widgets.summary(summary)
for tab, measure in zip(st.tabs([c[0] for c in CURVES.values()]), CURVES, strict=True):
    with tab:
        curve_section(filters, measure, summary)
