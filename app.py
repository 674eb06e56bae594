"""The dashboard frame: sign-in, scope, the shared filter bar and navigation. Pages hold layout."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from jcp.extract.db import DatabaseMissing
from jcp.measures.queries import EngineUnavailable
from jcp.output import plain_text
from jcp.web import data, sidebar, signin, widgets
from jcp.web.pages import PAGES, default_page

st.set_page_config(
    page_title="JCP district performance",
    # An emoji, which Streamlit draws as an inline SVG: a :material/...: page icon makes every
    # browser fetch the favicon from fonts.gstatic.com, off the server the app runs on.
    page_icon="📈",
    layout="wide",
)

# Streamlit's markup corrected where axe-core finds it short of WCAG 2.2 AA (style only: it takes
# no room on the page).
st.html(Path(__file__).parent / "jcp" / "web" / "accessible.css")

try:
    data.open_data()
except (DatabaseMissing, EngineUnavailable) as exc:
    st.error(f"No data loaded yet. {plain_text(exc)}")
    st.stop()

email = signin.signed_in_email()
scope = signin.user_scope(email)
# Built from jcp/web/pages.py, the one list of pages, which the tests import too. The page at
# the root depends on the role (district managers and team leaders land on "Needs attention"),
# so navigation is declared on every run, after sign-in, and hidden until the user may see
# something. Every other page keeps its own path, so a link to it opens it for every role.
landing = default_page(scope.role)
NAVIGATION = [
    st.Page(
        entry.file,
        title=entry.title,
        icon=entry.icon,
        url_path=entry.url_path,
        default=entry is landing,
    )
    for entry in PAGES
]
page = st.navigation(NAVIGATION, position="sidebar" if scope.has_access else "hidden")
if email is None:
    signin.sign_in_screen()
    st.stop()
if not scope.has_access:
    signin.no_access_screen(email)
    st.stop()
sidebar.filter_bar()
# Every table the page shows goes into this run's workbook, offered beside each CSV download.
widgets.start_page_workbook(page.title, page.url_path)
page.run()
