"""What "About these figures" says: every catalogue entry, what [c] means, how figures are adjusted.

Written from the catalogue (jcp.measures.specs, the same words docs/measures.md has), the
deployment's thresholds and comparison switches, and the perturbation table's design, so the
page cannot say something the code does not do. Plain text, no Streamlit: the page draws it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from jcp.config import Settings
from jcp.measures import specs
from jcp.measures.ptable import DESIGN
from jcp.web.formats import about_anchor

# The page's own sections, by anchor: none may be a measure's name (a test checks).
HIDDEN_ANCHOR = "what-c-means"
ADJUSTED_ANCHOR = "how-figures-are-adjusted"
DATA_ANCHOR = "the-data-and-what-the-load-rejected"


@dataclass(frozen=True)
class Entry:
    """One measure, list or report: its heading, the anchor a link to it uses, its text."""

    title: str
    anchor: str
    definition: str
    markdown: str  # the catalogue's words for readers: definition, facts, caveats, columns


@dataclass(frozen=True)
class Section:
    heading: str  # Measures, Lists or Reports
    anchor: str
    entries: tuple[Entry, ...]


SECTION_INTRO = {
    "measure": "Statistics about people: protected by the adjustments above.",
    "list": "Operational lists of claims to act on: exact, shown only to people whose scope "
    "covers them, never published as statistics.",
    "report": "Facts about the data itself: what was loaded and what was rejected.",
}


@cache
def sections() -> tuple[Section, ...]:
    """The catalogue's entries as the page shows them, built once per process (the catalogue
    is read once), so a rerun only draws them."""
    catalogue = specs.catalogue()
    found = []
    for heading, kind in specs.SECTIONS:
        entries = tuple(
            Entry(
                spec.title,
                about_anchor(spec.name),
                spec.definition,
                "\n".join(specs.entry_lines(spec, catalogue, for_readers=True)),
            )
            for spec in catalogue.values()
            if spec.query == kind
        )
        if entries:
            found.append(Section(heading, heading.lower(), entries))
    return tuple(found)


def contents() -> str:
    """Markdown: links to the page's sections and to every entry (in-page links)."""
    lines = [
        f"- [What [c] means](#{HIDDEN_ANCHOR})",
        f"- [How figures are adjusted](#{ADJUSTED_ANCHOR})",
        f"- [The data, and what the load rejected](#{DATA_ANCHOR})",
    ]
    for section in sections():
        links = ", ".join(f"[{e.title}](#{e.anchor})" for e in section.entries)
        lines.append(f"- [{section.heading}](#{section.anchor}): {links}")
    return "\n".join(lines)


def hidden_figures(settings: Settings) -> str:
    """What [c] stands for, from the deployment's thresholds and the table's largest change."""
    t, d = settings.thresholds, DESIGN.max_perturbation
    return (
        "`[c]` marks a figure hidden to protect the people in it (the shorthand UK official "
        f"statistics use for confidential). A count is `[c]` when its adjusted value is 1 to "
        f"{t.min_count - 1}; as counts are adjusted by up to {d}, a `[c]` stands for a true "
        f"number anywhere from 1 to {t.min_count - 1 + d}, and a 0 can be a true 0 to {d}. A "
        "true 0 always shows as 0. A rate, mean, median or curve is `[c]` when the number of "
        f"people it is worked out over is under {t.min_denominator}; money is `[c]` when it "
        f"comes from fewer than {t.min_payments} payments. A `–` means there is no figure: "
        "nobody to work it out over."
    )


def adjustments(settings: Settings) -> str:
    """How the published figures differ from the records, in plain English (the method is in
    docs/disclosure.md and docs/comparisons.md)."""
    d = DESIGN.max_perturbation
    widened = (
        "When offices (or districts) vary more than chance alone would make them, the limits "
        "are widened to allow for it, so that only a real difference stands out."
        if settings.overdispersion
        else "The limits are not widened for over-dispersion in this deployment."
    )
    case_mix = (
        'With "Adjust for case mix" on (the default here), each unit is compared with what '
        "the national rates would give for its own mix of benefit, claimant group and age "
        "band, so an office is not judged worse for serving people who find work harder."
        if settings.case_mix
        else 'Case-mix adjustment is off by default here; turn on "Adjust for case mix" on a '
        "page to compare each unit with what the national rates would give for its own mix "
        "of benefit, claimant group and age band."
    )
    return "\n".join(
        [
            f"- **Counts are adjusted slightly.** A count may be up to {d} more or {d} less "
            "than the true number. The same people always give the same figure, through any "
            "page, filter or download, so comparing two tables cannot single anyone out; over "
            "many figures the adjustments cancel out.",
            "- **Totals may not add up.** A total is adjusted as a figure of its own, not added "
            "up from adjusted parts, so offices may not add up to their district, nor months "
            "to the year.",
            "- **Rates, averages and money** are worked out from the adjusted counts. Money is "
            "rounded to the nearest £10.",
            "- **Lists are exact.** Worklists and caseloads of named claims are not adjusted: "
            "they are for acting on, and shown only to people whose scope covers them.",
            "- **Comparisons with the national rate.** A rate marked comparable is shown on a "
            "funnel plot: each office or district against the national rate for the same "
            "period and filters, with limits that are wider for small units. Outside the 95% "
            "limits is unusual; outside the 99.8% limits is very unlikely to be chance. " + widened,
            f"- **Case mix.** {case_mix}",
            "- **Changes over time.** A month is flagged when it is beyond its unit's own usual "
            "range (its previous 12 months), or when 8 or more months in a row sit on one side "
            "of it.",
            "",
            "The methods in full: docs/disclosure.md (protecting small numbers) and "
            "docs/comparisons.md (funnel plots, case mix, changes over time) in the "
            "dashboard's repository.",
        ]
    )
