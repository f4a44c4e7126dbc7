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


def _cpu() -> float:
    """CPU seconds (user+sys) of this process and its children (the page worker) so far."""
    total = 0.0
    me = psutil.Process()
    for proc in [me, *me.children(recursive=True)]:
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


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
    print(f"READY {len(sched.monitors)} {time.monotonic() - started:.1f}", flush=True)
    task = asyncio.create_task(sched.run())
    warm = min(float(plan["interval"]), float(plan["seconds"]) / 2)
    await asyncio.sleep(warm)  # the first interval: every page parsed once
    cpu_warm, checks_warm = _cpu(), sched.checks_done
    started_warm = len(sched.lateness)
    await asyncio.sleep(float(plan["seconds"]) - warm)
    lateness = list(sched.lateness)
    wrapped = len(lateness) == sched.lateness.maxlen  # then the first interval's share is unknown
    steady = lateness[started_warm:] if not wrapped else lateness
    checks = sched.checks_done
    cpu_steady = _cpu() - cpu_warm
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
