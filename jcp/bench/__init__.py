"""`python -m jcp bench`: load, measure, page and start-up timings at a given scale, against pandas.

Numbers are printed and written to bench/results/N-GEOGRAPHY.json; nothing here asserts a time.
The method is in docs/performance.md.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from jcp.config import load_settings
from jcp.extract.db import connect_read_only
from jcp.extract.generate import default_geography
from jcp.measures.access import Scope
from jcp.measures.network import Catalogue, read_catalogue
from jcp.measures.queries import Engine
from jcp.measures.runner import COMPARE_UNITS, MEASURES, Runner, groupings_of
from jcp.measures.specs import comparable_columns
from jcp.web.pages import PAGES as WEB_PAGES

ROOT = Path(__file__).resolve().parent.parent.parent
CACHE = ROOT / "bench" / "cache"
RESULTS = ROOT / "bench" / "results"
# Renders per page: the cold one (once), then medians of warm and cached renders.
PAGE_RUNS = {"cold": 1, "warm": 3, "cached": 5}
# App starts timed; the median is reported (one start varies by ±0.5 s on this machine).
APP_STARTS = 3
# The pages timed, by their link name (jcp/web/pages.py holds the one list).
PAGES = [page.url_path for page in WEB_PAGES]
# Fixed codes, so runs compare across scales and geographies: D02 and D01-O03 exist in both the
# sample geography (West Yorkshire; Stockport, a mid-sized office of D01) and the national one
# (D01-O03 is one of the larger offices there). `check_filter_sets` stops a run whose database
# lacks one, rather than timing an error.
FILTER_SETS = {
    "all": {},
    "one district": {"districts": ("D02",)},
    "one office, UC": {"offices": ("D01-O03",), "benefits": ("UC",)},
}


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def prepare(
    claims: int,
    seed: int,
    cache: Path = CACHE,
    geography: str | None = None,
    memory_limit: str | None = None,
    temp_directory: Path | None = None,
) -> tuple[Path, dict]:
    """Generate (once, cached) and load the extract; time the load in its own process.

    `geography`: "sample" or "national"; None is the generator's default for `claims`.
    `memory_limit`, `temp_directory`: the load's --memory-limit and --temp-dir (None: the
    settings' [load] values, as `python -m jcp load` takes them).
    """
    geography = geography or default_geography(claims)
    # The geography is in both names, so the two geographies at one size are cached side by
    # side, and an extract cached before there was a national geography is not taken for one.
    extract = cache / f"extract-{claims}-{seed}-{geography}"
    if not (extract / "extract.toml").exists():
        shutil.rmtree(extract, ignore_errors=True)
        print(f"generating {claims:,} claims, {geography} geography …", flush=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "jcp",
                "generate",
                str(extract),
                "--claims",
                str(claims),
                "--seed",
                str(seed),
                "--format",
                "parquet",
                "--geography",
                geography,
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    db = cache / f"db-{claims}-{seed}-{geography}.duckdb"
    print("loading (full validation) …", flush=True)
    command = [sys.executable, "-m", "jcp", "load", str(extract), "--db", str(db)]
    if memory_limit:
        command += ["--memory-limit", memory_limit]
    if temp_directory:
        command += ["--temp-dir", str(temp_directory)]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    # The load's own peak memory: wait4 gives this child's, where RUSAGE_CHILDREN would give
    # the largest of every child so far (the generator's, when it ran just before).
    _, status, usage = os.wait4(process.pid, 0)
    load_seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command)
    con = connect_read_only(db)
    rows_total = con.execute("select sum(rows_read) from loads").fetchone()[0]
    catalogue = read_catalogue(con)
    con.close()
    return extract, {
        "geography": geography,
        "districts": len(catalogue.districts),
        "offices": len(catalogue.office_districts),
        "rows_total": int(rows_total),
        "load_seconds": round(load_seconds, 2),
        "load_rows_per_second": round(rows_total / load_seconds),
        "db_megabytes": round(db.stat().st_size / 1e6, 1),
        "load_peak_rss_megabytes": round(usage.ru_maxrss / 1024, 1),
        "load_memory_limit": memory_limit or load_settings().load_memory_limit,
        "db": str(db),
    }


def check_filter_sets(catalogue: Catalogue) -> None:
    """Raise when a filter set names a district or office the database does not hold."""
    for label, filters in FILTER_SETS.items():
        missing = [d for d in filters.get("districts", ()) if d not in catalogue.district_names]
        missing += [o for o in filters.get("offices", ()) if o not in catalogue.office_districts]
        if missing:
            raise RuntimeError(
                f"bench filter set {label!r} names {', '.join(missing)}, which this database "
                "does not hold: change FILTER_SETS in jcp/bench/__init__.py to codes of every "
                "geography"
            )


def time_measures(
    db: Path,
    extract: Path | None,
    runs: int,
    with_pandas: bool,
    open_engine: Callable[[], Engine] | None = None,
) -> tuple[dict, list]:
    """Cold and warm runner timings per measure and grouping, and the pandas peer's.

    `open_engine`: the engine timed, opened afresh for each cold run (default: the database
    file; the Parquet engine over its export with --parquet)."""

    def fresh_runner() -> Runner:
        return Runner(open_engine() if open_engine else connect_read_only(db))

    peer = None
    mismatches: list[str] = []
    peer_load = None
    if with_pandas:
        from jcp.bench.pandas_peer import PandasPeer, compare

        started = time.perf_counter()
        peer = PandasPeer(extract)
        peer_load = time.perf_counter() - started
    national = Scope.national()
    # pandas takes seconds a request at national scale: fewer repeats keep the run in hours' reach.
    pandas_runs = max(1, runs // 2)
    results: dict[str, dict] = {}
    warm_runner = fresh_runner()
    check_filter_sets(warm_runner.catalogue)
    for name in MEASURES:
        results[name] = {}
        for by in groupings_of(name):
            warm, cold, pandas_times = [], [], []
            for filters in FILTER_SETS.values():
                request = replace(warm_runner.default_request(name, by=by), **filters)
                # Cold: the first run on a freshly opened database (new process state aside).
                fresh = fresh_runner()
                started = time.perf_counter()
                fresh.run(request, national)
                cold.append(time.perf_counter() - started)
                fresh.engine.close()
                for _ in range(runs):
                    started = time.perf_counter()
                    warm_runner.run(request, national)
                    warm.append(time.perf_counter() - started)
                if peer is not None:
                    expected = warm_runner.run(request, national, unsuppressed=True)
                    for _ in range(pandas_runs):
                        started = time.perf_counter()
                        actual = peer.run(request)
                        pandas_times.append(time.perf_counter() - started)
                    mismatches += [
                        f"{name} by {by} {filters}: {d}" for d in compare(expected, actual)
                    ]
            entry = {
                "p50_ms": _ms(statistics.median(warm)),
                "p95_ms": _ms(_percentile(warm, 0.95)),
                "cold_ms": _ms(max(cold)),
            }
            if pandas_times:
                entry["pandas_p50_ms"] = _ms(statistics.median(pandas_times))
                entry["ratio_vs_pandas"] = round(
                    statistics.median(pandas_times) / statistics.median(warm), 1
                )
            results[name][by] = entry
            print(f"  {name:<20}{by:<9}{entry}", flush=True)
    warm_runner.engine.close()
    if peer_load is not None:
        results["_pandas_peer_load_seconds"] = round(peer_load, 2)  # type: ignore[assignment]
    return results, mismatches


def time_parquet(db: Path, layout: Path, runs: int) -> dict:
    """The Parquet engine (docs/scale-out.md) over an export of the database, timed as
    time_measures times the database: the export's size, opening the engine, every measure."""
    from jcp.measures.engines import open_engine
    from jcp.measures.export import export_parquet

    shutil.rmtree(layout, ignore_errors=True)  # the database was loaded again: a new export
    con = connect_read_only(db)
    started = time.perf_counter()
    export_parquet(con, layout, source=str(db))
    export_seconds = time.perf_counter() - started
    con.close()
    files = list(layout.rglob("*.parquet"))
    opens = []
    for _ in range(3):
        started = time.perf_counter()
        engine = open_engine("parquet", parquet=layout)
        opens.append(time.perf_counter() - started)
        engine.close()
    print(f"parquet: exported in {export_seconds:.1f} s, {len(files):,} files", flush=True)
    measures, _ = time_measures(
        db, None, runs, False, lambda: open_engine("parquet", parquet=layout)
    )
    return {
        "export_seconds": round(export_seconds, 2),
        "files": len(files),
        "megabytes": round(sum(p.stat().st_size for p in files) / 1e6, 1),
        "open_ms": _ms(statistics.median(opens)),
        "measures": measures,
    }


