"""Benchmark: a sharded scan's throughput with 1, 2 and 4 Celery worker processes (issue 19).

The lab is the e-mail domain benchmark's (bench/mail_domains.py): N synthetic agency domains
served by the lab DNS server in its own process, every answer delayed by ``--delay`` seconds
(50 ms: a real resolver's latency). Every domain check runs. Results go to a throw-away schema of
the real PostgreSQL (``--database-url``, default ``CANHGAC_TEST_DATABASE_URL``), shards through
the real Redis (``--broker-url``, default ``CANHGAC_TEST_BROKER_URL``) under a private key prefix.

Each worker process is ``canhgac worker --concurrency 1`` (a machine's worth of shards would be
``--concurrency N``; separate processes stand for separate machines) and runs at most
``--concurrency`` targets of its shard at once, the per-worker politeness bound. So one worker
is bound by latency × its in-flight bound, and adding workers adds throughput until the
machine's cores are busy. Measured per worker count: the coordinator's wall time (``canhgac
scan`` from start to its run reconciled), targets per second, the workers' CPU; and the same
scan in-process (no broker) for reference. Every run must store the same results.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import psutil

from bench import harness, lab_procs, report_md
from bench.mail_domains import NS1, NS2, RESOLVER, build_zones, domain_families, inventory_yaml
from bench.measure import lab_cpu

if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterator

CLI = ("from canhgac import netguard\nnetguard.install_loopback_guard()\nimport sys\n"
       "from canhgac.cli.main import app\nsys.argv[0] = 'canhgac'\napp()\n")


@dataclass(frozen=True)
class Row:
    label: str
    workers: int  # 0: in-process
    wall_s: float
    checks_s: float  # from the run's start to its last result observed: the executor's part
    worker_cpu_s: float
    results: int
    returncode: int


@contextmanager
def pg_schema(url: str) -> Iterator[str]:
    """A URL whose connections use a new schema, dropped afterwards."""
    import psycopg
    from psycopg import sql

    schema = f"canhgac_bench_{secrets.token_hex(5)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield f"{url}{'&' if '?' in url else '?'}options={quote(f'-c search_path={schema}')}"
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def _stored(url: str) -> list[tuple[int, int]]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute("SELECT id, result_count FROM store_scanrun ORDER BY id").fetchall()
    return [(int(a), int(b)) for a, b in rows]


def _checks_seconds(url: str) -> float:
    """The latest run's time from its start to the last result observed (the checks' phase,
    without the CLI's start-up, the store's opening and the reconciliation)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT EXTRACT(EPOCH FROM (max(x.observed_at) - r.started_at)) FROM store_scanrun r "
            "JOIN store_result x ON x.run_id = r.id WHERE r.id = (SELECT max(id) FROM store_scanrun) "
            "GROUP BY r.started_at").fetchone()
    return float(row[0]) if row else 0.0


def _same_results(url: str) -> bool:
    """Whether every run stored the same (check, target, status, message, evidence, discriminator)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT run_id, md5(string_agg(concat_ws('|', fingerprint, status, message_key, message_values::text, "
            "evidence::text), ',' ORDER BY fingerprint)) FROM store_result GROUP BY run_id").fetchall()
    return len({digest for _, digest in rows}) == 1


def _differences(url: str) -> tuple[list[str], list[str]]:
    """Each run's result statuses, and the checks whose results are not the same in every run
    (with how many targets differ), for the section when runs disagree."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        statuses = conn.execute(
            "SELECT run_id, status, count(*) FROM store_result GROUP BY run_id, status ORDER BY run_id, status"
        ).fetchall()
        differing = conn.execute(
            "SELECT check_id, count(*) FROM (SELECT check_id, fingerprint FROM store_result GROUP BY check_id, "
            "fingerprint HAVING count(DISTINCT concat_ws('|', status, message_key, message_values::text, "
            "evidence::text)) > 1 OR count(*) < (SELECT count(*) FROM store_scanrun)) d "
            "GROUP BY check_id ORDER BY 2 DESC LIMIT 8").fetchall()
    per_run: dict[int, list[str]] = {}
    for run_id, status, n in statuses:
        per_run.setdefault(int(run_id), []).append(f"{status} {n}")
    return [f"run {r}: {', '.join(v)}" for r, v in per_run.items()], [f"{c} ({n})" for c, n in differing]


