"""Spreadsheets to the government standard: a workbook of tables written as ODS and as XLSX.

The layout follows the Analysis Function's "Releasing statistics in spreadsheets": a cover
sheet (what, when, which period and filters, whose scope, how the figures are made and
protected, who to ask), a contents sheet, a notes sheet, then one table per sheet with its
title in cell A1, a line saying what the sheet holds, the shorthand it uses, its source, a
header row with units and the rows below with no blank row and no merged cell. Numbers are
stored as numbers with a number format for their kind (jcp.measures.specs), dates as dates.
A hidden cell is the text [c] and an empty one [z], each explained on the sheet and in a note
the table's title refers to ("[note 1]").

XLSX is written by the Analysis Function's own `gptables`. It writes nothing else, so ODS (the
open format GOV.UK asks for) is written here with `odfpy`, cell for cell the same sheets, from
the same layout (`_layout`), so the two files cannot drift apart.

Both are reproducible: the same workbook and the same `created` time give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import re
import threading
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import polars as pl

from jcp.measures import specs
from jcp.measures.disclosure import MARKER, SUPPRESSED, Thresholds, suppression_note
from jcp.output import neutralise_formulas

FORMATS = ("ods", "xlsx")
Format = Literal["ods", "xlsx"]
MEDIA_TYPES = {
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# The Analysis Function's shorthand: [c] confidential; [z] not applicable (no figure).
EMPTY = "[z]"
# Excel number formats by kind of column (ODS styles are made to match in _ods_number_style).
NUMBER_FORMATS = {
    "count": "#,##0",
    "rate": "0.0%",
    "change": "+0.0;-0.0;0.0",
    "mean": "#,##0.0",
    "money": "£#,##0.00",
    "days": "#,##0.0",
}
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
# Units in the header, where the label does not say them already.
UNITS = {"rate": "%", "money": "£", "days": "days"}
# Characters XML 1.0 cannot hold (both formats are XML inside a zip): written as U+FFFD.
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

COVER_SHEET, CONTENTS_SHEET, NOTES_SHEET = "Cover", "Contents", "Notes"
TABLE_INSTRUCTIONS = (
    "This worksheet contains one table. Some cells may refer to notes, which can be found on "
    "the notes worksheet."
)
ONE_TABLE = "This worksheet contains one table."
NO_ROWS = "No rows for these filters."
METHOD = (
    "Each table is a measure, list or report of the dashboard's catalogue, computed from the "
    "extract by its SQL (queries/NAME.sql in the dashboard's code) and defined in "
    "docs/measures.md: the same figures as the dashboard's pages and the `python -m jcp "
    "measure` command."
)
EXACT_NOTE = (
    "Operational list: not a statistic. Its figures are exact, with no disclosure control, "
    "and are for work within the user's own offices; do not publish them."
)
EMPTY_NOTE = (
    "[z]: not applicable, no figure: a rate, mean or median of no one (a population of 0), "
    "or nothing recorded (such as a claim with no work coach)."
)
NO_CONTACT = "No contact is set ([app] contact in jcp.toml)."


@dataclass(frozen=True)
class SheetTable:
    """One table: its title and the frame as the runner (or a page) gave it, names beside codes.

    A frame with the runner's `suppressed` column is a statistic (its hidden cells become [c]);
    one without is an operational list or a report, exact by nature.
    """

    title: str
    frame: pl.DataFrame

    @property
    def statistic(self) -> bool:
        return SUPPRESSED in self.frame.columns


@dataclass(frozen=True)
class Workbook:
    """Everything a workbook says: the cover's facts and the tables, in order."""

    title: str
    extract_date: dt.date
    period: str  # "2025-11 to 2026-10"
    filters: str  # Filters.describe(): one line
    scope: str  # whose figures: "national", a district manager's districts, ...
    thresholds: Thresholds
    contact: str | None
    tables: tuple[SheetTable, ...]


# The layout both writers write --------------------------------------------------------------


@dataclass(frozen=True)
class _Sheet:
    """A table sheet as written: A1 title (note references at its end), the lines under it, the
    header row and the data rows (numbers, dates and text), and each column's kind."""

    name: str
    title: str  # without note references
    notes: tuple[str, ...]  # note keys the title refers to, in order
    lines: tuple[str, ...]  # instructions, shorthand, source
    header: tuple[str, ...]
    kinds: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]