def time_compare(db: Path, runs: int) -> dict:
    """Cold and warm Runner.compare timings for every comparable rate, unit and adjustment:
    {"measure.column": {unit: {"unadjusted" | "adjusted": timings}}}, national scope, the
    default period (a comparison runs nationally whatever the filters, so none are varied)."""
    national = Scope.national()
    warm_runner = Runner(connect_read_only(db))
    results: dict[str, dict] = {}
    for name in MEASURES:
        for column in comparable_columns(name):
            label = f"{name}.{column}"
            results[label] = {}
            request = warm_runner.default_request(name)
            for unit in COMPARE_UNITS:
                results[label][unit] = {}
                for adjusted in (False, True):
                    fresh = Runner(connect_read_only(db))
                    started = time.perf_counter()
                    fresh.compare(request, column, unit, national, adjusted=adjusted)
                    cold = time.perf_counter() - started
                    fresh.engine.close()
                    warm = []
                    for _ in range(runs):
                        started = time.perf_counter()
                        warm_runner.compare(request, column, unit, national, adjusted=adjusted)
                        warm.append(time.perf_counter() - started)
                    entry = {
                        "p50_ms": _ms(statistics.median(warm)),
                        "p95_ms": _ms(_percentile(warm, 0.95)),
                        "cold_ms": _ms(cold),
                    }
                    form = "adjusted" if adjusted else "unadjusted"
                    results[label][unit][form] = entry
                    print(f"  compare {label:<38}{unit:<9}{form:<11}{entry}", flush=True)
    warm_runner.engine.close()
    return results


