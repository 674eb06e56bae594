"""`python -m jcp serve`: the data is opened as the server starts, once, for every session."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from pathlib import Path

from jcp.web import data

ROOT = Path(__file__).resolve().parent.parent


def test_the_prepared_engine_is_the_one_the_first_session_uses(
    sample_db, tmp_path, app_for
) -> None:
    db = tmp_path / "served.duckdb"  # a path no earlier test has opened
    shutil.copyfile(sample_db, db)
    app = app_for(db)  # sets $JCP_DB and $JCP_CONFIG, which prepare() reads too
    # As `serve` does: outside any session, on a thread of its own.
    prepare = threading.Thread(target=data.prepare)
    prepare.start()
    prepare.join()
    version, engine = data._open_engines[str(db)]
    assert version == db.stat().st_mtime

    app.run()
    assert not app.exception
    assert [m.label for m in app.metric], "the overview drew its tiles"
    # The session found the engine open: no second connection to the file.
    assert data._open_engines[str(db)] == (version, engine)
    assert data.runner().engine is engine


def test_a_missing_database_is_left_for_the_session_to_report(tmp_path, app_for) -> None:
    app = app_for(tmp_path / "none.duckdb")
    data.prepare()  # no exception: the first session shows the problem
    app.run()
    assert "No data loaded yet" in app.error[0].value


def test_serve_help_names_streamlit_options() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "jcp", "serve", "--help"], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0
    assert "Streamlit's" in done.stdout