@dataclass(frozen=True)
class _Layout:
    title: str
    cover: tuple[tuple[str, tuple[str, ...]], ...]  # (heading, lines) after the title
    sheets: tuple[_Sheet, ...]
    notes: tuple[tuple[str, str], ...]  # (key, text) in the order first referred to


def xml_safe(text: str) -> str:
    return NOT_XML.sub("\ufffd", text)


def header_label(name: str, kind: str) -> str:
    """A column's header: its label, with its unit where the label does not give it."""
    label = specs.column_label(name)
    unit = UNITS.get(kind)
    if unit is None or unit in label.lower() or f"per {100:d}" in label:
        return label
    return f"{label} ({unit})"


def table_cells(
    frame: pl.DataFrame,
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[object, ...], ...]]:
    """Header labels, column kinds and rows of a frame as a spreadsheet holds them.

    Hidden cells (named in the row's `suppressed` list) are [c] and empty ones [z], as text;
    numbers are int or float, dates dates, text as text that never starts a formula
    (jcp.output.neutralise_formulas), without characters XML cannot hold.
    """
    hidden = frame[SUPPRESSED].to_list() if SUPPRESSED in frame.columns else [None] * frame.height
    shown = neutralise_formulas(frame.drop(SUPPRESSED, strict=False))
    kinds = tuple(specs.column_kind(name) for name in shown.columns)
    header: list[str] = []
    for name, kind in zip(shown.columns, kinds, strict=True):
        label = header_label(name, kind)
        # Two columns labelled alike (a page's own column beside a declared one) would make
        # headers no one can tell apart, which an Excel table refuses: the name tells them.
        header.append(f"{label} ({name})" if label in header else label)
    rows = []
    # Per cell in Python: a workbook is built when someone asks for one (a click, a command),
    # never in a page's rerun.
    for values, cells in zip(shown.iter_rows(), hidden, strict=True):
        hidden_here = set(cells or ())
        rows.append(
            tuple(
                MARKER if name in hidden_here else _cell(value)
                for name, value in zip(shown.columns, values, strict=True)
            )
        )
    return tuple(header), kinds, tuple(rows)


def _cell(value: object) -> object:
    if value is None:
        return EMPTY
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else EMPTY
    if isinstance(value, int | dt.date):  # a datetime is a date too
        return value
    return xml_safe(str(value))


def _cover(workbook: Workbook) -> tuple[tuple[str, tuple[str, ...]], ...]:
    statistics = any(t.statistic for t in workbook.tables)
    lists = any(not t.statistic for t in workbook.tables)
    about = []
    if statistics:
        about.append(f"Disclosure control: {suppression_note(workbook.thresholds)}")
    if lists:
        about.append(EXACT_NOTE)
    about += [
        f"How the figures are made: {METHOD}",
        "The notes worksheet explains the shorthand: [c] for a figure hidden to protect "
        "individuals, [z] for no figure.",
    ]
    intro = (
        f"Data as at {workbook.extract_date:%Y-%m-%d} (the date of the extract).",
        f"Period: {workbook.period}.",
        f"Filters: {workbook.filters}.",
        f"Scope: {workbook.scope}.",
        f"Tables: {len(workbook.tables)}, one a sheet; the contents worksheet lists them.",
    )
    return (
        ("Introductory information", tuple(xml_safe(line) for line in intro)),
        ("About these data", tuple(about)),
        ("Contact", (xml_safe(workbook.contact or NO_CONTACT),)),
    )


def _layout(workbook: Workbook) -> _Layout:
    note_texts = {
        "disclosure": suppression_note(workbook.thresholds),
        "exact": EXACT_NOTE,
        "empty": EMPTY_NOTE,
    }
    sheets = []
    referred: list[str] = []
    source = xml_safe(
        f"Source: Jobcentre Plus extract, data as at {workbook.extract_date:%Y-%m-%d}; "
        f"{workbook.filters}."
    )
    for number, table in enumerate(workbook.tables, start=1):
        if table.frame.height == 0:
            # gptables (rightly) refuses a table with no cells; the header alone would read as
            # a broken table, so the sheet says there are no rows.
            header, kinds, rows = ("Result",), ("text",), ((NO_ROWS,),)
        else:
            header, kinds, rows = table_cells(table.frame)
        cells = {cell for row in rows for cell in row if isinstance(cell, str)}
        notes = ["disclosure" if table.statistic else "exact"]
        lines = [TABLE_INSTRUCTIONS]
        if MARKER in cells:
            lines.append(f"{MARKER}: confidential, too few people to show; see the notes.")
        if EMPTY in cells:
            notes.append("empty")
            lines.append(f"{EMPTY}: not applicable, no figure; see the notes.")
        lines.append(source)
        referred += [key for key in notes if key not in referred]
        sheets.append(
            _Sheet(
                name=f"Table_{number}",
                title=xml_safe(table.title),
                notes=tuple(notes),
                lines=tuple(lines),
                header=header,
                kinds=kinds,
                rows=rows,
            )
        )
    return _Layout(
        title=xml_safe(workbook.title),
        cover=_cover(workbook),
        sheets=tuple(sheets),
        notes=tuple((key, note_texts[key]) for key in referred),
    )