@contextmanager
def _as_navigation_app(db: Path) -> Iterator[None]:
    """AppTest runs app.py as the server does, against `db` (see tests/conftest.py: AppTest
    would otherwise run page files without app.py's frame)."""
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def as_navigation_app(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = as_navigation_app  # type: ignore[method-assign]
    os.environ["JCP_DB"] = str(db)
    try:
        yield
    finally:
        PagesManager.__init__ = original  # type: ignore[method-assign]


def time_pages(db: Path) -> dict:
    """Each page through AppTest.

    cold: connection and results caches cleared; warm: results cache cleared (the database is
    open and its pages are in memory); cached: a rerun, as when a user changes page and back.
    Warm and cached are medians of PAGE_RUNS renders: one render of a page varies by ±10 ms
    on this machine, as much as the gap to a target.
    """
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from jcp.web import widgets

    pages: dict[str, dict] = {}
    with _as_navigation_app(db):
        for page in PAGES:
            timings = {}
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
            at.run()  # sign in and register the pages; then start the page from nothing
            if page != "overview":
                at.switch_page(f"pages/{page}.py")
            for label, repeats in PAGE_RUNS.items():
                samples = []
                for _ in range(repeats):
                    if label == "cold":
                        st.cache_resource.clear()
                    if label in ("cold", "warm"):
                        st.cache_data.clear()
                        widgets.clear_results()
                    started = time.perf_counter()
                    at.run()
                    samples.append(time.perf_counter() - started)
                    if at.exception:
                        raise RuntimeError(f"{page}: {at.exception[0].value}")
                timings[f"{label}_ms"] = _ms(statistics.median(samples))
            pages[page] = timings
            print(f"  page {page:<20}{timings}", flush=True)
    return pages


@contextmanager
def _counting(counts: Counter, targets: dict[str, tuple[object, str]]) -> Iterator[None]:
    """Count calls of each `name: (owner, attribute)` while inside; restore them after."""
    originals = {name: getattr(owner, attr) for name, (owner, attr) in targets.items()}

    def counted(name: str, function):  # type: ignore[no-untyped-def]
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            counts[name] += 1
            return function(*args, **kwargs)

        return wrapper

    for name, (owner, attr) in targets.items():
        setattr(owner, attr, counted(name, originals[name]))
    try:
        yield
    finally:
        for name, (owner, attr) in targets.items():
            setattr(owner, attr, originals[name])


def count_page_work(db: Path) -> dict:
    """What one run of each page does, warm (results not cached) and cached (a rerun).

    Counted, not timed: runner requests, SQL queries, pandas Stylers built, Altair charts
    built and serialised, and the elements sent to the browser. Under load every session pays
    for these on the server's one interpreter lock (docs/performance.md, "Many users at once").
    """
    from streamlit.testing.v1 import AppTest

    from jcp.measures.engines import DuckDBEngine
    from jcp.measures.runner import Runner
    from jcp.web import charts, widgets

    builders = {n: (charts, n) for n in dir(charts) if callable(getattr(charts, n))}
    builders = {n: t for n, t in builders.items() if not n.startswith("_") and n[0].islower()}
    work: dict[str, dict] = {}
    with _as_navigation_app(db):
        for page in PAGES:
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
            at.run()
            if page != "overview":
                at.switch_page(f"pages/{page}.py")
            at.run()
            work[page] = {}
            for label in ("warm", "cached"):
                if label == "warm":
                    widgets.clear_results()
                counts: Counter = Counter()
                targets = {
                    "requests": (Runner, "run"),
                    "queries": (DuckDBEngine, "query"),
                    "styled tables": (widgets, "styled"),
                    **{f"chart:{n}": t for n, t in builders.items()},
                }
                with _counting(counts, targets):
                    at.run()
                elements = Counter(type(e).__name__ for e in at.main) + Counter(
                    type(e).__name__ for e in at.sidebar
                )
                work[page][label] = {
                    "requests": counts["requests"],
                    "queries": counts["queries"],
                    "styled_tables": counts["styled tables"],
                    "charts_built": sum(v for k, v in counts.items() if k.startswith("chart:")),
                    "elements": sum(elements.values()),
                }
            print(f"  page work {page:<20}{work[page]}", flush=True)
    return work


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_healthy(url: str, process: subprocess.Popen, timeout: float) -> bool:
    """Whether `url`'s health check answers within `timeout` seconds; False as soon as the
    process serving it (an app, or nginx in front of apps) has ended."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1):
                return True
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                return False
            time.sleep(0.05)


@contextmanager
def running_app(
    db: Path, timeout: float = 120, env: dict[str, str] | None = None, script: Path | None = None
) -> Iterator[tuple[str, subprocess.Popen]]:
    """The app as `make run` starts it (`python -m jcp serve`) on a free localhost port against
    `db`, healthy, until the end (`env`: more environment variables for it; `script`: another
    Streamlit script served instead, with `streamlit run`)."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    # Its messages go to a file, not a pipe: a pipe nobody reads fills up (64 KiB) and then
    # blocks the server on its next warning, which under a load test looks like a hang.
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    command = ["streamlit", "run", str(script)] if script else ["jcp", "serve"]
    app = subprocess.Popen(
        [
            sys.executable,
            "-m",
            *command,
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env={**os.environ, "JCP_DB": str(db), **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        if not wait_until_healthy(url, app, timeout):
            app.kill()
            log.seek(0)
            error = log.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"streamlit did not start: {error}")
        yield url, app
    finally:
        app.terminate()
        try:
            app.wait(timeout=15)
        except subprocess.TimeoutExpired:  # a hung server does not answer SIGTERM
            app.kill()
            app.wait(timeout=15)
        log.close()


CHROMIUM_ARGS = [
    # Without these, Chromium keeps trying to reach Google services the closed network refuses.
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def time_app_start(db: Path) -> tuple[float | None, float | None]:
    """Seconds from starting the app to the overview's first figure in Chromium; app peak RSS.

    Chromium is started, with a blank page open, before the clock: its own launch (~1 s) is
    the browser's start-up, not the app's.
    """
    chromium = shutil.which("chromium")
    if chromium is None:
        print("  (no chromium: app start-up not measured)")
        return None, None
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto("about:blank")
        started = time.perf_counter()
        with running_app(db) as (url, app):
            page.goto(url)
            page.wait_for_selector('[data-testid="stMetricValue"]', timeout=600_000)
            first_figures = time.perf_counter() - started
            # Visit every page so the app's memory peak is realistic; a page has drawn when its
            # heading is there (About and the accessibility statement have no figures).
            for entry in WEB_PAGES[1:]:
                page.goto(f"{url}/{entry.url_path}")
                page.locator("h1", has_text=entry.heading).first.wait_for(timeout=120_000)
            status = Path(f"/proc/{app.pid}/status").read_text()
            peak_kb = next(
                int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM")
            )
        browser.close()
    return round(first_figures, 2), round(peak_kb / 1024, 1)


def run_benchmark(
    claims: int,
    seed: int = 1,
    runs: int = 7,
    pages: bool = True,
    app: bool = True,
    with_pandas: bool = True,
    workdir: Path | None = None,
    geography: str | None = None,
    app_starts: int = APP_STARTS,
    parquet: bool = False,
    memory_limit: str | None = None,
    temp_directory: Path | None = None,
) -> dict:
    """Everything, at one scale and geography (None: the generator's default for `claims`);
    workdir (default bench/) holds cache/ and results/; the app's start is timed `app_starts`
    times and the median reported; `parquet`: every measure again on the Parquet engine."""
    started = time.perf_counter()
    cache = (workdir / "cache") if workdir else CACHE
    results_dir = (workdir / "results") if workdir else RESULTS
    extract, load = prepare(claims, seed, cache, geography, memory_limit, temp_directory)
    db = Path(load.pop("db"))
    print(f"load: {load}", flush=True)
    # Pages and the app's start first: after the pandas peer has held its copy of the data
    # (8 GB at 10M claims) they were slower and noisier (overview warm 2.4 s against 1.5 s,
    # app start 12.4 s against 4.3-5.0 s, each measured on its own).
    page_times = time_pages(db) if pages else {}
    page_work = count_page_work(db) if pages else {}
    starts = [time_app_start(db) for _ in range(app_starts)] if app else []
    app_starts = [seconds for seconds, _ in starts if seconds is not None]
    app_start = round(statistics.median(app_starts), 2) if app_starts else None
    app_rss = max((rss for _, rss in starts if rss is not None), default=None)
    measures, mismatches = time_measures(db, extract, runs, with_pandas)
    comparisons = time_compare(db, runs)
    layout = cache / f"parquet-{claims}-{seed}-{load['geography']}"
    parquet_times = time_parquet(db, layout, runs) if parquet else None
    result = {
        "claims": claims,
        "seed": seed,
        "commit": _commit(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
        "measured_at": dt.datetime.now().isoformat(timespec="seconds"),
        **load,
        "measures": measures,
        "compare": comparisons,
        "pandas_checked": with_pandas,
        "pandas_mismatches": mismatches,
        "pages": page_times,
        "page_work": page_work,
        "app_cold_start_seconds": app_start,
        "app_cold_start_samples": app_starts,
        "peak_rss_megabytes": {
            "bench": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "load": load["load_peak_rss_megabytes"],
            "app": app_rss,
        },
        "bench_seconds": round(time.perf_counter() - started, 1),
    }
    if parquet_times is not None:
        result["parquet"] = parquet_times
    results_dir.mkdir(parents=True, exist_ok=True)
    # The geography is in the name, so the two geographies' results at one size sit side by side.
    results_file = results_dir / f"{claims}-{result['geography']}.json"
    results_file.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print_summary(result)
    return result


def _commit() -> str | None:
    """The commit measured, with "+changes" when the work tree differs from it; None outside git."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{head}+changes" if dirty else head


def _geography(result: dict) -> str:
    # Results written before the districts and offices were counted name the geography only.
    if "offices" not in result:
        return f"{result.get('geography', 'unknown')} geography"
    return (
        f"{result['geography']} geography ({result['districts']} districts, "
        f"{result['offices']} offices)"
    )


def print_summary(result: dict) -> None:
    print(
        f"\n{result['claims']:,} claims, {_geography(result)}, {result['rows_total']:,} rows: load "
        f"{result['load_seconds']} s ({result['load_rows_per_second']:,} rows/s), database "
        f"{result['db_megabytes']} MB"
    )
    print(
        f"{'measure':<20}{'by':<10}{'p50 ms':>9}{'p95 ms':>9}{'cold ms':>9}"
        f"{'pandas ms':>11}{'x faster':>10}"
    )
    for name, groupings in result["measures"].items():
        if name.startswith("_"):
            continue
        for by, t in groupings.items():
            print(
                f"{name:<20}{by:<10}{t['p50_ms']:>9}{t['p95_ms']:>9}{t['cold_ms']:>9}"
                f"{t.get('pandas_p50_ms', ''):>11}{t.get('ratio_vs_pandas', ''):>10}"
            )
    # Results written before compare was timed have none.
    if result.get("compare"):
        print(f"{'compare':<40}{'unit':<10}{'form':<12}{'p50 ms':>9}{'p95 ms':>9}{'cold ms':>9}")
        for label, unit, form, t in _compare_rows(result):
            print(
                f"{label:<40}{unit:<10}{form:<12}{t['p50_ms']:>9}{t['p95_ms']:>9}{t['cold_ms']:>9}"
            )
    if result.get("parquet"):
        print(_parquet_header(result["parquet"]))
        print(f"{'measure':<20}{'by':<10}{'db p50':>9}{'db p95':>9}{'pq p50':>9}{'pq p95':>9}")
        for name, by, db, pq in _parquet_rows(result):
            print(
                f"{name:<20}{by:<10}{db['p50_ms']:>9}{db['p95_ms']:>9}"
                f"{pq['p50_ms']:>9}{pq['p95_ms']:>9}"
            )
    for page, t in result["pages"].items():
        print(f"page {page:<20} {t}")
    print(
        f"app cold start to first figures: {result['app_cold_start_seconds']} s "
        f"(median of {_samples(result)}); peak RSS MB: {result['peak_rss_megabytes']}"
    )
    print(f"pandas peer mismatches: {_pandas_check(result)}")


def _parquet_header(parquet: dict) -> str:
    return (
        f"Parquet engine: {parquet['files']:,} files, {parquet['megabytes']} MB, exported in "
        f"{parquet['export_seconds']} s, opened in {parquet['open_ms']} ms"
    )


def _parquet_rows(result: dict) -> Iterator[tuple[str, str, dict, dict]]:
    """(measure, grouping, database timings, Parquet engine timings) from one run."""
    for name, groupings in result["parquet"]["measures"].items():
        for by, timings in groupings.items():
            yield name, by, result["measures"][name][by], timings


def _compare_rows(result: dict) -> Iterator[tuple[str, str, str, dict]]:
    """(measure.column, unit, form, timings) for each comparison timed."""
    for label, units in result.get("compare", {}).items():
        for unit, forms in units.items():
            for form, timings in forms.items():
                yield label, unit, form, timings


def _pandas_check(result: dict) -> str:
    """How many peer answers differed, or that the peer was not run (--no-pandas)."""
    if not result.get("pandas_checked", True):
        return "not checked (--no-pandas)"
    return str(len(result["pandas_mismatches"]))


def _samples(result: dict) -> str:
    # Results written before APP_STARTS have one start and no samples.
    samples = result.get("app_cold_start_samples") or [result["app_cold_start_seconds"]]
    return ", ".join(f"{s} s" for s in samples)


def markdown(result: dict) -> str:
    """The result as the Markdown tables docs/performance.md shows."""
    lines = [
        f"**{result['claims']:,} claims**, {_geography(result)}, "
        f"{result['rows_total']:,} rows in all tables; {result['machine']}; measured "
        f"{result['measured_at']}"
        + (f" at {result['commit']}" if result.get("commit") else "")
        + ".",
        "",
        f"- load with full validation: {result['load_seconds']} s, "
        f"{result['load_rows_per_second']:,} rows/s; database {result['db_megabytes']} MB",
        f"- peak memory: load {result['peak_rss_megabytes']['load']} MB, app "
        f"{result['peak_rss_megabytes']['app']} MB, benchmark process "
        f"{result['peak_rss_megabytes']['bench']} MB (it also holds the pandas peer)",
        f"- app cold start to first figures in Chromium: {result['app_cold_start_seconds']} s "
        f"(median of {_samples(result)})",
        f"- pandas peer answers that differ from the runner's: {_pandas_check(result)}",
        "",
        "| measure | by | p50 ms | p95 ms | cold ms | pandas p50 ms | × faster than pandas |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, groupings in result["measures"].items():
        if name.startswith("_"):
            continue
        for by, t in groupings.items():
            lines.append(
                f"| {name} | {by} | {t['p50_ms']} | {t['p95_ms']} | {t['cold_ms']} | "
                f"{t.get('pandas_p50_ms', '')} | {t.get('ratio_vs_pandas', '')} |"
            )
    if result.get("compare"):
        lines += [
            "",
            "| compare (rate) | unit | form | p50 ms | p95 ms | cold ms |",
            "| --- | --- | --- | ---: | ---: | ---: |",
        ]
        for label, unit, form, t in _compare_rows(result):
            lines.append(
                f"| {label} | {unit} | {form} | {t['p50_ms']} | {t['p95_ms']} | {t['cold_ms']} |"
            )
    if result.get("parquet"):
        lines += [
            "",
            _parquet_header(result["parquet"]) + ":",
            "",
            "| measure | by | database p50 ms | database p95 ms | Parquet p50 ms | Parquet p95 ms "
            "| Parquet cold ms |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for name, by, db, pq in _parquet_rows(result):
            lines.append(
                f"| {name} | {by} | {db['p50_ms']} | {db['p95_ms']} | {pq['p50_ms']} "
                f"| {pq['p95_ms']} | {pq['cold_ms']} |"
            )
    lines += ["", "| page | cold ms | warm ms | cached rerun ms |", "| --- | ---: | ---: | ---: |"]
    for page, t in result["pages"].items():
        lines.append(f"| {page} | {t['cold_ms']} | {t['warm_ms']} | {t['cached_ms']} |")
    # Results written before count_page_work have no page_work.
    if result.get("page_work"):
        lines += [
            "",
            "| page (one run, results not cached) | requests | SQL queries | styled tables "
            "| chart builder calls | elements sent |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for page, w in result["page_work"].items():
            warm = w["warm"]
            lines.append(
                f"| {page} | {warm['requests']} | {warm['queries']} | {warm['styled_tables']} "
                f"| {warm['charts_built']} | {warm['elements']} |"
            )
    return "\n".join(lines)
