"""Benchmark: how many HTTP(S) monitors one canhgac watch process keeps on time, against
Prometheus with blackbox_exporter probing the same lab targets in the same run.

The targets (bench/watch_lab.py): Debian's nginx, the benchmark's own process, serving a 5 KB
portal page on an HTTP and an HTTPS port of 40 loopback addresses; monitor ``i`` has its own URL,
one in five HTTPS (80 % HTTP / 20 % HTTPS), the certificate from a private CA both sides trust.
Then, for each size:

1. **canhgac** (bench/watch_proc.py, one process): the watch's scheduler, prober and SQLite
   store, one HTTP monitor per URL at ``--interval``; measured for ``--seconds`` from the moment
   its monitors are stored and planned: CPU (user+sys, psutil, sampled every second), RSS, and
   the lateness of every check (the scheduler's own slot times).
2. **Prometheus + blackbox_exporter** (bench/watch_prom.py): one job with the same URLs as
   targets, ``scrape_interval`` = ``--interval``; measured for the same window length from
   Prometheus's readiness: CPU and RSS of both processes together, probes counted from what
   Prometheus stored, the spread of its scrape intervals from its own summary.

Before that, the CPU of one probe alone (bench/watch_probe_cost.py: before and after the
prober shared its clients). nginx's CPU is measured too but belongs to neither side. Writes the
``watch`` section of docs/benchmarks.md.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import psutil

from bench import harness, report_md, watch_lab, watch_prom
from bench.watch_render import render

if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from pathlib import Path

COST_PROBES = 300


@dataclass
class Sampled:
    """CPU seconds and RSS of some processes (and their children), sampled every second."""

    samples: list[tuple[float, float, float]] = field(default_factory=list)  # (t, cpu s, rss MB)

    def cpu_share(self, since: float = 0.0) -> float:
        """CPU used per wall second (1.0: one core busy) from ``since`` seconds into the window."""
        chosen = [s for s in self.samples if s[0] - self.samples[0][0] >= since] if self.samples else []
        if len(chosen) < 2:
            return 0.0
        return (chosen[-1][1] - chosen[0][1]) / (chosen[-1][0] - chosen[0][0])

    @property
    def cpu_s(self) -> float:
        return self.samples[-1][1] - self.samples[0][1] if len(self.samples) > 1 else 0.0

    @property
    def wall_s(self) -> float:
        return self.samples[-1][0] - self.samples[0][0] if len(self.samples) > 1 else 0.0

    @property
    def peak_rss_mb(self) -> float:
        return max((s[2] for s in self.samples), default=0.0)


def _usage(procs: Sequence[psutil.Process]) -> tuple[float, float]:
    cpu = rss = 0.0
    for proc in procs:
        for p in [proc, *proc.children(recursive=True)]:
            with contextlib.suppress(psutil.NoSuchProcess):
                times = p.cpu_times()
                cpu += times.user + times.system
                rss += p.memory_info().rss / 2**20
    return cpu, rss


def sample(groups: dict[str, Sequence[psutil.Process]], seconds: float) -> dict[str, Sampled]:
    """Sample each group of processes every second for ``seconds``."""
    out = {name: Sampled() for name in groups}
    started = time.monotonic()
    while True:
        now = time.monotonic()
        for name, procs in groups.items():
            out[name].samples.append((now, *_usage(procs)))
        if now - started >= seconds:
            return out
        time.sleep(min(1.0, max(0.0, started + seconds - now)))


@dataclass
class Side:
    label: str
    monitors: int
    probes: float  # completed in the window
    up: float  # monitors (targets) whose last check passed
    use: Sampled
    lab: Sampled
    loadavg: list[str]
    extra: dict[str, Any]

    @property
    def cpu_ms_per_probe(self) -> float:
        return self.use.cpu_s * 1000 / self.probes if self.probes else 0.0

    def steady_ms_per_probe(self, interval: float) -> float:
        """CPU per probe after the first interval (a watch's first visit fingerprints each page,
        Prometheus fills its head block): the CPU share from then on over the window's mean rate
        of probes, the same reckoning for both sides."""
        samples = self.use.samples
        wall = samples[-1][0] - samples[0][0] if len(samples) > 1 else 0.0
        if not self.probes or wall <= 0:
            return 0.0
        return self.use.cpu_share(since=interval) * 1000 / (self.probes / wall)


@dataclass
class SizeRun:
    monitors: int
    canhgac: Side
    prometheus: Side | None = None


def main(argv: list[str]) -> int:
    ap = harness.options("watch")
    ap.add_argument("--monitors", default="5000", help="sizes, comma-separated (e.g. 5000,20000)")
    ap.add_argument("--seconds", type=float, default=180.0, help="measured window per side (≥ 2 intervals)")
    ap.add_argument("--interval", type=float, default=60.0, help="seconds between two checks of a monitor")
    ap.add_argument("--concurrency", type=int, default=200, help="canhgac's checks in flight at most")
    ap.add_argument("--page-workers", type=int, default=1,
                    help="canhgac's processes fingerprinting new pages (0: on the event loop)")
    ap.add_argument("--no-prometheus", action="store_true", help="measure canhgac alone")
    args = harness.parse(ap, argv, keep_help="keep the work directory (configurations, store, logs)")
    sizes = [int(x) for x in str(args.monitors).split(",") if x.strip()]
    if args.seconds < 2 * args.interval:
        raise SystemExit("--seconds must cover at least two intervals")
    with_prometheus = not args.no_prometheus and watch_prom.installed()
    if not args.no_prometheus and not with_prometheus:
        print("prometheus / prometheus-blackbox-exporter not installed (apt-get install -y prometheus "
              "prometheus-blackbox-exporter): measuring canhgac alone", flush=True)
    runs: list[SizeRun] = []
    body = ""
    with harness.work_dir("canhgac-bench-watch-", keep=args.keep) as work:
        lab = watch_lab.prepare(work)
        nginx = watch_lab.start(work, lab)
        try:
            cost = _probe_cost(lab, work)
            print(f"CPU of one probe alone (ms): {cost}", flush=True)
            for n in sizes:
                run = SizeRun(n, _canhgac(lab, work, n, args, psutil.Process(nginx.pid)))
                if with_prometheus:
                    run.prometheus = _prometheus(lab, work, n, args, psutil.Process(nginx.pid))
                runs.append(run)
                body = render(args, lab, cost, runs, versions=_versions(with_prometheus))
                report_md.write_section(args.out, "watch", body, after="console")
        finally:
            nginx.terminate()
            nginx.wait(timeout=30)
    print(body)
    return 0


def _versions(with_prometheus: bool) -> str:
    tools = [f"nginx {watch_lab.version()}"]
    if with_prometheus:
        tools.append(watch_prom.versions())
    return ", ".join(tools)


def _env(work: Path) -> dict[str, str]:
    return harness.tool_env(work, PYTHONPATH=os.pathsep.join((str(harness.ROOT / "src"), str(harness.ROOT))))


def _probe_cost(lab: watch_lab.Lab, work: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-m", "bench.watch_probe_cost", str(lab.ca_file), str(COST_PROBES),
                          *lab.urls(COST_PROBES * watch_lab.HTTPS_EVERY)],
                         env=_env(work), capture_output=True, text=True, check=False, cwd=harness.ROOT)
    if out.returncode != 0:
        raise SystemExit(f"probe cost failed:\n{out.stderr[-3000:]}")
    figures: dict[str, float] = json.loads(out.stdout.splitlines()[-1])
    return figures


def _loadavg() -> str:
    with open("/proc/loadavg", encoding="ascii") as fh:
        return " ".join(fh.read().split()[:3])


def _canhgac(lab: watch_lab.Lab, work: Path, n: int, args: argparse.Namespace, nginx: psutil.Process) -> Side:
    plan = work / f"watch-{n}.json"
    store = work / f"ws-{n}"
    plan.write_text(json.dumps({"urls": lab.urls(n), "interval": args.interval, "seconds": args.seconds,
                                "ca_file": str(lab.ca_file), "workspace": str(store),
                                "concurrency": args.concurrency, "page_workers": args.page_workers}),
                    encoding="utf-8")
    with (work / f"watch-{n}.log").open("w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "bench.watch_proc", str(plan)], env=_env(work),
                                stdout=subprocess.PIPE, stderr=log, text=True, cwd=harness.ROOT)
    assert proc.stdout is not None
    ready = proc.stdout.readline().split()
    if not ready or ready[0] != "READY":
        proc.kill()
        raise SystemExit(f"the watch process did not start: see {work}/watch-{n}.log")
    print(f"[canhgac {n}] {ready[1]} monitors stored and planned in {ready[2]} s; measuring {args.seconds:g} s",
          flush=True)
    loads = [_loadavg()]
    used = sample({"watch": [psutil.Process(proc.pid)], "lab": [nginx]}, args.seconds)
    loads.append(_loadavg())
    holder: list[str] = []
    reader = threading.Thread(target=lambda: holder.append(proc.stdout.read() if proc.stdout else ""))
    reader.start()
    reader.join(timeout=120)
    proc.wait(timeout=60)
    lines = (holder[0] if holder else "").strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise SystemExit(f"the watch process failed ({proc.returncode}): see {work}/watch-{n}.log")
    result: dict[str, Any] = json.loads(lines[-1])
    up = result["health"].get("up", 0)
    side = Side("canhgac", n, result["checks"], up, used["watch"], used["lab"], loads, result)
    print(f"[canhgac {n}] {result['checks']} checks, lateness p50 {result['lateness_p50']:.3f} s p99 "
          f"{result['lateness_p99']:.3f} s max {result['lateness_max']:.2f} s, CPU {side.use.cpu_share():.0%} of a "
          f"core, {side.cpu_ms_per_probe:.2f} ms/check ({result.get('steady_ms_per_check', 0):.2f} after the first "
          f"interval), peak RSS {side.use.peak_rss_mb:.0f} MB, pages reused {result.get('pages_reused', 0)}, page "
          f"worker {result.get('page_worker', {})}, lateness after the first interval p50 "
          f"{result.get('lateness_p50_steady', 0):.3f} s p99 {result.get('lateness_p99_steady', 0):.3f} s, CPU ms per "
          f"check first interval {result.get('first_interval_ms_per_check')} after "
          f"{result.get('steady_ms_per_check_split')}, health "
          f"{result['health']}, load {loads}", flush=True)
    return side


def _prometheus(lab: watch_lab.Lab, work: Path, n: int, args: argparse.Namespace, nginx: psutil.Process) -> Side:
    stack = watch_prom.start(work, lab.urls(n), lab.ca_file, args.interval)
    try:
        print(f"[prometheus {n}] ready; measuring {args.seconds:g} s", flush=True)
        loads = [_loadavg()]
        used = sample({"prom": [psutil.Process(stack.prometheus.pid), psutil.Process(stack.exporter.pid)],
                       "lab": [nginx]}, args.seconds)
        loads.append(_loadavg())
        found = watch_prom.results(stack, args.seconds, time.time())
    finally:
        stack.stop()
    side = Side("Prometheus + blackbox_exporter", n, found["probes"], found["up_at_end"], used["prom"],
                used["lab"], loads, found)
    print(f"[prometheus {n}] {found}, CPU {side.use.cpu_share():.0%} of a core, {side.cpu_ms_per_probe:.2f} ms/probe, "
          f"peak RSS {side.use.peak_rss_mb:.0f} MB, load {loads}", flush=True)
    return side
