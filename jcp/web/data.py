"""Where the data is and how it is opened: settings, data version, runner and access list."""

from __future__ import annotations

import os
import sys
import threading
import weakref
from dataclasses import astuple, dataclass
from pathlib import Path

import streamlit as st

from jcp.config import DEFAULT_CONFIG, Settings, load_settings
from jcp.extract.db import database_path
from jcp.measures.access import AccessList, read_access
from jcp.measures.disclosure import Thresholds
from jcp.measures.engines import PARQUET_ENGINES, open_engine
from jcp.measures.network import Catalogue
from jcp.measures.queries import Engine
from jcp.measures.runner import Runner

DATA_VERSION = "data_version"  # session state: (path, version) of the data, read once a rerun


@dataclass(frozen=True)
class DataVersion:
    """What a published figure depends on besides the request and the scope: when the data last
    changed, and the disclosure thresholds jcp.toml sets (re-read when it changes, so raising
    min_count hides figures from the next rerun on, not from the next load or restart).

    Every shared result is keyed by it, and a runner is made per version: a runner publishes
    with the thresholds it was made with. (The perturbation table is not in it: it is read once
    per process, jcp.measures.perturbation.load_ptable, so it cannot change under a key.)
    """

    modified: float  # the database file's (or the export manifest's) modification time
    thresholds: Thresholds


# Streamlit hashes a dataclass by pickling it; one string is quicker (jcp.web.results).
VERSION_KEY = {DataVersion: lambda v: repr((v.modified, astuple(v.thresholds)))}


@st.cache_resource(max_entries=4)
def _settings(path: str, mtime: float) -> Settings:
    return load_settings(path)


def settings() -> Settings:
    """jcp.toml (or $JCP_CONFIG), re-read when it changes."""
    path = Path(os.environ.get("JCP_CONFIG") or DEFAULT_CONFIG)
    return _settings(str(path), path.stat().st_mtime if path.exists() else 0.0)


def _read_database_version() -> tuple[str, DataVersion]:
    """Where the data is, when it last changed and the thresholds it is published with: a new
    load or export, or new thresholds in jcp.toml, give new caches.

    DuckDB: the database file. Parquet and Spark: the export's folder (its manifest changes with
    every export written into it).
    """
    current = settings()
    if current.engine in PARQUET_ENGINES:
        # Imported here, not at the top: jcp.measures.export brings pyarrow.dataset and with it
        # pandas (~0.4 s), which nothing before a page's first figures needs. See styled().
        from jcp.measures.export import MANIFEST

        path = current.parquet / MANIFEST
        folder = str(current.parquet)
    else:
        path = database_path()
        folder = str(path)
    modified = path.stat().st_mtime if path.exists() else 0.0
    return folder, DataVersion(modified, current.thresholds)


def database_version() -> tuple[str, DataVersion]:
    # The frame reads it once at the start of each rerun (open_data); every result lookup
    # re-reading it cost two file stats and a settings lookup each, ~25 times a rerun. A page
    # run without the frame reads it itself.
    return st.session_state.get(DATA_VERSION) or _read_database_version()


# The engine open on each data path, and the data's modification time: the one to close when a
# new load arrives.
_open_engines: dict[str, tuple[float, Engine]] = {}


_open_engines_lock = threading.Lock()

# Every runner made here, while it lives: clear_results (jcp.web.widgets) makes them forget the
# national figures they remember, which are results too.
_runners: weakref.WeakSet[Runner] = weakref.WeakSet()


@st.cache_resource(max_entries=2, show_spinner="Opening the database…", hash_funcs=VERSION_KEY)
def runner_for_version(path: str, version: DataVersion) -> Runner:
    # One engine per process and data version (DuckDB: one read-only connection, a cursor per
    # query, on the database file or on views of the Parquet export; Spark: the process's
    # session over the export).
    current = settings()
    with _open_engines_lock:
        # A load replaces the file at the same path. DuckDB hands a new connection to a path
        # the process already has open the database it has open (duckdb/duckdb#15912), so the
        # old version's connection is closed first; a request still running on it fails once
        # and its page shows the new data on the next rerun. New thresholds on the same data
        # keep its connection: only what is published from it changes.
        previous = _open_engines.pop(path, None)
        if previous is not None and previous[0] == version.modified:
            engine = previous[1]
        else:
            if previous is not None:
                previous[1].close()
            if current.engine in PARQUET_ENGINES:
                engine = open_engine(
                    current.engine, parquet=path, spark_master=current.spark_master
                )
            else:
                engine = open_engine("duckdb", db=path)
        _open_engines[path] = (version.modified, engine)
    runner = Runner(engine, version.thresholds)
    _runners.add(runner)
    return runner


def forget_remembered() -> None:
    """Make every live runner forget the national figures it remembers (clear_results)."""
    for runner in list(_runners):
        runner.forget()


def runner() -> Runner:
    return runner_for_version(*database_version())


def open_data() -> Runner:
    """The frame's first step on every rerun: note the data's version and open it.

    Results are cached by this version, read here once a rerun: a new load or export is a new
    version, so new results from the next rerun on.
    """
    st.session_state[DATA_VERSION] = _read_database_version()
    return runner()


def prepare() -> None:
    """Open the data and read the access list before any session asks (`python -m jcp serve`
    calls it as the server starts). A problem is left for the first session, which meets the
    same one and shows it."""
    try:
        runner()
        access_list()
    except Exception:  # noqa: BLE001 - shown by the session that opens the data next
        return


def catalogue() -> Catalogue:
    return runner().catalogue


@st.cache_resource(max_entries=4)
def _access(path: str, mtime: float, version: float) -> AccessList:
    access = read_access(path, catalogue())
    for problem in access.problems:  # reported once per process, at start-up
        print(f"access: {problem}", file=sys.stderr)
    return access


def access_list() -> AccessList:
    path = settings().access_file
    mtime = path.stat().st_mtime if path.exists() else 0.0
    return _access(str(path), mtime, database_version()[1].modified)
