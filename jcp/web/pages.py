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
    default: bool = False


PAGES: tuple[PageEntry, ...] = (
    PageEntry(
        file="pages/overview.py",
        title="Overview",
        icon=":material/dashboard:",
        url_path="overview",
        heading="District performance overview",
        default=True,
    ),
    PageEntry(
        file="pages/distance_travelled.py",
        title="Distance travelled",
        icon=":material/trending_up:",
        url_path="distance_travelled",
        heading="Distance travelled",
    ),
    PageEntry(
        file="pages/job_entries.py",
        title="Sustained job entries",
        icon=":material/work:",
        url_path="job_entries",
        heading="Sustained job entries",
    ),
    PageEntry(
        file="pages/fsf.py",
        title="Flexible Support Fund",
        icon=":material/payments:",
        url_path="fsf",
        heading="Flexible Support Fund",
    ),
    PageEntry(
        file="pages/deferrals.py",
        title="Interviews and deferrals",
        icon=":material/event_busy:",
        url_path="deferrals",
        heading="Interviews and deferrals",
    ),
    PageEntry(
        file="pages/my_office.py",
        title="My office",
        icon=":material/groups:",
        url_path="my_office",
        heading="My office",
    ),
    PageEntry(
        file="pages/survival.py",
        title="How long jobs and claims last",
        icon=":material/timeline:",
        url_path="survival",
        heading="How long jobs and claims last",
    ),
    PageEntry(
        file="pages/data.py",
        title="Data",
        icon=":material/database:",
        url_path="data",
        heading="Data",
    ),
)
