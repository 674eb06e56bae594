"""`python -m jcp serve [STREAMLIT OPTIONS]`: the dashboard's web server.

It is `streamlit run app.py [STREAMLIT OPTIONS]` with two additions. A background thread imports
the app's modules and opens the data as soon as the server starts, while the first browser is
still loading Streamlit's frontend (about a second in which the server only waits). The first
page's figures then come sooner after a start. Nothing depends on the thread: a session that
starts before it has finished imports and opens what it needs itself, and Streamlit's resource
cache makes both wait for one opening of the database, never two.

And Streamlit is told before it starts that app.py's `st.navigation` lists the pages, so the
`pages/` folder beside app.py never makes it an old-style (folder-listed) multipage app; see
`_navigation_lists_the_pages`.
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


def _navigation_lists_the_pages() -> None:
    """Keep Streamlit from taking `pages/` for an old-style page folder on the first run.

    Streamlit decides, when the process's first session starts, whether the app lists its pages
    in a `pages/` folder beside the main script; ours is there, so it says yes and runs that
    session's first script run as an old-style multipage app: app.py as a page called "app"
    among pages/*.py. The first `st.navigation` call turns this off for the process, but only
    from the next run on. Meanwhile:
    - every widget id carries the hash of the page running it, so the frame's widgets (the
      demo user picker, the filters) had other ids on that first run than on every later one:
      the first choice made in the browser named a widget the server no longer knew, and was
      dropped (the picker came back as the first user);
    - a link to a page (/job_entries) as the first request ran pages/job_entries.py alone,
      without app.py: no sign-in, no scope, no filters, so no figures.
    This sets the switch `st.navigation` itself sets before any session exists, so the first
    run is like every other, as tests/conftest.py and the bench already do for AppTest.
    (Renaming `pages/` would also do, but the folder's name is the house layout.)
    """
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False


def main(streamlit_args: list[str]) -> int:
    _navigation_lists_the_pages()
    threading.Thread(target=_prepare, name=THREAD, daemon=True).start()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *streamlit_args]
    return cli.main()
