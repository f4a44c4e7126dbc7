"""What the sharded-scan tests share: a lab DNS server with delayed answers, an inventory of its
domains, ``canhgac`` subprocesses (scans, workers) on a throw-away PostgreSQL schema and a
private Redis key prefix and queue, and reads of the stored runs.

Not a test module: imported by name (pyproject's pytest ``pythonpath`` has ``tests``).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BROKER_URL = os.environ.get("CANHGAC_TEST_BROKER_URL", "")
DNS_ADDRESS = "127.77.0.1"
FAMILIES = ("mail.spf", "mail.dmarc")
CLI = ("from canhgac import netguard\nnetguard.install_loopback_guard()\nimport sys\n"
       "from canhgac.cli.main import app\nsys.argv[0] = 'canhgac'\napp()\n")


def zones(count: int) -> tuple[dict[str, str], list[str]]:
    """``count`` agency domains with SPF (some ``~all``) and DMARC (some ``p=none``): findings, no
    errors (a domain without DMARC would send the check to its organisational domain, not served)."""
    out: dict[str, str] = {}
    names = []
    for i in range(count):
        name = f"ag{i:03d}.scale.gov.test"
        names.append(name)
        records = [f"@ 300 IN SOA ns1.{name}. hostmaster.{name}. 1 3600 600 604800 300\n",
                   f"@ 300 IN NS ns1.{name}.\n", f"ns1 300 IN A {DNS_ADDRESS}\n",
                   f'@ 300 IN TXT "v=spf1 ip4:127.77.9.0/24 {"~all" if i % 3 == 0 else "-all"}"\n']
        records.append(f'_dmarc 300 IN TXT "v=DMARC1; p={"none" if i % 4 == 0 else "reject"}"\n')
        out[name] = "".join(records)
    return out, names


def inventory_yaml(names: list[str]) -> str:
    lines = ["version: 1", 'province: {code: SCALE, name: "Scale"}',
             "scope: {public_suffixes: [gov.test], loopback_only: true}", "agencies:"]
    for i, name in enumerate(names):
        lines += [f"  - code: A{i:03d}", f'    name: "Agency {i}"', "    kind: department",
                  f"    domains: [{{name: {name}}}]"]
    return "\n".join(lines) + "\n"


@contextmanager
def lab_dns(count: int, delay: float) -> Iterator[tuple[int, list[str]]]:
    """The lab DNS server on its own thread, every answer delayed by ``delay``: (port, domains)."""
    from canhgac.lab.dns_server import LabDnsServer

    served, names = zones(count)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = LabDnsServer(zones=served, address=DNS_ADDRESS, port=0, delay=delay)
    asyncio.run_coroutine_threadsafe(server.start(), loop).result(30)
    try:
        yield server.port, names
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def scale_env(database_url: str, workspace: Path, **extra: str) -> dict[str, str]:
    """The environment of the test's canhgac processes: its schema, a private Redis key prefix
    and queue (so concurrent tests never see each other's shards)."""
    token = secrets.token_hex(5)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CANHGAC_") or k.startswith("CANHGAC_TEST")}
    env |= {"CANHGAC_DATABASE_URL": database_url, "CANHGAC_WORKSPACE": str(workspace), "CANHGAC_LANG": "en",
            "CANHGAC_WATCH": "0", "CANHGAC_BROKER_URL": BROKER_URL, "CANHGAC_QUEUE": f"scale-{token}",
            "CANHGAC_BROKER_KEY_PREFIX": f"canhgac-test-{token}:", "PYTHONPATH": str(ROOT / "src")}
    return env | extra


def scan_args(inventory: Path, port: int, *extra: str) -> list[str]:
    families = [a for f in FAMILIES for a in ("--family", f)]
    return [sys.executable, "-c", CLI, "scan", str(inventory), "--resolver", f"{DNS_ADDRESS}:{port}",
            "--nameserver-port", str(port), "--timeout", "5", *families, *extra]


def scan(env: Mapping[str, str], inventory: Path, port: int, *extra: str,
         timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(scan_args(inventory, port, *extra), env=dict(env), cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, check=False)


@contextmanager
def workers(env: Mapping[str, str], count: int, logs: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    """``count`` ``canhgac worker --concurrency 1`` processes, each its own process group (so a
    test can kill one outright, pool included), once each says it is ready; stopped (TERM, then
    KILL) on leaving."""
    procs = []
    for n in range(count):
        log = (logs / f"worker-{n}.log").open("wb")
        command = [sys.executable, "-c", CLI, "worker", "--concurrency", "1", "--loglevel", "info"]
        procs.append(subprocess.Popen(command, env=dict(env), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                      start_new_session=True))
    try:
        deadline = time.monotonic() + 60  # ready: the store migrated, the queue read
        for n, proc in enumerate(procs):
            log_path = logs / f"worker-{n}.log"
            while "ready." not in log_path.read_text(errors="replace"):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"worker {n} did not start:\n{worker_logs(logs)}")
                time.sleep(0.2)
        yield procs
    finally:
        for proc in procs:
            kill_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for proc in procs:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                kill_group(proc, signal.SIGKILL)
                proc.wait()


def kill_group(proc: subprocess.Popen[bytes], signum: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signum)


def worker_logs(logs: Path) -> str:
    return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(logs.glob("worker-*.log")))


def forget_keys(env: Mapping[str, str]) -> None:
    """Delete the test's Redis keys (its prefix)."""
    import redis

    client = redis.Redis.from_url(BROKER_URL)
    try:
        keys = list(client.scan_iter(match=env["CANHGAC_BROKER_KEY_PREFIX"] + "*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def query(database_url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        return list(conn.execute(sql, params).fetchall())  # type: ignore[arg-type]


def run_results(database_url: str, run_id: int) -> set[tuple[str, ...]]:
    """What a run observed, without when or how long: one tuple per stored result."""
    rows = query(database_url, "SELECT check_id, target_key, agency_code, status, message_key, "
                 "message_values::text, evidence::text, error_reason, discriminator, fingerprint "
                 "FROM store_result WHERE run_id = %s", run_id)
    return {tuple(str(v) for v in row) for row in rows}


def runs(database_url: str) -> list[tuple[int, str, int, int]]:
    """(id, status, target_count, result_count) of every run, oldest first."""
    return [(int(r[0]), str(r[1]), int(r[2]), int(r[3])) for r in query(
        database_url, "SELECT id, status, target_count, result_count FROM store_scanrun ORDER BY id")]
