"""Benchmark: the web console under 20 concurrent users, on a province of 300 agencies with
about 50,000 findings over 10 scans (``bench/console_seed.py``), on SQLite and PostgreSQL.

Per backend: seed a fresh store in a child process (timed), start the real console
(``canhgac serve --workers N``, N serving processes, one per core by default) on a free 127.0.0.1 port, log the four
users in through the login form and take their API tokens, check that every URL answers 200,
then run wrk (``bench/console_load.py``) on each endpoint twice: as **users** (20 connections,
each waiting a random 0.5-1.5 s between its requests: 20 people clicking about once a second)
and **saturated** (20 connections, no pause: the console's throughput). The target is p95 under
200 ms for each endpoint as users. PostgreSQL: a database ``canhgac_bench`` created and dropped
by the benchmark on 127.0.0.1:5432 (user postgres). Writes the ``console`` section of
docs/benchmarks.md.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bench import harness, report_md
from bench.console_load import Caller, Figures, check, login, run_wrk

if TYPE_CHECKING:
    import argparse
    from pathlib import Path

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "canhgac_bench"
TARGET_MS = 200.0
DEEP_PAGES = range(900, 950)  # of about 1,010 pages of every finding
DEEP_OFFSETS = range(45_000, 47_500, 50)


@dataclass
class BackendRun:
    backend: str
    seed: dict[str, Any]
    seed_wall_s: float
    loadavg: list[str] = field(default_factory=list)
    cold: dict[str, float] = field(default_factory=dict)  # endpoint -> its first request's seconds
    figures: list[Figures] = field(default_factory=list)


def main(argv: list[str]) -> int:
    ap = harness.options("console")
    ap.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    ap.add_argument("--seconds", type=int, default=20, help="wrk's duration per endpoint, as users")
    ap.add_argument("--saturated-seconds", type=int, default=10,
                    help="wrk's duration per endpoint without pauses (0: skip)")
    ap.add_argument("--connections", type=int, default=20)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                    help="canhgac serve --workers (default: one per core)")
    args = harness.parse(ap, argv, keep_help="keep the work directory (the SQLite store, the server's log)")
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    runs = []
    with harness.work_dir("canhgac-bench-console-", keep=args.keep) as work:
        for backend in backends:
            runs.append(_backend(backend, work / backend, args))
            body = render(args, runs)  # after each backend: a run stopped half-way keeps the first
            report_md.write_section(args.out, "console", body, after="inventory")
    print(body)
    missed = [f for r in runs for f in r.figures if f.mode == "users" and f.p95_ms >= TARGET_MS]
    errors = [f for r in runs for f in r.figures if f.non_2xx or f.socket_errors]
    return 1 if missed or errors else 0


def _backend(backend: str, work: Path, args: argparse.Namespace) -> BackendRun:
    work.mkdir(parents=True)
    url = _create_pg() if backend == "postgresql" else None
    try:
        env = harness.tool_env(work, PYTHONPATH=os.pathsep.join((str(harness.ROOT / "src"), str(harness.ROOT))))
        if url:
            env["CANHGAC_DATABASE_URL"] = url
        print(f"[{backend}] seeding the store", flush=True)
        started = time.perf_counter()
        seeded = subprocess.run([sys.executable, "-m", "bench.console_seed", "--workspace", str(work / "ws"),
                                 *(["--database-url", url] if url else [])],
                                env=env, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
        if seeded.returncode != 0:
            raise SystemExit(f"seeding failed:\n{seeded.stderr[-3000:]}")
        run = BackendRun(backend, json.loads(seeded.stdout.splitlines()[-1]), wall)
        print(f"[{backend}] seeded in {wall:.0f} s: {run.seed['findings']} findings", flush=True)
        _serve_and_load(run, work, env, args)
        return run
    finally:
        if url:
            _drop_pg()


def _serve_and_load(run: BackendRun, work: Path, env: dict[str, str], args: argparse.Namespace) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}/"
    log = (work / "serve.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "bench.run_canhgac", "serve", "--port", str(port),
                               "--workers", str(args.workers)],
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for(port, server)
        endpoints = _endpoints(base, run.seed)
        for label, callers in endpoints:
            firsts = [check(base, caller) for caller in callers]
            run.cold[label] = firsts[0]
            print(f"[{run.backend}] {label}: first request {firsts[0]:.2f} s", flush=True)
            modes = [("users", args.seconds, (500, 1500))]
            if args.saturated_seconds:
                modes.append(("saturated", args.saturated_seconds, (0, 0)))
            for mode, seconds, think in modes:
                run.loadavg.append(_loadavg())
                figures = run_wrk(base, label, mode, callers, connections=args.connections, seconds=seconds,
                                  think_ms=think, script=work / "load.lua")
                print(f"[{run.backend}] {label} ({mode}): p50 {figures.p50_ms:.0f} ms, p95 {figures.p95_ms:.0f} ms, "
                      f"p99 {figures.p99_ms:.0f} ms, {figures.rps:.1f} req/s, non-2xx {figures.non_2xx}, "
                      f"load {run.loadavg[-1]}", flush=True)
                run.figures.append(figures)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _endpoints(base: str, seed: dict[str, Any]) -> list[tuple[str, list[Caller]]]:
    """Each endpoint as the four users call it: pages with their session, the API with their token."""
    users = seed["users"]
    sessions = {u["name"]: login(base, u["name"], u["password"]) for u in users}

    def page(paths_of: Any) -> list[Caller]:
        return [Caller(u["name"], "Cookie", sessions[u["name"]], tuple(paths_of(u))) for u in users]

    def api(paths_of: Any) -> list[Caller]:
        return [Caller(u["name"], "Authorization", f"Bearer {u['token']}", tuple(paths_of(u))) for u in users]

    def own(user: dict[str, Any]) -> list[str]:
        chosen: list[str] = seed["officer_findings" if user["role"] == "agency-officer" else "sample_findings"]
        return chosen

    return [
        ("dashboard `/dashboard/`", page(lambda u: ["/dashboard/"])),
        ("findings, filtered, first page `/findings/?severity=high`", page(lambda u: ["/findings/?severity=high"])),
        ("findings, deep page `/findings/?lifecycle=all&page=900..949`",
         page(lambda u: [f"/findings/?lifecycle=all&page={p}" for p in DEEP_PAGES])),
        ("one finding `/findings/FP/` (50 different)", page(lambda u: [f"/findings/{fp}/" for fp in own(u)])),
        ("API findings `/api/v1/findings?limit=50`", api(lambda u: ["/api/v1/findings?limit=50"])),
        ("API findings, deep offset `/api/v1/findings?all=true&limit=50&offset=45000..47450`",
         api(lambda u: [f"/api/v1/findings?all=true&limit=50&offset={o}" for o in DEEP_OFFSETS])),
    ]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"canhgac serve exited with {server.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("canhgac serve did not listen within 120 s")


def _loadavg() -> str:
    with open("/proc/loadavg", encoding="ascii") as fh:
        return " ".join(fh.read().split()[:3])


def _create_pg() -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
        conn.execute(f"CREATE DATABASE {PG_DB}")
    return f"postgresql://postgres@127.0.0.1:5432/{PG_DB}"


def _drop_pg() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")


def _ms(value: float) -> str:
    return f"{value:.0f}"


def render(args: argparse.Namespace, runs: list[BackendRun]) -> str:
    lines = [
        "## Console: 20 users on 300 agencies and 50,000 findings",
        "",
        report_md.machine_line() + f", {_wrk_version()}.",
        "",
        report_md.command_line("console", backend=args.backend, seconds=args.seconds,
                               saturated_seconds=args.saturated_seconds, workers=args.workers),
        "",
        f"`canhgac serve --workers {args.workers}` (uvicorn: {args.workers} serving processes, one per core; the "
        "supervising one runs the scan worker) on 127.0.0.1; wrk with 20 connections in 4 "
        "threads, one thread per user (an administrator, an analyst, an officer of one agency, a leader: "
        "the pages with the session cookie of a real login, the API with the user's token). **As users**: "
        f"each connection waits 0.5-1.5 s (random) between requests, for {args.seconds} s per endpoint; "
        f"**saturated**: no pause, for {args.saturated_seconds} s (the throughput). Latencies are wrk's "
        f"(from the request's send to its answer's end); non-2xx must be 0. Target: p95 under "
        f"{TARGET_MS:.0f} ms for each endpoint, as users.",
    ]
    for run in runs:
        seed = run.seed
        t = seed["timings"]
        record = sum(v for k, v in t.items() if k.endswith("record_results"))
        finish = sum(v for k, v in t.items() if k.endswith("finish_run"))
        lines += [
            "",
            f"### {'SQLite' if run.backend == 'sqlite' else 'PostgreSQL'}",
            "",
            f"Store: {seed['agencies']} agencies, {seed['runs']} runs, {seed['results']:,} results, "
            f"**{seed['findings']:,} findings** (lifecycle: {report_md.counts(sorted(seed['lifecycles'].items()))}; "
            f"triage: {report_md.counts(sorted(seed['triage'].items()))}). Seeded in {run.seed_wall_s:.0f} s "
            f"(record_results {record:.0f} s, finish_run {finish:.0f} s, triage {t['triage']:.0f} s). "
            f"Load average during the runs: {', '.join(dict.fromkeys(run.loadavg))}.",
            "",
            *report_md.header("endpoint", "mode", "p50 (ms)", "p95 (ms)", "p99 (ms)", "max (ms)", "req/s",
                              "requests", "non-2xx", "target p95 < 200 ms"),
        ]
        for f in run.figures:
            verdict = ("met" if f.p95_ms < TARGET_MS else "**missed**") if f.mode == "users" else ""
            lines.append(report_md.row(f.label, f.mode, _ms(f.p50_ms), _ms(f.p95_ms), _ms(f.p99_ms), _ms(f.max_ms),
                                       f"{f.rps:.1f}", f.requests, f.non_2xx + f.socket_errors, verdict))
        lines += ["", "First request of each endpoint (the administrator's, before the load; for the dashboard "
                  "the one that builds it): " + ", ".join(f"{label.split(' `')[0]} {s:.2f} s"
                                                          for label, s in run.cold.items()) + "."]
    return "\n".join(lines)


def _wrk_version() -> str:
    out = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    return (out.stdout or out.stderr).split(" Copyright")[0].strip() or "wrk"
