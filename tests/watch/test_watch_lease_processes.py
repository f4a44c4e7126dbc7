"""Issue 19's watch leases with real processes on the machine's PostgreSQL: three ``canhgac watch
run`` processes share one store (a throw-away schema); their monitors are 24 pages of one
loopback HTTP server, which counts the requests per page and tells the processes apart by their
User-Agent. Every page is asked by exactly one process each interval; one process is killed
with SIGKILL and its pages are asked by the others within one interval; the pages that were
down have one alert each (opened or grouped once, none twice after the move) and recover once.

Skipped without ``CANHGAC_TEST_DATABASE_URL`` (``/work/tools/wt-run --pg``). Real time: about two
minutes. The bounds asserted are the documented ones (docs/watch.md, "Several watch
processes") with a few seconds for a loaded machine; the figures measured are printed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from loopback_support import random_loopback
from test_store_backends import pg_schema_url

from canhgac.lab.dns_server import LabDnsServer
from watch_province_support import BackgroundLoop

__all__ = ["pg_schema_url"]
pytestmark = pytest.mark.postgres
CLI = (
    "from canhgac.netguard import install_loopback_guard\ninstall_loopback_guard()\n"
    "import sys\nfrom canhgac.cli.main import app\nsys.argv[0] = 'canhgac'\napp()\n"
)
INTERVAL, TTL, PARTITIONS, PAGES = 10.0, 4.0, 12, 24
SLACK = 5.0  # a loaded machine: a check starting late, a commit waiting for the store
FAILING = {f"/p{i}" for i in range(0, PAGES, 4)}
INVENTORY = """version: 1
province: {{code: LAB, name: "Tỉnh thử nghiệm"}}
scope: {{public_suffixes: [gov.test], loopback_only: true}}
mail: {{dnsbl_zones: []}}
agencies:
  - code: SO-A
    name: "Sở A"
    kind: department
    portals: [{portals}]
