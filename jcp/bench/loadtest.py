"""`python -m jcp loadtest`: many simulated users of mixed roles on one running app, bounded.

Each user is one Streamlit session driven over Streamlit's own websocket protocol (the
protobuf messages the browser sends and receives at `/_stcore/stream`), so the server does
all the work a browser would cause: a script run per click, with every chart, table and
widget serialised and sent. A user picks a demo user of its role (national, district
manager or team leader, in turn), then for the given time opens pages and changes the
sidebar's filters at random, waiting for each run to finish before the next click.

It prints sessions, page runs, errors, exceptions, page-run times (p50/p95/max), health-check
latency and the server's peak memory, and exits 1 on any hang (a page run not finished in
30 s), exception, error or failed health check. It only ever connects to this machine
(127.0.0.0/8, localhost or ::1), and stops by itself. It needs the app in demo mode (no
`[auth]` in .streamlit/secrets.toml), which is how it signs in as each role. Each user sends a
cookie of its own (`jcp_route=user-N`), as a browser holds the one nginx gives it, so behind
the proxy of deploy/nginx.conf.template (`--instances N`) users spread over the instances as
browsers would, each kept on one.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import os
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from jcp.web.pages import PAGES

HANG_SECONDS = 30.0  # a page run not finished by then is a hang
HEALTH_EVERY = 1.0  # seconds between health checks
HEALTH_TIMEOUT = 5.0  # a health check not answered by then has failed
ROLES = ("national", "district manager", "team leader")
FILTER_KEYS = ("filter_districts", "filter_offices", "filter_benefits", "filter_groups")
PERIOD_KEYS = ("filter_from", "filter_to")
MAX_USERS = 200
MAX_SECONDS = 3600
# A page's own path by its menu title: the navigation message gives the root's page "" instead.
PAGE_PATHS = {page.title: page.url_path for page in PAGES}


class LoadTestError(ValueError):
    """A request the load test refuses (a non-local URL, too many users); one line for the user."""


def check_local(url: str) -> tuple[str, int]:
    """Host and port of `url`, which must be on this machine: it sends traffic nowhere else."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise LoadTestError(f"--url {url!r}: give http://127.0.0.1:PORT (an app on this machine)")
    host = parts.hostname
    try:
        local = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = False
    if not local:
        raise LoadTestError(
            f"--url {url!r}: the load test only targets this machine (127.0.0.1, localhost, ::1)"
        )
    return host, parts.port or 80


@dataclass
class Widget:
    """A sidebar or page widget as the server described it: its id and its options' labels."""

    id: str
    kind: str  # multiselect, selectbox or radio
    options: list[str]


@dataclass
class Results:
    users: int
    seconds: float
    url: str
    hang_seconds: float = HANG_SECONDS
    roles: Counter = field(default_factory=Counter)
    sessions: int = 0
    runs: list[tuple[str, float]] = field(default_factory=list)  # (page, seconds)
    errors: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    hangs: list[str] = field(default_factory=list)
    health: list[float] = field(default_factory=list)  # seconds, answered checks
    health_failed: int = 0
    rss_mb: list[float] = field(default_factory=list)
    peak_rss_mb: float | None = None
    # The app's shared result caches (jcp.web.results.cache_stats) when it wrote them as it
    # stopped: per cache, lookups, results worked out and hit rate.
    result_cache: dict[str, dict] | None = None

    @property
    def passed(self) -> bool:
        return not (self.errors or self.exceptions or self.hangs or self.health_failed)

    def summary(self) -> dict:
        times = [t for _, t in self.runs]
        by_page: dict[str, list[float]] = {}
        for page, t in self.runs:
            by_page.setdefault(page, []).append(t)
        return {
            "users": self.users,
            "seconds": self.seconds,
            "url": self.url,
            "roles": dict(self.roles),
            "sessions": self.sessions,
            "page_runs": len(self.runs),
            "errors": len(self.errors),
            "exceptions": len(self.exceptions),
            "hangs": len(self.hangs),
            "page_run_ms": _stats(times),
            "page_run_ms_by_page": {p: _stats(ts) for p, ts in sorted(by_page.items())},
            "health_checks": len(self.health) + self.health_failed,
            "health_failed": self.health_failed,
            "health_ms": _stats(self.health),
            "peak_rss_mb": self.peak_rss_mb,
            "result_cache": self.result_cache,
            "first_problems": (self.hangs + self.exceptions + self.errors)[:10],
            "passed": self.passed,
        }


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _stats(seconds: list[float]) -> dict[str, float | None]:
    if not seconds:
        return {"p50": None, "p95": None, "max": None}
    return {
        "p50": round(statistics.median(seconds) * 1000, 1),
        "p95": round(_percentile(seconds, 0.95) * 1000, 1),
        "max": round(max(seconds) * 1000, 1),
    }


