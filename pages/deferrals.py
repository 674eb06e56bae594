"""Deferrals: how often initial WFIs are deferred or waived, why, and the overdue worklist."""

from __future__ import annotations

import streamlit as st

from jcp.output import plain_text
from jcp.web import charts, data, results, sidebar, widgets
from jcp.web.formats import format_value

filters = sidebar.current_filters()
st.title("Work Focused Interview deferrals")
st.caption(
    "Initial Work Focused Interviews of non-JSA claims due in the period (pending ones left "
    "out). JSA interviews cannot be deferred or waived. "
    + plain_text(filters.describe(data.catalogue()))
)

total = results.run(filters.request("deferrals"))
overdue = results.run(filters.request("overdue_deferrals"))
tiles = st.columns(4)
row = widgets.tile_row(total)
tiles[0].metric(
    "Deferral rate",
    format_value(row["deferral_rate"], "rate"),
    border=True,
    help=plain_text(
        f"{format_value(row['deferred'], 'count')} deferred of "
        f"{format_value(row['wfis_due'], 'count')} interviews due."
    ),
)
tiles[1].metric("Waiver rate", format_value(row["waiver_rate"], "rate"), border=True)
tiles[2].metric("Median deferral", format_value(row["median_deferral_days"], "days"), border=True)
tiles[3].metric(
    "Overdue deferred interviews",
    format_value(overdue.height, "count"),
    border=True,
    help="Deferred interviews past their review date, never held, claim still open. "
    "Not limited to the period.",
)

if not widgets.has_activity(total, ["wfis_due"]):
    widgets.empty_state()
else:
    by, group_column = widgets.compare_by("deferrals_by")
    groups, chosen = results.comparison(filters, "deferrals", by)
    widgets.chart(
        charts.bar_by_group,
        groups,
        "deferral_rate",
        "Deferral rate",
        f"Deferral rate by {by}",
        "rate",
        group_column,
        chosen,
        title=f"Deferrals by {by}",
        key=f"deferrals_by_{by}",
    )
    widgets.table(groups, f"Deferrals by {by} (table)", f"deferrals_table_{by}")

    trend = results.trend_frame(
        filters,
        [
            ("deferrals", "deferral_rate", "Deferral rate"),
            ("deferrals", "waiver_rate", "Waiver rate"),
        ],
    )
    widgets.trend_chart(
        charts.lines_by_month,
        trend,
        "Rate",
        "Deferral and waiver rates by month",
        "rate",
        title="Deferral and waiver rates by month",
        key="deferrals_trend",
    )

    reasons = results.run(filters.request("deferral_reasons"))
    if reasons.height:
        widgets.chart(
            charts.bars,
            reasons,
            "deferral_reason",
            "deferred",
            "Reason",
            "Deferred interviews",
            "Why interviews were deferred",
            "count",
            title="Deferral reasons",
            key="deferral_reasons",
        )

st.subheader("Overdue deferred interviews")
st.caption(
    "Every deferred interview whose review date has passed without the interview being held, "
    "on a claim that is still open. Work through it with the work coaches."
)
if overdue.height == 0:
    st.success("No overdue deferred interviews for these filters.")
else:
    widgets.table(
        overdue.select(
            "claim_id",
            "office_code",
            "work_coach_ref",
            "benefit",
            "claimant_group",
            "deferral_reason",
            "deferred_until",
            "days_overdue",
        ),
        "Overdue deferred interviews",
        "overdue_worklist",
        max_rows=widgets.WORKLIST_ROWS,
    )
