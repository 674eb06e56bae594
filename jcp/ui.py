"""Streamlit glue shared by app.py and the pages: cached runner, the filter bar, tables, downloads.

Pages call these helpers to show results; nothing here computes a figure.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import astuple, replace
from functools import partial
from pathlib import Path
from types import FunctionType

import altair as alt
import polars as pl
import streamlit as st

from jcp import audit
from jcp.config import DEFAULT_CONFIG, Settings, load_settings
from jcp.extract import contract
from jcp.extract.db import database_path
from jcp.formats import (
    TABLE_FORMATS,
    format_value,
    kind,
    label,
    value_label,
    with_names,
    with_value_labels,
)
from jcp.headlines import League
from jcp.headlines import league as build_league
from jcp.measures.access import AccessList, Scope, read_access
from jcp.measures.disclosure import MARKER, SUPPRESSED, any_suppressed, row_with_markers
from jcp.measures.engines import open_engine
from jcp.measures.filters import (
    Filters,
    available_months,
    default_filters,
    filters_from_query,
)
from jcp.measures.network import Catalogue
from jcp.measures.queries import Engine
from jcp.measures.runner import MeasureRequest, Runner
from jcp.output import csv_comment, csv_text, plain_text

FILTER_KEYS = {
    "district": "filter_districts",
    "office": "filter_offices",
    "from": "filter_from",
    "to": "filter_to",
    "benefit": "filter_benefits",
    "group": "filter_groups",
}
EMPTY_MESSAGE = "No activity for these filters."
# Not "no activity": there are people, too few in any month to show.
ALL_HIDDEN_MESSAGE = (
    "Nothing to plot: every month with activity has too few people to show, so its figure is "
    "hidden to protect individuals ([c])."
)
DATA_VERSION = "data_version"  # session state: (path, version) of the data, read once a rerun

# The overdue worklist shows its most overdue rows on screen; the CSV has every row.
WORKLIST_ROWS = 1000
# Tables up to this long are styled cell by cell (jcp.formats' one style per kind): every
# office of the network fits.
STYLED_ROWS = 500

SUPPRESSION_NOTE = (
    "Figures are adjusted slightly to protect individuals; totals may not equal the sum of "
    "rows. [c]: too few to show (an adjusted count of 1 to {c1}, a rate or mean over fewer "
    "than {d} people, money from fewer than {p} payments). Money is rounded to the nearest £10."
)


@st.cache_resource(max_entries=4)
def _settings(path: str, mtime: float) -> Settings:
    return load_settings(path)


def settings() -> Settings:
    """jcp.toml (or $JCP_CONFIG), re-read when it changes."""
    path = Path(os.environ.get("JCP_CONFIG") or DEFAULT_CONFIG)
    return _settings(str(path), path.stat().st_mtime if path.exists() else 0.0)


def _read_database_version() -> tuple[str, float]:
    """Where the data is and when it last changed: a new load or export gives new caches.

    DuckDB: the database file. Spark: the Parquet export's folder (its manifest changes with
    every export written into it).
    """
    current = settings()
    if current.engine == "spark":
        # Imported here, not at the top: jcp.measures.export brings pyarrow.dataset and with it
        # pandas (~0.4 s), which nothing before a page's first figures needs. See styled().
        from jcp.measures.export import MANIFEST

        path = current.parquet / MANIFEST
        return str(current.parquet), path.stat().st_mtime if path.exists() else 0.0
    path = database_path()
    return str(path), path.stat().st_mtime if path.exists() else 0.0


def _database_version() -> tuple[str, float]:
    # The frame reads it once at the start of each rerun (open_data); every result lookup
    # re-reading it cost two file stats and a settings lookup each, ~25 times a rerun. A page
    # run without the frame reads it itself.
    return st.session_state.get(DATA_VERSION) or _read_database_version()


# The engine open on each data path, and its version: the one to close when a new load arrives.
_open_engines: dict[str, tuple[float, Engine]] = {}
_open_engines_lock = threading.Lock()


@st.cache_resource(max_entries=2, show_spinner="Opening the database…")
def _runner(path: str, version: float) -> Runner:
    # One engine per process and data version (DuckDB: one read-only connection, a cursor per
    # query; Spark: the process's session over the export).
    current = settings()
    with _open_engines_lock:
        # A load replaces the file at the same path. DuckDB hands a new connection to a path
        # the process already has open the database it has open (duckdb/duckdb#15912), so the
        # old version's connection is closed first; a request still running on it fails once
        # and its page shows the new data on the next rerun.
        previous = _open_engines.pop(path, None)
        if previous is not None and previous[0] != version:
            previous[1].close()
        if current.engine == "spark":
            engine = open_engine("spark", parquet=path, spark_master=current.spark_master)
        else:
            engine = open_engine("duckdb", db=path)
        _open_engines[path] = (version, engine)
    return Runner(engine, current.thresholds)


def runner() -> Runner:
    return _runner(*_database_version())


def open_data() -> Runner:
    """The frame's first step on every rerun: note the data's version and open it.

    Results are cached by this version, read here once a rerun: a new load or export is a new
    version, so new results from the next rerun on.
    """
    st.session_state[DATA_VERSION] = _read_database_version()
    return runner()


def prepare() -> None:
    """Open the data and read the access list before any session asks (`python -m jcp serve`
    calls it as the server starts). A problem is left for the first session, which meets the
    same one and shows it."""
    try:
        runner()
        access_list()
    except Exception:  # noqa: BLE001 - shown by the session that opens the data next
        return


def catalogue() -> Catalogue:
    return runner().catalogue


@st.cache_resource(max_entries=4)
def _access(path: str, mtime: float, version: float) -> AccessList:
    access = read_access(path, catalogue())
    for problem in access.problems:  # reported once per process, at start-up
        print(f"access: {problem}", file=sys.stderr)
    return access


def access_list() -> AccessList:
    path = settings().access_file
    mtime = path.stat().st_mtime if path.exists() else 0.0
    return _access(str(path), mtime, _database_version()[1])


def auth_configured() -> bool:
    """True when .streamlit/secrets.toml has an [auth] section: real sign-in, no demo mode."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: Streamlit raises rather than returning empty
        return False