def note_numbers(layout: _Layout) -> dict[str, int]:
    """Notes are numbered in the order the tables first refer to them (as gptables numbers)."""
    return {key: number for number, (key, _) in enumerate(layout.notes, start=1)}


def titled(sheet: _Sheet, numbers: dict[str, int]) -> str:
    """The title as written in A1: gptables puts each reference at the end, "[note N]"."""
    return f"{sheet.title} " + "".join(f"[note {numbers[key]}]" for key in sheet.notes)


def contents_rows(layout: _Layout) -> list[tuple[str, str]]:
    """The contents sheet's rows: each sheet and its title, with the space gptables leaves where
    it took the note references out."""
    return [(sheet.name, sheet.title + " ") for sheet in layout.sheets]


class SpreadsheetError(ValueError):
    """A workbook cannot be written as asked; the message is one line for the user."""


def creation_time() -> dt.datetime:
    """When a workbook is made: now, or $SOURCE_DATE_EPOCH (seconds since 1970, UTC) when set,
    the reproducible-builds convention for pinning the one time a build would otherwise write."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        return dt.datetime.now()
    try:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).replace(tzinfo=None)
    except (ValueError, OverflowError, OSError):
        raise SpreadsheetError(
            f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of seconds since 1970"
        ) from None


def _created(created: dt.datetime | None) -> dt.datetime:
    # Naive time: XlsxWriter writes the time it is given as UTC and refuses one with a time
    # zone; ODS meta holds a time without a zone.
    when = created or creation_time()
    return when.replace(tzinfo=None, microsecond=0)


# XLSX: gptables ---------------------------------------------------------------------------


def xlsx_bytes(workbook: Workbook, created: dt.datetime | None = None) -> bytes:
    """The workbook as XLSX, written by gptables: an Excel table per sheet, notes and contents."""
    import warnings

    import gptables
    import pandas as pd
    from gptables.core.gptable import FormatList

    layout = _layout(workbook)

    def text(value: str) -> FormatList:
        # gptables reads "[text](url)" in any text as a link, "$$key$$" as a note reference
        # and refuses a cell of symbols only: rules for text it is given by its author, not for
        # data. Text handed over as a FormatList (its own rich-text value) is written as it is.
        return FormatList([{}, value])

    sheets = {}
    for sheet in layout.sheets:
        table = pd.DataFrame(
            [[text(c) if isinstance(c, str) else c for c in row] for row in sheet.rows],
            columns=list(sheet.header),
            dtype=object,
        )
        formats = []
        for index, kind in enumerate(sheet.kinds):
            values = [row[index] for row in sheet.rows]
            number_format = NUMBER_FORMATS.get(kind)
            if any(isinstance(v, dt.datetime) for v in values):
                number_format = DATETIME_FORMAT
            elif any(isinstance(v, dt.date) for v in values):
                number_format = DATE_FORMAT
            if number_format:
                formats.append(
                    {
                        "column": {
                            "columns": [index],
                            "format": {"num_format": number_format},
                            "include_names": False,
                        }
                    }
                )
        sheets[sheet.name] = gptables.GPTable(
            table=table,
            table_name=sheet.name.lower(),
            title=[{}, sheet.title + " " + "".join(f"$${key}$$" for key in sheet.notes)],
            instructions=sheet.lines[0],
            legend=[[{}, line] for line in sheet.lines[1:-1]],
            source=[{}, sheet.lines[-1]],
            index_columns={},
            additional_formatting=formats,
        )
    cover = gptables.Cover(
        title=layout.title,
        intro=[[{}, line] for line in layout.cover[0][1]],
        about=[[{}, line] for line in layout.cover[1][1]],
        contact=[[{}, line] for line in layout.cover[2][1]],
        cover_label=COVER_SHEET,
    )
    notes = pd.DataFrame(
        [(key, text(note)) for key, note in layout.notes], columns=["Note reference", "Note text"]
    )
    output = io.BytesIO()
    with warnings.catch_warnings():
        # gptables warns of each table with an empty cell (there are none: [z] instead), and
        # pandas of how gptables puts its header row above a column of numbers (kept as
        # numbers): nothing for the user of the workbook.
        warnings.filterwarnings("ignore", module=r"gptables\.")
        book = gptables.produce_workbook(
            output,
            sheets,
            cover=cover,
            contentsheet_label=CONTENTS_SHEET,
            notes_table=notes,
            notesheet_label=NOTES_SHEET,
            workbook_options={
                "in_memory": True,
                # Text is text: never a formula, a link or a number read from it.
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
    # XlsxWriter dates every zip member 1980-01-01; the one date inside is the document's.
    book.set_properties({"title": layout.title, "created": _created(created)})
    book.close()
    return output.getvalue()


# ODS: odfpy -------------------------------------------------------------------------------


class _OdsStyles:
    """The few cell and column styles the sheets use, made once per document."""

    def __init__(self, document) -> None:
        from odf import number
        from odf.style import (
            Map,
            ParagraphProperties,
            Style,
            TableCellProperties,
            TableColumnProperties,
            TextProperties,
        )

        self.document = document
        # Number styles are common styles (styles.xml): odfpy writes only the automatic styles
        # a cell names, and would drop the "+" style that the change style maps to.
        styles = document.styles
        self.columns: dict[str, Style] = {}
        self._column_properties = TableColumnProperties
        self._style = Style

        def cell(name: str, data_style: str | None = None, **text: str) -> Style:
            style = Style(name=name, family="table-cell")
            if data_style:
                style.setAttribute("datastylename", data_style)
            if text:
                style.addElement(TextProperties(**text))
            style.addElement(TableCellProperties(wrapoption="wrap", verticalalign="top"))
            document.automaticstyles.addElement(style)
            return style

        def numbers(style, decimals: int, grouping: bool = True, prefix: str = "") -> None:
            if prefix:
                style.addElement(number.Text(text=prefix))
            style.addElement(
                number.Number(
                    decimalplaces=str(decimals),
                    minintegerdigits="1",
                    grouping="true" if grouping else "false",
                )
            )
            styles.addElement(style)

        numbers(number.NumberStyle(name="N_count"), 0)
        numbers(number.NumberStyle(name="N_one"), 1)
        rate = number.PercentageStyle(name="N_rate")
        rate.addElement(number.Number(decimalplaces="1", minintegerdigits="1"))
        rate.addElement(number.Text(text="%"))
        styles.addElement(rate)
        money = number.CurrencyStyle(name="N_money")
        money.addElement(number.CurrencySymbol(language="en", country="GB", text="£"))
        money.addElement(number.Number(decimalplaces="2", minintegerdigits="1", grouping="true"))
        styles.addElement(money)
        numbers(number.NumberStyle(name="N_change_up"), 1, False, "+")
        change = number.NumberStyle(name="N_change")
        change.addElement(number.Number(decimalplaces="1", minintegerdigits="1"))
        change.addElement(Map(condition="value()>0", applystylename="N_change_up"))
        styles.addElement(change)
        date = number.DateStyle(name="N_date")
        for part in (
            number.Year(style="long"),
            number.Text(text="-"),
            number.Month(style="long"),
            number.Text(text="-"),
            number.Day(style="long"),
        ):
            date.addElement(part)
        styles.addElement(date)
        stamp = number.DateStyle(name="N_datetime")
        for part in (
            number.Year(style="long"),
            number.Text(text="-"),
            number.Month(style="long"),
            number.Text(text="-"),
            number.Day(style="long"),
            number.Text(text=" "),
            number.Hours(style="long"),
            number.Text(text=":"),
            number.Minutes(style="long"),
        ):
            stamp.addElement(part)
        styles.addElement(stamp)

        self.text = cell("C_text")
        self.title = cell("C_title", fontsize="16pt", fontweight="bold")
        self.subtitle = cell("C_subtitle", fontsize="14pt", fontweight="bold")
        self.heading = cell("C_heading", fontweight="bold")
        self.heading.addElement(ParagraphProperties(textalign="start"))
        self.by_kind = {
            "count": cell("C_count", "N_count"),
            "rate": cell("C_rate", "N_rate"),
            "change": cell("C_change", "N_change"),
            "mean": cell("C_mean", "N_one"),
            "money": cell("C_money", "N_money"),
            "days": cell("C_days", "N_one"),
        }
        self.number = cell("C_number")
        self.date = cell("C_date", "N_date")
        self.datetime = cell("C_datetime", "N_datetime")

    def column(self, width_cm: float):
        name = f"W_{width_cm:.1f}".replace(".", "_")
        if name not in self.columns:
            style = self._style(name=name, family="table-column")
            style.addElement(self._column_properties(columnwidth=f"{width_cm:.1f}cm"))
            self.document.automaticstyles.addElement(style)
            self.columns[name] = style
        return self.columns[name]


def _ods_text_cell(text: str, style, link: str | None = None):
    from odf import teletype
    from odf.table import TableCell
    from odf.text import A, P

    cell = TableCell(valuetype="string", stylename=style)
    paragraph = P()
    if link is None:
        teletype.addTextToElement(paragraph, text)
    else:
        anchor = A(href=link, type="simple")
        teletype.addTextToElement(anchor, text)
        paragraph.addElement(anchor)
    cell.addElement(paragraph)
    return cell


def _shown(value: float | int, kind: str) -> str:
    """The text a number shows, as its number style writes it (readers that do not apply the
    style, and search, see the same)."""
    if kind == "count":
        return f"{value:,.0f}"
    if kind == "rate":
        return f"{value:.1%}"
    if kind == "change":
        return f"{value:+.1f}" if value > 0 else f"{value:.1f}"
    if kind in ("mean", "days"):
        return f"{value:,.1f}"
    if kind == "money":
        return f"£{value:,.2f}" if value >= 0 else f"-£{-value:,.2f}"
    return str(value)


def _ods_value_cell(value: object, kind: str, styles: _OdsStyles):
    from odf import teletype
    from odf.table import TableCell
    from odf.text import P

    if isinstance(value, str):
        return _ods_text_cell(value, styles.text)
    if isinstance(value, dt.datetime):
        cell = TableCell(valuetype="date", datevalue=value.isoformat(), stylename=styles.datetime)
        shown = f"{value:%Y-%m-%d %H:%M}"
    elif isinstance(value, dt.date):
        cell = TableCell(valuetype="date", datevalue=value.isoformat(), stylename=styles.date)
        shown = value.isoformat()
    else:
        # repr: the shortest text that reads back as the same float.
        number = repr(float(value)) if isinstance(value, float) else str(value)
        style = styles.by_kind.get(kind, styles.number)
        if kind == "rate":
            cell = TableCell(valuetype="percentage", value=number, stylename=style)
        elif kind == "money":
            cell = TableCell(valuetype="currency", currency="GBP", value=number, stylename=style)
        else:
            cell = TableCell(valuetype="float", value=number, stylename=style)
        shown = _shown(value, kind)
    paragraph = P()
    teletype.addTextToElement(paragraph, shown)
    cell.addElement(paragraph)
    return cell


def _ods_sheet(name: str, widths: Sequence[float], styles: _OdsStyles):
    from odf.table import Table, TableColumn

    table = Table(name=name)
    for width in widths:
        table.addElement(TableColumn(stylename=styles.column(width)))
    return table


def _ods_row(*cells):
    from odf.table import TableRow

    row = TableRow()
    for cell in cells:
        row.addElement(cell)
    return row


def _width(texts: Sequence[str]) -> float:
    """A column's width in cm: its longest line, within 2.5 and 12 cm (wrapped beyond)."""
    longest = max((len(line) for t in texts for line in t.split("\n")), default=8)
    return min(max(longest * 0.22 + 0.5, 2.5), 12.0)


