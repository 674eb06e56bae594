"""Sustained job entries, and beside them claim restarts and exits from benefit by 13-52 weeks."""

from __future__ import annotations

import polars as pl
import streamlit as st

from jcp.output import plain_text
from jcp.web import charts, data, results, sidebar, widgets
from jcp.web.formats import (
    format_value,
    help_text,
    kind,
    label,
    rate_text,
)

NOT_YET_KNOWN = "not yet known"

filters = sidebar.current_filters()
st.title("Sustained job entries")
st.caption(
    "A job counts as sustained once its 13 (or 26) weeks have passed and the person was still in "
    "work. Jobs started more recently are not yet known, not failures. "
    + plain_text(filters.describe(data.catalogue()))
)
summary = results.summary("job_entries", filters)
widgets.summary(summary)

total = results.run(filters.request("job_entries"))
if not widgets.has_activity(total, ["job_entries"]):
    widgets.empty_state()
    st.stop()
row = widgets.tile_row(total)
tiles = st.columns(3)
tiles[0].metric(
    "Job entries",
    format_value(row["job_entries"], "count"),
    border=True,
    help=widgets.column_help("job_entries", "job_entries"),
)
tiles[1].metric(
    "13-week sustained rate",
    format_value(row["sustained_13w_rate"], "rate"),
    border=True,
    help=widgets.figure_help(
        f"{format_value(row['sustained_13w'], 'count')} of "
        f"{format_value(row['mature_13w'], 'count')} jobs old enough to judge.",
        "job_entries",
    ),
)
tiles[2].metric(
    "26-week sustained rate",
    format_value(row["sustained_26w_rate"], "rate"),
    border=True,
    help=widgets.figure_help(
        f"{format_value(row['sustained_26w'], 'count')} of "
        f"{format_value(row['mature_26w'], 'count')} jobs old enough to judge.",
        "job_entries",
    ),
)

by, group_column = widgets.compare_by("jobs_by")
groups, chosen = results.comparison(filters, "job_entries", by)
widgets.chart(
    charts.bar_by_group,
    groups,
    "sustained_13w_rate",
    "13-week sustained rate",
    f"13-week sustained rate by {by}",
    "rate",
    group_column,
    chosen,
    title=f"Sustained job entries by {by}",
    key=f"jobs_by_{by}",
    description=summary,
)
widgets.table(groups, f"Sustained job entries by {by} (table)", f"jobs_table_{by}")
widgets.funnel_section(filters, "job_entries", by, f"jobs_funnel_{by}")

st.subheader("By start month")
cohorts = results.by_month(filters, "job_entries")
# Months whose windows have not passed show "not yet known" rather than a low rate. Formatted
# with expressions: a Python function per row, run by polars on its thread pool, needs the
# interpreter lock there, which deadlocked the server under concurrent sessions.
shown = cohorts.with_columns(
    pl.when(pl.col("mature_13w") == 0)
    .then(pl.lit(NOT_YET_KNOWN))
    .otherwise(rate_text("sustained_13w_rate"))
    .alias("sustained_13w_rate"),
    pl.when(pl.col("mature_26w") == 0)
    .then(pl.lit(NOT_YET_KNOWN))
    .otherwise(rate_text("sustained_26w_rate"))
    .alias("sustained_26w_rate"),
)
trend = results.trend_frame(
    filters,
    [
        ("job_entries", "sustained_13w_rate", "13-week sustained rate"),
        ("job_entries", "sustained_26w_rate", "26-week sustained rate"),
    ],
)
if widgets.trend_chart(
    charts.lines_by_month,
    trend,
    "Sustained rate",
    "Sustained rate by start-month cohort",
    "rate",
    "Window",
    title="Sustained rate by start month",
    key="jobs_cohorts_chart",
):
    st.caption("Start months with no job old enough to judge have no point on the chart.")
widgets.table(shown, "Job entries by start month", "jobs_cohorts")

st.subheader("Where ended claims went")
st.caption(
    "Claims that ended in the period, by their recorded end reason, and how long they lasted. "
    "A claim ending for another reason may still have gone into work unrecorded."
)
ended = results.run(filters.request("off_flows"))
if not widgets.has_activity(ended, ["ended"]):
    widgets.empty_state()
