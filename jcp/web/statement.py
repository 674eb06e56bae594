"""The accessibility statement's facts kept in docs/accessibility.md: known issues and dates.

The list of known issues lives in one place, the doc's "Known issues" section, which whoever
finds an issue (a person, or the browser test's axe-core run) extends; the app's statement page
shows that section as it stands. The dates the statement was prepared and last reviewed are in
the same file, beside the list they vouch for.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

ACCESSIBILITY_DOC = Path(__file__).resolve().parents[2] / "docs" / "accessibility.md"
KNOWN_ISSUES_HEADING = "## Known issues"
DATE_LINES = {
    "prepared": re.compile(r"^Statement prepared: (\d{4}-\d{2}-\d{2})$", re.MULTILINE),
    "reviewed": re.compile(r"^Last reviewed: (\d{4}-\d{2}-\d{2})$", re.MULTILINE),
}


class StatementError(ValueError):
    """docs/accessibility.md lacks what the statement needs; the message says what."""


@dataclass(frozen=True)
class StatementFacts:
    known_issues: str  # Markdown: the doc's own words (ours, not data)
    prepared: dt.date
    reviewed: dt.date


def read_facts(path: Path = ACCESSIBILITY_DOC) -> StatementFacts:
    """The known issues and dates from the doc. A doc without them fails here (and in a test),
    rather than the statement claiming no issues it has not checked for."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    try:
        start = lines.index(KNOWN_ISSUES_HEADING) + 1
    except ValueError:
        raise StatementError(f"{path.name}: no '{KNOWN_ISSUES_HEADING}' section") from None
    # The section runs to the next heading of its level (its own ### sub-headings stay in it).
    end = next(
        (i for i in range(start, len(lines)) if lines[i].startswith("## ")),
        len(lines),
    )
    issues = "\n".join(lines[start:end]).strip()
    if not issues:
        raise StatementError(f"{path.name}: the '{KNOWN_ISSUES_HEADING}' section is empty")
    dates = {}
    for name, pattern in DATE_LINES.items():
        found = pattern.search(text)
        if found is None:
            raise StatementError(f"{path.name}: no line '{pattern.pattern.strip('^$')}'")
        dates[name] = dt.date.fromisoformat(found.group(1))
    return StatementFacts(issues, dates["prepared"], dates["reviewed"])
