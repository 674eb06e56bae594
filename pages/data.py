"""Data: what is loaded, and which rows the figures leave out because they broke the contract."""

from __future__ import annotations

import streamlit as st

from jcp.output import plain_text
from jcp.web import data, results, sidebar, signin, widgets

st.title("Data")
loads = results.report("loads")
if loads.height == 0:
    st.warning("The database records no load.")
    st.stop()
widgets.summary(results.summary("data", sidebar.current_filters()))
first = loads.row(0, named=True)
columns = st.columns(3)
columns[0].metric("Extract date", f"{first['extract_date']:%d %b %Y}", border=True)
columns[1].metric("Loaded", f"{first['loaded_at']:%d %b %Y %H:%M}", border=True)
columns[2].metric("Rows rejected", f"{loads['rejected'].sum():,}", border=True)
st.caption(f"Source: {plain_text(first['source'])}")  # the extract's own words

per_table = loads.select("table_name", "source_file", "rows_read", "accepted", "rejected")
widgets.table(
    per_table,
    "Rows per table",
    "data_tables",
)

if signin.current_scope().is_national and data.access_list().problems:
    st.subheader("Access list problems")
    st.caption("These entries were refused: the users named get no access until they are fixed.")
    for problem in data.access_list().problems:
        st.warning(plain_text(problem))  # quotes the access file

st.subheader("Rejected rows")
summary = results.report("reject_summary")
if summary.height == 0:
    st.success("Every row of the extract met the data contract.")
else:
    st.caption(
        "Rows that broke a rule of the data contract (docs/data-contract.md) are not in "
        "any figure. A row whose parent row was rejected is rejected too."
    )
    widgets.table(
        summary,
        "Rejects by rule",
        "data_reject_summary",
    )
    if not signin.current_scope().is_national:
        st.caption("The rejected rows' original values are shown to national users only.")
        st.stop()
    rows = results.report("rejected_rows", limit=1000)
    widgets.table(
        rows,
        "Rejected rows (first 1,000)",
        "data_rejected_rows",
    )
