"""About these figures: every measure's definition, what [c] means, how figures are adjusted,
and the extract the figures come from. Each figure's hover help links to its entry here."""

from __future__ import annotations

import streamlit as st

from jcp.web import about, data, results, widgets

st.title("About these figures")
st.markdown(
    "What each figure on the dashboard counts, over whom and which period, how figures are "
    "protected and compared, and which extract they come from. Each figure's help (the ? "
    "beside it) links to its entry here."
)
st.markdown(about.contents())

st.header("What [c] means", anchor=about.HIDDEN_ANCHOR)
st.markdown(about.hidden_figures(data.settings()))

st.header("How figures are adjusted", anchor=about.ADJUSTED_ANCHOR)
st.markdown(about.adjustments(data.settings()))

st.header("The data, and what the load rejected", anchor=about.DATA_ANCHOR)
loads = results.report("loads")
if loads.height == 0:
    st.warning("The database records no load.")
else:
    widgets.extract_facts(loads)
    widgets.reject_summary("about_reject_summary")

for section in about.sections():
    st.header(section.heading, anchor=section.anchor)
    st.caption(about.SECTION_INTRO[section.anchor.removesuffix("s")])
    for entry in section.entries:
        st.subheader(entry.title, anchor=entry.anchor)
        st.markdown(entry.markdown)  # the catalogue's own words (queries/*.toml), not data
