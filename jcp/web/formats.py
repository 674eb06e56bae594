"""How figures are written: one style per kind of column, for tiles, tables, charts and exports.

A column's kind comes from its measure's spec (jcp.measures.specs). District and office names and
labels of enumerated values are put beside the codes here too, so every page shows the same
words for the same things.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

import polars as pl

from jcp.extract import contract
from jcp.measures import comparison, specs
from jcp.output import plain_text
from jcp.web.pages import ABOUT_URL_PATH

MISSING = "–"  # no figure: no population to work one out over

# Tables (Streamlit's NumberColumn, printf-style or a preset): for long lists with no hidden
# cells. Tables with hidden cells are styled cell by cell with format_value instead.
TABLE_FORMATS = {
    "count": "localized",
    "rate": "percent",
    "change": "%+.1f",
    "mean": "%.1f",
    "money": "localized",
    "days": "localized",
}
# Charts (d3-format). d3 has no pound sign (only a locale's currency, "$" by default), so money
# is a plain number and its title says "(£)"; an invalid format makes Vega draw nothing.
AXIS_FORMATS = {
    "count": ",.0f",
    "rate": ".1%",
    "change": "+.1f",
    "mean": ",.1f",
    "money": ",.0f",
    "days": ",.1f",
}
# What an empty cell of these columns means, where it is not "no figure": a claim with no work
# coach (coach_caseloads' Unassigned row, the worklist's claims with none). Pages only: exports
# keep the empty cell, which no coach's reference can be, as any text could.
MISSING_LABELS = {"work_coach_ref": "Unassigned"}
# Names put beside codes: the catalogue report's columns, labelled in queries/catalogue.toml.
NAME_COLUMNS = {"district_code": "district_name", "office_code": "office_name"}


def format_value(value: object, kind: str) -> str:
    """A figure as a page writes it in a tile or a table cell."""
    if value is None:
        return MISSING
    if isinstance(value, str):
        return value  # already a marker such as "[c]", or text
    if kind in ("key", "text", "date"):
        return str(value)
    number = float(value) if isinstance(value, Decimal) else value
    if kind == "count":
        return f"{number:,.0f}"
    if kind == "rate":
        return f"{number:.1%}"
    if kind == "change":
        return f"{number:+.1f}"  # published to one place (jcp.measures.disclosure, Gated)
    if kind == "mean":
        return f"{number:,.1f}"
    if kind == "money":
        return f"£{number:,.0f}"  # published to the nearest £10
    if kind == "days":
        return f"{number:,.0f} days" if float(number).is_integer() else f"{number:,.1f} days"
    raise ValueError(f"unknown kind {kind!r}")


def format_change(current: object, previous: object, kind: str) -> str | None:
    """The change shown under a tile, in the tile's own units (rates in points)."""
    if current is None or previous is None or isinstance(current, str) or isinstance(previous, str):
        return None
    diff = float(current) - float(previous)
    if kind == "rate":
        return f"{diff * 100:+.1f} pts"
    if kind == "money":
        return f"{'+' if diff >= 0 else '-'}£{abs(diff):,.0f}"
    if kind == "count":
        return f"{diff:+,.0f}"
    return f"{diff:+.1f}"


def rate_text(column: str) -> pl.Expr:
    """A rate column written as format_value writes a rate ("12.3%"), as a polars expression.

    Tables format whole columns this way rather than with a Python function per row
    (`map_elements`): polars runs such a function on its thread pool, where it waits for the
    interpreter lock; with many sessions at once that deadlocked the server.
    """
    return pl.format("{}%", (pl.col(column) * 100).round(1))


def label(column: str) -> str:
    """A column's header, from the catalogue (sentence case)."""
    return specs.column_label(column)


def kind(column: str) -> str:
    return specs.column_kind(column)


