"""Watch processes sharing one store by leases (issue 19), on a fake clock: three schedulers in one
event loop over one :class:`MemoryLeaseStore`, as three ``watch run`` processes over one
database. Every monitor is checked by exactly one of them each interval; one that dies (no
release, no renewal) has its monitors checked by the others within one interval, from the state
it committed (no alert twice, a recovery still told); a paused ex-holder's commit is refused by
the fence; the default scheduler (no leases) never touches a lease."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from watch_support import START, ScriptedProber, down, http, up

from canhgac.watch.clock import FakeClock
from canhgac.watch.facts import ProbeFacts
from canhgac.watch.lease_keeper import LeaseKeeper
from canhgac.watch.lease_memory import MemoryLeaseStore
from canhgac.watch.leases import Holder, LeaseOptions
from canhgac.watch.monitors import Monitor
from canhgac.watch.rules import AlertPolicy
from canhgac.watch.scheduler import Scheduler, SchedulerOptions
from canhgac.watch.state import MemoryStore

OPTIONS = LeaseOptions(partitions=16, ttl=15)
POLICY = AlertPolicy(failures_to_alert={"http": 2}, successes_to_recover=2)
PORTALS = [http(f"https://p{i}.gov.test/", agency=f"A{i % 5}") for i in range(48)]


class Process:
    """A scheduler with its keeper, as one ``watch run`` process."""

    def __init__(self, name: str, store: MemoryLeaseStore, clock: FakeClock,
                 script: Callable[[Monitor, datetime], ProbeFacts], monitors: list[Monitor]) -> None:
        self.prober = ScriptedProber(clock, script)
        self.keeper = LeaseKeeper(store, OPTIONS, Holder(name, "test", 1, clock.now()))
        self.sched = Scheduler(monitors, store, self.prober, clock=clock, policy=POLICY, leases=self.keeper,
                               options=SchedulerOptions(jitter=0, check_timeout=5, commit_linger=0))
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.sched.start()
        self.task = asyncio.create_task(self.sched.run())

    async def kill(self) -> None:
        """SIGKILL: no release, no renewal, the checks queued for the store lost."""
        async def nothing(_sched: Any) -> None:
            return None

        self.keeper.leave = nothing  # type: ignore[method-assign]
        assert self.task is not None
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)

    async def stop(self) -> None:
        self.sched.stop()
        assert self.task is not None
        await asyncio.gather(self.task, return_exceptions=True)


def failing(keys: set[str], until: datetime | None = None) -> Callable[[Monitor, datetime], ProbeFacts]:
    def script(monitor: Monitor, now: datetime) -> ProbeFacts:
        address = f"10.0.{PORTALS.index(monitor) if monitor in PORTALS else 0}.1"  # one cause each
        if monitor.key in keys and (until is None or now < until):
            return down(monitor.target, address)
        return up(monitor.target, address)

    return script


async def settle_all(processes: list[Process]) -> None:
    for p in processes:
        if p.task is not None and not p.task.done():
            await p.sched.settle()


def calls_between(processes: dict[str, Process], start: datetime, end: datetime) -> dict[str, list[str]]:
    """Monitor key -> the processes that probed it in [start, end)."""
    seen: dict[str, list[str]] = defaultdict(list)
    for name, p in processes.items():
        for key, at in p.prober.calls:
            if start <= at < end:
                seen[key].append(name)
    return seen


async def three_processes(store: MemoryLeaseStore, clock: FakeClock,
                          script: Callable[[Monitor, datetime], ProbeFacts]) -> dict[str, Process]:
    processes = {name: Process(name, store, clock, script, PORTALS) for name in ("a", "b", "c")}
    for p in processes.values():
        await p.start()
        await clock.advance(2, lambda: settle_all(list(processes.values())))
    await clock.advance(60, lambda: settle_all(list(processes.values())))  # balanced
    return processes


async def test_each_monitor_is_checked_by_exactly_one_process_each_interval() -> None:
    clock, store = FakeClock(START), MemoryLeaseStore()
    processes = await three_processes(store, clock, failing(set()))
    held = Counter(lease.holder for lease in store.leases.values())
    assert held == Counter({"a": 6, "b": 5, "c": 5})
    start = clock.now()
    await clock.advance(180, lambda: settle_all(list(processes.values())))
    seen = calls_between(processes, start, clock.now())
    assert set(seen) == {m.key for m in PORTALS}
    assert all(len(who) == 3 and len(set(who)) == 1 for who in seen.values()), seen
    for p in processes.values():
        await p.stop()
    assert all(not lease.holder for lease in store.leases.values())  # released on a clean exit
    assert not store.alive and store.refused == 0


async def test_a_dead_process_s_monitors_are_checked_by_the_others_within_one_interval() -> None:
    clock, store = FakeClock(START), MemoryLeaseStore()
    broken = {m.key for m in PORTALS[::4]}  # down from the start, some in each process
    recovers = START + timedelta(minutes=6)
    processes = await three_processes(store, clock, failing(broken, until=recovers))
    everyone = list(processes.values())
    await clock.advance(120, lambda: settle_all(everyone))
    assert len(store.alerts) == len(broken)  # each opened once, by whichever process holds it
    victim = processes["b"]
    theirs = {m.key for m in PORTALS if victim.keeper.holds(m.key, clock.now())}
    assert theirs & broken
    killed_at = clock.now()
    await victim.kill()
    survivors = [processes["a"], processes["c"]]
    await clock.advance(60, lambda: settle_all(survivors))
    after = calls_between(processes, killed_at, killed_at + timedelta(seconds=60))
    assert theirs <= set(after), theirs - set(after)  # every one of its monitors, within the interval
    assert all("b" not in who for who in after.values())
    await clock.advance(300, lambda: settle_all(survivors))  # recovered at 6 min, two passes
    steady = calls_between(processes, clock.now() - timedelta(seconds=120), clock.now())
    assert all(len(who) == 2 and len(set(who)) == 1 for who in steady.values()), steady
    assert len(store.alerts) == len(broken)  # no alert twice after the move
    assert {a.status for a in store.alerts.values()} == {"recovered"}
    assert all([k for k, _, _ in a.timeline] == ["opened", "recovered"] for a in store.alerts.values())
    assert Counter(lease.holder for lease in store.leases.values()) == Counter({"a": 8, "c": 8})
    for p in survivors:
        await p.stop()


async def test_a_paused_ex_holder_cannot_overwrite_the_new_holder_s_state() -> None:
    clock, store = FakeClock(START), MemoryLeaseStore()
    one = [http("https://only.gov.test/")]
    paused = Process("paused", store, clock, failing(set()), one)
    await paused.start()
    await clock.advance(61, paused.sched.settle)
    assert store.states[one[0].key].checks == 1

    async def frozen(_sched: Any) -> None:  # its renewals stop (the process is paused)...
        return None

    paused.keeper._round = frozen  # type: ignore[method-assign]
    await clock.advance(20, paused.sched.settle)  # ...its lease expires
    newcomer = Process("new", store, clock, failing(set()), one)
    await newcomer.start()
    assert newcomer.keeper.held and store.leases[0].holder == "new"
    paused.keeper.valid_until = clock.now() + timedelta(hours=1)  # it wakes up believing it holds it
    await clock.advance(60, lambda: settle_all([paused, newcomer]))
    assert paused.sched.fenced >= 1 and store.refused >= 1  # its commit was refused whole
    assert store.states[one[0].key].checks == 2  # the newcomer's check, on the state it loaded
    await paused.kill()
    await newcomer.stop()


async def test_a_failure_joins_the_alert_another_process_opened_for_the_same_cause() -> None:
    clock, store = FakeClock(START), MemoryLeaseStore()

    def same_cause(monitor: Monitor, now: datetime) -> ProbeFacts:
        return down(monitor.target, "10.9.9.9")  # one address range: one provider's outage

    processes = await three_processes(store, clock, same_cause)
    await clock.advance(180, lambda: settle_all(list(processes.values())))
    (alert,) = store.alerts.values()
    assert set(alert.members) == {m.key for m in PORTALS}
    for p in processes.values():
        await p.stop()


async def test_without_leases_the_scheduler_watches_every_monitor_and_never_asks_for_one() -> None:
    clock = FakeClock(START)
    store = MemoryLeaseStore()
    prober = ScriptedProber(clock, failing(set()))
    sched = Scheduler(PORTALS, store, prober, clock=clock, policy=POLICY,
                      options=SchedulerOptions(jitter=0, check_timeout=5, commit_linger=0))
    await sched.start()
    task = asyncio.create_task(sched.run())
    await clock.advance(120, sched.settle)
    sched.stop()
    await clock.advance(0, sched.settle)
    await task
    assert Counter(k for k, _ in prober.calls) == Counter({m.key: 2 for m in PORTALS})
    assert not store.leases and not store.alive
    assert isinstance(store, MemoryStore)


async def test_a_probe_stalled_while_its_partition_is_given_up_holds_back_no_renewal() -> None:
    """A newcomer makes the first process give up half its partitions while one of their probes
    hangs: the release waits half a renewal period at most, the renewals keep their pace (no
    lease of the first lapses), the newcomer takes the partitions, and the stalled check's late
    commit is refused by the fence."""
    clock, store = FakeClock(START), MemoryLeaseStore()
    stalled, entered = asyncio.Event(), asyncio.Event()

    first = Process("a", store, clock, failing(set()), PORTALS)
    await first.start()
    await clock.advance(61, first.sched.settle)
    a_parts = {p for p, lease in store.leases.items() if lease.holder == "a"}
    assert len(a_parts) == OPTIONS.partitions
    # "b" sorts after "a": a keeps partitions 0-7 and gives up 8-15; stall a probe of the latter
    victim = next(m for m in PORTALS if first.keeper.partition(m.key) >= 8)
    original = first.prober.script

    async def slow(monitor: Monitor) -> ProbeFacts:
        first.prober.calls.append((monitor.key, clock.now()))
        if monitor.key == victim.key:
            entered.set()
            await stalled.wait()
        return original(monitor, clock.now())

    first.sched.prober = slow
    for _ in range(60):  # until the victim's probe hangs
        if entered.is_set():
            break
        await clock.advance(1, first.keeper.idle.wait)
    assert entered.is_set()
    second = Process("b", store, clock, failing(set()), PORTALS)
    await second.start()
    both = [first, second]

    async def settle_loop() -> None:  # the stalled check never settles: wait for the rest only
        for p in both:
            if p.keeper is not None:
                await p.keeper.idle.wait()
        await asyncio.sleep(0)

    await clock.advance(120, settle_loop)
    held = Counter(lease.holder for lease in store.leases.values())
    assert held == Counter({"a": 8, "b": 8})
    assert all(lease.expires is not None and lease.expires > clock.now() for lease in store.leases.values())
    assert second.keeper.holds(victim.key, clock.now()) and not first.keeper.holds(victim.key, clock.now())
    refused = store.refused
    stalled.set()  # the probe answers at last: its commit is refused, the newcomer's state stays
    for _ in range(50):
        await asyncio.sleep(0.01)
        if first.sched.fenced:
            break
    assert first.sched.fenced == 1 and store.refused == refused + 1
    await first.stop()
    await second.stop()
