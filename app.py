"""The dashboard frame: sign-in, scope, the shared filter bar and navigation. Pages hold layout."""

from __future__ import annotations

import streamlit as st

from jcp.extract.db import DatabaseMissing
from jcp.measures.queries import EngineUnavailable
from jcp.output import plain_text
from jcp.web import data, sidebar, signin

st.set_page_config(
    page_title="JCP district performance",
    # An emoji, which Streamlit draws as an inline SVG: a :material/...: page icon makes every
    # browser fetch the favicon from fonts.gstatic.com, off the server the app runs on.
    page_icon="📈",
    layout="wide",
)

PAGES = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page(
        "pages/distance_travelled.py", title="Distance travelled", icon=":material/trending_up:"
    ),
    st.Page("pages/job_entries.py", title="Sustained job entries", icon=":material/work:"),
    st.Page("pages/fsf.py", title="Flexible Support Fund", icon=":material/payments:"),
    st.Page("pages/deferrals.py", title="Deferrals", icon=":material/event_busy:"),
    st.Page("pages/data.py", title="Data", icon=":material/database:"),
]

try:
    data.open_data()
except (DatabaseMissing, EngineUnavailable) as exc:
    st.error(f"No data loaded yet. {plain_text(exc)}")
    st.stop()

email = signin.signed_in_email()
scope = signin.user_scope(email)
# Navigation is declared on every run, hidden until the user may see something.
page = st.navigation(PAGES, position="sidebar" if scope.has_access else "hidden")
if email is None:
    signin.sign_in_screen()
    st.stop()
if not scope.has_access:
    signin.no_access_screen(email)
    st.stop()
sidebar.filter_bar()
page.run()
