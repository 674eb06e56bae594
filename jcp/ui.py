"""Streamlit glue shared by app.py and the pages: cached runner, the filter bar, tables, downloads.

Pages call these helpers to show results; nothing here computes a figure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import altair as alt
import polars as pl
import streamlit as st

from jcp.db import connect_read_only, database_path
from jcp.filters import (
    Filters,
    available_months,
    default_filters,
    filters_from_query,
)
from jcp.measures import Catalogue, MeasureRequest, Runner, run_report

FILTER_KEYS = {
    "district": "filter_districts",
    "office": "filter_offices",
    "from": "filter_from",
    "to": "filter_to",
    "benefit": "filter_benefits",
    "group": "filter_groups",
}
EMPTY_MESSAGE = "No activity for these filters."

# How every measure column is headed and formatted in a table (the CSV keeps the plain names).
COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "district_code": ("District", "text"),
    "office_code": ("Office", "text"),
    "month": ("Month", "text"),
    "wfis_due": ("Interviews due", "count"),
    "deferred": ("Deferred", "count"),
    "waived": ("Waived", "count"),
    "deferral_rate": ("Deferral rate", "rate"),
    "waiver_rate": ("Waiver rate", "rate"),
    "median_deferral_days": ("Median deferral (days)", "decimal"),
    "deferral_reason": ("Reason", "text"),
    "job_entries": ("Job entries", "count"),
    "mature_13w": ("Old enough for 13 weeks", "count"),
    "sustained_13w": ("Sustained 13 weeks", "count"),
    "sustained_13w_rate": ("13-week sustained rate", "rate"),
    "mature_26w": ("Old enough for 26 weeks", "count"),
    "sustained_26w": ("Sustained 26 weeks", "count"),
    "sustained_26w_rate": ("26-week sustained rate", "rate"),
    "claims_measured": ("Claims measured", "count"),
    "mean_change": ("Mean change", "mean"),
    "pct_improved": ("Improved by 1+", "rate"),
    "mean_change_job_search": ("Job search", "mean"),
    "mean_change_work_skills": ("Work skills", "mean"),
    "mean_change_confidence": ("Confidence", "mean"),
    "mean_change_health_wellbeing": ("Health and wellbeing", "mean"),
    "mean_change_stability": ("Stability", "mean"),
    "payments": ("Payments", "count"),
    "spend_gbp": ("Spend", "money"),
    "recipients": ("Recipients", "count"),
    "avg_award_gbp": ("Average award", "money"),
    "category": ("Category", "text"),
    "live_claims": ("Live claims", "count"),
    "new_claims": ("New claims", "count"),
    "off_flows": ("Off-flows", "count"),
    "off_flows_to_work": ("Off-flows to work", "count"),
    "claims_per_coach": ("Claims per coach", "decimal"),
}
NUMBER_FORMATS = {
    "count": "localized",
    "rate": "percent",
    "mean": "%+.2f",
    "money": "£%.2f",
    "decimal": "%.1f",
}


def column_config_for(frame: pl.DataFrame) -> dict[str, object]:
    config: dict[str, object] = {}
    for name in frame.columns:
        if name not in COLUMN_LABELS:
            continue
        label, kind = COLUMN_LABELS[name]
        config[name] = (
            label
            if kind == "text"
            else st.column_config.NumberColumn(label, format=NUMBER_FORMATS[kind])
        )
    return config


def _database_version() -> tuple[str, float]:
    """The database path and its modification time: a new load gives new caches."""
    path = database_path()
    return str(path), path.stat().st_mtime if path.exists() else 0.0


@st.cache_resource(max_entries=2, show_spinner="Opening the database…")
def _runner(path: str, version: float) -> Runner:
    # One read-only connection per process and database version; Runner takes a cursor per query.
    return Runner(connect_read_only(path))


def runner() -> Runner:
    return _runner(*_database_version())


@st.cache_data(max_entries=1000, show_spinner=False)
def _run_cached(path: str, version: float, request: MeasureRequest) -> pl.DataFrame:
    return _runner(path, version).run(request)


def run(request: MeasureRequest) -> pl.DataFrame:
    """A measure result, cached by database version and the full request."""
    return _run_cached(*_database_version(), request)


@st.cache_data(max_entries=20, show_spinner=False)
def _report_cached(path: str, version: float, name: str, limit: int | None) -> pl.DataFrame:
    return run_report(_runner(path, version).con, name, {"limit": limit} if limit else None)


def report(name: str, limit: int | None = None) -> pl.DataFrame:
    return _report_cached(*_database_version(), name, limit)


def catalogue() -> Catalogue:
    return runner().catalogue


def _query_lists() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in FILTER_KEYS}


def filter_bar() -> Filters:
    """The shared sidebar filters; their state lives in the URL so a link reproduces the view."""
    cat = catalogue()
    if "filters_ready" not in st.session_state:
        chosen, notices = filters_from_query(_query_lists(), cat)
        st.session_state[FILTER_KEYS["district"]] = list(chosen.districts)
        st.session_state[FILTER_KEYS["office"]] = list(chosen.offices)
        st.session_state[FILTER_KEYS["from"]] = chosen.period_from
        st.session_state[FILTER_KEYS["to"]] = chosen.period_to
        st.session_state[FILTER_KEYS["benefit"]] = list(chosen.benefits)
        st.session_state[FILTER_KEYS["group"]] = list(chosen.groups)
        st.session_state["filter_notices"] = notices
        st.session_state["filters_ready"] = True

    months = available_months(cat)
    with st.sidebar:
        st.header("Filters")
        districts = st.multiselect(
            "District",
            list(cat.districts),
            key=FILTER_KEYS["district"],
            format_func=lambda code: f"{code} · {cat.district_names.get(code, '')}",
            placeholder="All districts",
        )
        office_options = [
            office
            for office, district in cat.office_districts.items()
            if not districts or district in districts
        ]
        # An office left over from a district no longer chosen would otherwise be an error.
        kept = [o for o in st.session_state[FILTER_KEYS["office"]] if o in office_options]
        if kept != st.session_state[FILTER_KEYS["office"]]:
            st.session_state[FILTER_KEYS["office"]] = kept
        offices = st.multiselect(
            "Office",
            office_options,
            key=FILTER_KEYS["office"],
            format_func=lambda code: f"{code} · {cat.office_names.get(code, '')}",
            placeholder="All offices",
        )
        left, right = st.columns(2)
        period_from = left.selectbox("From month", months, key=FILTER_KEYS["from"])
        period_to = right.selectbox("To month", months, key=FILTER_KEYS["to"])
        benefits = st.multiselect(
            "Benefit",
            ["JSA", "ESA", "IS", "UC"],
            key=FILTER_KEYS["benefit"],
            placeholder="All benefits",
        )
        groups = st.multiselect(
            "Claimant group",
            ["jobseeker", "lone_parent", "health_condition", "carer", "other"],
            key=FILTER_KEYS["group"],
            format_func=lambda g: g.replace("_", " "),
            placeholder="All groups",
        )
        st.caption(f"Data as at {cat.extract_date:%d %B %Y}.")

    chosen = Filters(
        period_from, period_to, tuple(districts), tuple(offices), tuple(benefits), tuple(groups)
    )
    if period_from > period_to:
        st.sidebar.warning("The From month is after the To month: showing the default period.")
        defaults = default_filters(cat)
        chosen = replace(chosen, period_from=defaults.period_from, period_to=defaults.period_to)
    for notice in st.session_state.get("filter_notices", []):
        st.warning(notice)
    st.query_params.from_dict(chosen.to_query())
    st.session_state["filters"] = chosen
    return chosen


def current_filters() -> Filters:
    filters = st.session_state.get("filters")
    if filters is None:  # a page run on its own (e.g. in a test) still gets the default view
        filters = default_filters(catalogue())
    return filters


def has_activity(frame: pl.DataFrame, count_columns: list[str]) -> bool:
    if frame.height == 0:
        return False
    present = [c for c in count_columns if c in frame.columns]
    return any(frame[c].cast(pl.Float64, strict=False).fill_null(0).sum() > 0 for c in present)


def empty_state() -> None:
    st.info(EMPTY_MESSAGE)


def csv_bytes(frame: pl.DataFrame, filters: Filters, title: str) -> bytes:
    cat = catalogue()
    header = (
        f"# {title}. Data as at {cat.extract_date:%Y-%m-%d}; {filters.describe()}; "
        f"exported {dt.datetime.now():%Y-%m-%d %H:%M}\n"
    )
    return (header + frame.write_csv()).encode("utf-8")


def download(frame: pl.DataFrame, title: str, key: str) -> None:
    filters = current_filters()
    st.download_button(
        f"Download CSV: {title}",
        data=csv_bytes(frame, filters, title),
        file_name=f"{key}_{filters.period_from}_{filters.period_to}.csv",
        mime="text/csv",
        key=f"download_{key}",
        on_click="ignore",
    )


def table(
    frame: pl.DataFrame,
    title: str,
    key: str,
    column_config: dict | None = None,
    styled: object | None = None,
) -> None:
    """A table with its CSV download (of exactly the rows and columns shown)."""
    st.dataframe(
        styled if styled is not None else frame,
        hide_index=True,
        column_config=column_config if column_config is not None else column_config_for(frame),
        key=f"table_{key}",
    )
    download(frame, title, key)


def chart(figure: alt.Chart, frame: pl.DataFrame, title: str, key: str) -> None:
    """An Altair chart with a CSV download of the figures it draws."""
    st.altair_chart(figure, width="stretch")
    download(frame, title, key)


def trend_frame(filters: Filters, series: list[tuple[str, str, str]]) -> pl.DataFrame:
    """Long frame (month, series, value) of several measures' columns by month, for one chart."""
    parts = []
    for measure, column, label in series:
        frame = run(filters.request(measure, by="month"))
        parts.append(
            frame.select(
                pl.col("month"),
                pl.lit(label).alias("series"),
                pl.col(column).cast(pl.Float64, strict=False).alias("value"),
            )
        )
    long = pl.concat(parts)
    return long if long["value"].is_not_null().any() else long.clear()
