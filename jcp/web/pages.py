"""The dashboard's pages, in menu order: app.py registers them from here and the tests visit them.

Plain data, no Streamlit: a test (or the bench) can import the list without running the frame.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageEntry:
    """One page: its script, how the menu and its link name it, and the heading it draws."""

    file: str  # relative to app.py's folder, as st.Page and AppTest.switch_page take it
    title: str  # in the menu and the browser tab
    icon: str
    # The link's path, /<url_path>; declared, not inferred from the file name, so renaming a file
    # breaks no shared link. The default page is served at the root ("") whatever it says here.
    url_path: str
    heading: str  # the page's own st.title: the tests check each page ran to it
    default: bool = False  # served at the root: national users' landing page, and the fallback
    # Roles who land here instead (jcp.measures.access.ROLES): see default_page.
    default_for: tuple[str, ...] = ()
    # The measures whose figures (and funnel plots) this page explains: where a link about
    # one of them goes.
    measures: tuple[str, ...] = ()
    # A page of figures opens with its summary sentences (jcp.web.summaries) and tiles; the
    # pages about the dashboard (what the figures mean, the accessibility statement) do not.
    figures: bool = True


# "About these figures": where every figure's hover help links to, at its measure's anchor.
ABOUT_URL_PATH = "about"


PAGES: tuple[PageEntry, ...] = (
    PageEntry(
        file="pages/overview.py",
        title="Overview",
        icon=":material/dashboard:",
        url_path="overview",
        heading="District performance overview",
        default=True,
        measures=("caseload",),
    ),
    PageEntry(
        file="pages/attention.py",
        title="Needs attention",
        icon=":material/priority_high:",
        url_path="attention",
        heading="Needs attention",
        # Managers' and team leaders' Monday question is "which office needs my attention?"
        # (issue 18 s.4): they land on the answer; national users keep the overview.
        default_for=("district_manager", "team_leader"),
    ),
    PageEntry(
        file="pages/distance_travelled.py",
        title="Distance travelled",
        icon=":material/trending_up:",
        url_path="distance_travelled",
        heading="Distance travelled",
        measures=("distance_travelled",),
    ),
    PageEntry(
        file="pages/job_entries.py",
        title="Sustained job entries",
        icon=":material/work:",
        url_path="job_entries",
        heading="Sustained job entries",
        measures=("job_entries", "off_flows", "claim_restarts", "benefit_exits"),
    ),
    PageEntry(
        file="pages/fsf.py",
        title="Flexible Support Fund",
        icon=":material/payments:",
        url_path="fsf",
        heading="Flexible Support Fund",
        measures=("fsf_spend", "fsf_budget", "fsf_categories", "fsf_uptake", "fsf_outcomes"),
    ),
    PageEntry(
        file="pages/deferrals.py",
        title="Interviews and deferrals",
        icon=":material/event_busy:",
        url_path="deferrals",
        heading="Interviews and deferrals",
        measures=(
            "wfi_timeliness",
            "deferrals",
            "deferral_reasons",
            "deferral_lengths",
            "deferral_followup",
            "overdue_deferrals",
            "overdue_deferrals_month_end",
        ),
    ),
    PageEntry(
        file="pages/my_office.py",
        title="My office",
        icon=":material/groups:",
        url_path="my_office",
        heading="My office",
        measures=("coach_caseloads", "coach_caseload_spread"),
    ),
    PageEntry(
        file="pages/survival.py",
        title="How long jobs and claims last",
        icon=":material/timeline:",
        url_path="survival",
        heading="How long jobs and claims last",
        measures=("job_survival", "claim_survival"),
    ),
    PageEntry(
        file="pages/data.py",
        title="Data",
        icon=":material/database:",
        url_path="data",
        heading="Data",
        measures=("catalogue", "loads", "reject_summary", "rejected_rows", "reject_offices"),
    ),
    PageEntry(
        file="pages/about.py",
        title="About these figures",
        icon=":material/help:",
        url_path=ABOUT_URL_PATH,
        heading="About these figures",
        figures=False,
    ),
    PageEntry(
        file="pages/accessibility.py",
        title="Accessibility",
        icon=":material/accessibility:",
        url_path="accessibility",
        heading="Accessibility statement",
        figures=False,
    ),
)

FIGURE_PAGES = tuple(entry for entry in PAGES if entry.figures)


def page_of(measure: str) -> PageEntry:
    """The page that explains a measure (a link about it goes there)."""
    for entry in PAGES:
        if measure in entry.measures:
            return entry
    raise KeyError(f"no page explains {measure!r}")


def default_page(role: str) -> PageEntry:
    """The page a user of `role` lands on (served at the app's root): the page whose
    default_for names the role, else the default page."""
    for entry in PAGES:
        if role in entry.default_for:
            return entry
    return next(entry for entry in PAGES if entry.default)