# --- the server's memory ---------------------------------------------------------------------


def listening_pid(port: int) -> int | None:
    """The process listening on TCP `port` here (Linux /proc), or None when it cannot be told."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(f"socket:[{inode}]")
    if not inodes:
        return None
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                if os.readlink(fd) in inodes:
                    return int(proc.name)
        except OSError:
            continue
    return None


def _status_mb(pid: int, field_name: str) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


async def _watch_memory(pids: list[int], results: Results, stop: asyncio.Event) -> None:
    while not stop.is_set():
        rss = [_status_mb(pid, "VmRSS") for pid in pids]
        if None not in rss:  # all the instances together: what the machine must hold
            results.rss_mb.append(sum(rss))
        await _sleep_or_stop(stop, 0.5)


# --- health ----------------------------------------------------------------------------------


async def _health_once(host: str, port: int) -> bool:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        request = f"GET /_stcore/health HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close"
        writer.write((request + "\r\n\r\n").encode())
        await writer.drain()
        status = await reader.readline()
        return b" 200 " in status
    finally:
        writer.close()


async def _watch_health(host: str, port: int, results: Results, stop: asyncio.Event) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        try:
            ok = await asyncio.wait_for(_health_once(host, port), HEALTH_TIMEOUT)
        except (TimeoutError, OSError):
            ok = False
        if ok:
            results.health.append(time.perf_counter() - started)
        else:
            results.health_failed += 1
        await _sleep_or_stop(stop, HEALTH_EVERY)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


# --- one simulated user ----------------------------------------------------------------------


class Session:
    """One Streamlit session over its websocket: send a rerun, read until the run finishes."""

    def __init__(self, websocket: object, results: Results, label: str) -> None:
        self.ws = websocket
        self.results = results
        self.label = label
        self.pages: dict[str, str] = {}  # the page's own url path -> script hash
        self.widgets: dict[str, Widget] = {}  # user key -> widget, as last drawn
        self.cached: set[str] = set()  # message hashes a browser would hold in its cache
        self.page_hash = ""
        self.session_id = ""
        self.downloads: dict[str, str] = {}  # a download button's label -> its deferred file id

    async def rerun(self, page: str, query: str = "", states: list | None = None) -> bool:
        """One page run; False when it did not finish (hang or lost connection)."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ClientState_pb2 import ClientState
        from streamlit.proto.WidgetStates_pb2 import WidgetStates

        self.page_hash = self.pages.get(page, self.page_hash)
        message = BackMsg(
            rerun_script=ClientState(
                query_string=query,
                page_script_hash=self.page_hash,
                widget_states=WidgetStates(widgets=states or []),
                cached_message_hashes=sorted(self.cached),
            )
        )
        started = time.perf_counter()
        await self.ws.send(message.SerializeToString())
        try:
            finished = await asyncio.wait_for(self._read_run(), self.results.hang_seconds)
        except TimeoutError:
            self.results.hangs.append(
                f"{self.label}: page {page or 'overview'} ran over {self.results.hang_seconds:g} s"
            )
            return False
        except Exception as exc:  # noqa: BLE001 - a lost connection is a result, not a crash
            self.results.errors.append(f"{self.label}: {type(exc).__name__}: {exc}"[:300])
            return False
        if finished:
            self.results.runs.append((page or "overview", time.perf_counter() - started))
        return finished

    async def _read_run(self) -> bool:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        while True:
            msg = ForwardMsg.FromString(await self.ws.recv())
            if msg.hash:
                self.cached.add(msg.hash)
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                self.session_id = msg.new_session.initialize.session_id or self.session_id
            elif kind == "navigation":
                # By each page's own path: the page served at the root ("") depends on the
                # role (Needs attention for managers and team leaders, the overview otherwise).
                self.pages = {
                    PAGE_PATHS.get(p.page_name, p.url_pathname): p.page_script_hash
                    for p in msg.navigation.app_pages
                }
                self.page_hash = msg.navigation.page_script_hash or self.page_hash
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                self._note_element(msg.delta.new_element)
            elif kind == "session_event":
                event = msg.session_event.WhichOneof("type")
                if event == "script_compilation_exception":
                    self.results.exceptions.append(f"{self.label}: compilation error")
            elif kind == "page_not_found":
                self.results.errors.append(f"{self.label}: page not found")
            elif kind == "script_finished":
                return msg.script_finished != ForwardMsg.FINISHED_WITH_COMPILE_ERROR

    def _note_element(self, element: object) -> None:
        kind = element.WhichOneof("type")
        if kind == "exception":
            text = f"{element.exception.type}: {element.exception.message}"
            self.results.exceptions.append(f"{self.label}: {text}"[:300])
        elif kind in ("multiselect", "selectbox", "radio"):
            widget = getattr(element, kind)
            key = widget.id.split("-", 2)[-1]  # ids end with the widget's key
            self.widgets[key] = Widget(widget.id, kind, list(widget.options))
        elif kind == "download_button" and element.download_button.deferred_file_id:
            self.downloads[element.download_button.label] = element.download_button.deferred_file_id

    async def download_url(self, label: str) -> str:
        """The /media/... address of a download button's file, as a click asks the server for
        it: the file is made then, in the memory of the instance holding this session."""
        from streamlit.proto.BackMsg_pb2 import (
            BackendOperationRequest,
            BackMsg,
            DeferredFileRequestPayload,
        )
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        request = BackendOperationRequest(
            request_id=f"{self.label} {label}",
            session_id=self.session_id,
            deferred_file=DeferredFileRequestPayload(file_id=self.downloads[label]),
        )
        await self.ws.send(BackMsg(backend_operation_request=request).SerializeToString())
        while True:
            msg = ForwardMsg.FromString(
                await asyncio.wait_for(self.ws.recv(), self.results.hang_seconds)
            )
            if msg.WhichOneof("type") == "backend_operation_response":
                response = msg.backend_operation_response
                if response.error_msg:
                    raise RuntimeError(f"{label}: {response.error_msg}")
                return response.deferred_file.url


