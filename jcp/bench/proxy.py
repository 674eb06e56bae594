"""N app instances behind nginx on this machine, for the load test and tests/test_proxy.py.

nginx is Debian's (`make nginx` installs it). It runs unprivileged from a temporary folder
(its pid, logs and temporary files there), in the foreground, listening on 127.0.0.1 only; its
configuration is `deploy/nginx.conf.template` with the ports filled in, the same file a
deployment starts from (docs/scale-out.md, "Many instances").
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from jcp.bench import ROOT, _free_port, running_app, wait_until_healthy

TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
ROUTE_COOKIE = "jcp_route"  # the cookie the template hashes to choose an instance
MAX_INSTANCES = 8  # two cores: more instances than this only compete for them


class ProxyError(RuntimeError):
    """nginx is missing or did not start; one line for the user."""


@dataclass(frozen=True)
class Proxy:
    url: str
    access_log: Path
    pid: int


def nginx_conf(listen: str, upstreams: list[str], prefix: Path) -> str:
    """The template with its fields filled in: `upstreams` are the instances' host:port."""
    servers = "\n".join(f"        server {address};" for address in upstreams)
    text = TEMPLATE.read_text(encoding="utf-8")
    for field, value in (("@LISTEN@", listen), ("@PREFIX@", str(prefix)), ("@UPSTREAMS@", servers)):
        text = text.replace(field, value)
    return text


def nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/sbin/nginx") if Path(p).exists()), None
    )
    if found is None:
        raise ProxyError("nginx is not installed: run `make nginx` (Debian's nginx-light)")
    return found


@contextmanager
def running_instances(db: Path, count: int) -> Iterator[list[tuple[str, subprocess.Popen]]]:
    """`count` app instances against `db`, each on its own free port, healthy, until the end."""
    if not 1 <= count <= MAX_INSTANCES:
        raise ProxyError(f"--instances {count}: give 1 to {MAX_INSTANCES}")
    with ExitStack() as stack:
        yield [stack.enter_context(running_app(db)) for _ in range(count)]


@contextmanager
def running_proxy(upstreams: list[str], timeout: float = 20) -> Iterator[Proxy]:
    """nginx on a free 127.0.0.1 port in front of the apps at `upstreams` (their URLs)."""
    binary = nginx_binary()
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="jcp-nginx-") as folder:
        prefix = Path(folder)
        conf = prefix / "nginx.conf"
        conf.write_text(
            nginx_conf(f"127.0.0.1:{port}", [urlsplit(u).netloc for u in upstreams], prefix),
            encoding="utf-8",
        )
        # -e: before the configuration is read nginx opens its built-in error log
        # (/var/log/nginx), which an unprivileged user cannot write.
        command = [binary, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")]
        nginx = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        url = f"http://127.0.0.1:{port}"
        try:
            if not wait_until_healthy(url, nginx, timeout):
                nginx.kill()
                error = (nginx.stderr.read() or b"").decode(errors="replace")
                raise ProxyError(f"nginx did not start: {error.strip()[-500:]}")
            yield Proxy(url, prefix / "access.log", nginx.pid)
        finally:
            nginx.terminate()  # SIGTERM: nginx's fast shutdown
            try:
                nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                nginx.kill()
                nginx.wait(timeout=10)
            nginx.stderr.close()


def routes(access_log: Path) -> dict[str, set[str]]:
    """The instances (host:port) each route key's requests reached, from the proxy's log."""
    reached: dict[str, set[str]] = {}
    for line in access_log.read_text(encoding="utf-8").splitlines():
        key, upstream, *_ = line.split(" ", 2)
        if upstream != "-":  # answered by nginx itself
            reached.setdefault(key, set()).add(upstream)
    return reached
