"""Flexible Support Fund: spend, awards, categories, uptake, jobs with and without support, and
each district's budget."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from jcp.measures.disclosure import MARKER, SUPPRESSED
from jcp.output import plain_text
from jcp.web import charts, data, results, sidebar, widgets
from jcp.web.formats import format_value, kind, label

UNDER_SPEND, OVER_SPEND = 0.90, 1.00


filters = sidebar.current_filters()
cat = data.catalogue()
st.title("Flexible Support Fund")
st.caption(
    "Discretionary local fund for removing barriers to work: travel, clothing and equipment, "
    "childcare, training, licences, and partnership grants. "
    + plain_text(filters.describe(data.catalogue()))
)
summary = results.summary("fsf", filters)
widgets.summary(summary)

total = results.run(filters.request("fsf_spend"))
if not widgets.has_activity(total, ["payments"]):
    widgets.empty_state()
else:
    row = widgets.tile_row(total)
    tiles = st.columns(4)
    for tile, (title, column, column_kind) in zip(
        tiles[:3],
        (
            ("Spend", "spend_gbp", "money"),
            ("Payments", "payments", "count"),
            ("Recipients", "recipients", "count"),
        ),
        strict=True,
    ):
        tile.metric(
            title,
            format_value(row[column], column_kind),
            border=True,
            help=widgets.column_help(column, "fsf_spend"),
        )
    tiles[3].metric(
        "Average award",
        format_value(row["avg_award_gbp"], "money"),
        border=True,
        help=widgets.figure_help(
            "Mean payment to a claimant (partnership grants left out).", "fsf_spend"
        ),
    )

    by, group_column = widgets.compare_by("fsf_by")
    categories, chosen = results.comparison(filters, "fsf_categories", by)
    widgets.chart(
        charts.stacked_categories,
        categories,
        group_column,
        "category",
        "spend_gbp",
        "Spend",
        f"Spend by category and {by}",
        chosen,
        title=f"FSF spend by category and {by}",
        key=f"fsf_categories_{by}",
        description=summary,
    )
    spend, _ = results.comparison(filters, "fsf_spend", by)
    widgets.table(spend, f"FSF spend by {by}", f"fsf_by_{by}")

st.subheader("Uptake")
st.caption(
    "How many of the claims live in the period had an FSF payment dated in it, per 100 live "
    "claims. A claim counts in its own office, whichever office paid it; partnership grants "
    "are paid to organisations, so they make no recipient."
)
uptake = results.run(filters.request("fsf_uptake"))
uptake_by, uptake_group = widgets.compare_by("fsf_uptake_by")
if not widgets.has_activity(uptake, ["live_claims"]):
    widgets.empty_state()
else:
    # Not "Recipients" twice on one page: the spend tiles' recipients are every claim paid,
    # by the paying office; these are live claims paid, in their own office.
    widgets.figure_tiles(
        widgets.tile_row(uptake),
        "fsf_uptake",
        ("live_claims", "recipients", "uptake_per_100"),
        labels={"recipients": "Live claims paid"},
    )
    compared, chosen_groups = results.comparison(filters, "fsf_uptake", uptake_by)
    widgets.chart(
        charts.bar_by_group,
        compared,
        "uptake_per_100",
        label("uptake_per_100"),
        f"FSF recipients per 100 live claims by {uptake_by}",
        kind("uptake_per_100"),
        uptake_group,
        chosen_groups,
        title=f"FSF uptake by {uptake_by}",
        key=f"fsf_uptake_{uptake_by}",
    )
    widgets.table(compared, f"FSF uptake by {uptake_by}", f"fsf_uptake_table_{uptake_by}")
    widgets.funnel_section(filters, "fsf_uptake", uptake_by, f"fsf_uptake_funnel_{uptake_by}")

st.subheader("Sustained jobs with and without FSF support")
st.warning(
    "Not a measure of effect. Work coaches award the fund to the people they judge it will "
    "help, so jobs with and without support differ in more than the fund: the gap between "
    "these rates is not what the fund caused.",
    icon=":material/info:",
)
st.caption(
    "Job entries started in the period whose 13 weeks have passed, split by whether the job's "
    "claim had an FSF payment dated on or before the job's start date; sustained means still "
    "in work 13 weeks after the start."
)
outcomes = results.run(filters.request("fsf_outcomes"))
if not widgets.has_activity(outcomes, ["mature_supported", "mature_unsupported"]):
    widgets.empty_state()
else:
    widgets.figure_tiles(
        widgets.tile_row(outcomes),
        "fsf_outcomes",
        ("mature_supported", "rate_supported", "mature_unsupported", "rate_unsupported"),
    )
    widgets.table(
        results.comparison(filters, "fsf_outcomes", uptake_by)[0],
        f"Sustained jobs with and without FSF support by {uptake_by}",
        f"fsf_outcomes_table_{uptake_by}",
    )

st.subheader("Budgets by financial year")
budgets = results.run(filters.request("fsf_budget"))
if budgets.height == 0:
    st.info("No budget allocations for the districts and financial years in view.")
else:
    # A hidden spend or outturn (fewer than 5 payments) is NULL like a year not started, but is
    # not one; and a flag worked out from it would give away what it hides.
    flags = []
    for budget in budgets.iter_rows(named=True):
        hidden = set(budget.get(SUPPRESSED) or [])
        allocation = float(budget["allocation_gbp"])
        start_year = int(budget["financial_year"][:4])
        if dt.date(start_year + 1, 3, 31) <= cat.extract_date:  # the year is over
            if "spend_to_date_gbp" in hidden:
                flags.append(MARKER)
                continue
            gap = float(budget["spend_to_date_gbp"]) - allocation
            flags.append(
                "On budget"
                if gap == 0
                else f"{'Over' if gap > 0 else 'Under'}-spent by {format_value(abs(gap), 'money')}"
            )
        elif "projected_outturn_gbp" in hidden:
            flags.append(MARKER)
        elif budget["projected_outturn_gbp"] is None:
            flags.append("Year not started")
        elif budget["projected_outturn_gbp"] < allocation * UNDER_SPEND:
            flags.append("Projected under-spend")
        elif budget["projected_outturn_gbp"] > allocation * OVER_SPEND:
            flags.append("Projected over-spend")
        else:
            flags.append("On track")
    flagged = budgets.with_columns(pl.Series("flag", flags, dtype=pl.String))
    widgets.table(flagged, "FSF budgets", "fsf_budgets")
    st.caption(
        "Projected outturn = spend to date ÷ days elapsed in the year × days in the year. "
        "A year in progress is flagged as projected under-spend below 90% of its allocation "
        "and over-spend above 100%; a finished year says by how much it was under- or over-spent."
    )
