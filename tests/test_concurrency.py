"""What keeps many sessions from blocking each other: no per-row Python on polars' thread pool,
the server settings that starved the event loop switched off, tables formatted by expressions.

The load test itself (tests/test_loadtest.py) shows the whole server staying up under load;
these tests pin each cause found in the stack dumps of the hung server (docs/performance.md).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from jcp.measures.access import Scope
from jcp.web.formats import rate_text

ROOT = Path(__file__).resolve().parent.parent
# Everything a page run executes: the frame, the pages and the modules they import.
SERVED = [
    ROOT / "app.py",
    *sorted((ROOT / "pages").glob("*.py")),
    # The package's top level and every step after the extract: the extract step (load,
    # generate) runs in its own process, never in a page run.
    *sorted(
        path
        for path in (ROOT / "jcp").rglob("*.py")
        if "extract" not in path.relative_to(ROOT / "jcp").parts
    ),
]
# Polars methods that call a Python function from its thread pool. Such a function must take
# the interpreter lock there; a session thread holding the lock while it waits for the pool
# (DataFrame.to_pandas does) then waits for ever: the hang of 20 concurrent users.
PYTHON_ON_POLARS_POOL = {"map_elements", "map_batches", "map_rows", "map_groups"}


@pytest.mark.parametrize("path", SERVED, ids=lambda p: str(p.relative_to(ROOT)))
def test_served_code_runs_no_python_function_on_polars_thread_pool(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls = [
        f"line {node.lineno}: .{node.func.attr}()"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in PYTHON_ON_POLARS_POOL
    ]
    assert not calls, calls


def test_the_served_app_runs_no_garbage_collection_per_run_and_watches_no_files() -> None:
    # Streamlit reads .streamlit/config.toml from the folder it starts in, as `make run` does.
    # (And its toolbar offers no developer options such as "Deploy", to anyone.)
    code = (
        "import streamlit.config as c; c.get_config_options(force_reparse=True); "
        "print(c.get_option('runner.postScriptGC'), c.get_option('server.fileWatcherType'), "
        "c.get_option('client.toolbarMode'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.split() == ["False", "none", "viewer"]


@pytest.mark.parametrize(
    ("rate", "text"),
    [
        (1 / 3, "33.3%"),  # 33.333...% to one decimal
        (0.5, "50.0%"),
        (1.0, "100.0%"),
        (0.0, "0.0%"),
        (0.12345, "12.3%"),  # 12.345 rounds to 12.3 (binary 0.12345 is just under)
        (0.98765, "98.8%"),  # 98.765 -> 98.8
        (None, None),  # no population: no rate, and no text either
    ],
)
def test_rate_text_writes_a_rate_as_tiles_do(rate: float | None, text: str | None) -> None:
    frame = pl.DataFrame({"rate": [rate]}, schema={"rate": pl.Float64})
    assert frame.select(rate_text("rate")).item() == text


def test_job_entry_months_too_recent_to_judge_read_not_yet_known(
    sample_db, sample_runner, app_for
) -> None:
    at = app_for(sample_db).run()
    at.switch_page("pages/job_entries.py").run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "month" in d.value.columns)
    rows = {r["month"]: r for r in table.to_dict("records")}
    # The sample's extract date is 2026-10-31. A job is judged at 13 weeks once start + 91
    # days <= 2026-10-31, i.e. it started on or before 2026-08-01: every job of September and
    # October is too recent. At 26 weeks, start + 182 <= 2026-10-31 means on or before
    # 2026-05-02: every job of June to October is too recent.
    for month in ("2026-09", "2026-10"):
        assert rows[month]["sustained_13w_rate"] == "not yet known"
    for month in ("2026-06", "2026-07", "2026-08", "2026-09", "2026-10"):
        assert rows[month]["sustained_26w_rate"] == "not yet known"
    # An old month shows its rate, written from the national month figures as published.
    month = sample_runner.run(
        sample_runner.default_request("job_entries", by="month"), Scope.national()
    ).filter(pl.col("month") == "2025-11")
    sustained, mature = month["sustained_13w"].item(), month["mature_13w"].item()
    assert mature > 0
    assert rows["2025-11"]["sustained_13w_rate"] == f"{sustained / mature:.1%}"