def _demo_label(email: str, access: AccessList) -> str:
    user = access.users[email]
    codes = ", ".join(user.districts or user.offices)
    role = user.role.replace("_", " ")
    return f"{email} ({role}{': ' + codes if codes else ''})"


def signed_in_email() -> str | None:
    """The signed-in user's e-mail, or None while nobody is signed in."""
    access = access_list()
    if auth_configured():
        if not st.user.is_logged_in:
            return None
        email = str(st.user.email or "")
        with st.sidebar:
            st.caption(f"Signed in as {plain_text(email)}")
            st.button("Sign out", on_click=st.logout)
    else:
        # Demo mode is decided by the server's secrets alone: nothing in a URL can turn it on.
        st.info(
            "Demo mode: no sign-in is configured, so you can pick any user from the demo access "
            "list to see the dashboard as they would. Configure [auth] to switch this off.",
            icon=":material/science:",
        )
        emails = sorted(access.users, key=lambda e: (access.users[e].role != "national", e))
        if not emails:
            return None
        email = st.sidebar.selectbox(
            "Demo user", emails, key="demo_user", format_func=lambda e: _demo_label(e, access)
        )
    if st.session_state.get("signed_in_as") != email:
        st.session_state["signed_in_as"] = email
        audit.record(settings().audit_log, "sign_in", email)
    return email


def user_scope(email: str | None) -> Scope:
    """The scope the user's requests carry (kept in the session for the pages' runner calls)."""
    scope = access_list().scope_for(email, catalogue()) if email else Scope.nobody()
    st.session_state["scope"] = scope
    return scope