"""


class CountingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: str) -> None:
        super().__init__((address, 0), PageHandler)
        self.requests: list[tuple[str, str, float]] = []  # path, user agent, time
        self.failing = set(FAILING)
        self.lock = threading.Lock()


class PageHandler(BaseHTTPRequestHandler):
    server: CountingServer

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.requests.append((self.path, self.headers.get("User-Agent", ""), time.time()))
            status = 503 if self.path in self.server.failing else 200
        body = f"<html><title>Trang {self.path}</title><body><p>Sở A {self.path}</p></body></html>".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[CountingServer, Path, str]]:
    server = CountingServer(random_loopback())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    background = BackgroundLoop()
    address, port = server.server_address[0], server.server_address[1]
    zone = ("$TTL 300\n@ IN SOA ns hostmaster 1 3600 600 86400 300\n@ IN NS ns\nns IN A 127.0.0.53\n"
            f"www.so-a IN A {address}\n")
    dns = LabDnsServer(zones={"gov.test": zone}, address=random_loopback())
    background.run(dns.start())
    portals = ", ".join(f'"http://www.so-a.gov.test:{port}/p{i}"' for i in range(PAGES))
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(INVENTORY.format(portals=portals), encoding="utf-8")
    try:
        yield server, inventory, f"{dns.address}:{dns.port}"
    finally:
        background.run(dns.stop())
        background.close()
        server.shutdown()
        server.server_close()


def _env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANHGAC_")}
    return env | {"PYTHONIOENCODING": "utf-8", "NO_COLOR": "1", "COLUMNS": "200", "CANHGAC_DATABASE_URL": url}


def _wait(what: str, ok: Callable[[], bool], deadline: float, logs: list[Path]) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if ok():
            return
        time.sleep(0.2)
    said = "\n".join(log.read_text(errors="replace")[-2000:] for log in logs)
    raise AssertionError(f"timed out waiting for {what}:\n{said}")


def _sql(url: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return list(conn.execute(query, params).fetchall())


def _holders(url: str) -> dict[str, int]:
    rows = _sql(url, "SELECT holder, count(*) FROM store_watchlease WHERE holder <> '' GROUP BY holder")
    return {holder: count for holder, count in rows}


def _by_page(
    requests: list[tuple[str, str, float]], start: float, end: float
) -> dict[str, list[tuple[str, float]]]:
    seen: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for path, agent, at in requests:
        if start <= at < end:
            seen[path].append((agent, at))
    return seen


def test_three_watch_processes_share_the_monitors_and_take_over_a_killed_one(
    pg_schema_url: str, site: tuple[CountingServer, Path, str], tmp_path: Path
) -> None:
    server, inventory, resolver = site
    url, ws = pg_schema_url, tmp_path / "ws"
    base = [sys.executable, "-c", CLI, "--workspace", str(ws), "--create", "--lang", "en"]
    migrated = subprocess.run([*base, "migrate"], capture_output=True, text=True, env=_env(url),
                              timeout=180, check=False)
    assert migrated.returncode == 0, migrated.stderr
    logs = [tmp_path / f"w{i}.log" for i in range(3)]
    procs: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for i, log in enumerate(logs):
            with log.open("wb") as out:
                procs[f"canhgac-w{i}"] = subprocess.Popen(
                    [*base, "watch", "run", "--inventory", str(inventory), "--interval", f"{INTERVAL:g}",
                     "--partitions", str(PARTITIONS), "--lease-ttl", f"{TTL:g}", "--resolver", resolver,
                     "--user-agent", f"canhgac-w{i}", "--page-workers", "0"],
                    stdout=out, stderr=out, env=_env(url))
        _wait("three processes watching", lambda: all("Watching" in log.read_text(errors="replace")
                                                      for log in logs), 180, logs)
        _wait("the partitions balanced", lambda: sorted(_holders(url).values()) == [4, 4, 4], 60, logs)
        time.sleep(INTERVAL)  # every gained page on its schedule
        start = time.time()
        time.sleep(3 * INTERVAL)
        steady = _by_page(list(server.requests), start, time.time())
        assert set(steady) == {f"/p{i}" for i in range(PAGES)}
        owner = {}
        for path, asked in steady.items():
            agents = {agent for agent, _ in asked}
            assert len(agents) == 1, (path, asked)  # one process per page
            assert 2 <= len(asked) <= 4, (path, asked)  # once an interval: 3 in 3, give or take a slot
            times = sorted(at for _, at in asked)
            assert all(b - a > INTERVAL / 2 for a, b in pairwise(times)), (path, times)
            owner[path] = agents.pop()
        assert set(owner.values()) == set(procs)  # each process has its share

        failing_keys = {f"http:http://www.so-a.gov.test:{server.server_address[1]}{p}" for p in FAILING}
        _wait("an alert for every page down", lambda: {k for (k,) in _sql(
            url, "SELECT DISTINCT monitor_key FROM store_watchalertmember")} >= failing_keys, 60, logs)
        victim = max(procs, key=lambda agent: sum(1 for p in FAILING if owner[p] == agent))
        theirs = {p for p, agent in owner.items() if agent == victim}
        assert theirs & FAILING
        killed_at = time.time()
        procs[victim].send_signal(signal.SIGKILL)
        procs[victim].wait(10)
        time.sleep(INTERVAL + SLACK)
        after = _by_page(list(server.requests), killed_at, time.time())
        took = {}
        for path in theirs:
            others = [at for agent, at in after.get(path, []) if agent != victim]
            assert others, f"{path} of the killed process not asked within {INTERVAL + SLACK:g} s"
            took[path] = min(others) - killed_at
        print(f"killed process's pages asked again after {min(took.values()):.1f}-{max(took.values()):.1f} s "
              f"(interval {INTERVAL:g} s, lease {TTL:g} s)")
        assert max(took.values()) <= INTERVAL + SLACK
        assert all(agent != victim for asked in after.values() for agent, at in asked if at > killed_at + 1)

        with server.lock:
            server.failing.clear()  # the pages come back: every alert recovers, once
        still_open = "SELECT count(*) FROM store_watchalert WHERE status = 'open'"
        _wait("every alert recovered", lambda: _sql(url, still_open)[0][0] == 0, 6 * INTERVAL, logs)
        moved_at = time.time()
        time.sleep(2 * INTERVAL)
        later = _by_page(list(server.requests), moved_at, time.time())
        assert set(later) == {f"/p{i}" for i in range(PAGES)}
        assert all(len({agent for agent, _ in asked}) == 1 and len(asked) <= 3
                   for asked in later.values()), later
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        codes = {agent: proc.wait(30) for agent, proc in procs.items()}
    assert all(code == 0 for agent, code in codes.items() if agent != victim), codes

    members = _sql(url, "SELECT monitor_key, count(*) FROM store_watchalertmember GROUP BY monitor_key")
    assert {k for k, _ in members} == failing_keys and all(n == 1 for _, n in members), members
    alerts = _sql(url, "SELECT count(*) FROM store_watchalert")[0][0]
    kinds = dict(_sql(url, "SELECT kind, count(*) FROM store_event GROUP BY kind"))
    assert kinds.get("alert.opened") == alerts  # no alert opened twice
    assert kinds.get("alert.opened", 0) + kinds.get("alert.grouped", 0) == len(FAILING)
    assert kinds.get("alert.recovered") == alerts
    assert _holders(url) == {}  # the survivors released theirs; the killed one's were taken
    status = subprocess.run([*base, "watch", "status"], capture_output=True, text=True, env=_env(url),
                            timeout=120, check=False)
    assert status.returncode == 0 and "Watch processes (leases)" in status.stdout, status.stderr
    assert "gone (lease expired)" in status.stdout
