"""What leaves the app is data: CSV cells that never start a formula in a spreadsheet."""

from __future__ import annotations

import polars as pl

from jcp.disclosure import with_markers

# A spreadsheet opening a CSV reads a cell starting with one of these as a formula (OWASP's
# CSV injection list; NUL from ASVS 1.2.10). An office name or work-coach ref from an extract
# starting "=HYPERLINK(...)" would otherwise run when a manager opens the download.
FORMULA_START = r"^([=+\-@\t\r\x00])"


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells that would start a formula, prefixed with ' (shown as text by spreadsheets).

    Only text columns: a number stored as a number (-3, -0.25) is data, not a formula, and
    must stay a number in the spreadsheet.
    """
    text = [
        name
        for name, dtype in frame.schema.items()
        if dtype == pl.String or isinstance(dtype, pl.Categorical | pl.Enum)
    ]
    return frame.with_columns(
        pl.col(name).cast(pl.String).str.replace(FORMULA_START, "'$1").alias(name) for name in text
    )


def csv_text(frame: pl.DataFrame) -> str:
    """A runner result as CSV: hidden cells as [c], and no text cell that starts a formula.

    The one way the app's downloads and `python -m jcp measure --format csv` write CSV.
    Neutralised before the markers go in, while the columns still have their own types: a
    numeric column with hidden cells becomes text there, and its negative numbers must not be
    taken for formulas.
    """
    return with_markers(neutralise_formulas(frame)).write_csv()
