"""Shared helpers of the watch tests: a scripted prober and a fake-clock scheduler."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from canhgac.watch.clock import FakeClock
from canhgac.watch.facts import HttpFacts, ProbeFacts
from canhgac.watch.monitors import Monitor, MonitorKind
from canhgac.watch.rules import AlertPolicy
from canhgac.watch.scheduler import Scheduler, SchedulerOptions
from canhgac.watch.state import WatchStore

START = datetime(2027, 2, 5, 0, 0, tzinfo=UTC)


def http(url: str, agency: str = "SO-A", interval: float = 60.0) -> Monitor:
    return Monitor(MonitorKind.HTTP, url, agency, interval)


def up(url: str, address: str = "10.0.0.1") -> HttpFacts:
    return HttpFacts(url, 200, 0.05, address)


def down(url: str, address: str = "10.0.0.1") -> HttpFacts:
    return HttpFacts(url, None, 5.0, address, "refused: no address answered")


class ScriptedProber:
    """Each monitor's facts come from ``script(monitor, clock_now)``; calls are counted."""

    def __init__(self, clock: FakeClock, script: Callable[[Monitor, datetime], ProbeFacts]) -> None:
        self.clock = clock
        self.script = script
        self.calls: list[tuple[str, datetime]] = []

    async def __call__(self, monitor: Monitor) -> ProbeFacts:
        self.calls.append((monitor.key, self.clock.now()))
        return self.script(monitor, self.clock.now())


def scheduler(
    monitors: Sequence[Monitor],
    store: WatchStore,
    prober: ScriptedProber,
    clock: FakeClock,
    policy: AlertPolicy | None = None,
    jitter: float = 0.0,
    linger: float = 0.0,
) -> Scheduler:
    """``linger``: wall seconds a batch of commits waits (0: a fake clock's checks are committed as
    soon as the store's thread is free, batched only when several are queued)."""
    return Scheduler(
        monitors,
        store,
        prober,
        clock=clock,
        policy=policy or AlertPolicy(),
        options=SchedulerOptions(jitter=jitter, seed=7, check_timeout=5, commit_linger=linger),
    )
