"""My office: work coaches' caseloads and the overdue worklist for team leaders; for managers and
national users, how caseloads are spread over each office's coaches."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from jcp.measures.access import Scope
from jcp.measures.disclosure import SUPPRESSED
from jcp.measures.filters import Filters
from jcp.output import plain_text
from jcp.web import charts, data, results, sidebar, signin, widgets
from jcp.web.formats import format_value

# Codes stay in the download; the table shows the names put beside them.
NAMES_NOT_CODES = {"district_code": None, "office_code": None}


def is_team_leader(scope: Scope) -> bool:
    """Per-coach rows are for team leaders, who manage the coaches (the issue's split): a
    district manager or a national user sees each office's spread instead."""
    return scope.role == "team_leader"


def headline_tiles(filters: Filters) -> None:
    caseload = widgets.tile_row(results.run(filters.request("caseload")))
    overdue = results.run(filters.request("overdue_deferrals"))
    tiles = st.columns(3)
    tiles[0].metric(
        "Live caseload",
        format_value(caseload["live_claims"], "count"),
        border=True,
        help=widgets.column_help("live_claims", "caseload"),
    )
    tiles[1].metric(
        "Claims per coach",
        format_value(caseload["claims_per_coach"], "mean"),
        border=True,
        help=widgets.column_help("claims_per_coach", "caseload"),
    )
    tiles[2].metric(
        "Overdue deferred interviews",
        format_value(overdue.height, "count"),
        border=True,
        help=widgets.figure_help(widgets.OVERDUE_HELP, "overdue_deferrals"),
    )


def coach_caseloads_section(filters: Filters) -> None:
    """Team leaders: each coach's open claims and overdue deferrals, office by office."""
    st.subheader("Work coaches' caseloads")
    st.caption(
        "Open claims each work coach holds as at the extract date, by claimant group, and the "
        "deferred interviews on them now overdue. Unassigned: open claims with no work coach."
    )
    caseloads = results.run(filters.request("coach_caseloads"))
    if caseloads.height == 0:
        st.info("No open claims for these filters.")
        return
    widgets.table(
        caseloads,
        "Work coaches' caseloads",
        "coach_caseloads",
        column_config=NAMES_NOT_CODES,
    )


def interviews_section(filters: Filters) -> None:
    """The offices' first interviews within four days and deferred interviews followed up."""
    st.subheader("First interviews and deferral follow-up")
    st.caption(
        "For the period: initial interviews attended within four days of the claim, and "
        "deferred interviews held within 14 days of the date they were deferred to (details on "
        "the Interviews and deferrals page)."
    )
    timely = widgets.tile_row(results.run(filters.request("wfi_timeliness")))
    followed = widgets.tile_row(results.run(filters.request("deferral_followup")))
    widgets.figure_tiles(timely, "wfi_timeliness", ("timeliness_rate", "fta_rate"))
    widgets.figure_tiles(followed, "deferral_followup", ("followup_rate", "not_held"))


def spread_section(filters: Filters) -> None:
    """How open claims are spread over each office's coaches."""
    st.subheader("Caseloads across work coaches, by office")
    st.caption(
        "Per office, as at the extract date: the smallest, median, 90th percentile and largest "
        "number of open claims a work coach holds. Open claims with no coach are counted apart "
        "and left out of the spread."
    )
    spread = results.run(filters.request("coach_caseload_spread"))
    if spread.height == 0:
        widgets.empty_state()
        return
    widgets.table(
        spread,
        "Caseloads across work coaches, by office",
        "coach_caseload_spread",
        column_config=NAMES_NOT_CODES,
    )


def claims_per_coach_section(filters: Filters, description: Sequence[str] = ()) -> None:
    """The caseload measure's live claims per work coach, office by office, for the period;
    `description`: the page's sentences, the chart's accessible description."""
    st.subheader("Claims per coach, by office")
    st.caption(
        "Live claims at the end of the period over the work coaches holding at least one of "
        "them (a statistic: adjusted to protect individuals, unlike the lists on this page)."
    )
    groups, chosen = results.comparison(filters, "caseload", "office")
    if not widgets.has_activity(groups, ["live_claims"]):
        widgets.empty_state()
        return
    widgets.chart(
        charts.bar_by_group,
        groups,
        "claims_per_coach",
        "Claims per coach",
        "Claims per coach by office",
        "mean",
        "office_code",
        chosen,
        title="Claims per coach by office",
        key="claims_per_coach_by_office",
        description=description,
    )
    widgets.table(
        groups.select(
            "district_code", "office_code", "live_claims", "claims_per_coach", SUPPRESSED
        ),
        "Claims per coach by office (table)",
        "claims_per_coach_table",
        column_config=NAMES_NOT_CODES,
    )


filters = sidebar.current_filters()
scope = signin.current_scope()
catalogue = data.catalogue()
st.title("My office")
st.caption(
    f"Caseloads and overdue interviews as at the extract date, {catalogue.extract_date:%d %B %Y}; "
    "claims per coach for the period. " + plain_text(filters.describe(catalogue))
)
summary = results.summary("my_office", filters)
widgets.summary(summary)

headline_tiles(filters)
if is_team_leader(scope):
    coach_caseloads_section(filters)
spread_section(filters)
claims_per_coach_section(filters, summary)
interviews_section(filters)
if is_team_leader(scope):
    widgets.overdue_worklist(
        results.run(filters.request("overdue_deferrals")), "my_office_overdue_worklist"
    )