def sign_in_screen() -> None:
    st.title("District performance dashboard")
    if auth_configured():
        st.write("Sign in with your organisation account to see the dashboard.")
        st.button("Sign in", on_click=st.login, type="primary")
    else:
        st.error(
            "The access list has no users: "
            + "; ".join(plain_text(p) for p in access_list().problems)
        )


def no_access_screen(email: str) -> None:
    if st.session_state.get("denied_as") != email:
        st.session_state["denied_as"] = email
        audit.record(settings().audit_log, "scope_denied", email, detail="not in access list")
    st.title("No access yet")
    st.warning(
        f"You are signed in as {plain_text(email)}, but you are not on the dashboard's access "
        "list. Ask your district's performance team to add you with your role and your "
        "district or offices."
    )


def current_scope() -> Scope:
    # A page run without the frame (which signs in) sees nothing rather than everything.
    return st.session_state.get("scope") or Scope.nobody()


# A resource cache, not a data cache: results are polars frames that nothing changes in
# place, so every rerun can share the one object instead of unpickling a copy (the national
# overdue worklist is 75,000 rows at 10M claims: ~15 ms a rerun as a data cache).
# Exact keys, hashed quickly (a page asks for 25 results a rerun): every field of the request
# or filters, and the scope's role, sorted offices and label. Each is one string, as Streamlit
# hashes a tuple element by element (~30 µs a key as tuples).
RESULT_KEYS = {
    MeasureRequest: lambda r: repr(astuple(r)),
    Filters: lambda f: repr(astuple(f)),
    Scope: lambda s: repr(
        (s.role, None if s.offices is None else tuple(sorted(s.offices)), s.label)
    ),
}


@st.cache_resource(max_entries=1000, show_spinner=False, hash_funcs=RESULT_KEYS)
def _run_cached(path: str, version: float, request: MeasureRequest, scope: Scope) -> pl.DataFrame:
    return _runner(path, version).run(request, scope)


def run(request: MeasureRequest) -> pl.DataFrame:
    """A measure result for the signed-in user's scope, with disclosure control, cached."""
    path, version = _database_version()
    # By keyword: Streamlit finds each positional argument's name in the function's signature,
    # afresh on every call (~10 µs an argument).
    return _run_cached(path=path, version=version, request=request, scope=current_scope())


@st.cache_resource(max_entries=100, show_spinner=False, hash_funcs=RESULT_KEYS)
def _league_cached(path: str, version: float, filters: Filters, scope: Scope) -> League:
    runner = _runner(path, version)

    def run_in_scope(request: MeasureRequest) -> pl.DataFrame:
        return _run_cached(path=path, version=version, request=request, scope=scope)

    def reference(request: MeasureRequest, level: str) -> pl.DataFrame:
        # Not cached on its own: the league is, per scope, and the runner checks the level
        # against this scope on every call.
        return runner.reference(request, scope, level)

    return build_league(run_in_scope, reference, filters, scope, runner.catalogue)


def league(filters: Filters) -> League:
    """The overview's league table, its better/worse cues, heading and caption, for the
    signed-in user's scope (their role decides what is compared with what).

    Cached as a whole, like the results it lines up (and shared the same way: nothing changes
    the frame or the cues in place): a rerun would otherwise look up its results again and
    rebuild it.
    """
    path, version = _database_version()
    return _league_cached(path=path, version=version, filters=filters, scope=current_scope())


@st.cache_resource(max_entries=20, show_spinner=False, hash_funcs=RESULT_KEYS)
def _report_cached(
    path: str, version: float, name: str, scope: Scope, limit: int | None
) -> pl.DataFrame:
    return _runner(path, version).report(name, scope, limit)


def clear_results() -> None:
    """Forget cached results, reports and drawn elements; the engine (the open database) stays."""
    _run_cached.clear()
    _league_cached.clear()
    _report_cached.clear()
    _draw_table.clear()
    _draw_chart.clear()


