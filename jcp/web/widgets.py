"""What pages draw with: tables with their downloads, charts, tiles and empty states.

Pages call these to show results; nothing here computes a figure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from types import FunctionType

import altair as alt
import polars as pl
import streamlit as st

from jcp import spreadsheet
from jcp.measures import comparison, disclosure, specs
from jcp.measures.disclosure import MARKER, SUPPRESSED, any_suppressed, row_with_markers
from jcp.measures.filters import (
    Filters,
)
from jcp.measures.runner import RequestError
from jcp.output import csv_comment, csv_text, plain_text
from jcp.web import audit, charts, data, results, sidebar, signin
from jcp.web.formats import (
    TABLE_FORMATS,
    declaring_measure,
    format_value,
    help_markdown,
    help_text,
    kind,
    label,
    verdict_labels,
    with_names,
    with_value_labels,
)
from jcp.web.workbook import PageWorkbook

EMPTY_MESSAGE = "No activity for these filters."


# Not "no activity": there are people, too few in any month to show.
ALL_HIDDEN_MESSAGE = (
    "Nothing to plot: every month with activity has too few people to show, so its figure is "
    "hidden to protect individuals ([c])."
)


# A chart none of whose figures can be drawn (each hidden or not yet known).
NOTHING_DRAWN_MESSAGE = (
    "Nothing to plot: no figure here can be drawn (too few people to show, or not yet known). "
    "The table and the CSV download say which."
)


# The overdue worklist shows its most overdue rows on screen; the CSV has every row.
WORKLIST_ROWS = 1000


# Tables up to this long are styled cell by cell (jcp.web.formats' one style per kind): every
# office of the network fits.
STYLED_ROWS = 500


def clear_results() -> None:
    """Forget every cached result (measures, the league, reports, sentences, comparisons, drift,
    references and the national figures runners remember) and drawn elements; the engine (the
    open database) stays. The bench's "warm" runs and tests that change what a figure is
    published with (the perturbation table) rely on nothing being left."""
    for cached in (
        results.run_cached,
        results.league_cached,
        results.report_cached,
        results.summary_cached,
        results.compare_cached,
        results.drift_cached,
        results.reference_cached,
    ):
        cached.clear()
    data.forget_remembered()
    _draw_table.clear()
    _draw_chart.clear()


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


def figure_help(text: str, measure: str) -> str:
    """A figure's hover help: `text` as written, then a link to its measure's entry on "About
    these figures" carrying the sidebar's filters. Every tile's help is made here (or by
    column_help), so every figure's help links there."""
    return help_markdown(text, measure, sidebar.current_filters().to_query())


def column_help(column: str, measure: str | None = None) -> str:
    """A column's hover help from its spec, with the link to its measure's entry (the measure
    that declares it when none is given)."""
    return figure_help(help_text(column, measure), measure or declaring_measure(column))


def figure_tiles(
    row: dict,
    measure: str,
    columns: tuple[str, ...],
    labels: dict[str, str] | None = None,
    helps: dict[str, str] | None = None,
) -> None:
    """One tile per column of a measure's row, labelled and explained from its spec (or from
    `labels` and `helps`, plain text, for words that fit a tile better); each tile's help links
    to the measure's entry on "About these figures"."""
    for tile, column in zip(st.columns(len(columns)), columns, strict=True):
        tile.metric(
            (labels or {}).get(column, label(column)),
            format_value(row[column], kind(column)),
            border=True,
            help=figure_help((helps or {}).get(column) or help_text(column, measure), measure),
        )


# The overdue tile's help, on every page that shows the tile.
OVERDUE_HELP = (
    "Deferred interviews past their review date, never held, claim still open. "
    "Not limited to the period."
)


OVERDUE_COLUMNS = (
    "claim_id",
    "office_code",
    "work_coach_ref",
    "benefit",
    "claimant_group",
    "deferral_reason",
    "deferred_until",
    "days_overdue",
)


def overdue_worklist(overdue: pl.DataFrame, key: str) -> None:
    """The overdue deferred interviews worklist, as every page that shows it shows it."""
    st.subheader("Overdue deferred interviews")
    st.caption(
        "Every deferred interview whose review date has passed without the interview being "
        "held, on a claim that is still open. Work through it with the work coaches."
    )
    if overdue.height == 0:
        st.success("No overdue deferred interviews for these filters.")
        return
    table(
        overdue.select(OVERDUE_COLUMNS),
        "Overdue deferred interviews",
        key,
        max_rows=WORKLIST_ROWS,
    )


