"""A stand-in app for the load test's own tests: it signs in like the dashboard's demo mode, then
misbehaves as $MISBEHAVE says ("raise": an exception on every later run; "hang": a run that
never finishes), so the tests can see the load test fail when it should."""

from __future__ import annotations

import os
import time

import streamlit as st

st.sidebar.selectbox(
    "Demo user",
    [
        "analyst@example.gov.uk (national)",
        "manager@example.gov.uk (district manager: D01)",
        "leader@example.gov.uk (team leader: D01-O01)",
    ],
    key="demo_user",
)
runs = st.session_state.get("runs", 0)
st.session_state["runs"] = runs + 1
st.title("Stand-in")
if runs >= 2:  # the first run opens the page, the second signs in; then the clicks start
    if os.environ.get("MISBEHAVE") == "raise":
        raise RuntimeError("a page that fails")
    if os.environ.get("MISBEHAVE") == "hang":
        time.sleep(120)
