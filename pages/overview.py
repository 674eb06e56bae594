"""Overview: headline tiles against the previous period, the district league table, rate trends."""

from __future__ import annotations

import streamlit as st

from jcp import charts, ui
from jcp.headlines import ALL_IN_SCOPE, LEAGUE_COLUMNS, headline_tiles
from jcp.output import plain_text

filters = ui.current_filters()
st.title("District performance overview")
st.caption(plain_text(filters.describe()))  # codes come from the extract

# Each tile is drawn as soon as its figures are in, so the first are on screen while the rest
# are still being worked out.
for number, tile in enumerate(headline_tiles(ui.run, filters)):
    if number % 4 == 0:
        columns = st.columns(4)
    colour = {True: "normal", False: "inverse", None: "off"}[tile.higher_is_better]
    columns[number % 4].metric(
        tile.label,
        tile.value,
        tile.change,
        delta_color=colour,
        help=plain_text(tile.help),
        border=True,
    )

st.subheader("Districts compared")
league, cues = ui.league(filters)
if league.height <= 1:
    ui.empty_state()
else:
    ui.table(
        league,
        "District league table",
        "league",
        column_config={h.column: h.label for h in LEAGUE_COLUMNS},
        cues=cues,
    )
    st.caption(
        f"Green: better than the '{ALL_IN_SCOPE}' row; red: worse. Caseload, job entries and "
        "spend are sizes, not scores, so they are not coloured."
    )

st.subheader("Main rates by month")
trend = ui.trend_frame(
    filters,
    [
        ("job_entries", "sustained_13w_rate", "13-week sustained rate"),
        ("deferrals", "deferral_rate", "Deferral rate"),
        ("distance_travelled", "pct_improved", "Share improved (distance travelled)"),
    ],
)
if ui.trend_chart(
    charts.lines_by_month,
    trend,
    "Rate",
    "Main rates by month",
    "rate",
    title="Main rates by month",
    key="overview_trend",
):
    st.caption(
        "A month with no population for a rate has no point (for example, job entries "
        "too recent to know whether they lasted 13 weeks)."
    )
