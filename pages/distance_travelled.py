"""Distance travelled: how far claimants moved towards work, overall and per dimension."""

from __future__ import annotations

import polars as pl
import streamlit as st

from jcp.measures.disclosure import SUPPRESSED
from jcp.output import plain_text
from jcp.web import charts, data, results, sidebar, widgets
from jcp.web.formats import label

DIMENSIONS = {
    column: label(column)
    for column in (
        "mean_change_job_search",
        "mean_change_work_skills",
        "mean_change_confidence",
        "mean_change_health_wellbeing",
        "mean_change_stability",
    )
}

filters = sidebar.current_filters()
st.title("Distance travelled")
st.caption(
    "Change from baseline to the latest review in the period, on a 1-10 scale, for claims with "
    "both. Show it alongside job outcomes: on its own it can discourage recording setbacks. "
    + plain_text(filters.describe(data.catalogue()))
)
summary = results.summary("distance_travelled", filters)
widgets.summary(summary)

total = results.run(filters.request("distance_travelled"))
row = widgets.tile_row(total)
if not widgets.has_activity(total, ["claims_measured"]):
    widgets.empty_state()
    st.stop()

widgets.figure_tiles(row, "distance_travelled", ("mean_change", "pct_improved", "claims_measured"))

# From the result, not the tiles' row (where hidden cells read "[c]"): a hidden mean is NULL
# and named in the `suppressed` list, so the chart leaves it out and says so, like the others.
figures = total.row(0, named=True)
hidden = set(figures.get(SUPPRESSED) or [])
dimensions = pl.DataFrame(
    {
        "dimension": list(DIMENSIONS.values()),
        "mean_change": [None if c in hidden else figures[c] for c in DIMENSIONS],
        SUPPRESSED: [["mean_change"] if c in hidden else [] for c in DIMENSIONS],
    },
    schema={"dimension": pl.String, "mean_change": pl.Float64, SUPPRESSED: pl.List(pl.String)},
)
widgets.chart(
    charts.bars,
    dimensions,
    "dimension",
    "mean_change",
    "Dimension",
    "Mean change",
    "Mean change per dimension",
    "change",
    title="Mean change per dimension",
    key="distance_dimensions",
    description=summary,
)

by, group_column = widgets.compare_by("distance_by")
groups, chosen = results.comparison(filters, "distance_travelled", by)
widgets.chart(
    charts.bar_by_group,
    groups,
    "mean_change",
    "Mean change",
    f"Mean change by {by}",
    "change",
    group_column,
    chosen,
    title=f"Distance travelled by {by}",
    key=f"distance_by_{by}",
)
widgets.table(groups, f"Distance travelled by {by} (table)", f"distance_table_{by}")
widgets.funnel_section(filters, "distance_travelled", by, f"distance_funnel_{by}")

st.subheader("Trend by month")
trend = results.trend_frame(filters, [("distance_travelled", "mean_change", "Mean change")])
widgets.trend_chart(
    charts.lines_by_month,
    trend,
    "Mean change",
    "Mean change by month of review",
    "change",
    title="Mean change by month",
    key="distance_trend",
)

# The share improved is the page's comparable rate: its trend carries drift signals.
improved = results.trend_frame(
    filters, [("distance_travelled", "pct_improved", label("pct_improved"))]
)
widgets.trend_chart(
    charts.lines_by_month,
    improved,
    label("pct_improved"),
    "Share improved by month of review",
    "rate",
    title="Share improved by month",
    key="distance_improved_trend",
)