else:
    flows = widgets.tile_row(ended)
    tiles = st.columns(3)
    for tile, column in zip(tiles, ("ended", "share_to_work", "median_duration_days"), strict=True):
        tile.metric(
            label(column),
            format_value(flows[column], kind(column)),
            border=True,
            help=widgets.column_help(column, "off_flows"),
        )
    widgets.table(
        results.comparison(filters, "off_flows", by)[0],
        f"Off-flows by destination and {by}",
        f"off_flows_{by}",
    )

st.subheader("Claims that restarted")
st.caption(
    "Claims that ended in the period whose claimant made another claim within 91 or 182 days "
    "of the end. Lower is better. A claim is judged only once that window has passed, so "
    "claims that ended recently are not yet known."
)
restarted = results.run(filters.request("claim_restarts"))
if not widgets.has_activity(restarted, ["ended"]):
    widgets.empty_state()
else:
    restart_row = widgets.tile_row(restarted)
    tiles = st.columns(3)
    for tile, (column, mature) in zip(
        tiles,
        (
            ("restart_rate_91d", "mature_91d"),
            ("restart_rate_182d", "mature_182d"),
            ("restart_rate_182d_to_work", "mature_182d_to_work"),
        ),
        strict=True,
    ):
        tile.metric(
            label(column),
            format_value(restart_row[column], kind(column)),
            border=True,
            help=widgets.figure_help(
                f"{help_text(column)} {format_value(restart_row[mature], 'count')} claims old "
                "enough to judge.",
                "claim_restarts",
            ),
        )
    restarts_by_group = results.comparison(filters, "claim_restarts", by)[0]
    widgets.chart(
        charts.bar_by_group,
        restarts_by_group,
        "restart_rate_182d",
        label("restart_rate_182d"),
        f"182-day restart rate by {by} (lower is better)",
        "rate",
        group_column,
        chosen,
        title=f"Claim restarts by {by}",
        key=f"restarts_by_{by}",
    )
    widgets.table(restarts_by_group, f"Claim restarts by {by} (table)", f"restarts_table_{by}")
    widgets.funnel_section(filters, "claim_restarts", by, f"restarts_funnel_{by}")

st.subheader("Leaving benefit by 13, 26, 39 and 52 weeks")
st.caption(
    "Claims that started in the period, and the share that had ended (and ended into work) "
    "within 13, 26, 39 and 52 weeks. Higher is better. Claims started too recently for a "
    "window are not yet known for it."
)
exited = results.run(filters.request("benefit_exits"))
if not widgets.has_activity(exited, ["mature_13w"]):
    widgets.empty_state()
else:
    exit_row = widgets.tile_row(exited)
    tiles = st.columns(4)
    for tile, weeks in zip(tiles, (13, 26, 39, 52), strict=True):
        column = f"exit_rate_{weeks}w"
        tile.metric(
            label(column),
            format_value(exit_row[column], kind(column)),
            border=True,
            help=widgets.figure_help(
                f"{format_value(exit_row[f'exited_{weeks}w'], 'count')} of "
                f"{format_value(exit_row[f'mature_{weeks}w'], 'count')} claims old enough to "
                f"judge; {format_value(exit_row[f'exit_to_work_rate_{weeks}w'], 'rate')} into "
                "work.",
                "benefit_exits",
            ),
        )
    exit_trend = results.trend_frame(
        filters,
        [("benefit_exits", f"exit_rate_{weeks}w", f"{weeks} weeks") for weeks in (13, 26, 39, 52)],
    )
    if widgets.trend_chart(
        charts.lines_by_month,
        exit_trend,
        "Exit rate",
        "Exit rate by start-month cohort",
        "rate",
        "Window",
        title="Exit rate by start month",
        key="exits_cohorts_chart",
    ):
        st.caption("Start months with no claim old enough for a window have no point for it.")
    widgets.table(
        results.comparison(filters, "benefit_exits", by)[0],
        f"Benefit exits by {by}",
        f"exits_table_{by}",
    )