def extract_facts(loads: pl.DataFrame) -> None:
    """The loaded extract's date, when it was loaded and the rows its load rejected (the loads
    report, one row per table), with the extract's own name for its source, as text."""
    first = loads.row(0, named=True)
    columns = st.columns(3)
    columns[0].metric("Extract date", f"{first['extract_date']:%d %b %Y}", border=True)
    columns[1].metric("Loaded", f"{first['loaded_at']:%d %b %Y %H:%M}", border=True)
    columns[2].metric("Rows rejected", f"{loads['rejected'].sum():,}", border=True)
    st.caption(f"Source: {plain_text(first['source'])}")  # the extract's own words


REJECTS_CAPTION = (
    "Rows that broke a rule of the data contract (docs/data-contract.md) are not in any "
    "figure. A row whose parent row was rejected is rejected too."
)


def reject_summary(key: str) -> bool:
    """What the load rejected, by table and rule (a table, so its text is shown as text);
    True when it rejected any row."""
    summary = results.report("reject_summary")
    if summary.height == 0:
        st.success("Every row of the extract met the data contract.")
        return False
    st.caption(REJECTS_CAPTION)
    table(summary, "Rejects by rule", key)
    return True


def tile_row(frame: pl.DataFrame) -> dict:
    """The first row for tiles: hidden cells come back as [c]."""
    return row_with_markers(frame) if frame.height else {}


def suppression_note() -> str:
    return disclosure.suppression_note(data.settings().thresholds)


