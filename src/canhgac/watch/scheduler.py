"""One asyncio scheduler for every monitor: checks spread over each interval, bounded
concurrency, state committed after each check, alert rules applied on the way.

Each monitor keeps a deterministic place in its interval (:meth:`Monitor.offset`, the same after
a restart) plus a little random jitter, so 5,000 monitors at 60 s are ~83 checks a second, not
5,000 at the top of each minute. The next check is due one interval after the last one was due
(no drift); a check that could not start in its slot (everything busy) skips to the next slot.

A check is: probe (I/O, bounded by ``check_timeout``) → judge (pure) → rules (pure) → grouping →
store commit (in the store's own thread: the ORM is synchronous). Commits are write-behind
(:mod:`.committer`: the checks judged within ``commit_linger`` in one transaction, in order; a
check is done only once its batch is). Anything a probe or
the store throws makes that check fail with a reason or go uncommitted (it runs again at its
next slot from the last committed state); the scheduler itself never stops for it. A monitor's
next check waits for its previous check's commit.

An operator's edits (``canhgac.watch.edits``: a monitor enabled or disabled, its interval or
holiday window changed, a new baseline accepted) are read from the store at the checks'
pace (at most every ``EDIT_REFRESH`` seconds) and at each start. A disabled monitor keeps its
slot, unprobed, so that a daemon whose monitors are all disabled still hears the console. An
accepted baseline is applied at the start of each check of the monitor until a check that began
after it has been committed: a check already in flight cannot bring the old baseline back.

With ``leases`` (:mod:`.lease_keeper`; several processes on one store), the scheduler checks only
the monitors of the partitions it holds: :meth:`gain_partitions` loads their states from the
store and plans them (one overdue, its last check more than an interval before its next slot,
is checked within what is left of the interval after the takeover), :meth:`drop_partitions`
stops them (waiting, for a release, until their checks in flight are committed); commits go
through the store's fence (``commit_fenced``); the alert groups are read again from the store
before an alert that may group is opened, so a failure joins another process's alert. Without
``leases`` (the default, and SQLite's), every monitor is this process's and nothing changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import random
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from canhgac.watch.clock import Clock, SystemClock, sleep_unless_stopped
from canhgac.watch.committer import Committer, Judged
from canhgac.watch.edits import MonitorEdit, forget
from canhgac.watch.facts import ProbeFacts
from canhgac.watch.grouping import Groups
from canhgac.watch.judge import JudgeParams, Verdict, judge
from canhgac.watch.lease_keeper import LeaseKeeper
from canhgac.watch.leases import LeaseLostError, slot_after_gain
from canhgac.watch.monitors import Monitor, MonitorKind
from canhgac.watch.problems import Problem
from canhgac.watch.rules import AlertPolicy, MonitorState, step
from canhgac.watch.state import MaintenanceWindow, WatchStore

log = logging.getLogger(__name__)
T = TypeVar("T")
Prober = Callable[[Monitor], Awaitable[ProbeFacts]]
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
PROBE_FAILURE = {
    MonitorKind.HTTP: Problem.DOWN,
    MonitorKind.TLS_CERT: Problem.CERT_UNREADABLE,
    MonitorKind.DNS: Problem.DNS_FAILED,
    MonitorKind.SMTP: Problem.SMTP_DOWN,
    MonitorKind.BLOCKLIST: Problem.BLOCKLIST_UNCHECKED,
    MonitorKind.FINDINGS: Problem.NEW_FINDINGS,
    MonitorKind.LOGS: Problem.LOG_DETECTIONS,
}
MAINTENANCE_REFRESH = 60.0
EDIT_REFRESH = 10.0


@dataclass(frozen=True, slots=True)
class SchedulerOptions:
    concurrency: int = 200
    check_timeout: float = 60.0
    jitter: float = 0.05  # share of the interval added at random to each slot
    seed: int | None = None
    commit_linger: float = 0.1  # wall seconds a batch of commits waits for more checks (0: none)
    commit_batch: int = 500  # checks committed in one transaction at most


class Scheduler:
    def __init__(
        self,
        monitors: Sequence[Monitor],
        store: WatchStore,
        prober: Prober,
        *,
        clock: Clock | None = None,
        policy: AlertPolicy | None = None,
        params: JudgeParams | None = None,
        options: SchedulerOptions | None = None,
        leases: LeaseKeeper | None = None,
    ) -> None:
        self.monitors = {m.key: m for m in monitors if m.enabled}
        self.all_monitors = tuple(monitors)
        self.defined = {m.key: m for m in monitors}  # enabled or not, as last edited
        self.store = store
        self.prober = prober
        self.clock = clock or SystemClock()
        self.policy = policy or AlertPolicy()
        self.params = params or JudgeParams()
        self.options = options or SchedulerOptions()
        self.states: dict[str, MonitorState] = {}  # updated in place (the committer sets it too)
        self.groups = Groups(self.policy.group_window)
        self.windows: list[MaintenanceWindow] = []
        self.checks_done = 0
        self.store_failures = 0
        self.fenced = 0  # checks whose commit the fence refused (their partition had moved)
        self.leases = leases
        self.lateness: deque[float] = deque(maxlen=100_000)  # seconds each check started after its slot
        self._rng = random.Random(self.options.seed)
        self._slots = asyncio.Semaphore(max(1, self.options.concurrency))
        self._tasks: set[asyncio.Task[None]] = set()
        self._stop = asyncio.Event()
        self._nudge = asyncio.Event()  # with leases: a slot planned before the one slept for
        self._sleeping_until: datetime | None = None
        self._started = False
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="canhgac-watch-store")
        self._heap: list[tuple[datetime, int, str, datetime]] = []
        self._seq = 0
        self._windows_at: datetime | None = None
        self._edits_at: datetime | None = None
        self._seen: dict[str, int] = {}  # monitor -> the edit revision applied
        self._planned: dict[str, int] = {}  # monitor -> the heap entry that is its current slot
        self._forget_seq = 0
        self._committing: dict[str, asyncio.Future[MonitorState]] = {}  # monitor -> its latest check's commit
        self._running: dict[asyncio.Task[None], str] = {}  # check task -> its monitor
        self._forget_at: dict[str, datetime] = {}  # monitor -> when its pending forget was read
        self.committer = Committer(self.store, self._in_store, self.groups, self.states,
                                   linger=self.options.commit_linger, batch=self.options.commit_batch,
                                   fenced=self._fenced_write if leases is not None else None,
                                   shared_groups=self.store.open_groups if leases is not None else None)
        self._forgets = self.committer.forgets  # accepted baselines pending

    # --- running ------------------------------------------------------------------------
    async def start(self) -> None:
        """Load what the store remembers and plan every monitor's first check."""
        self._started = True
        await self._in_store(self.store.sync_monitors, self.all_monitors)
        if self.leases is None:
            self.states.update(await self._in_store(self.store.load_states))
        self.groups.restore({g.alert: g for g in await self._in_store(self.store.open_groups)})
        for edit in await self._in_store(self.store.monitor_edits, {}):
            self._define(edit)  # the definitions the console set; their forgets are in the states
        self._edits_at = now = self.clock.now()
        if self.leases is not None:
            await self.leases.round(self)  # the partitions this process takes first: planned
            return
        for monitor in self.defined.values():
            self._plan(monitor, self._first_slot(monitor, now))

    async def run(self) -> None:
        """Check until :meth:`stop` (or cancellation); in-flight checks finish or are dropped
        uncommitted, and the store's thread ends after its last write."""
        keeping: asyncio.Task[None] | None = None
        try:
            if not self._started if self.leases is not None else not self._heap:
                await self.start()
            if self.leases is not None:
                keeping = asyncio.create_task(self.leases.run(self, self.clock))
            while not self._stop.is_set() and (self._heap or self.leases is not None):
                if not self._heap:  # nothing held yet: wait for a round to plan something
                    await self._sleep(self.clock.now() + timedelta(days=1))
                    continue
                due, _, key, base = self._heap[0]
                if due > self.clock.now():
                    await self._sleep(due)
                    continue
                _, seq, _, _ = heapq.heappop(self._heap)
                if self._planned.get(key) != seq:
                    continue  # replanned by an edit
                monitor = self.defined[key]
                await self._slots.acquire()
                started = self.clock.now()
                if key in self.monitors:
                    self.lateness.append((started - due).total_seconds())
                task = asyncio.create_task(self._check(monitor))
                self._tasks.add(task)
                self._running[task] = key
                task.add_done_callback(self._check_done)
                self._plan(monitor, self._next_slot(monitor, base, started))
            await self.settle()
        finally:
            if keeping is not None and self.leases is not None:
                self.leases.stop()
                keeping.cancel()
                await asyncio.gather(keeping, return_exceptions=True)
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self.committer.aclose()  # checks queued for the store and not yet in it: dropped
            if self.leases is not None:
                with contextlib.suppress(Exception):  # not released: they expire after the ttl
                    await asyncio.shield(self.leases.leave(self))
            with contextlib.suppress(Exception):
                await asyncio.shield(self._in_store(self.store.close))
            self._executor.shutdown(wait=True)

    def stop(self) -> None:
        self._stop.set()
        self._nudge.set()

    async def _sleep(self, until: datetime) -> None:
        if self.leases is None:
            await sleep_unless_stopped(self.clock, until, self._stop)
            return
        self._nudge.clear()
        self._sleeping_until = until
        try:
            await sleep_unless_stopped(self.clock, until, self._nudge)
        finally:
            self._sleeping_until = None

    def _check_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._running.pop(task, None)

    # --- partitions (with leases) ----------------------------------------------------------
    def owns(self, key: str) -> bool:
        return self.leases is None or self.leases.holds(key, self.clock.now())

    async def gain_partitions(self, partitions: set[int], now: datetime) -> None:
        """Load the gained monitors' states (the last holder's, committed) and plan them."""
        assert self.leases is not None
        keys = [k for k in self.defined if self.leases.partition(k) in partitions]
        if not keys:
            return
        stored = await self._in_store(self.store.load_states)
        horizon = EDIT_REFRESH + self.options.check_timeout + self.leases.options.takeover
        for key in keys:
            if key in stored:
                self.states[key] = stored[key]
            read = self._forget_at.get(key)
            if key in self._forgets and (read is None or (now - read).total_seconds() > horizon):
                # the holder then has applied it long ago; forgetting again would accept what
                # the page or zone says now (a defacement) without anyone asking
                del self._forgets[key]
            monitor, state = self.defined[key], self.states.get(key)
            first = self._first_slot(monitor, now)
            self._plan(monitor, slot_after_gain(first, now, state.checked_at if state else None,
                                                monitor.interval_at(now), monitor.offset(1.0),
                                                self.leases.options.takeover))

    async def drop_partitions(self, partitions: set[int], *, flush: float | None) -> None:
        """Stop the monitors of ``partitions``; with ``flush`` (seconds), wait that long at most
        for their checks in flight to be committed (or given up)."""
        assert self.leases is not None
        keys = {k for k in self.defined if self.leases.partition(k) in partitions}
        for key in keys:
            self._planned.pop(key, None)  # its heap entries are skipped from now on
        waiting = [t for t, k in self._running.items() if k in keys]
        if flush and waiting:
            await asyncio.wait(waiting, timeout=flush)
        for key in keys:
            self.states.pop(key, None)

    def _fenced_write(self, route: Callable[[], Sequence[Any]], groupable: bool) -> None:
        assert self.leases is not None
        me, tokens, partitions = self.leases.fence()
        self.leases.store.commit_fenced(route, me, tokens, partitions, groupable=groupable)

    async def settle(self) -> None:
        """Wait for the checks in flight (and a lease round in progress)."""
        while self._tasks or (self.leases is not None and not self.leases.idle.is_set()):
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
            if self.leases is not None:
                await self.leases.idle.wait()

    # --- slots --------------------------------------------------------------------------
    def _first_slot(self, monitor: Monitor, now: datetime) -> datetime:
        interval = monitor.interval_at(now)
        elapsed = (now - EPOCH).total_seconds()
        base = EPOCH + timedelta(seconds=(elapsed // interval) * interval + monitor.offset(interval))
        return base if base >= now else base + timedelta(seconds=interval)

    def _next_slot(self, monitor: Monitor, base: datetime, now: datetime) -> datetime:
        step_s = monitor.interval_at(now)
        nxt = base + timedelta(seconds=step_s)
        if nxt <= now:  # overran: the next slot still ahead
            missed = (now - nxt).total_seconds() // step_s + 1
            nxt += timedelta(seconds=missed * step_s)
        return nxt

    def _plan(self, monitor: Monitor, base: datetime) -> None:
        jitter = self._rng.uniform(0, self.options.jitter * monitor.interval_at(base))
        self._seq += 1
        self._planned[monitor.key] = self._seq
        due = base + timedelta(seconds=jitter)
        if self._sleeping_until is not None and due < self._sleeping_until:
            self._nudge.set()
        heapq.heappush(self._heap, (base + timedelta(seconds=jitter), self._seq, monitor.key, base))

    # --- one check ----------------------------------------------------------------------
    async def _check(self, monitor: Monitor) -> None:
        held = True

        def free() -> None:
            """The check's slot bounds the probes in flight, not the commits: freed once probed."""
            nonlocal held
            if held:
                held = False
                self._slots.release()

        try:
            await self._refresh_edits(self.clock.now())
            if monitor.key not in self.monitors or not self.owns(monitor.key):
                return  # disabled (its slot only listens for edits), or its lease lapsed
            done: asyncio.Future[MonitorState] = asyncio.get_running_loop().create_future()
            prior = self._committing.get(monitor.key)
            self._committing[monitor.key] = done
            try:
                if prior is not None and not prior.done():  # the store lags an interval: in turn
                    await asyncio.wait((prior,))
                await self._judge_and_commit(monitor, done, free)
            finally:
                if not done.done():
                    done.cancel()  # ended before its commit: the next check need not wait
                if self._committing.get(monitor.key) is done:
                    del self._committing[monitor.key]
        finally:
            free()

    async def _judge_and_commit(
        self, monitor: Monitor, done: asyncio.Future[MonitorState], probed: Callable[[], None]
    ) -> None:
        pending = self._forgets.get(monitor.key)
        state = self.states.get(monitor.key) or MonitorState(monitor.key)
        if pending is not None:
            state = replace(state, baseline=forget(state.baseline, pending[1]))
        verdict = await self._verdict(monitor, state)
        probed()  # the next due check may start while this one waits for its batch's commit
        now = self.clock.now()
        await self._refresh_windows(now)
        maintenance = any(w.covers(monitor, now) for w in self.windows)
        try:
            result = step(state, verdict, now, monitor, self.policy, in_maintenance=maintenance)
            new = await self.committer.commit(Judged(monitor, result.state, result.actions, pending, done))
        except LeaseLostError:  # another process holds it now: its check counts, not this one
            self.fenced += 1
            log.info("watch: the check of %s was not stored: its partition moved", monitor.key)
            return
        except Exception:  # the store is down (or a bug): this check is not kept; the next one retries
            self.store_failures += 1
            log.exception("watch: could not store the check of %s", monitor.key)
            return
        self.states[monitor.key] = new
        self.checks_done += 1

    # --- an operator's edits -------------------------------------------------------------
    async def _refresh_edits(self, now: datetime) -> None:
        if self._edits_at is not None and (now - self._edits_at).total_seconds() < EDIT_REFRESH:
            return
        self._edits_at = now
        try:
            edits = await self._in_store(self._take_edits)
        except Exception:  # the store is away: the edits wait for the next refresh
            log.exception("watch: could not read the monitors' edits")
            return
        for edit in edits:
            self._define(edit, now)

    def _take_edits(self) -> Sequence[MonitorEdit]:
        """In the store thread (ordered with the commits): the new edits, their forgets pending."""
        edits = self.store.monitor_edits(dict(self._seen))
        for edit in edits:
            if (
                edit.forget
                and edit.forget_revision > self._seen.get(edit.key, 0)
                and edit.key in self.defined
            ):
                self._forget_seq += 1
                self._forgets[edit.key] = (self._forget_seq, edit.forget)
                self._forget_at[edit.key] = self.clock.now()
        return edits

    def _define(self, edit: MonitorEdit, now: datetime | None = None) -> None:
        """Apply an edited definition; replan the monitor when its schedule changed (``now``:
        the scheduler is running)."""
        self._seen[edit.key] = max(edit.revision, self._seen.get(edit.key, 0))
        old = self.defined.get(edit.key)
        if old is None:
            return  # not one of this daemon's monitors
        new = replace(old, enabled=edit.enabled, interval=edit.interval, holiday=edit.holiday)
        self.defined[edit.key] = new
        if new.enabled:
            self.monitors[edit.key] = new
        else:
            self.monitors.pop(edit.key, None)
        if now is not None and (new.interval, new.holiday, new.enabled) != (
            old.interval,
            old.holiday,
            old.enabled,
        ):
            self._plan(new, self._first_slot(new, now))

    async def _verdict(self, monitor: Monitor, state: MonitorState) -> Verdict:
        problem = PROBE_FAILURE[monitor.kind]
        try:
            async with asyncio.timeout(self.options.check_timeout):
                facts = await self.prober(monitor)
            return judge(facts, state.baseline, self.clock.now(), self.params)
        except TimeoutError:
            reason = f"no result within {self.options.check_timeout:g} s"
        except Exception as exc:  # a probe bug must fail this check, never the scheduler
            log.exception("watch: probe of %s failed", monitor.key)
            reason = f"internal error: {type(exc).__name__}: {exc}"[:300]
        return Verdict.failed(problem, state.baseline, target=monitor.target, reason=reason)

    async def _refresh_windows(self, now: datetime) -> None:
        if self._windows_at is not None and (now - self._windows_at).total_seconds() < MAINTENANCE_REFRESH:
            return
        self._windows_at = now
        with contextlib.suppress(Exception):
            self.windows = list(await self._in_store(self.store.maintenance_windows, now))

    async def _in_store(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    in_store = _in_store  # the lease keeper's rounds run in the same thread, ordered with the commits