def report(name: str, limit: int | None = None) -> pl.DataFrame:
    """A report on the database, for the signed-in user's scope (its spec says who may see it)."""
    path, version = _database_version()
    return _report_cached(path=path, version=version, name=name, scope=current_scope(), limit=limit)


def _query_lists() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in FILTER_KEYS}


def _keep_options(key: str, options: list[str]) -> None:
    """Drop chosen values that are no longer offered (another district, another demo user)."""
    kept = [v for v in st.session_state.get(key, []) if v in options]
    if kept != st.session_state.get(key):
        st.session_state[key] = kept


def place_label(names: dict[str, str], code: str) -> str:
    """A district or office as a picker shows it: "Name (code)"."""
    name = names.get(code)
    return f"{name} ({code})" if name else code


def by_name(codes: list[str], names: dict[str, str]) -> list[str]:
    return sorted(codes, key=lambda code: (names.get(code, code).casefold(), code))


def benefit_label(code: str) -> str:
    """A benefit as a picker shows it: its name, with the letters everyone calls it by."""
    return f"{value_label('benefit', code)} ({code})"


def filter_bar() -> Filters:
    """The shared sidebar filters; their state lives in the URL so a link reproduces the view."""
    cat = catalogue()
    scope = current_scope()
    visible_districts = scope.visible_districts(cat)
    visible_offices = scope.visible_offices(cat)
    if st.session_state.get("filters_ready") != scope:
        chosen, notices = filters_from_query(_query_lists(), cat, scope)
        st.session_state[FILTER_KEYS["district"]] = list(chosen.districts)
        st.session_state[FILTER_KEYS["office"]] = list(chosen.offices)
        st.session_state[FILTER_KEYS["from"]] = chosen.period_from
        st.session_state[FILTER_KEYS["to"]] = chosen.period_to
        st.session_state[FILTER_KEYS["benefit"]] = list(chosen.benefits)
        st.session_state[FILTER_KEYS["group"]] = list(chosen.groups)
        st.session_state["filter_notices"] = notices
        st.session_state["filters_ready"] = scope
        denied = [n for n in notices if "not available to you" in n]
        if denied:
            audit.record(
                settings().audit_log,
                "scope_denied",
                st.session_state.get("signed_in_as"),
                detail=" ".join(denied),
            )

    months = available_months(cat)
    with st.sidebar:
        st.header("Filters")
        _keep_options(FILTER_KEYS["district"], visible_districts)
        # Named and in order of name, as people look for them; typing any part of a name or a
        # code finds it ("contains": Streamlit's default "fuzzy" matching would offer every
        # office whose name holds the letters typed in order, which at 380 offices is most).
        # The widgets' values, and so the URL, stay codes.
        districts = st.multiselect(
            "District",
            by_name(visible_districts, cat.district_names),
            key=FILTER_KEYS["district"],
            format_func=partial(place_label, cat.district_names),
            placeholder="All districts" if scope.is_national else "All your districts",
            filter_mode="contains",
        )
        office_options = [
            o for o in visible_offices if not districts or cat.office_districts[o] in districts
        ]
        _keep_options(FILTER_KEYS["office"], office_options)
        offices = st.multiselect(
            "Office",
            by_name(office_options, cat.office_names),
            key=FILTER_KEYS["office"],
            format_func=partial(place_label, cat.office_names),
            placeholder="All offices" if scope.is_national else "All your offices",
            filter_mode="contains",
        )
        left, right = st.columns(2)
        period_from = left.selectbox("From month", months, key=FILTER_KEYS["from"])
        period_to = right.selectbox("To month", months, key=FILTER_KEYS["to"])
        benefits = st.multiselect(
            "Benefit",
            list(contract.VALUE_LABELS["benefit"]),
            key=FILTER_KEYS["benefit"],
            format_func=benefit_label,
            placeholder="All benefits",
            filter_mode="contains",
        )
        groups = st.multiselect(
            "Claimant group",
            list(contract.VALUE_LABELS["claimant_group"]),
            key=FILTER_KEYS["group"],
            format_func=partial(value_label, "claimant_group"),
            placeholder="All groups",
            filter_mode="contains",
        )
        # The label names codes from the access file: text, never markup.
        st.caption(f"Data as at {cat.extract_date:%d %B %Y}. Seeing: {plain_text(scope.label)}.")

    chosen = Filters(
        period_from, period_to, tuple(districts), tuple(offices), tuple(benefits), tuple(groups)
    )
    if period_from > period_to:
        st.sidebar.warning("The From month is after the To month: showing the default period.")
        defaults = default_filters(cat)
        chosen = replace(chosen, period_from=defaults.period_from, period_to=defaults.period_to)
    # Shown once, on the view the link opened; they would be noise on every later rerun.
    # A notice quotes the link's values, which anyone can write: shown as text, never markup.
    for notice in st.session_state.pop("filter_notices", []):
        st.warning(plain_text(notice))
    st.query_params.from_dict(chosen.to_query())
    st.session_state["filters"] = chosen
    return chosen