def csv_header(frame: pl.DataFrame, filters: Filters, title: str) -> str:
    """What the figures are: extract date, filters, the user's scope and disclosure control."""
    cat = data.catalogue()
    protected = SUPPRESSED in frame.columns
    lines = [
        csv_comment(
            f"{title}. Data as at {cat.extract_date:%Y-%m-%d}; {filters.describe(cat)}; "
            f"scope {signin.current_scope().label}; exported {dt.datetime.now():%Y-%m-%d %H:%M}."
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
    cat = data.catalogue()
    return with_names(frame, cat.district_names, cat.office_names)


def _csv_export(
    header: str, frame: pl.DataFrame, title: str, log: Path, user: str | None, filters: str
) -> bytes:
    """A table's CSV download, audit-logged as it is written (on the click's own thread)."""
    payload = csv_bytes(header, frame)
    audit.record(log, "export", user, page=title, filters=filters, rows=frame.height)
    return payload


def _workbook_export(book: PageWorkbook, fmt: str, log: Path, user: str | None) -> bytes:
    """The page's workbook, built and audit-logged when its button is clicked: from the tables
    the page has shown by then (this run's workbook, not whichever the session holds later)."""
    payload = book.ods() if fmt == "ods" else book.xlsx()
    tables = len(book.tables())
    audit.record(
        log,
        "export",
        user,
        page=book.title,
        filters=book.filters,
        rows=book.rows,
        detail=f"spreadsheet .{fmt}, {tables} tables",
    )
    return payload


def download(frame: pl.DataFrame, title: str, key: str) -> None:
    """The table's CSV download and, beside it, the page's spreadsheets (every table on it).

    Each file is written when its button is clicked, not on every rerun (a worklist can be
    long, a workbook takes a second), and audit-logged then. A click does not rerun the page
    (on_click="ignore"): a rerun that ended before the browser asked for the file would drop
    the old run's callables, and the download with them.
    """
    filters = sidebar.current_filters()
    book = page_workbook()
    if book is not None:
        book.add(title, frame)
    log = data.settings().audit_log
    user = st.session_state.get("signed_in_as")
    with st.container(horizontal=True):
        st.download_button(
            f"Download CSV: {title}",
            data=partial(
                _csv_export,
                csv_header(frame, filters, title),
                frame,
                title,
                log,
                user,
                filters.describe(),
            ),
            file_name=f"{key}_{filters.period_from}_{filters.period_to}.csv",
            mime="text/csv",
            key=f"download_{key}",
            on_click="ignore",
        )
        if book is None:
            return
        for fmt in ("ods", "xlsx"):
            st.download_button(
                f"Download spreadsheet (.{fmt})",
                data=partial(_workbook_export, book, fmt, log, user),
                file_name=book.file_name(fmt),
                mime=spreadsheet.MEDIA_TYPES[fmt],
                key=f"download_{fmt}_{key}",
                on_click="ignore",
            )


# Session state: this run's PageWorkbook, which every download adds its table to.
PAGE_WORKBOOK = "page_workbook"


def start_page_workbook(title: str, slug: str) -> None:
    """A new workbook for the page about to run (the frame calls it before page.run())."""
    cat = data.catalogue()
    filters = sidebar.current_filters()
    settings = data.settings()
    st.session_state[PAGE_WORKBOOK] = PageWorkbook(
        title=f"{title}: Jobcentre Plus district performance",
        slug=slug or "overview",
        extract_date=cat.extract_date,
        period_from=filters.period_from,
        period_to=filters.period_to,
        filters=filters.describe(cat),
        scope=signin.current_scope().label,
        thresholds=settings.thresholds,
        contact=settings.contact,
        district_names=cat.district_names,
        office_names=cat.office_names,
    )


def page_workbook() -> PageWorkbook | None:
    """This run's workbook; None for a page run without the frame."""
    return st.session_state.get(PAGE_WORKBOOK)


def styled(
    frame: pl.DataFrame,
    uuid: str | None = None,
    blank: dict[str, list[int]] | None = None,
) -> object:
    """A pandas Styler: numbers stay numbers (so columns sort), every figure written in its
    kind's one style (jcp.web.formats) and hidden cells as [c].

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
    blank: dict[str, list[int]] | None = None,
) -> None:
    # Names beside codes and labels for enumerated values: what people read. Built here, once
    # per figure, as the drawn element is replayed on every rerun after.
    frame = with_value_labels(named(frame))
    if frame.height <= STYLED_ROWS or blank or any_suppressed(frame):
        # A pandas Styler writes every figure in its kind's one style, [c] into hidden cells
        # (it is slow for long lists, the overdue worklist, which have
        # no hidden cells and are formatted by column instead.
        shown: object = styled(frame, uuid=key, blank=blank)
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
def _draw_chart(
    build: Callable[..., alt.Chart],
    frame: pl.DataFrame,
    options: tuple,
    description: tuple[str, ...] = (),
) -> None:
    # Bars are named: the builders label a district or office by the name put beside its code.
    built = build(named(frame), *options)
    if charts.draws_nothing(built):
        # Every figure hidden or missing (a team leader's one office, [c]): words, not an empty
        # frame that a screen reader would announce as an unnamed image.
        st.info(NOTHING_DRAWN_MESSAGE)
        return
    # A builder that draws only part of a long list says so in the chart's description: shown
    # as its caption. The page's sentences go before it in the description only (they are on
    # the page already, above the chart).
    note = built.description if isinstance(built.description, str) else None
    st.altair_chart(charts.readable(charts.described(built, description)), width="stretch")
    if note:
        st.caption(note)


def table(
    frame: pl.DataFrame,
    title: str,
    key: str,
    column_config: dict | None = None,
    max_rows: int | None = None,
    blank: dict[str, list[int]] | None = None,
) -> None:
    """A table with its CSV download (of exactly the columns shown, and every row).

    `blank` leaves cells empty on screen (see styled()).

    `max_rows` shows only the first rows of a long list (a national worklist runs to tens of
    thousands, which no one reads on screen and every rerun would send to the browser); the
    caption says so and the download still has them all.
    """
    complete = frame
    if max_rows is not None and frame.height > max_rows:
        frame = frame.head(max_rows)
    # By keyword: see run().
    _draw_table(frame=frame, key=key, column_config=column_config, blank=blank)
    if complete.height > frame.height:
        st.caption(
            f"Showing the first {frame.height:,} of {complete.height:,} rows; "
            "the CSV download has them all."
        )
    if SUPPRESSED in complete.columns:  # a statistic (operational lists are exact)
        st.caption(suppression_note())
    download(complete, title, key)


def chart(
    build: Callable[..., alt.Chart],
    frame: pl.DataFrame,
    *options: object,
    title: str,
    key: str,
    description: Sequence[str] = (),
) -> None:
    """The Altair chart `build(frame, *options)`, with a CSV download of the figures it draws.

    The page names the builder rather than passing a built chart, so that a rerun with the
    same figures need not build it (see _draw_chart). `description`: the page's sentences
    (results.summary), the chart's accessible description (charts.described).
    """
    _draw_chart(build=build, frame=frame, options=options, description=tuple(description))
    if any_suppressed(frame):
        st.caption("Values hidden to protect individuals ([c]) are not plotted.")
    download(frame, title, key)


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
    build: Callable[..., alt.Chart],
    trend: pl.DataFrame,
    *options: object,
    title: str,
    key: str,
    description: Sequence[str] = (),
) -> bool:
    """A trend_frame drawn as chart() draws it, or why it has no point: no activity, or every
    point hidden ([c]). True when drawn."""
    message = nothing_to_plot(trend, "value")
    if message is not None:
        st.info(message)
        return False
    chart(build, trend, *options, title=title, key=key, description=description)
    return True


def summary(sentences: Sequence[str]) -> None:
    """The page's opening sentences (results.summary), as plain text: they name offices and
    districts as the extract spells them, which must not be read as Markdown."""
    if sentences:
        st.markdown(plain_text(" ".join(sentences)))


def compare_by(key: str) -> tuple[str, str]:
    """The page's "Compare by" choice, and the key column its grouping returns."""
    by = st.radio(
        "Compare by", ["district", "office"], horizontal=True, key=key, format_func=str.capitalize
    )
    return by, "office_code" if by == "office" else "district_code"


# The case-mix adjustment in one sentence, beside its toggle (issue 18 s.1).
CASE_MIX_METHOD = (
    "Adjusted for case mix, each unit is set against what its own mix of claims (benefit, "
    "claimant group and age band) would give at the national rate of each mix (indirect "
    "standardisation): its adjusted rate is observed ÷ expected × the national rate."
)


def verdict_table(frame: pl.DataFrame, rate: specs.Column) -> pl.DataFrame:
    """Runner.compare's frame for the table beside the funnel: each unit's verdict in symbol and
    words, worst first (worse at 99.8%, worse at 95%, then outside limits either way, then as
    expected, then units too small to place), and within a verdict the furthest from the
    target first (in 95% half-widths, so sizes are comparable). The observed count, population
    and rate take the measure's own column names, so they are labelled and written as on the
    rest of the page. Presentation only: every figure is the comparison's own."""
    better = rate.better
    names = {
        "observed": rate.numerator,
        "population": rate.denominator,
        "rate": rate.name,
        "adjusted_rate": rate.name + specs.ADJUSTED_SUFFIX,
    }
    concern = pl.col("verdict").replace_strict(
        {v: comparison.concern(v, better) for v in comparison.VERDICTS},
        default=-1,
        return_dtype=pl.Int64,
    )
    # How far from expected, in 95% half-widths: on the rate scale, or (adjusted for case mix)
    # on the ratio scale, where the limits are around 1.
    if "adjusted_rate" in frame.columns:
        distance = (pl.col("ratio") - 1).abs() / (pl.col("upper_95") - 1)
    else:
        distance = (pl.col("rate") - pl.col("target")).abs() / (
            pl.col("upper_95") - pl.col("target")
        )
    distance = distance.fill_nan(None)
    return (
        frame.with_columns(
            verdict_labels(pl.col("verdict"), better).alias("verdict_label"),
            concern.alias("_concern"),
            distance.alias("_distance"),
        )
        .sort(["_concern", "_distance"], descending=True, nulls_last=True)
        .drop("_concern", "_distance")
        .with_columns(
            pl.col(SUPPRESSED).cast(pl.List(pl.String)).list.eval(pl.element().replace(names)),
        )
        .rename(names, strict=False)
    )


def funnel_sentence(frame: pl.DataFrame, unit: str, rate: specs.Column) -> str:
    """The funnel in one sentence, its text alternative beside the table: how many units fall
    under each verdict ("Of 8 offices placed, 6 are as expected, 1 is lower than expected
    (95%), worse, ..."), and how many are too small to place."""
    placed = frame["verdict"].drop_nulls()
    plural = f"{unit}s"
    if placed.len() == 0:
        return f"No {unit} has enough people behind its {rate.label.lower()} to place."
    counts = placed.value_counts()
    found = dict(zip(counts["verdict"], counts["count"], strict=True))
    parts = [
        f"{found[v]} {'is' if found[v] == 1 else 'are'} {comparison.verdict_text(v, rate.better)}"
        for v in comparison.VERDICTS
        if v in found
    ]
    unplaced = frame.height - placed.len()
    text = f"{rate.label} compared with the national rate: of {placed.len()} {plural} placed, "
    text += "; ".join(parts) + "."
    if unplaced:
        text += f" {unplaced} too small to place."
    return text


def funnel_caption(
    frame: pl.DataFrame, unit: str, overdispersion: bool, minimum: int, adjusted: bool = False
) -> str:
    """What the funnel compares with, how wide its limits are and why (phi), in words."""
    plural = "offices" if unit == "office" else "districts"
    a_unit = "An office" if unit == "office" else "A district"
    target = frame["target"].drop_nulls()
    parts = []
    if target.len():
        parts.append(
            f"Each {unit} is set against the national rate, {format_value(target[0], 'rate')}, "
            "for the same period and filters; the line across the chart."
        )
    if adjusted:
        parts.append(
            f"Allowing for case mix, each {unit} is drawn at the events its own mix would give "
            "at national rates (expected, across) and its adjusted rate (up); the curves are "
            "drawn for a typical mix, so a point near one is judged by its own limits (its "
            "shape and the table)."
        )
    parts.append(
        f"{a_unit} outside the dashed lines (95% limits) would be there by chance about 1 time "
        "in 20 for its size; outside the dotted lines (99.8%), about 1 time in 500. "
        "▲ higher than expected, ▼ lower, ● as expected (▲▲ and ▼▼: beyond 99.8%)."
    )
    phis = frame["phi"].drop_nulls()
    if not overdispersion:
        parts.append("The limits are not widened for over-dispersion (turned off).")
    elif phis.len() == 0:
        parts.append("Over-dispersion could not be estimated, so the limits are not widened.")
    elif phis[0] > 1:
        parts.append(
            f"Over-dispersion φ = {phis[0]:.2f}: {plural} nationally vary more than chance "
            f"alone makes them, so every limit is widened by √φ = {phis[0] ** 0.5:.2f}."
        )
    else:
        parts.append(
            f"Over-dispersion φ = {phis[0]:.2f}: {plural} nationally vary no more than chance "
            "allows, so the limits are not widened."
        )
    parts.append(f"{a_unit} with a population under {minimum} is too small to place.")
    return " ".join(parts)


def funnel_section(filters: Filters, measure: str, unit: str, key: str) -> None:
    """The funnel plot of a comparable rate of `measure` with its verdicts table beside it: the
    districts or offices (`unit`, the page's "Compare by") in the user's scope against the
    national rate. The user picks the rate when the measure has several.
    """
    columns = specs.comparable_columns(measure)
    if not columns:
        raise ValueError(f"{measure} has no comparable rate")  # a page calling it wrongly
    column = (
        st.selectbox("Rate to compare", columns, format_func=label, key=f"{key}_rate")
        if len(columns) > 1
        else columns[0]
    )
    spec = specs.spec(measure)
    rate = spec.columns[column]
    st.markdown(f"**{rate.label}: {unit}s against the national rate**")
    adjusted = False
    if spec.case_mix:
        adjusted = st.toggle(
            "Adjust for case mix",
            value=data.settings().case_mix,
            key=f"{key}_adjusted",
            help=CASE_MIX_METHOD,
        )
        st.caption(CASE_MIX_METHOD)
    try:
        frame = results.compare(filters, measure, column, unit, adjusted=adjusted)
    except RequestError as exc:
        st.info(plain_text(str(exc)))
        return
    if frame.height == 0:
        empty_state()
        return
    group = "office_code" if unit == "office" else "district_code"
    chosen = filters.chosen(data.catalogue(), group)
    ordered = verdict_table(frame, rate)
    left, right = st.columns(2)
    with left:
        _draw_chart(
            build=charts.funnel,
            frame=frame,
            options=(
                f"{rate.label}, adjusted for case mix" if adjusted else rate.label,
                "Funnel plot",
                group,
                rate.better,
                chosen,
                f"Expected {label(rate.numerator or '').lower()}, for the case mix"
                if adjusted
                else label(rate.denominator or ""),
                adjusted,
                rate.scale,
            ),
            description=(funnel_sentence(frame, unit, rate),),
        )
    # On screen the name, the rate compared (adjusted, when it is) and the verdict, to fit
    # beside the chart; the district's name only where offices of several are listed. The
    # download has every figure and limit.
    shown = [column + specs.ADJUSTED_SUFFIX if adjusted else column, "verdict_label"]
    shown.append("office_name" if unit == "office" else "district_name")
    if unit == "office" and frame["district_code"].n_unique() > 1:
        shown.append("district_name")
    with right:
        table(
            ordered,
            f"{rate.label} compared",
            f"{key}_table",
            column_config={"verdict_label": "Verdict"}
            | {
                name: None
                for name in [*ordered.columns, "district_name", "office_name"]
                if name not in shown
            },
        )
    st.caption(
        funnel_caption(
            frame,
            unit,
            data.settings().overdispersion,
            data.settings().thresholds.min_denominator,
            adjusted,
        )
    )