def _start_workers(count: int, env: dict[str, str], work: Path) -> list[subprocess.Popen[bytes]]:
    procs = []
    for n in range(count):
        log = (work / f"worker-{count}-{n}.log").open("wb")
        procs.append(subprocess.Popen([sys.executable, "-c", CLI, "worker", "--concurrency", "1", "--loglevel", "info"],
                                      env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
    deadline = time.monotonic() + 60
    for n in range(count):
        path = work / f"worker-{count}-{n}.log"
        while "ready." not in path.read_text(errors="replace"):
            if time.monotonic() > deadline or procs[n].poll() is not None:
                _stop_workers(procs)
                raise SystemExit(f"worker {n} did not start: {path.read_text(errors='replace')[-2000:]}")
            time.sleep(0.2)
    return procs


def _stop_workers(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, 15)
    for proc in procs:
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, 9)
            proc.wait()


def _scan(label: str, cmd: list[str], env: dict[str, str], timeout: float) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    wall = time.perf_counter() - start
    if done.returncode not in (0, 3):
        print(f"[{label}] exited {done.returncode}:\n{done.stderr[-3000:]}")
    return wall, done.returncode


def main(argv: list[str]) -> int:
    ap = harness.options("scale")
    ap.add_argument("--domains", type=int, default=1000)
    ap.add_argument("--delay", type=float, default=0.05)
    ap.add_argument("--workers", default="1,2,4", help="worker process counts to measure (comma-separated)")
    ap.add_argument("--concurrency", type=int, default=20, help="targets in flight per worker")
    ap.add_argument("--shard-targets", type=int, default=50)
    ap.add_argument("--database-url", default=os.environ.get("CANHGAC_TEST_DATABASE_URL", ""))
    ap.add_argument("--broker-url", default=os.environ.get("CANHGAC_TEST_BROKER_URL", ""))
    args = harness.parse(ap, argv, timeout=900)
    if not args.database_url or not args.broker_url:
        print("the scale benchmark needs PostgreSQL and Redis: --database-url and --broker-url "
              "(or CANHGAC_TEST_DATABASE_URL and CANHGAC_TEST_BROKER_URL)")
        return 2
    counts = [int(c) for c in args.workers.split(",")]
    load_before = os.getloadavg()
    zones, domains = build_zones(args.domains)
    with harness.work_dir("canhgac-bench-scale-", keep=args.keep) as work, pg_schema(args.database_url) as url:
        (work / "zones.json").write_text(json.dumps(zones))
        (work / "inventory.yaml").write_text(inventory_yaml(domains))
        server, port, _ = lab_procs.start_dns(work / "zones.json", (RESOLVER, NS1, NS2), str(args.delay))
        try:
            rows = _measure(args, work, url, port, counts, server)
        finally:
            lab_procs.stop(server)
        same = _same_results(url)
        stored = _stored(url)
        statuses, differing = _differences(url)
    load = (load_before, os.getloadavg())
    body = render(args, rows, same, stored, statuses, differing, load)
    print(body)
    report_md.write_section(args.out, "scale", body, after="mail-domains")
    return 0 if same and all(r.returncode in (0, 3) for r in rows) else 1


def _measure(args: argparse.Namespace, work: Path, url: str, port: int, counts: list[int],
             server: subprocess.Popen[str]) -> list[Row]:
    a = args
    prefix = f"canhgac-bench-{secrets.token_hex(4)}:"
    base = harness.tool_env(work, CANHGAC_DATABASE_URL=url, CANHGAC_LANG="en", CANHGAC_WATCH="0")
    base = {k: v for k, v in base.items() if k != "CANHGAC_BROKER_URL"}
    sharded = base | {"CANHGAC_BROKER_URL": a.broker_url, "CANHGAC_BROKER_KEY_PREFIX": prefix,
                      "CANHGAC_QUEUE": f"bench-{prefix[14:-1]}",
                      "CANHGAC_SHARD_TARGETS": str(a.shard_targets)}
    families = [x for f in domain_families() for x in ("--family", f)]
    cmd = [sys.executable, "-c", CLI, "scan", str(work / "inventory.yaml"), "--resolver", f"{RESOLVER}:{port}",
           "--nameserver-port", str(port), "--concurrency", str(a.concurrency), *families]
    timeout = a.timeout
    rows = []
    wall, code = _scan("in-process", cmd, base, timeout)
    rows.append(Row("in-process (no broker)", 0, wall, _checks_seconds(url), 0.0, _stored(url)[-1][1], code))
    for count in counts:
        procs = _start_workers(count, sharded, work)
        try:
            cpu0 = lab_cpu([psutil.Process(p.pid) for p in procs])
            wall, code = _scan(f"{count} workers", cmd, sharded, timeout)
            cpu = lab_cpu([psutil.Process(p.pid) for p in procs]) - cpu0
        finally:
            _stop_workers(procs)
        rows.append(Row(f"{count} worker process{'es' if count > 1 else ''}", count, wall, _checks_seconds(url),
                        cpu, _stored(url)[-1][1], code))
    _forget(a.broker_url, prefix)
    return rows


def _forget(broker_url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(broker_url)
    try:
        keys = list(client.scan_iter(match=prefix + "*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def render(args: argparse.Namespace, rows: list[Row], same: bool, stored: list[tuple[int, int]],
           statuses: list[str], differing: list[str],
           load: tuple[tuple[float, float, float], tuple[float, float, float]]) -> str:
    a = args
    n = a.domains
    one = next((r for r in rows if r.workers == 1), None)
    lines = [
        "## Sharded scans: throughput with 1, 2 and 4 Celery worker processes",
        "",
        report_md.machine_line(processor=True) + "; PostgreSQL and Redis on the same machine. Load average "
        f"(1, 5, 15 min) {', '.join(f'{x:.1f}' for x in load[0])} before the run, "
        f"{', '.join(f'{x:.1f}' for x in load[1])} after it.",
        "",
        report_md.command_line("scale", domains=n, delay=a.delay, workers=a.workers,
                               concurrency=a.concurrency, shard_targets=a.shard_targets),
        "",
        f"{n} synthetic agency domains (the e-mail domain benchmark's lab), every DNS answer delayed by "
        f"{a.delay * 1000:.0f} ms; every domain check runs ({rows[0].results} results per run). "
        f"Shards of {a.shard_targets} targets; each worker process (`canhgac worker --concurrency 1`) has "
        f"at most {a.concurrency} targets in flight. Wall: the coordinator (`canhgac scan` with "
        "`CANHGAC_BROKER_URL`) from start to its run reconciled, workers already started. Checks: from the "
        "run's start in the store to its last result observed (the executor's part: planning, sharding, "
        "the workers; without the CLI's start-up and the reconciliation); throughput and speed-up are "
        "computed from it. The lab DNS server, PostgreSQL, Redis and the coordinator share the machine's "
        "cores with the workers.",
        "",
        *report_md.header("executor", "wall (s)", "checks (s)", "targets/s", "speed-up vs 1 worker",
                          "workers' CPU (s)"),
    ]
    for r in rows:
        speed = f"{one.checks_s / r.checks_s:.2f}×" if one is not None and r.workers and r.checks_s else ""
        cpu = f"{r.worker_cpu_s:.1f}" if r.workers else ""
        rate = f"{n / r.checks_s:.1f}" if r.checks_s else ""
        lines.append(report_md.row(r.label, f"{r.wall_s:.2f}", f"{r.checks_s:.2f}", rate, speed, cpu))
    lines += [
        "",
        f"Every run stored the same results: {'yes' if same else '**no**'} "
        f"({', '.join(str(c) for _, c in stored)} results per run).",
        "",
        "Result statuses per run (in-process first): " + "; ".join(statuses) + ".",
    ]
    if not same:
        lines.append("Checks whose results differ between runs (targets): " + ", ".join(differing) + ".")
    return "\n".join(lines)
