"""Flexible Support Fund: spend, awards, categories, and each district's budget."""

from __future__ import annotations

import polars as pl
import streamlit as st

from jcp import charts, ui
from jcp.disclosure import MARKER, SUPPRESSED
from jcp.headlines import format_value
from jcp.output import plain_text

UNDER_SPEND, OVER_SPEND = 0.90, 1.00

filters = ui.current_filters()
st.title("Flexible Support Fund")
st.caption(
    "Discretionary local fund for removing barriers to work: travel, clothing and equipment, "
    "childcare, training, licences, and partnership grants. " + plain_text(filters.describe())
)

total = ui.run(filters.request("fsf_spend"))
if not ui.has_activity(total, ["payments"]):
    ui.empty_state()
else:
    row = ui.tile_row(total)
    tiles = st.columns(4)
    tiles[0].metric("Spend", format_value(row["spend_gbp"], "money"), border=True)
    tiles[1].metric("Payments", format_value(row["payments"], "count"), border=True)
    tiles[2].metric("Recipients", format_value(row["recipients"], "count"), border=True)
    tiles[3].metric(
        "Average award",
        format_value(row["avg_award_gbp"], "money"),
        border=True,
        help="Mean payment to a claimant (partnership grants left out).",
    )

    by, group_column = ui.compare_by("fsf_by")
    categories = ui.run(filters.request("fsf_categories", by=by))
    ui.chart(
        charts.stacked_categories,
        categories,
        group_column,
        "category",
        "spend_gbp",
        "Spend",
        f"Spend by category and {by}",
        title=f"FSF spend by category and {by}",
        key=f"fsf_categories_{by}",
    )
    ui.table(ui.run(filters.request("fsf_spend", by=by)), f"FSF spend by {by}", f"fsf_by_{by}")

st.subheader("Budgets by financial year")
budgets = ui.run(filters.request("fsf_budget"))
if budgets.height == 0:
    st.info("No budget allocations for the districts and financial years in view.")
else:
    # A hidden outturn (fewer than 5 payments) is NULL like a year not started, but is not one;
    # and a flag worked out from it would give away what it hides.
    hidden = (
        pl.col(SUPPRESSED).list.contains("projected_outturn_gbp")
        if SUPPRESSED in budgets.columns
        else pl.lit(False)
    )
    flagged = budgets.with_columns(
        pl.when(hidden)
        .then(pl.lit(MARKER))
        .when(pl.col("projected_outturn_gbp").is_null())
        .then(pl.lit("year not started"))
        .when(
            pl.col("projected_outturn_gbp")
            < pl.col("allocation_gbp").cast(pl.Float64) * UNDER_SPEND
        )
        .then(pl.lit("projected under-spend"))
        .when(
            pl.col("projected_outturn_gbp") > pl.col("allocation_gbp").cast(pl.Float64) * OVER_SPEND
        )
        .then(pl.lit("projected over-spend"))
        .otherwise(pl.lit("on track"))
        .alias("flag")
    )
    ui.table(
        flagged,
        "FSF budgets",
        "fsf_budgets",
        column_config={
            "district_code": "District",
            "financial_year": "Financial year",
            "allocation_gbp": st.column_config.NumberColumn("Allocation", format="£%.0f"),
            "spend_to_date_gbp": st.column_config.NumberColumn("Spend to date", format="£%.0f"),
            "pct_spent": st.column_config.NumberColumn("Spent", format="percent"),
            "projected_outturn_gbp": st.column_config.NumberColumn(
                "Projected outturn", format="£%.0f"
            ),
            "flag": "Flag",
        },
    )
    st.caption(
        "Projected outturn = spend to date ÷ days elapsed in the year × days in the year. "
        "Flagged as under-spend below 90% of allocation and over-spend above 100%."
    )