# odfpy declares in each XML file every namespace any element has used in the process so far
# (Element.namespaces, one dict shared by all documents), in the order first used: the same
# workbook would come out with other bytes after a different history. Each document is built
# with that dict set to all of odfpy's namespaces in a fixed order, which no element then adds
# to, under a lock so that no build serialises while another resets it.
_ODF_LOCK = threading.Lock()


def _fixed_namespaces() -> None:
    from odf.element import Element
    from odf.namespaces import nsdict

    canonical = sorted(nsdict.items(), key=lambda item: item[1])
    if list(Element.namespaces.items()) != canonical:
        Element.namespaces.clear()
        Element.namespaces.update(canonical)


def ods_bytes(workbook: Workbook, created: dt.datetime | None = None) -> bytes:
    """The workbook as ODS, sheet for sheet and cell for cell what xlsx_bytes writes."""
    layout = _layout(workbook)
    with _ODF_LOCK:
        _fixed_namespaces()
        return _ods_document(layout, created)


def _ods_document(layout: _Layout, created: dt.datetime | None) -> bytes:
    from odf import dc, meta
    from odf.opendocument import OpenDocumentSpreadsheet

    numbers = note_numbers(layout)
    document = OpenDocumentSpreadsheet()
    document.meta.addElement(dc.Title(text=layout.title))
    document.meta.addElement(meta.CreationDate(text=_created(created).isoformat()))
    styles = _OdsStyles(document)
    body = document.spreadsheet

    cover = _ods_sheet(COVER_SHEET, [18.0], styles)
    cover.addElement(_ods_row(_ods_text_cell(layout.title, styles.title)))
    for heading, lines in layout.cover:
        cover.addElement(_ods_row(_ods_text_cell(heading, styles.subtitle)))
        for line in lines:
            cover.addElement(_ods_row(_ods_text_cell(line, styles.text)))
    body.addElement(cover)

    rows = contents_rows(layout)
    contents = _ods_sheet(
        CONTENTS_SHEET, [_width(["Sheet name"]), _width([t for _, t in rows])], styles
    )
    contents.addElement(_ods_row(_ods_text_cell("Table of contents", styles.title)))
    contents.addElement(_ods_row(_ods_text_cell(ONE_TABLE, styles.text)))
    contents.addElement(
        _ods_row(
            _ods_text_cell("Sheet name", styles.heading),
            _ods_text_cell("Table description", styles.heading),
        )
    )
    for name, title in rows:
        contents.addElement(
            _ods_row(
                _ods_text_cell(name, styles.text, link=f"#{name}.A1"),
                _ods_text_cell(title, styles.text),
            )
        )
    body.addElement(contents)

    notes = _ods_sheet(NOTES_SHEET, [3.0, 18.0], styles)
    notes.addElement(_ods_row(_ods_text_cell("Notes", styles.title)))
    notes.addElement(_ods_row(_ods_text_cell(ONE_TABLE, styles.text)))
    notes.addElement(
        _ods_row(
            _ods_text_cell("Note number", styles.heading),
            _ods_text_cell("Note text", styles.heading),
        )
    )
    for key, text in layout.notes:
        notes.addElement(
            _ods_row(
                _ods_value_cell(numbers[key], "key", styles), _ods_text_cell(text, styles.text)
            )
        )
    body.addElement(notes)

    for sheet in layout.sheets:
        widths = [
            _width([header, *(_shown_text(row[i], kind) for row in sheet.rows[:200])])
            for i, (header, kind) in enumerate(zip(sheet.header, sheet.kinds, strict=True))
        ]
        table = _ods_sheet(sheet.name, widths, styles)
        table.addElement(_ods_row(_ods_text_cell(titled(sheet, numbers), styles.title)))
        for line in sheet.lines:
            table.addElement(_ods_row(_ods_text_cell(line, styles.text)))
        table.addElement(_ods_row(*(_ods_text_cell(h, styles.heading) for h in sheet.header)))
        for row in sheet.rows:
            table.addElement(
                _ods_row(
                    *(
                        _ods_value_cell(value, kind, styles)
                        for value, kind in zip(row, sheet.kinds, strict=True)
                    )
                )
            )
        body.addElement(table)

    written = io.BytesIO()
    document.save(written)
    return _reproducible_zip(written.getvalue())


def _shown_text(value: object, kind: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    return _shown(value, kind)  # type: ignore[arg-type]


def _reproducible_zip(package: bytes) -> bytes:
    """The package again with every member dated 1980-01-01 (odfpy dates them now), the
    mimetype first and stored, as ODF requires, so the same content gives the same bytes."""
    source = zipfile.ZipFile(io.BytesIO(package))
    names = source.namelist()
    ordered = ["mimetype"] + [n for n in names if n != "mimetype"]
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as target:
        for name in ordered:
            info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(name))
    return output.getvalue()


def workbook_bytes(workbook: Workbook, fmt: Format, created: dt.datetime | None = None) -> bytes:
    if fmt == "ods":
        return ods_bytes(workbook, created)
    if fmt == "xlsx":
        return xlsx_bytes(workbook, created)
    raise SpreadsheetError(f"unknown spreadsheet format {fmt!r}: one of {', '.join(FORMATS)}")
