"""Shared pytest set-up: the hand-built extract helpers, the loaded sample database and a
runner on it, and the app under AppTest."""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from streamlit.testing.v1 import AppTest

    from jcp.measures.runner import Runner

sys.path.insert(0, str(Path(__file__).parent))

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
SAMPLE_ACCESS = SAMPLE / "access.toml"
# An [auth] section as .streamlit/secrets.toml holds it: real sign-in, no demo mode.
AUTH_SECRETS = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "x",
        "client_id": "x",
        "client_secret": "x",
        "server_metadata_url": "https://login.example/.well-known",
    }
}


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


@pytest.fixture
def app_for(monkeypatch, tmp_path: Path) -> Callable[..., AppTest]:
    """Makes AppTests of app.py on a database, with a test jcp.toml and audit log in tmp_path."""
    from streamlit.testing.v1 import AppTest

    def make(
        db: Path,
        query: dict[str, str | list[str]] | None = None,
        *,
        access: Path = SAMPLE_ACCESS,
        demo_user: str | None = None,
        real_sign_in: bool = False,
        settings: str = "",
        timeout: float = 60,
    ) -> AppTest:
        """The app on `db`, opened from a link with `query`, not yet run.

        The test jcp.toml names `access` and tmp_path / "audit.jsonl", then `settings` (more
        TOML: an [engine] section, say). `demo_user` is the user demo mode starts as;
        `real_sign_in` gives the app [auth] secrets, so there is no demo mode (set `at.user`).
        """
        text = (
            f'[access]\nfile = "{access}"\n[audit]\nlog = "{tmp_path / "audit.jsonl"}"\n{settings}'
        )
        monkeypatch.setenv("JCP_DB", str(db))
        monkeypatch.setenv("JCP_CONFIG", str(_config_file(tmp_path, text)))
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
        for key, value in (query or {}).items():
            at.query_params[key] = value
        if demo_user is not None:
            at.session_state["demo_user"] = demo_user
        if real_sign_in:
            at.secrets = copy.deepcopy(AUTH_SECRETS)
        return at

    return make


def _config_file(folder: Path, text: str) -> Path:
    """A jcp.toml in `folder` holding `text`: the same file for the same text, else a new one.

    The app caches its settings by the file's path and modification time, which two writes in
    quick succession can share: a new text in the same file could be read as the old one.
    """
    path, number = folder / "jcp.toml", 1
    while path.exists() and path.read_text(encoding="utf-8") != text:
        number += 1
        path = folder / f"jcp-{number}.toml"
    if not path.exists():
        path.write_text(text, encoding="utf-8")
    return path


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


@pytest.fixture(scope="module")
def parquet_dir(sample_db: Path, tmp_path_factory) -> Path:
    """The sample database exported as the Parquet layout Spark reads (once per module)."""
    from jcp.extract.db import connect_read_only
    from jcp.measures.export import export_parquet

    out = tmp_path_factory.mktemp("export") / "parquet"
    con = connect_read_only(sample_db)
    try:
        export_parquet(con, out, source=str(sample_db))
    finally:
        con.close()
    return out


@pytest.fixture(scope="module")
def on_spark(parquet_dir: Path):
    """A runner on the Spark engine over that export (one Spark session per process)."""
    from jcp.measures.runner import Runner
    from jcp.measures.spark import SparkEngine

    return Runner(SparkEngine(parquet_dir))