def _choose(widget: Widget, rng: random.Random) -> object:
    """A WidgetState choosing new values for `widget`, as a click in the browser would."""
    from streamlit.proto.Common_pb2 import StringArray
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    if widget.kind == "multiselect":
        picked = rng.sample(widget.options, k=min(len(widget.options), rng.choice((0, 1, 1, 2))))
        return WidgetState(id=widget.id, string_array_value=StringArray(data=picked))
    return WidgetState(id=widget.id, string_value=rng.choice(widget.options))


async def _user(
    number: int,
    host: str,
    port: int,
    deadline: float,
    think: tuple[float, float],
    results: Results,
    seed: int,
) -> None:
    rng = random.Random(seed * 1000 + number)
    role = ROLES[number % len(ROLES)]
    label = f"user {number} ({role})"
    try:
        websocket = await connect(host, port, route_key(number), results.hang_seconds)
    except Exception as exc:  # noqa: BLE001
        results.errors.append(f"{label}: could not connect: {type(exc).__name__}: {exc}"[:300])
        return
    results.sessions += 1
    session = Session(websocket, results, label)
    try:
        if not await session.rerun(""):
            return
        # Sign in as a demo user of this role: the "Demo user" picker's labels name the role.
        demo = session.widgets.get("demo_user")
        if demo is None:
            results.errors.append(f"{label}: no demo user picker (is [auth] configured?)")
            return
        choices = [o for o in demo.options if f"({role}" in o]
        if not choices:
            results.errors.append(f"{label}: the access list has no {role}")
            return
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        who = WidgetState(id=demo.id, string_value=rng.choice(choices))
        results.roles[role] += 1
        if not await session.rerun("", states=[who]):
            return
        while time.monotonic() + think[1] < deadline:
            await asyncio.sleep(rng.uniform(*think))
            action = rng.random()
            page = rng.choice(sorted(session.pages) or [""])
            if action < 0.45:  # open another page
                ok = await session.rerun(page)
            elif action < 0.9:  # change one filter (or "Compare by" where the page has it)
                keys = [k for k in (*FILTER_KEYS, *PERIOD_KEYS) if k in session.widgets]
                keys += [k for k in session.widgets if k.endswith("_by")]
                if keys:
                    state = _choose(session.widgets[rng.choice(keys)], rng)
                    ok = await session.rerun(_current_path(session), states=[state])
                else:  # a page drew no filters (it should not): open another page instead
                    ok = await session.rerun(page)
            else:  # clear every filter
                states = [
                    _choose_none(session.widgets[k]) for k in FILTER_KEYS if k in session.widgets
                ]
                ok = await session.rerun(_current_path(session), states=states)
            if not ok:
                return
    finally:
        await websocket.close()


