"""Two app instances behind nginx (deploy/nginx.conf.template): the load test through the proxy,
each browser's requests kept on one instance, and a download that only that instance can serve."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import urllib.error
import urllib.request
import zlib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from jcp.bench.loadtest import Results, Session, connect, route_key, run_load_test
from jcp.bench.proxy import TEMPLATE, nginx_conf, routes, running_instances, running_proxy


def nginx_index(key: str, instances: int) -> int:
    """The instance nginx's `hash KEY` (not `consistent`) picks for `key` when every instance is
    up, worked out independently of nginx: Cache::Memcached's rule, which nginx's source
    (ngx_http_upstream_hash_module.c) follows: ((crc32(key) >> 16) & 0x7fff) % instances."""
    return ((zlib.crc32(key.encode()) >> 16) & 0x7FFF) % instances


def test_the_template_gets_every_instance_and_no_field_left(tmp_path: Path) -> None:
    conf = nginx_conf("127.0.0.1:9000", ["127.0.0.1:8601", "127.0.0.1:8602"], tmp_path)
    assert "        server 127.0.0.1:8601;\n        server 127.0.0.1:8602;\n" in conf
    assert "listen 127.0.0.1:9000;" in conf
    assert f"pid {tmp_path}/nginx.pid;" in conf
    assert "@" not in conf.replace("@ signs", "")
    assert TEMPLATE.read_text().count("@UPSTREAMS@") == 1


@pytest.fixture(scope="module")
def proxied(sample_db):
    """Two instances against the sample database and nginx in front of them."""
    with running_instances(sample_db, 2) as apps, running_proxy([u for u, _ in apps]) as proxy:
        yield apps, proxy


def test_six_users_through_the_proxy_each_stay_on_one_instance(proxied) -> None:
    apps, proxy = proxied
    results = run_load_test(proxy.url, users=6, seconds=15, pid=[a.pid for _, a in apps])
    summary = results.summary()
    print(summary)  # for the person reading the test log: the page-run times through nginx
    assert summary["first_problems"] == [] and results.passed
    assert summary["sessions"] == 6 and summary["health_failed"] == 0
    # Each opens the app and signs in (2 page runs) at least.
    assert summary["page_runs"] >= 6 * 2
    instances = [urlsplit(url).netloc for url, _ in apps]
    reached = routes(proxy.access_log)
    # Users 0..5's keys user-0..user-5 give crc32 >> 16 & 0x7fff odd, even, odd, even, even,
    # odd: users 1, 3 and 4 on the first instance, 0, 2 and 5 on the second. Every request a
    # user made (its WebSocket and any other) reached that one instance.
    expected = {route_key(n): {instances[nginx_index(route_key(n), 2)]} for n in range(6)}
    assert {n: expected[route_key(n)] for n in range(6)} == {
        1: {instances[0]}, 3: {instances[0]}, 4: {instances[0]},
        0: {instances[1]}, 2: {instances[1]}, 5: {instances[1]},
    }  # fmt: skip
    assert {key: reached.get(key) for key in expected} == expected
    # Both instances used their own memory (the load test adds up their resident memory).
    assert summary["peak_rss_mb"] > 2 * 100


async def _download_through(proxy_url: str, route: str) -> tuple[str, str]:
    """Sign in as a national user over the proxy, open the overview, and ask for its first CSV
    download as a click would: (the download's title, its /media/... address)."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    host, port = urlsplit(proxy_url).hostname, urlsplit(proxy_url).port
    websocket = await connect(host, port, route)
    session = Session(websocket, Results(1, 1, proxy_url), "download")
    try:
        assert await session.rerun("")
        demo = session.widgets["demo_user"]
        national = next(o for o in demo.options if "(national" in o)
        assert await session.rerun("", states=[WidgetState(id=demo.id, string_value=national)])
        assert await session.rerun("overview")
        label = next(label for label in session.downloads if label.startswith("Download CSV: "))
        return label.removeprefix("Download CSV: "), await session.download_url(label)
    finally:
        await websocket.close()


def _get(url: str, route: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Cookie": f"jcp_route={route}"} if route else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def test_a_download_through_the_proxy_reaches_the_instance_that_made_it(proxied) -> None:
    apps, proxy = proxied
    # user-1 hashes to the first instance (see above): its session and its file live there.
    route = route_key(1)
    title, media = asyncio.run(_download_through(proxy.url, route))
    assert media.startswith("/media/")
    status, body = _get(proxy.url + media, route)
    assert status == 200
    # The app's CSV starts with its own header line naming the table (jcp/web/widgets.py).
    assert body.decode("utf-8").startswith(f"# {title}. Data as at ")
    # Why the proxy must be sticky: the file is in the memory of the instance that ran the
    # click, and the other instance has never heard of it.
    assert _get(apps[0][0] + media)[0] == 200
    assert _get(apps[1][0] + media)[0] == 404


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--instances", "9"], "--instances 9: give 1 to 8"),
        (["--instances", "0"], "--instances 0: give 1 to 8"),
        (["--instances", "2", "--url", "http://127.0.0.1:8501"], "give it without --url"),
    ],
)
def test_the_command_refuses_bad_instances_in_one_line(arguments: list[str], message: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "jcp", "loadtest", *arguments],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and message in done.stderr
