"""Needs attention: what in the user's scope needs a look this week, most concerning first, each
item a sentence linking to the page that explains it (jcp/measures/attention.py builds the list;
the weekly digest sends the same one)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from jcp.measures.attention import EMPTY_MESSAGE, KIND_WORDS, Item
from jcp.output import plain_text
from jcp.web import data, results, sidebar, widgets

KIND_ICONS = {
    "worse_998": ":material/error:",
    "worse_95": ":material/warning:",
    "drift": ":material/show_chart:",
    "overdue": ":material/event_busy:",
    "followup": ":material/event_repeat:",
    "fsf": ":material/payments:",
    "rejects": ":material/database:",
    "information": ":material/info:",
}

filters = sidebar.current_filters()
st.title("Needs attention")
st.caption(
    "What needs a look, most concerning first: offices or districts outside the control limits "
    "around the national rate on the worse side (99.8%, then 95%), the overdue deferral "
    "worklist, follow-up below the national rate, the Flexible Support Fund's projected "
    "outturn (district managers), and rejected rows. Each item links to the page that explains "
    "it. " + plain_text(filters.describe(data.catalogue()))
)

summary = results.summary("attention", filters)
widgets.summary(summary)
found = results.attention(filters)
tiles = st.columns(4)
tiles[0].metric(
    "Items needing a look",
    f"{len(found.concerns):,}",
    border=True,
    help="Everything listed below, except the lines for information.",
)
tiles[1].metric(
    "Worse (99.8% limits)",
    f"{found.kinds.get('worse_998', 0):,}",
    border=True,
    help="Rates beyond the 99.8% control limits on the worse side: very unlikely to be chance.",
)
tiles[2].metric(
    "Worse (95% limits)",
    f"{found.kinds.get('worse_95', 0):,}",
    border=True,
    help="Rates beyond the 95% control limits on the worse side (but within 99.8%).",
)
tiles[3].metric(
    "Overdue deferred interviews",
    "–" if found.overdue is None else f"{found.overdue:,}",
    border=True,
    help="Deferred interviews past their review date, never held, claim still open.",
)


def show(item: Item, number: int | None) -> None:
    """One item: its sentence (names from the extract: text, never markup), then a link to the
    page that explains it, with the item's filters. The sentence is not the link's label: a
    page link's label stays on one line, and these sentences need to wrap."""
    with st.container(border=True):
        prefix = f"**{number}.** " if number is not None else ""
        st.markdown(f"{KIND_ICONS[item.kind]} {prefix}{plain_text(item.text)}")
        st.page_link(
            item.entry.file,
            label=f"Open {item.entry.title}",
            icon=":material/arrow_forward:",
            query_params=item.query_params,
            help=plain_text(KIND_WORDS[item.kind]),
        )


if not found.concerns:
    st.success(EMPTY_MESSAGE, icon=":material/check_circle:")
for number, item in enumerate(found.concerns, start=1):
    show(item, number)

if found.information:
    st.subheader("For information")
    for item in found.information:
        show(item, None)

if found.quiet:
    st.subheader("Checked, nothing to report")
    for sentence in found.quiet:
        st.markdown(plain_text(sentence))

if found.items:
    st.subheader("The list as a table")
    widgets.table(
        pl.DataFrame(
            {
                "rank": list(range(1, len(found.items) + 1)),
                "concern": [KIND_WORDS[i.kind] for i in found.items],
                "item": [i.text for i in found.items],
                "page": [i.entry.title for i in found.items],
                "link": [i.link() for i in found.items],
            },
            schema={
                "rank": pl.Int64,
                "concern": pl.String,
                "item": pl.String,
                "page": pl.String,
                "link": pl.String,
            },
        ),
        "Needs attention",
        "attention_list",
    )