def route_key(number: int) -> str:
    """User `number`'s cookie for a proxy in front of several instances (deploy/nginx.conf.template
    sends one browser's requests to one instance by it); a single instance ignores it."""
    return f"user-{number}"


async def connect(host: str, port: int, route: str, timeout: float = HANG_SECONDS) -> object:
    """A new session's websocket, as a browser holding the proxy's cookie `route` opens it."""
    import websockets

    return await websockets.connect(
        f"ws://{host}:{port}/_stcore/stream",
        subprotocols=["streamlit"],
        max_size=None,
        open_timeout=timeout,
        ping_interval=None,  # the server's event loop is what is under test, not pings
        additional_headers={"Cookie": f"jcp_route={route}"},
    )


def _current_path(session: Session) -> str:
    return next((p for p, h in session.pages.items() if h == session.page_hash), "")


def _choose_none(widget: Widget) -> object:
    from streamlit.proto.Common_pb2 import StringArray
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    return WidgetState(id=widget.id, string_array_value=StringArray(data=[]))


async def _run(
    url: str,
    users: int,
    seconds: float,
    think: tuple[float, float],
    seed: int,
    pids: list[int],
    hang_seconds: float,
) -> Results:
    host, port = check_local(url)
    results = Results(users, seconds, url, hang_seconds)
    stop = asyncio.Event()
    watchers = [asyncio.create_task(_watch_health(host, port, results, stop))]
    if not pids:
        pids = [pid for pid in [listening_pid(port)] if pid is not None]
    if pids:
        watchers.append(asyncio.create_task(_watch_memory(pids, results, stop)))
    deadline = time.monotonic() + seconds
    # Users arrive over the first two seconds, as people do, not in one instant.
    tasks = []
    for number in range(users):
        tasks.append(asyncio.create_task(_user(number, host, port, deadline, think, results, seed)))
        await asyncio.sleep(2.0 / max(users, 1))
    # Every user stops by the deadline plus one page run's allowance: bounded in time.
    await asyncio.wait(tasks, timeout=seconds + hang_seconds + 10)
    for number, task in enumerate(tasks):
        if not task.done():
            task.cancel()
            results.hangs.append(f"user {number} did not stop in time")
        elif task.exception() is not None:  # a fault of the load test itself: a failed run
            error = task.exception()
            results.errors.append(f"user {number}: {type(error).__name__}: {error}"[:300])
    stop.set()
    await asyncio.gather(*watchers)
    if pids:
        # The kernel's high-water mark of each instance's resident memory, added up: at most
        # what they held at once.
        peak = sum(_status_mb(pid, "VmHWM") or 0.0 for pid in pids)
        results.peak_rss_mb = round(max([peak, *results.rss_mb]), 1)
    return results


