"""The alert rules through the scheduler, with a fake clock and an in-memory store: consecutive
failures, recovery, flapping, maintenance, grouping, restarts, spreading, hostile probes."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from watch_support import START, ScriptedProber, down, http, scheduler, up

from canhgac.watch.clock import FakeClock
from canhgac.watch.facts import ProbeFacts
from canhgac.watch.monitors import Monitor
from canhgac.watch.rules import AlertPolicy, Health
from canhgac.watch.scheduler import Scheduler
from canhgac.watch.state import MaintenanceWindow, MemoryStore

URL = "https://portal.so-a.gov.test/"
POLICY = AlertPolicy(
    failures_to_alert={"http": 3}, successes_to_recover=2, flap_changes=6, flap_window=1800, stable_after=600
)


@asynccontextmanager
async def running(sched: Scheduler, clock: FakeClock) -> AsyncIterator[None]:
    await sched.start()
    task = asyncio.create_task(sched.run())
    try:
        yield
    finally:
        sched.stop()
        await clock.advance(0, sched.settle)
        await task


def failing_between(start: datetime, end: datetime) -> object:
    def script(monitor: Monitor, now: datetime) -> ProbeFacts:
        return down(monitor.target) if start <= now < end else up(monitor.target)

    return script


async def test_an_alert_opens_after_n_consecutive_failures_and_only_once() -> None:
    clock, store = FakeClock(START), MemoryStore()
    prober = ScriptedProber(clock, failing_between(START, START + timedelta(days=1)))  # type: ignore[arg-type]
    sched = scheduler([http(URL)], store, prober, clock, POLICY)
    async with running(sched, clock):
        await clock.advance(60 * 2 + 1, sched.settle)  # two checks (at most three slots)
        checks = len(prober.calls)
        assert checks in (2, 3)
        if checks == 2:
            assert store.alerts == {}
            await clock.advance(60, sched.settle)
        assert len(store.alerts) == 1
        await clock.advance(600, sched.settle)
    assert len(store.alerts) == 1
    alert = next(iter(store.alerts.values()))
    assert alert.problem == "down" and alert.severity == "medium"  # no severities given: the default
    assert [e[0] for e in alert.timeline] == ["opened"]
    state = store.states[http(URL).key]
    assert state.health is Health.DOWN and state.failures >= 13 and state.alert == alert.key


async def test_recovery_after_the_policys_successes_closes_the_alert() -> None:
    clock, store = FakeClock(START), MemoryStore()
    prober = ScriptedProber(clock, failing_between(START, START + timedelta(minutes=5)))  # type: ignore[arg-type]
    sched = scheduler([http(URL)], store, prober, clock, POLICY)
    async with running(sched, clock):
        await clock.advance(60 * 5, sched.settle)
        alert = next(iter(store.alerts.values()))
        assert alert.status == "open"
        await clock.advance(61, sched.settle)  # one success: not yet recovered
        assert alert.status == "open"
        await clock.advance(60, sched.settle)
        assert alert.status == "recovered"
        await clock.advance(600, sched.settle)
    assert [e[0] for e in alert.timeline] == ["opened", "recovered"]
    assert store.states[http(URL).key].health is Health.UP and store.states[http(URL).key].alert == ""


async def test_flapping_gives_one_alert_then_silence_until_stable() -> None:
    clock, store = FakeClock(START), MemoryStore()
    flap_until = START + timedelta(minutes=30)

    def script(monitor: Monitor, now: datetime) -> ProbeFacts:
        minute = int((now - START).total_seconds() // 60)
        return down(monitor.target) if now < flap_until and minute % 2 else up(monitor.target)

    policy = AlertPolicy(
        failures_to_alert={"http": 1},
        successes_to_recover=1,
        flap_changes=4,
        flap_window=1800,
        stable_after=300,
    )
    sched = scheduler([http(URL)], store, ScriptedProber(clock, script), clock, policy)
    async with running(sched, clock):
        await clock.advance(30 * 60, sched.settle)
        kinds = [e[0] for a in store.alerts.values() for e in a.timeline]
        assert kinds.count("flapping") == 1
        # before flapping was detected, the first failure opened an alert and it recovered: at
        # most two alerts in 30 minutes of a flip every minute, not fifteen
        assert len(store.alerts) <= 2
        assert store.states[http(URL).key].health is Health.FLAPPING
        await clock.advance(10 * 60, sched.settle)  # stable up for longer than stable_after
    state = store.states[http(URL).key]
    assert state.health is Health.UP and state.alert == ""
    assert all(a.status == "recovered" for a in store.alerts.values())


async def test_maintenance_suppresses_alerts_but_tracks_state() -> None:
    clock = FakeClock(START)
    window = MaintenanceWindow(START, START + timedelta(minutes=10), agency="SO-A", reason="upgrade")
    store = MemoryStore([window])
    prober = ScriptedProber(clock, failing_between(START, START + timedelta(minutes=15)))  # type: ignore[arg-type]
    sched = scheduler([http(URL)], store, prober, clock, POLICY)
    async with running(sched, clock):
        await clock.advance(9 * 60, sched.settle)
        assert store.alerts == {}
        assert store.states[http(URL).key].health is Health.DOWN  # tracked all the same
        await clock.advance(2 * 60, sched.settle)  # the window ended, still down: the alert is due now
        assert len(store.alerts) == 1
        await clock.advance(10 * 60, sched.settle)
    assert next(iter(store.alerts.values())).status == "recovered"


async def test_an_other_agencys_window_changes_nothing() -> None:
    clock = FakeClock(START)
    store = MemoryStore([MaintenanceWindow(START, START + timedelta(hours=1), agency="SO-B")])
    prober = ScriptedProber(clock, failing_between(START, START + timedelta(hours=1)))  # type: ignore[arg-type]
    sched = scheduler([http(URL)], store, prober, clock, POLICY)
    async with running(sched, clock):
        await clock.advance(5 * 60, sched.settle)
    assert len(store.alerts) == 1


async def test_failures_with_a_common_cause_are_one_alert_listing_them() -> None:
    clock, store = FakeClock(START), MemoryStore()
    shared = [http(f"https://p{i}.gov.test/", agency=f"A{i}") for i in range(20)]
    alone = http("https://other.gov.test/")

    def script(monitor: Monitor, now: datetime) -> ProbeFacts:
        if monitor.target == alone.target:
            return down(monitor.target, "10.9.9.9")
        return down(monitor.target, f"10.0.0.{shared.index(monitor) + 1}")  # one /24: one provider

    sched = scheduler([*shared, alone], store, ScriptedProber(clock, script), clock, POLICY)
    async with running(sched, clock):
        await clock.advance(5 * 60, sched.settle)
    assert len(store.alerts) == 2
    grouped = next(a for a in store.alerts.values() if len(a.members) > 1)
    assert set(grouped.members) == {m.key for m in shared}
    assert [e[0] for e in grouped.timeline].count("grouped") == 19


async def test_a_group_recovers_when_its_last_member_does() -> None:
    clock, store = FakeClock(START), MemoryStore()
    monitors = [http(f"https://p{i}.gov.test/") for i in range(3)]

    def script(monitor: Monitor, now: datetime) -> ProbeFacts:
        end = START + timedelta(minutes=5 + 5 * monitors.index(monitor))
        return down(monitor.target) if now < end else up(monitor.target)

    sched = scheduler(monitors, store, ScriptedProber(clock, script), clock, POLICY)
    async with running(sched, clock):
        await clock.advance(12 * 60, sched.settle)
        (alert,) = store.alerts.values()
        assert alert.status == "open" and sum(alert.members.values()) == 1
        await clock.advance(10 * 60, sched.settle)
    assert alert.status == "recovered"
    assert [e[0] for e in alert.timeline].count("member_recovered") == 2


async def test_a_restart_neither_duplicates_nor_loses_alerts() -> None:
    clock, store = FakeClock(START), MemoryStore()
    prober = ScriptedProber(clock, failing_between(START, START + timedelta(minutes=20)))  # type: ignore[arg-type]
    first = scheduler([http(URL)], store, prober, clock, POLICY)
    async with running(first, clock):
        await clock.advance(5 * 60, first.settle)
    assert len(store.alerts) == 1
    second = scheduler([http(URL)], store, prober, clock, POLICY)  # a new process, same store
    async with running(second, clock):
        await clock.advance(10 * 60, second.settle)
        assert len(store.alerts) == 1  # still down: no second alert
    third = scheduler([http(URL)], store, prober, clock, POLICY)
    async with running(third, clock):
        await clock.advance(15 * 60, third.settle)
    (alert,) = store.alerts.values()
    assert alert.status == "recovered"  # the recovery happened after two restarts


async def test_checks_are_spread_over_the_interval() -> None:
    clock, store = FakeClock(START), MemoryStore()
    monitors = [http(f"https://p{i}.gov.test/") for i in range(600)]
    prober = ScriptedProber(clock, lambda m, now: up(m.target))
    sched = scheduler(monitors, store, prober, clock, POLICY, jitter=0.05)
    async with running(sched, clock):
        await clock.advance(180, sched.settle)
    per_second = Counter(int((at - START).total_seconds()) for _, at in prober.calls)
    assert max(per_second.values()) <= 40  # 10 a second on average; no herd at :00
    per_monitor = Counter(key for key, _ in prober.calls)
    assert set(per_monitor) == {m.key for m in monitors}
    assert all(2 <= n <= 4 for n in per_monitor.values())


async def test_a_probe_that_raises_or_hangs_is_a_failed_check_not_a_crash() -> None:
    clock, store = FakeClock(START), MemoryStore()
    broken, stalled, fine = http("https://broken.gov.test/"), http("https://stall.gov.test/"), http(URL)

    async def prober(monitor: Monitor) -> ProbeFacts:
        if monitor is broken or monitor.key == broken.key:
            raise RuntimeError("a bug in a probe")
        if monitor.key == stalled.key:
            await asyncio.sleep(0.2)  # real time: longer than the scheduler's check timeout below
        return up(monitor.target)

    from canhgac.watch.scheduler import SchedulerOptions

    sched = Scheduler(
        [broken, stalled, fine],
        store,
        prober,
        clock=clock,
        policy=POLICY,
        options=SchedulerOptions(jitter=0, check_timeout=0.05, commit_linger=0),
    )
    async with running(sched, clock):
        await clock.advance(4 * 60, sched.settle)
    assert store.states[broken.key].health is Health.DOWN
    assert "internal error: RuntimeError" in store.states[broken.key].values["reason"]
    assert "no result within" in store.states[stalled.key].values["reason"]
    assert store.states[fine.key].health is Health.UP


async def test_the_holiday_window_shortens_the_interval() -> None:
    from canhgac.watch.monitors import HolidayWindow, MonitorKind

    clock, store = FakeClock(START), MemoryStore()
    holiday = HolidayWindow(START + timedelta(minutes=10), START + timedelta(minutes=20), 15)
    monitor = Monitor(MonitorKind.HTTP, URL, "SO-A", 60, holiday)
    prober = ScriptedProber(clock, lambda m, now: up(m.target))
    sched = scheduler([monitor], store, prober, clock, POLICY)
    async with running(sched, clock):
        await clock.advance(30 * 60, sched.settle)
    times = [at for _, at in prober.calls]
    inside = [t for t in times if holiday.covers(t)]
    outside = [t for t in times if not holiday.covers(t)]
    assert 35 <= len(inside) <= 41  # every 15 s for 10 minutes
    assert 18 <= len(outside) <= 22  # every 60 s for the other 20 minutes


async def test_a_failing_store_loses_that_check_only() -> None:
    clock = FakeClock(START)

    class FlakyStore(MemoryStore):
        def commit(self, *args: object) -> None:  # type: ignore[override]
            if clock.now() < START + timedelta(minutes=3):
                raise OSError("database is locked")
            super().commit(*args)  # type: ignore[arg-type]

    store = FlakyStore()
    prober = ScriptedProber(clock, failing_between(START, START + timedelta(hours=1)))  # type: ignore[arg-type]
    sched = scheduler([http(URL)], store, prober, clock, POLICY)
    async with running(sched, clock):
        await clock.advance(3 * 60, sched.settle)
        assert sched.store_failures >= 2 and store.alerts == {}
        await clock.advance(3 * 60, sched.settle)
    assert len(store.alerts) == 1 and store.states[http(URL).key].failures == 3
