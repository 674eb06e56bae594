"""`python -m jcp serve [STREAMLIT OPTIONS]`: the dashboard's web server.

It is `streamlit run app.py [STREAMLIT OPTIONS]` with one addition. A background thread imports
the app's modules and opens the data as soon as the server starts, while the first browser is
still loading Streamlit's frontend (about a second in which the server only waits). The first
page's figures then come sooner after a start. Nothing depends on the thread: a session that
starts before it has finished imports and opens what it needs itself, and Streamlit's resource
cache makes both wait for one opening of the database, never two.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from pathlib import Path

APP = Path(__file__).resolve().parent.parent.parent / "app.py"
THREAD = "jcp-prepare"


class _NotFromPrepare(logging.Filter):
    """Streamlit warns "missing ScriptRunContext" when a cached function runs outside a
    session (its spinner has no page to show on); from this thread that is expected."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.threadName != THREAD


def _wait_for_server() -> None:
    # Imports hold Python's lock: run alongside the server's own start, they only slow it. Once
    # it is up, the browser spends its time loading the frontend and the server is idle.
    from streamlit.runtime import Runtime, RuntimeState

    while not (Runtime.exists() and Runtime.instance().state != RuntimeState.INITIAL):
        time.sleep(0.02)


def _prepare() -> None:
    _wait_for_server()
    # What the frame and pages import (with them Streamlit's elements, Altair, polars, DuckDB).
    from jcp.web import charts, data, headlines, results, sidebar, signin, widgets  # noqa: F401

    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        _NotFromPrepare()
    )
    data.prepare()


def main(streamlit_args: list[str]) -> int:
    threading.Thread(target=_prepare, name=THREAD, daemon=True).start()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *streamlit_args]
    return cli.main()
