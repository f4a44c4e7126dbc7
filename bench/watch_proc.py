"""canhgac's side of the watch benchmark: ``python -m bench.watch_proc PLAN.json``, one process.

Under the loopback guard: open a fresh SQLite store in the plan's workspace, make one HTTP
monitor per URL (the plan's interval), and run the watch's real scheduler with the real prober
(``EngineProber``) and the real store (``DjangoWatchStore``: the checks' states committed
write-behind, those judged within ``commit_linger`` in one transaction), as ``canhgac watch run``
does. Prints ``READY <monitors>`` once the monitors
are stored and the first checks planned, runs ``seconds`` more, stops, and prints one JSON line:
checks done, the lateness of every check started in the window (how long after its slot the
scheduler started it: the scheduler's own measure), store failures, the monitors' health, and
the process's CPU (user+sys, every thread, and its page worker's: ``--page-workers``) per check
after the first interval (``steady``: each page parsed once by then).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import psutil

from canhgac.netguard import install_loopback_guard


def quantile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _cpu() -> tuple[float, float]:
    """CPU seconds (user+sys) so far of this process (the event loop, the store's thread) and of
    its children (the page worker)."""
    me = psutil.Process()
    own = me.cpu_times()
    children = 0.0
    for proc in me.children(recursive=True):
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        children += times.user + times.system
    return own.user + own.system, children


def _per_check(cpu: tuple[float, float], since: tuple[float, float], checks: int) -> dict[str, float]:
    n = max(1, checks)
    return {"process": round((cpu[0] - since[0]) * 1000 / n, 3), "worker": round((cpu[1] - since[1]) * 1000 / n, 3)}


async def _watch(plan: dict[str, Any]) -> dict[str, Any]:
    from canhgac.console.store.watch_store import DjangoWatchStore
    from canhgac.engine.settings import ScanSettings, ScopeSettings
    from canhgac.watch.monitors import Monitor, MonitorKind
    from canhgac.watch.probes import EngineProber
    from canhgac.watch.scheduler import Scheduler, SchedulerOptions

    settings = ScanSettings(resolvers=("127.0.0.1:53",), ca_file=plan["ca_file"], ca_only=True,
                            scope=ScopeSettings(networks=("127.0.0.0/8",), loopback_only=True))
    monitors = [Monitor(MonitorKind.HTTP, url, "BENCH", float(plan["interval"])) for url in plan["urls"]]
    prober = EngineProber(settings, page_workers=int(plan.get("page_workers", 1)))
    sched = Scheduler(monitors, DjangoWatchStore(), prober,
                      options=SchedulerOptions(concurrency=plan["concurrency"], check_timeout=30.0))
    started = time.monotonic()
    await sched.start()
    cpu_start = _cpu()
    print(f"READY {len(sched.monitors)} {time.monotonic() - started:.1f}", flush=True)
    task = asyncio.create_task(sched.run())
    warm = min(float(plan["interval"]), float(plan["seconds"]) / 2)
    await asyncio.sleep(warm)  # the first interval: every page parsed once
    cpu_warm, checks_warm = _cpu(), sched.checks_done
    first_interval = _per_check(cpu_warm, cpu_start, checks_warm)
    started_warm = len(sched.lateness)
    await asyncio.sleep(float(plan["seconds"]) - warm)
    lateness = list(sched.lateness)
    wrapped = len(lateness) == sched.lateness.maxlen  # then the first interval's share is unknown
    steady = lateness[started_warm:] if not wrapped else lateness
    checks = sched.checks_done
    cpu_end = _cpu()
    cpu_steady = sum(cpu_end) - sum(cpu_warm)
    sched.stop()
    await task
    await prober.aclose()
    health = Counter(s.health.value for s in sched.states.values())
    return {
        "monitors": len(sched.monitors),
        "checks": checks,
        "started": len(lateness),
        "lateness_p50": quantile(lateness, 0.5),
        "lateness_p99": quantile(lateness, 0.99),
        "lateness_max": max(lateness, default=0.0),
        "lateness_mean": statistics.fmean(lateness) if lateness else 0.0,
        "late_over_2s": sum(1 for x in lateness if x > 2.0),
        # the checks started after the first interval (the first visits fingerprint every page)
        "lateness_p50_steady": quantile(steady, 0.5),
        "lateness_p99_steady": quantile(steady, 0.99),
        "store_failures": sched.store_failures,
        "steady_ms_per_check": round(cpu_steady * 1000 / max(1, checks - checks_warm), 3),
        # CPU ms per check of the watch's process (its loop) and of its page worker, apart
        "first_interval_ms_per_check": first_interval,
        "steady_ms_per_check_split": _per_check(cpu_end, cpu_warm, checks - checks_warm),
        "health": dict(health),
        "pages_reused": prober.pages.reused,
        "page_worker": prober.pages.worker.stats(),
        "http_connections": prober.http.opened,
    }


def main() -> None:
    install_loopback_guard()
    plan = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    from canhgac.services.store import open_store

    open_store(None, Path(plan["workspace"]))
    print(json.dumps(asyncio.run(_watch(plan))), flush=True)


if __name__ == "__main__":
    main()