def run_load_test(
    url: str,
    users: int,
    seconds: float,
    think: tuple[float, float] = (0.5, 2.0),
    seed: int = 1,
    pid: int | list[int] | None = None,
    hang_seconds: float = HANG_SECONDS,
) -> Results:
    """Run the load test against the app at `url` (on this machine) and return what it saw.

    `pid` is the server's process, or the processes of the instances behind a proxy at `url`,
    for their memory (found from the port when not given);
    `hang_seconds` is how long a page run may take before it counts as a hang.
    """
    if not 1 <= users <= MAX_USERS:
        raise LoadTestError(f"--users {users}: give 1 to {MAX_USERS}")
    if not 1 <= seconds <= MAX_SECONDS:
        raise LoadTestError(f"--seconds {seconds:g}: give 1 to {MAX_SECONDS}")
    if not 0 <= think[0] <= think[1] <= 60:
        raise LoadTestError("--think: give MIN,MAX seconds with 0 <= MIN <= MAX <= 60")
    check_local(url)
    pids = [] if pid is None else [pid] if isinstance(pid, int) else list(pid)
    return asyncio.run(_run(url, users, seconds, think, seed, pids, hang_seconds))


def report(results: Results) -> str:
    """The printed table."""
    s = results.summary()

    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:,.0f} ms"

    roles = ", ".join(f"{n} {role}" for role, n in s["roles"].items())
    lines = [
        f"load test: {s['users']} users ({roles}) for {s['seconds']:g} s against {s['url']}",
        f"{'sessions':<22}{s['sessions']:>10}",
        f"{'page runs':<22}{s['page_runs']:>10}",
        f"{'errors':<22}{s['errors']:>10}",
        f"{'exceptions':<22}{s['exceptions']:>10}",
        f"{f'hangs (> {results.hang_seconds:g} s)':<22}{s['hangs']:>10}",
        f"{'page run p50':<22}{ms(s['page_run_ms']['p50']):>10}",
        f"{'page run p95':<22}{ms(s['page_run_ms']['p95']):>10}",
        f"{'page run max':<22}{ms(s['page_run_ms']['max']):>10}",
        f"{'health checks':<22}{s['health_checks']:>10}  ({s['health_failed']} failed; "
        f"p50 {ms(s['health_ms']['p50'])}, max {ms(s['health_ms']['max'])})",
        f"{'server peak RSS':<22}"
        + (f"{s['peak_rss_mb']:>7,.0f} MB" if s["peak_rss_mb"] is not None else "   unknown"),
    ]
    if s["result_cache"]:
        lines.append(
            "result cache hit rates: "
            + ", ".join(
                f"{name} {stats['hit_rate']:.0%} of {stats['lookups']:,}"
                for name, stats in s["result_cache"].items()
                if stats["hit_rate"] is not None
            )
        )
    lines.append("per page (runs, p50, p95):")
    for page, stats in s["page_run_ms_by_page"].items():
        count = sum(1 for p, _ in results.runs if p == page)
        lines.append(f"  {page:<20}{count:>8}{ms(stats['p50']):>12}{ms(stats['p95']):>12}")
    for problem in s["first_problems"]:
        lines.append(f"problem: {problem}")
    lines.append("result: " + ("PASS" if results.passed else "FAIL"))
    return "\n".join(lines)


def read_cache_stats(path: Path) -> dict[str, dict] | None:
    """What an app started with CACHE_STATS_ENV wrote as it stopped, or None if it wrote nothing
    readable (killed, not stopped)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_json(results: Results, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results.summary(), indent=2) + "\n", encoding="utf-8")