def current_filters() -> Filters:
    filters = st.session_state.get("filters")
    if filters is None:  # a page run on its own (e.g. in a test) still gets the default view
        filters = default_filters(catalogue())
    return filters


def has_activity(frame: pl.DataFrame, count_columns: list[str]) -> bool:
    """True when any of the count columns is non-zero or hidden (a hidden count is not zero)."""
    if frame.height == 0:
        return False
    present = [c for c in count_columns if c in frame.columns]
    if (
        any_suppressed(frame)
        and frame[SUPPRESSED].list.eval(pl.element().is_in(present)).list.any().any()
    ):
        return True
    return any(frame[c].cast(pl.Float64, strict=False).fill_null(0).sum() > 0 for c in present)


def empty_state() -> None:
    st.info(EMPTY_MESSAGE)


def tile_row(frame: pl.DataFrame) -> dict:
    """The first row for tiles: hidden cells come back as [c]."""
    return row_with_markers(frame) if frame.height else {}


def suppression_note() -> str:
    t = settings().thresholds
    return SUPPRESSION_NOTE.format(c1=t.min_count - 1, d=t.min_denominator, p=t.min_payments)


def csv_header(frame: pl.DataFrame, filters: Filters, title: str) -> str:
    """What the figures are: extract date, filters, the user's scope and disclosure control."""
    cat = catalogue()
    protected = SUPPRESSED in frame.columns
    lines = [
        csv_comment(
            f"{title}. Data as at {cat.extract_date:%Y-%m-%d}; {filters.describe()}; "
            f"scope {current_scope().label}; exported {dt.datetime.now():%Y-%m-%d %H:%M}."
        ),
        csv_comment(suppression_note() if protected else "Operational list: not a statistic."),
    ]
    return "\n".join(lines) + "\n"


def csv_bytes(header: str, frame: pl.DataFrame) -> bytes:
    """The download: the header lines (the app's own, each starting "#"), then the figures,
    with district and office names beside their codes (enumerated values stay codes)."""
    return (header + csv_text(named(frame))).encode("utf-8")


