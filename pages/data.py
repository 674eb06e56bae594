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
widgets.extract_facts(loads)

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
if widgets.reject_summary("data_reject_summary"):
    if not signin.current_scope().is_national:
        st.caption("The rejected rows' original values are shown to national users only.")
        st.stop()
    rows = results.report("rejected_rows", limit=1000)
    widgets.table(
        rows,
        "Rejected rows (first 1,000)",
        "data_rejected_rows",
    )
