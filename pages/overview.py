"""Overview: headline tiles against the previous period, the league table for the role, trends."""

from __future__ import annotations

import streamlit as st

from jcp.output import plain_text
from jcp.web import charts, data, results, sidebar, widgets
from jcp.web.headlines import LEAGUE_COLUMNS, VERDICT_COLUMNS, VERDICT_SUFFIX, headline_tiles
from jcp.web.pages import page_of

filters = sidebar.current_filters()
st.title("District performance overview")
st.caption(plain_text(filters.describe(data.catalogue())))  # names come from the extract
summary = results.summary("overview", filters)
widgets.summary(summary)

# Each tile is drawn as soon as its figures are in, so the first are on screen while the rest
# are still being worked out.
for number, tile in enumerate(headline_tiles(results.run, filters)):
    if number % 4 == 0:
        columns = st.columns(4)
    colour = {True: "normal", False: "inverse", None: "off"}[tile.higher_is_better]
    columns[number % 4].metric(
        tile.label,
        tile.value,
        tile.change,
        delta_color=colour,
        help=widgets.figure_help(tile.help, tile.measure),
        border=True,
    )

league = results.league(filters)
st.subheader(league.heading)
if league.compared == 0:
    widgets.empty_state()
else:
    widgets.table(
        league.frame,
        league.heading,
        "league",
        # Names on screen, codes in the download: the table then fits the page's width.
        column_config={h.column: h.label for h in LEAGUE_COLUMNS}
        | {h.column + VERDICT_SUFFIX: f"{h.label}: verdict" for h in VERDICT_COLUMNS}
        | {"district_code": None, "office_code": None},
        blank=league.blank,
    )
    st.caption(league.caption)
    # Each verdict's funnel plot, on the page of its measure.
    for h in VERDICT_COLUMNS:
        entry = page_of(h.measure)
        st.page_link(entry.file, label=f"Funnel plot: {h.label.lower()}", icon=entry.icon)

st.subheader("Main rates by month")
trend = results.trend_frame(
    filters,
    [
        ("job_entries", "sustained_13w_rate", "13-week sustained rate"),
        ("deferrals", "deferral_rate", "Deferral rate"),
        ("distance_travelled", "pct_improved", "Share improved (distance travelled)"),
    ],
)
if widgets.trend_chart(
    charts.lines_by_month,
    trend,
    "Rate",
    "Main rates by month",
    "rate",
    title="Main rates by month",
    key="overview_trend",
    description=summary,
):
    st.caption(
        "A month with no population for a rate has no point (for example, job entries "
        "too recent to know whether they lasted 13 weeks)."
    )
