"""Interviews and deferrals: whether new claimants are seen within four days, how often initial
WFIs are deferred or waived and for how long, whether deferred people are seen again, and the
overdue worklist."""

from __future__ import annotations

import streamlit as st

from jcp.output import plain_text
from jcp.web import charts, data, results, sidebar, widgets
from jcp.web.formats import format_value, label

filters = sidebar.current_filters()
st.title("Interviews and deferrals")
st.caption(
    "The initial Work Focused Interview of each new claim: whether it was held within four days, "
    "and for non-JSA claims, how often it was deferred or waived and whether deferred people "
    "were seen again. " + plain_text(filters.describe(data.catalogue()))
)
summary = results.summary("deferrals", filters)
widgets.summary(summary)
st.info(
    "Deferral targets were removed because deferring is sometimes right: a low deferral rate is "
    "not in itself good. What matters is that deferred people are seen again (follow-up, below)."
)
by, group_column = widgets.compare_by("deferrals_by")


# ---- seen within four days --------------------------------------------------------------
st.subheader("First interviews within four days")
st.caption(
    "Initial interviews of claims of every benefit (JSA included) that started in the period, "
    "attended or missed: the standard is to see people within four days of their claim. "
    "Deferred and waived interviews are not expected within four days, pending ones are "
    "undecided: neither is counted."
)
timely = results.run(filters.request("wfi_timeliness"))
if not widgets.has_activity(timely, ["interviews_expected"]):
    widgets.empty_state()
else:
    row = widgets.tile_row(timely)
    widgets.figure_tiles(
        row,
        "wfi_timeliness",
        ("timeliness_rate", "fta_rate", "median_days_to_interview"),
        helps={
            "timeliness_rate": (
                f"{format_value(row['held_within_4d'], 'count')} held within four days of "
                f"{format_value(row['interviews_expected'], 'count')} interviews expected."
            ),
            "fta_rate": (
                f"{format_value(row['failed_to_attend'], 'count')} not attended of "
                f"{format_value(row['interviews_expected'], 'count')} interviews expected."
            ),
        },
    )
    groups, chosen = results.comparison(filters, "wfi_timeliness", by)
    widgets.chart(
        charts.bar_by_group,
        groups,
        "timeliness_rate",
        label("timeliness_rate"),
        f"Held within four days by {by}",
        "rate",
        group_column,
        chosen,
        title=f"Interview timeliness by {by}",
        key=f"timeliness_by_{by}",
    )
    widgets.table(groups, f"Interview timeliness by {by} (table)", f"timeliness_table_{by}")
    widgets.funnel_section(filters, "wfi_timeliness", by, f"timeliness_funnel_{by}")
    trend = results.trend_frame(
        filters,
        [
            ("wfi_timeliness", "timeliness_rate", "Held within four days"),
            ("wfi_timeliness", "fta_rate", "Failed to attend"),
        ],
    )
    widgets.trend_chart(
        charts.lines_by_month,
        trend,
        "Rate",
        "Interviews held within four days and missed, by month the claim started",
        "rate",
        title="Interview timeliness by month",
        key="timeliness_trend",
    )

# ---- deferrals ----------------------------------------------------------------------------
st.subheader("Deferrals and waivers")
st.caption(
    "Initial Work Focused Interviews of non-JSA claims due in the period (pending ones left "
    "out). JSA interviews cannot be deferred or waived."
)
total = results.run(filters.request("deferrals"))
overdue = results.run(filters.request("overdue_deferrals"))
tiles = st.columns(4)
row = widgets.tile_row(total)
tiles[0].metric(
    "Deferral rate",
    format_value(row["deferral_rate"], "rate"),
    border=True,
    help=widgets.figure_help(
        f"{format_value(row['deferred'], 'count')} deferred of "
        f"{format_value(row['wfis_due'], 'count')} interviews due.",
        "deferrals",
    ),
)
tiles[1].metric(
    "Waiver rate",
    format_value(row["waiver_rate"], "rate"),
    border=True,
    help=widgets.column_help("waiver_rate", "deferrals"),
)
tiles[2].metric(
    "Median deferral",
    format_value(row["median_deferral_days"], "days"),
    border=True,
    help=widgets.column_help("median_deferral_days", "deferrals"),
)
tiles[3].metric(
    "Overdue deferred interviews",
    format_value(overdue.height, "count"),
    border=True,
    help=widgets.figure_help(widgets.OVERDUE_HELP, "overdue_deferrals"),
)

if not widgets.has_activity(total, ["wfis_due"]):
    widgets.empty_state()
else:
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
        description=summary,
    )
    widgets.table(groups, f"Deferrals by {by} (table)", f"deferrals_table_{by}")
    widgets.funnel_section(filters, "deferrals", by, f"deferrals_funnel_{by}")

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
    st.caption(
        "How long interviews were deferred, by reason: guidance ties lengths to reasons (a sick "
        "note's length plus two weeks, a treatment programme plus two weeks, four weeks for a "
        "refuge)."
    )
    widgets.table(
        results.run(filters.request("deferral_lengths")),
        "Deferral lengths by reason",
        "deferral_lengths",
    )

# ---- follow-up ----------------------------------------------------------------------------
st.subheader("Follow-up of deferred interviews")
st.caption(
    "Deferred interviews whose deferred-until date is in the period, once 14 days past it: held "
    "within those 14 days (or earlier), held later, or not held as at the extract date. "
    "Deferrals still inside their 14 days are not counted yet."
)
followup = results.run(filters.request("deferral_followup"))
if not widgets.has_activity(followup, ["deferrals_due"]):
    widgets.empty_state()
else:
    row = widgets.tile_row(followup)
    widgets.figure_tiles(
        row,
        "deferral_followup",
        ("followup_rate", "held_later", "not_held"),
        helps={
            "followup_rate": (
                f"{format_value(row['held_within_14d'], 'count')} held within 14 days of "
                f"{format_value(row['deferrals_due'], 'count')} deferrals due."
            )
        },
    )
    groups, chosen = results.comparison(filters, "deferral_followup", by)
    widgets.chart(
        charts.bar_by_group,
        groups,
        "followup_rate",
        label("followup_rate"),
        f"Follow-up rate by {by}",
        "rate",
        group_column,
        chosen,
        title=f"Follow-up of deferred interviews by {by}",
        key=f"followup_by_{by}",
    )
    widgets.table(groups, f"Follow-up of deferred interviews by {by} (table)", f"followup_{by}")
    widgets.funnel_section(filters, "deferral_followup", by, f"followup_funnel_{by}")
    trend = results.trend_frame(filters, [("deferral_followup", "followup_rate", "Follow-up rate")])
    widgets.trend_chart(
        charts.lines_by_month,
        trend,
        "Rate",
        "Follow-up rate by month of the deferred-until date",
        "rate",
        title="Follow-up rate by month",
        key="followup_trend",
    )

widgets.overdue_worklist(overdue, "overdue_worklist")