def with_names(
    frame: pl.DataFrame, district_names: dict[str, str], office_names: dict[str, str]
) -> pl.DataFrame:
    """The frame with each district and office code's name just before it (exports keep both)."""
    names = {"district_code": district_names, "office_code": office_names}
    columns: list[pl.Expr] = []
    for name in frame.columns:
        if name in NAME_COLUMNS and NAME_COLUMNS[name] not in frame.columns:
            columns.append(
                pl.col(name)
                .replace_strict(names[name], default=pl.col(name), return_dtype=pl.String)
                .alias(NAME_COLUMNS[name])
            )
        columns.append(pl.col(name))
    return frame.select(columns)


def with_value_labels(frame: pl.DataFrame) -> pl.DataFrame:
    """Enumerated values as people read them ("Life event" for life_event), and an empty coach
    as "Unassigned", for pages only: CSV exports keep the contract's codes and empty cells."""
    labelled = [
        pl.col(name).fill_null(pl.lit(text))
        for name, text in MISSING_LABELS.items()
        if name in frame.columns and frame.schema[name] == pl.String
    ]
    for name in frame.columns:
        values = specs.column_values(name)
        if values is not None and frame.schema[name] == pl.String:
            mapping = contract.VALUE_LABELS[values]
            labelled.append(
                pl.col(name).replace_strict(mapping, default=pl.col(name), return_dtype=pl.String)
            )
    return frame.with_columns(labelled) if labelled else frame


def value_label(values: str, code: str) -> str:
    """One enumerated value's label (for pickers)."""
    return contract.VALUE_LABELS[values].get(code, code)


def help_text(column: str, measure: str | None = None) -> str:
    """A column's meaning from its spec, for a tile's or header's hover help: from `measure`'s
    own spec when given (a name shared by two measures, such as live_claims, is described in
    words fitting each), else from the column's first declaration."""
    if measure is not None and column in specs.spec(measure).columns:
        return specs.spec(measure).columns[column].help
    return specs.column_help(column)


def about_anchor(measure: str) -> str:
    """The anchor of a measure's entry on "About these figures": its name, which the catalogue
    keeps stable (a file name in queries/), so a link to it keeps working."""
    return measure


def about_link(measure: str, query: dict[str, list[str]]) -> str:
    """A Markdown link to the measure's entry on "About these figures", with the filters'
    query (Filters.to_query) of the page it is on.

    Relative ("about?from=...#deferrals", no leading slash): every page's path is one segment
    below the app's root, so the browser resolves it beside the current page, also when the app
    is served below a path of its own (server.baseUrlPath), where "/about" would not. The query
    is the one the sidebar writes: a page opened with other query parameters has them rewritten
    by the sidebar, and Streamlit's rewrite drops the #anchor before the heading is drawn, so the
    page would not scroll to it. Streamlit opens the link in a new tab, keeping the reader's page.
    """
    return (
        f"[About these figures]({ABOUT_URL_PATH}?{urlencode(query, doseq=True)}"
        f"#{about_anchor(measure)})"
    )


def help_markdown(text: str, measure: str, query: dict[str, list[str]]) -> str:
    """A figure's hover help as the Markdown a tile's help= takes: `text` shown as written (it
    may quote names from the extract), then the link to the measure's entry on the About page."""
    link = about_link(measure, query)
    return f"{plain_text(text)}\n\n{link}" if text else link


def declaring_measure(column: str) -> str:
    """The measure whose spec declares `column` first: the one a column's help describes."""
    return next(name for name, spec in specs.catalogue().items() if column in spec.columns)


def verdict_labels(verdicts: pl.Expr, better: str | None) -> pl.Expr:
    """Each verdict as a person reads it, symbol and words ("▼ lower than expected (95%),
    worse"); empty for a unit with none. An expression, not a Python call per row."""
    return verdicts.replace_strict(
        {v: comparison.verdict_label(v, better) for v in comparison.VERDICTS},
        default="",
        return_dtype=pl.String,
    )
