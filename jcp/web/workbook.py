"""A page's spreadsheet: the tables it shows, gathered as it runs, built into a workbook on a click.

Streamlit-free: the frame (app.py) makes one per run before the page draws, widgets.download
adds each table it offers as CSV, and the page's spreadsheet buttons build the workbook from it
only when clicked (Streamlit runs a download button's data callable then), so that a rerun pays
nothing but a list append per table and the workbook has every table of the page, also those
drawn below the button.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field

import polars as pl

from jcp import spreadsheet
from jcp.measures.disclosure import Thresholds
from jcp.web.formats import with_names


@dataclass
class PageWorkbook:
    """What a page's workbook says about itself, and the tables the page has shown so far."""

    title: str  # the page's
    slug: str  # the page's URL path: the file's name
    extract_date: dt.date
    period_from: str
    period_to: str
    filters: str
    scope: str
    thresholds: Thresholds
    contact: str | None
    district_names: dict[str, str]
    office_names: dict[str, str]
    _tables: list[tuple[str, pl.DataFrame]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, title: str, frame: pl.DataFrame) -> None:
        """One table the page shows (as its CSV download has it). A chart and the table under it
        often offer the same figures under the same title: the workbook holds them once."""
        with self._lock:
            if any(
                seen_title == title and (seen is frame or seen.equals(frame))
                for seen_title, seen in self._tables
            ):
                return
            self._tables.append((title, frame))

    def tables(self) -> list[tuple[str, pl.DataFrame]]:
        with self._lock:  # a click can come while the page is still drawing
            return list(self._tables)

    @property
    def rows(self) -> int:
        return sum(frame.height for _, frame in self.tables())

    def workbook(self) -> spreadsheet.Workbook:
        return spreadsheet.Workbook(
            title=self.title,
            extract_date=self.extract_date,
            period=f"{self.period_from} to {self.period_to}",
            filters=self.filters,
            scope=self.scope,
            thresholds=self.thresholds,
            contact=self.contact,
            tables=tuple(
                spreadsheet.SheetTable(
                    title, with_names(frame, self.district_names, self.office_names)
                )
                for title, frame in self.tables()
            ),
        )

    def file_name(self, fmt: spreadsheet.Format) -> str:
        return f"{self.slug}_{self.period_from}_{self.period_to}.{fmt}"

    def ods(self) -> bytes:
        return spreadsheet.ods_bytes(self.workbook())

    def xlsx(self) -> bytes:
        return spreadsheet.xlsx_bytes(self.workbook())
