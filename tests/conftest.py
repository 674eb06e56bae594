"""Shared pytest set-up: the hand-built extract helpers, the loaded sample database and a
runner on it, and the app under AppTest."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from jcp.measures.runner import Runner

sys.path.insert(0, str(Path(__file__).parent))

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"


# The record keys' secret for every load a test makes in this process: published (perturbed)
# figures then come out the same on every machine and in every run, so a test can state them.
# Loads in a subprocess (`python -m jcp load`) use the deployment's secret file, as a user's do.
TEST_SECRET = "a fixed secret for the tests, not for any deployment"


@pytest.fixture(autouse=True, scope="session")
def fixed_record_key_secret():
    """Loads in the test process derive record keys from TEST_SECRET."""
    import jcp.extract.load

    original = jcp.extract.load._settings_secret
    jcp.extract.load._settings_secret = lambda: TEST_SECRET
    yield
    jcp.extract.load._settings_secret = original


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory) -> Path:
    """The committed sample extract, loaded once per test session."""
    from jcp.extract.load import load

    db = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    report = load(SAMPLE, db)
    assert report.total_rejected == 0, "the committed sample must load without rejects"
    return db


@pytest.fixture(scope="session")
def sample_runner(sample_db: Path) -> Runner:
    """A runner on the sample database, opened read-only as the app opens it; only to read from."""
    from jcp.extract.db import connect_read_only
    from jcp.measures.runner import Runner

    return Runner(connect_read_only(sample_db))


@pytest.fixture(autouse=True)
def navigation_not_pages_directory(monkeypatch):
    """Make AppTest treat the app as st.navigation-driven, as the real server does.

    A folder named pages/ next to app.py makes Streamlit start in its old "pages directory"
    mode until st.navigation runs and switches it off for the process. AppTest resets that
    switch before every run, so from the second run on it would execute a page file on its own,
    without app.py's frame. Re-applying the switch after AppTest resets it matches the server.
    """
    from streamlit.runtime.pages_manager import PagesManager

    original_init = PagesManager.__init__

    def init_as_navigation_app(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init_as_navigation_app)


def pytest_unconfigure(config) -> None:
    """Keep pytest's summary the last thing printed.

    At interpreter exit DuckDB 2.0's nanobind bindings list Python objects of their own types
    still alive ("nanobind: leaked N instances"): a diagnostic about the binding, not a test
    result, and it would bury the summary line CI reads. Standard error is closed to it at
    exit, after pytest (which restores its own capture of it last) has said everything.
    """
    import atexit
    import os

    def quiet_exit() -> None:
        sys.stderr.flush()
        os.dup2(os.open(os.devnull, os.O_WRONLY), 2)

    atexit.register(quiet_exit)