def named(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with district and office names beside their codes."""
    cat = catalogue()
    return with_names(frame, cat.district_names, cat.office_names)


def _record_export(title: str, rows: int) -> None:
    audit.record(
        settings().audit_log,
        "export",
        st.session_state.get("signed_in_as"),
        page=title,
        filters=current_filters().describe(),
        rows=rows,
    )


def download(frame: pl.DataFrame, title: str, key: str) -> None:
    filters = current_filters()
    st.download_button(
        f"Download CSV: {title}",
        # Written when the button is clicked, not on every rerun (a worklist can be long).
        data=partial(csv_bytes, csv_header(frame, filters, title), frame),
        file_name=f"{key}_{filters.period_from}_{filters.period_to}.csv",
        mime="text/csv",
        key=f"download_{key}",
        on_click=_record_export,
        args=(title, frame.height),
    )


# The cues' cells: pale green and red behind the theme's text colour, which they set as well so
# a viewer's dark theme (light text) cannot put pale text on them. tests/test_theme.py checks
# the contrast (WCAG 2.2 AA, 4.5:1).
CUE_BACKGROUNDS = {"better": "#d8f0d2", "worse": "#f9d6d5"}
CUE_TEXT = "#0b0c0c"


def styled(
    frame: pl.DataFrame,
    cues: dict[str, list[str]] | None = None,
    uuid: str | None = None,
    blank: dict[str, list[int]] | None = None,
) -> object:
    """A pandas Styler: numbers stay numbers (so columns sort), every figure written in its
    kind's one style (jcp.formats) and hidden cells as [c].

    `uuid` names the table's styles in the page; pandas otherwise picks a random one.
    `blank` names cells left out on purpose (a reference row's counts): empty, not "–" (no
    population) or [c] (hidden). A missing text (a reference row's office) is empty too.
    """
    # Imported here, not at the top: pandas takes ~0.4 s to import and only styled tables need
    # it, so at start-up the overview's tiles reach the browser without waiting for it.
    import pandas as pd

    hidden = frame[SUPPRESSED].to_list() if SUPPRESSED in frame.columns else []
    data = frame.drop(SUPPRESSED) if SUPPRESSED in frame.columns else frame
    hidden_rows: dict[str, list[int]] = {}
    for index, cells in enumerate(hidden):
        for name in cells:
            hidden_rows.setdefault(name, []).append(index)
    # A hidden cell is NULL, and Streamlit draws a NULL number as "None" whatever the Styler
    # says; it draws the Styler's text for any other value. So a hidden cell holds 0 here (it
    # sorts with the zeros), never its true value, which the runner has already dropped, and
    # reads [c].
    placeholders = [
        pl.when(pl.int_range(pl.len()).is_in(rows)).then(0).otherwise(pl.col(name)).alias(name)
        for name, rows in hidden_rows.items()
        if name in data.columns
    ]
    shown = (
        data.with_columns(placeholders)
        .with_columns(
            pl.col(name).cast(pl.Float64)
            for name, dtype in data.schema.items()
            if dtype.is_decimal()
        )
        .to_pandas()
    )
    # One format call for all the numeric columns, then one per column with hidden cells: each
    # call looks its subset up in the frame (~0.7 ms), which per column and per hidden cell
    # added 4 ms or more to every styled table on every rerun.
    formats = {
        name: (lambda v, k=column_kind: format_value(None if pd.isna(v) else v, k))
        for name, dtype in data.schema.items()
        if (dtype.is_numeric() or dtype.is_decimal())
        and (column_kind := kind(name)) not in ("key", "text", "date")
    }
    styler = shown.style
    if uuid is not None:
        styler = styler.set_uuid(uuid)
    if formats:
        styler = styler.format(formats, subset=list(formats))
    for name, rows in hidden_rows.items():
        if name in data.columns:
            styler = styler.format(lambda _: MARKER, subset=pd.IndexSlice[rows, [name]])
    text = [name for name, dtype in data.schema.items() if dtype == pl.String]
    if text:
        styler = styler.format(na_rep="", subset=text)
    for name, rows in (blank or {}).items():
        if name in data.columns and rows:
            styler = styler.format(lambda _: "", subset=pd.IndexSlice[rows, [name]])
    if cues:
        colours = {
            cue: f"background-color: {background}; color: {CUE_TEXT}"
            for cue, background in CUE_BACKGROUNDS.items()
        }
        styler = styler.apply(
            lambda col: [colours.get(c, "") for c in cues.get(col.name, [""] * len(col))]
        )
    return styler


def _frame_key(frame: pl.DataFrame) -> bytes:
    # Every row counts: Streamlit's own hash of a polars frame reads the row hashes through
    # pyarrow's to_string(), which leaves out all but the first and last ten, so two results
    # differing only in their middle rows (a long office list) would share a drawn element.
    return repr(frame.schema).encode() + frame.hash_rows(seed=0).to_numpy().tobytes()


# Keys of the drawn charts and tables: the frame's content (so a new load or other filters give
# a new element, and equal figures share one) and the chart builder's name.
ELEMENT_KEYS = {
    pl.DataFrame: _frame_key,
    FunctionType: lambda build: f"{build.__module__}.{build.__qualname__}",
}


# Charts and tables are drawn once per figure and replayed: Streamlit records the elements a
# cached function draws and, when the function's result is cached, sends the recorded
# elements again without running it. A rerun then skips building the chart, Altair's schema
# validation and the Arrow conversion of its data (~4 ms a chart), and the table's pandas
# Styler and Arrow conversion (2-10 ms a table). A resource cache: nothing is copied on a hit.
@st.cache_resource(max_entries=300, show_spinner=False, hash_funcs=ELEMENT_KEYS)
def _draw_table(
    frame: pl.DataFrame,
    key: str,
    column_config: dict | None,
    cues: dict[str, list[str]] | None,
    blank: dict[str, list[int]] | None = None,
) -> None:
    # Names beside codes and labels for enumerated values: what people read. Built here, once
    # per figure, as the drawn element is replayed on every rerun after.
    frame = with_value_labels(named(frame))
    if frame.height <= STYLED_ROWS or cues or blank or any_suppressed(frame):
        # A pandas Styler writes every figure in its kind's one style, [c] into hidden cells
        # and the cues' colours; it is slow for long lists (the overdue worklist), which have
        # no hidden cells and are formatted by column instead.
        shown: object = styled(frame, cues, uuid=key, blank=blank)
        labels: dict[str, object] = {name: label(name) for name in frame.columns}
        # The browser draws a missing value as "None" unless told otherwise, even where the
        # Styler writes "" (a blank cell, a missing text); every other cell has its own text.
        placeholder: str | None = ""
    else:
        labels = {
            name: (
                st.column_config.NumberColumn(label(name), format=TABLE_FORMATS[kind(name)])
                if kind(name) in TABLE_FORMATS and frame.schema[name].is_numeric()
                else label(name)
            )
            for name in frame.columns
        }
        shown = frame.drop(SUPPRESSED) if SUPPRESSED in frame.columns else frame
        placeholder = None
    config = {name: labels[name] for name in frame.columns if name in labels}
    config.update(column_config or {})
    st.dataframe(
        shown, hide_index=True, column_config=config, key=f"table_{key}", placeholder=placeholder
    )


@st.cache_resource(max_entries=300, show_spinner=False, hash_funcs=ELEMENT_KEYS)
def _draw_chart(build: Callable[..., alt.Chart], frame: pl.DataFrame, options: tuple) -> None:
    # Bars are named: the builders label a district or office by the name put beside its code.
    built = build(named(frame), *options)
    st.altair_chart(built, width="stretch")
    # A builder that draws only part of a long list says so in the chart's description.
    if isinstance(built.description, str):
        st.caption(built.description)


def table(
    frame: pl.DataFrame,
    title: str,
    key: str,
    column_config: dict | None = None,
    cues: dict[str, list[str]] | None = None,
    max_rows: int | None = None,
    blank: dict[str, list[int]] | None = None,
) -> None:
    """A table with its CSV download (of exactly the columns shown, and every row).

    `cues` colours cells better/worse; `blank` leaves cells empty on screen (see styled()).

    `max_rows` shows only the first rows of a long list (a national worklist runs to tens of
    thousands, which no one reads on screen and every rerun would send to the browser); the
    caption says so and the download still has them all.
    """
    complete = frame
    if max_rows is not None and frame.height > max_rows:
        frame = frame.head(max_rows)
    # By keyword: see run().
    _draw_table(frame=frame, key=key, column_config=column_config, cues=cues, blank=blank)
    if complete.height > frame.height:
        st.caption(
            f"Showing the first {frame.height:,} of {complete.height:,} rows; "
            "the CSV download has them all."
        )
    if SUPPRESSED in complete.columns:  # a statistic (operational lists are exact)
        st.caption(suppression_note())
    download(complete, title, key)


def chart(
    build: Callable[..., alt.Chart], frame: pl.DataFrame, *options: object, title: str, key: str
) -> None:
    """The Altair chart `build(frame, *options)`, with a CSV download of the figures it draws.

    The page names the builder rather than passing a built chart, so that a rerun with the
    same figures need not build it (see _draw_chart).
    """
    _draw_chart(build=build, frame=frame, options=options)
    if any_suppressed(frame):
        st.caption("Values hidden to protect individuals ([c]) are not plotted.")
    download(frame, title, key)


def trend_frame(filters: Filters, series: list[tuple[str, str, str]]) -> pl.DataFrame:
    """Long frame (month, series, value) of several measures' columns by month, for one chart.

    Hidden points are NULL and listed as hidden; trend_chart tells a trend with none to draw
    because every point is hidden from one with no activity."""
    parts = []
    for measure, column, series_label in series:
        frame = run(filters.request(measure, by="month"))
        hidden = (
            frame[SUPPRESSED].list.contains(column)
            if SUPPRESSED in frame.columns
            else pl.Series([False] * frame.height)
        )
        parts.append(
            pl.DataFrame(
                {
                    "month": frame["month"],
                    "series": [series_label] * frame.height,
                    "value": frame[column].cast(pl.Float64, strict=False),
                    SUPPRESSED: [["value"] if h else [] for h in hidden],
                },
                schema={
                    "month": pl.String,
                    "series": pl.String,
                    "value": pl.Float64,
                    SUPPRESSED: pl.List(pl.String),
                },
            )
        )
    return pl.concat(parts)


def nothing_to_plot(frame: pl.DataFrame, value: str) -> str | None:
    """Why a chart of `value` would have no point, or None when it has one to draw.

    Hidden points are NULL like months with no one in them, but are not the same news: there is
    activity, too little to show.
    """
    if frame[value].is_not_null().any():
        return None
    hidden = any_suppressed(frame) and frame[SUPPRESSED].list.contains(value).any()
    return ALL_HIDDEN_MESSAGE if hidden else EMPTY_MESSAGE


def trend_chart(
    build: Callable[..., alt.Chart], trend: pl.DataFrame, *options: object, title: str, key: str
) -> bool:
    """A trend_frame drawn as chart() draws it, or why it has no point: no activity, or every
    point hidden ([c]). True when drawn."""
    message = nothing_to_plot(trend, "value")
    if message is not None:
        st.info(message)
        return False
    chart(build, trend, *options, title=title, key=key)
    return True


def comparison(filters: Filters, measure: str, by: str) -> tuple[pl.DataFrame, tuple[str, ...]]:
    """A measure by district or office for every one in view, the other filters applying, and
    the codes the filters chose: a chart highlights those against the rest."""
    frame = run(filters.compared().request(measure, by=by))
    group_column = "office_code" if by == "office" else "district_code"
    return frame, filters.chosen(catalogue(), group_column)


def compare_by(key: str) -> tuple[str, str]:
    """The page's "Compare by" choice, and the key column its grouping returns."""
    by = st.radio(
        "Compare by", ["district", "office"], horizontal=True, key=key, format_func=str.capitalize
    )
    return by, "office_code" if by == "office" else "district_code"
