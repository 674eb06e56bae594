"""`python -m jcp loadtest`: simulated users of every role on a real server, and a test that
fails when the server misbehaves (an exception in a page, a page run that never ends)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from jcp.bench import running_app
from jcp.bench.loadtest import (
    LoadTestError,
    Results,
    check_local,
    listening_pid,
    read_cache_stats,
    report,
    run_load_test,
)
from jcp.config import CACHE_STATS_ENV
from jcp.web.pages import PAGES

ROOT = Path(__file__).resolve().parent.parent


def test_ten_users_of_every_role_for_thirty_seconds(sample_db, tmp_path) -> None:
    stats = tmp_path / "cache-stats.json"
    with running_app(sample_db, env={CACHE_STATS_ENV: str(stats)}) as (url, app):
        results = run_load_test(url, users=10, seconds=30, pid=app.pid)
    summary = results.summary()
    print(summary)  # for the person reading the test log: the page-run times under load
    assert summary["first_problems"] == []
    assert results.passed
    assert summary["sessions"] == 10
    # Users take the roles in turn from user 0: 0, 3, 6 and 9 national; 1, 4, 7 district
    # managers; 2, 5 and 8 team leaders.
    assert summary["roles"] == {"national": 4, "district manager": 3, "team leader": 3}
    # Every user opens the app and signs in (2 runs) before clicking at most every 2 s.
    assert summary["page_runs"] >= 10 * 2
    # The load test names a page by its link's path; the default page's ("") as "overview".
    assert {page for page, _ in results.runs} <= {page.url_path for page in PAGES}
    assert summary["health_failed"] == 0 and summary["health_checks"] >= 20
    assert summary["peak_rss_mb"] is not None and summary["peak_rss_mb"] > 0
    # The app wrote its shared caches' counts as it stopped: each page looked results up, and
    # each result worked out was looked up at least once.
    cache = read_cache_stats(stats)
    assert cache is not None
    assert cache["run"]["lookups"] >= cache["run"]["computed"] > 0
    assert 0 < cache["run"]["hit_rate"] < 1


def test_the_report_gives_each_caches_hit_rate() -> None:
    results = Results(users=1, seconds=1.0, url="http://127.0.0.1:1")
    # 200 lookups, 50 worked out: 150 found, 75%; 4 lookups, 4 worked out: 0%.
    results.result_cache = {
        "league": {"lookups": 4, "computed": 4, "hit_rate": 0.0},
        "run": {"lookups": 200, "computed": 50, "hit_rate": 0.75},
        "report": {"lookups": 0, "computed": 0, "hit_rate": None},
    }
    assert "result cache hit rates: league 0% of 4, run 75% of 200\n" in report(results)
    assert results.summary()["result_cache"] == results.result_cache


def test_cache_stats_an_app_did_not_write_are_none(tmp_path) -> None:
    assert read_cache_stats(tmp_path / "missing.json") is None
    (tmp_path / "cut.json").write_text('{"run": {"look', encoding="utf-8")
    assert read_cache_stats(tmp_path / "cut.json") is None


STAND_IN = ROOT / "tests" / "apps" / "misbehaving_app.py"


def test_an_exception_in_a_page_fails_the_load_test() -> None:
    with running_app(Path("unused"), script=STAND_IN, env={"MISBEHAVE": "raise"}) as (url, _):
        results = run_load_test(url, users=2, seconds=4, think=(0.1, 0.3))
    assert not results.passed
    assert results.exceptions and "a page that fails" in results.exceptions[0]
    assert not results.hangs


def test_a_page_run_that_does_not_finish_is_a_hang() -> None:
    with running_app(Path("unused"), script=STAND_IN, env={"MISBEHAVE": "hang"}) as (url, _):
        results = run_load_test(url, users=2, seconds=3, think=(0.1, 0.3), hang_seconds=2)
    assert not results.passed
    # Each user's first click after signing in never finishes: one hang per user.
    assert len(results.hangs) == 2
    assert "ran over 2 s" in results.hangs[0]


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1:8501",
        "http://192.168.1.20:8501",
        "http://example.gov.uk:8501",
        "https://127.0.0.1:8501",
        "ftp://127.0.0.1",
        "127.0.0.1:8501",
    ],
)
def test_only_this_machine_is_a_target(url: str) -> None:
    with pytest.raises(LoadTestError):
        check_local(url)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8501", "http://localhost:8501", "http://[::1]:8501"]
)
def test_loopback_addresses_are_targets(url: str) -> None:
    assert check_local(url)[1] == 8501


def test_the_server_process_is_found_from_its_port() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        assert listening_pid(listener.getsockname()[1]) == os.getpid()


def test_the_command_refuses_a_remote_url_in_one_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "jcp", "loadtest", "--url", "http://10.1.2.3:8501"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "only targets this machine" in done.stderr
