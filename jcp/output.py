"""What leaves the app is data: CSV cells that never start a formula, text never read as markup."""

from __future__ import annotations

import re
import string

import polars as pl

from jcp.measures.disclosure import with_markers

# A spreadsheet opening a CSV reads a cell starting with one of these as a formula (OWASP's
# CSV injection list; NUL from ASVS 1.2.10). An office name or work-coach ref from an extract
# starting "=HYPERLINK(...)" would otherwise run when a manager opens the download.
FORMULA_START = r"^([=+\-@\t\r\x00])"
# Line breaks and the like, in text meant to stay on one line (a CSV comment, a notice).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]+")


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


def csv_comment(text: str) -> str:
    """One "# ..." line above a CSV's figures. Line breaks in it (a code from the extract or
    the access file can hold one) become spaces, so no part of it starts a line of its own,
    where it would be a cell that could start a formula."""
    return "# " + CONTROL_CHARACTERS.sub(" ", text)


def csv_text(frame: pl.DataFrame) -> str:
    """A runner result as CSV: hidden cells as [c], and no text cell that starts a formula.

    The one way the app's downloads and `python -m jcp measure --format csv` write CSV.
    Neutralised before the markers go in, while the columns still have their own types: a
    numeric column with hidden cells becomes text there, and its negative numbers must not be
    taken for formulas.
    """
    return with_markers(neutralise_formulas(frame)).write_csv()


# Streamlit reads the body of st.warning, st.caption, st.error, st.info, st.write and help= as
# Markdown, with GitHub's extensions, LaTeX and its own shortcodes. Text from a URL, an extract
# or the access file must show as written: "[Your session expired](http://evil.example)" in a
# link's office code must not become a working link inside the app's own warning, nor
# "![p](http://host/p.png)" an image the browser fetches. Written by hand because Streamlit
# has no plain-text variant of these elements; checked against its renderer in Chromium
# (tests/test_browser.py).
#
# CommonMark lets any ASCII punctuation be backslash-escaped, and an escaped character is
# never syntax: links, images, emphasis, code, HTML, tables, headings, lists, $ for LaTeX and
# the :red[...] colour directives all start with one.
MARKDOWN_ESCAPES = str.maketrans({c: "\\" + c for c in string.punctuation})
# Some rewrites run on the text after escapes are resolved: GitHub's bare-URL and e-mail
# autolinks (http://..., www.x, a@b.c) and Streamlit's :emoji:, :material/icon: and
# :streamlit: shortcodes. An invisible WORD JOINER after each ":" and "@", and inside "www.",
# breaks their patterns without changing what is shown.
WORD_JOINER = "\u2060"
WWW_DOT = re.compile(r"(www)(\\\.)", re.IGNORECASE)


def plain_text(text: object) -> str:
    """`text` made safe for an element that renders Markdown: it shows as written, as text.

    Line breaks and other control characters become spaces (these are one-line messages).
    """
    flat = CONTROL_CHARACTERS.sub(" ", str(text))
    escaped = flat.translate(MARKDOWN_ESCAPES)
    escaped = escaped.replace(":", ":" + WORD_JOINER).replace("@", "@" + WORD_JOINER)
    return WWW_DOT.sub(r"\1" + WORD_JOINER + r"\2", escaped)
