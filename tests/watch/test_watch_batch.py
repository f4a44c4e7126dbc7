"""Write-behind commits: checks judged close together are committed in one transaction, in the
order they were judged; a batch the store refuses is put back (grouping included) and each of
its checks committed alone, so only a check the store refuses for itself is lost (and runs again
at its next slot). The crash between two flushes, on the real store: ``watch_store_cases.py``."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

from watch_support import START, ScriptedProber, down, http, scheduler

from canhgac.watch.clock import FakeClock
from canhgac.watch.monitors import Monitor
from canhgac.watch.rules import AlertAction, AlertPolicy, MonitorState
from canhgac.watch.scheduler import Scheduler
from canhgac.watch.state import CheckCommit, MemoryStore

POLICY = AlertPolicy(failures_to_alert={"http": 1}, successes_to_recover=2, group_window=900)
PORTALS = [http(f"https://p{i}.gov.test/", agency=f"A{i}") for i in range(8)]  # one cause: 10.0.0.0/24


class RecordingStore(MemoryStore):
    """Keeps each transaction's checks (monitor keys in order); ``refuse`` decides which fail."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[str]] = []
        self.refused = 0

    def refuse(self, checks: Sequence[CheckCommit]) -> bool:
        return False

    def commit_many(self, checks: Sequence[CheckCommit]) -> None:
        if self.refuse(checks):
            self.refused += 1
            raise OSError("database is locked")
        super().commit_many(checks)
        self.batches.append([state.key for _, state, _ in checks])


async def one_round(sched: Scheduler, clock: FakeClock) -> None:
    """Every monitor's first check, judged before any is committed, then committed."""
    await sched.start()
    task = asyncio.create_task(sched.run())
    await clock.advance(60)  # no settling in between: the checks queue up for the store
    await sched.settle()
    sched.stop()
    await clock.advance(0, sched.settle)
    await task


def all_down(clock: FakeClock) -> ScriptedProber:
    return ScriptedProber(clock, lambda m, now: down(m.target))


async def test_checks_judged_together_are_one_transaction_in_their_order_with_one_alert() -> None:
    clock, store = FakeClock(START), RecordingStore()
    prober = all_down(clock)
    sched = scheduler(PORTALS, store, prober, clock, POLICY, linger=0.05)
    await one_round(sched, clock)
    (batch,) = store.batches
    assert sorted(batch) == sorted(m.key for m in PORTALS)
    (alert,) = store.alerts.values()  # the first opened it, the others joined it in the same transaction
    assert list(alert.members) == batch  # applied in the order the checks were queued
    assert alert.key.startswith(batch[0])
    assert [kind for kind, _, _ in alert.timeline] == ["opened"] + ["grouped"] * (len(PORTALS) - 1)
    assert all(store.states[m.key].alert == alert.key for m in PORTALS)
    assert sched.checks_done == len(PORTALS) and sched.store_failures == 0


async def test_a_refused_batch_is_put_back_and_its_checks_committed_one_by_one() -> None:
    clock = FakeClock(START)

    class NoBatches(RecordingStore):
        def refuse(self, checks: Sequence[CheckCommit]) -> bool:
            return len(checks) > 1  # the batch's transaction fails (say, one row too many for the disk)

    store = NoBatches()
    sched = scheduler(PORTALS, store, all_down(clock), clock, POLICY, linger=0.05)
    await one_round(sched, clock)
    assert store.refused == 1 and [len(b) for b in store.batches] == [1] * len(PORTALS)
    (alert,) = store.alerts.values()  # routed again from the groups as they were: one alert, no ghost
    assert set(alert.members) == {m.key for m in PORTALS}
    assert [kind for kind, _, _ in alert.timeline].count("opened") == 1
    (group,) = sched.groups.by_alert.values()
    assert group.alert == alert.key and group.down == {m.key for m in PORTALS}
    assert sched.checks_done == len(PORTALS) and sched.store_failures == 0


async def test_a_check_the_store_refuses_is_lost_alone_and_runs_again() -> None:
    clock = FakeClock(START)
    poisoned = PORTALS[3].key

    class Poisoned(RecordingStore):
        broken = True

        def refuse(self, checks: Sequence[CheckCommit]) -> bool:
            return self.broken and any(state.key == poisoned for _, state, _ in checks)

    store = Poisoned()
    sched = scheduler(PORTALS, store, all_down(clock), clock, POLICY, linger=0.05)
    await one_round(sched, clock)
    assert sched.store_failures == 1 and sched.checks_done == len(PORTALS) - 1
    assert poisoned not in store.states
    (alert,) = store.alerts.values()
    assert poisoned not in alert.members and len(alert.members) == len(PORTALS) - 1
    (group,) = sched.groups.by_alert.values()  # the refused check's join was put back
    assert poisoned not in group.down and group.down == set(alert.members)

    store.broken = False  # the next slot: the lost check runs again from the last committed state
    again = scheduler(PORTALS, store, all_down(clock), clock, POLICY, linger=0.05)
    await again.start()
    task = asyncio.create_task(again.run())
    await clock.advance(60, again.settle)
    again.stop()
    await clock.advance(0, again.settle)
    await task
    assert store.states[poisoned].checks == 1 and store.states[PORTALS[0].key].checks == 2
    (alert,) = store.alerts.values()
    assert set(alert.members) == {m.key for m in PORTALS}


async def test_a_monitors_next_check_waits_for_its_previous_commit() -> None:
    """A store that lags more than an interval: each check starts from the committed state."""
    clock, release = FakeClock(START), threading.Event()
    seen: list[int] = []

    class Stuck(MemoryStore):
        def commit(self, monitor: Monitor, state: MonitorState, actions: Sequence[AlertAction]) -> None:
            release.wait(10)  # the first commit hangs in the store's thread until released
            seen.append(state.checks)
            super().commit(monitor, state, actions)

    store = Stuck()
    monitor = http("https://slow.gov.test/", interval=10)
    sched = scheduler([monitor], store, all_down(clock), clock, POLICY)
    await sched.start()
    task = asyncio.create_task(sched.run())
    await clock.advance(35)  # three slots pass while the first check is not committed
    release.set()
    await clock.advance(0, sched.settle)
    sched.stop()
    await clock.advance(0, sched.settle)
    await task
    assert seen == list(range(1, len(seen) + 1)) and len(seen) >= 3  # none judged from a stale state
    assert store.states[monitor.key].checks == len(seen) and sched.store_failures == 0
