"""This process's leases, kept for its scheduler: a round every ``ttl / 3`` seconds on the
scheduler's clock, in the scheduler's store thread (so rounds are ordered with the commits).

After each round the scheduler is told what changed (``Scheduler.gain_partitions`` /
``drop_partitions``): partitions gained have their monitors' states loaded from the store and
planned; partitions lost (taken by another process: this one was paused or cut off past its
lease) are dropped at once, their commits refused by the fence anyway; partitions above the
fair share are stopped first, their checks in flight and their write-behind batch let through
to the store (waiting at most half a renewal period, so that the renewals keep their pace: a
check still probing then has its commit refused by the fence), and only then released, so the
next holder loads the last state.

Two views of what is held: :attr:`held` (partitions whose monitors this process schedules) and
:attr:`tokens` (partitions whose commits it may still make: the surplus stays there until it is
released). Both are replaced, never changed in place, because the store thread reads
:attr:`tokens` for the fence. A round that fails (the database away) changes nothing; once the
last successful round is ``ttl`` old, :meth:`holds` says no and the scheduler stops probing
until a round succeeds again (by then another process may hold the partitions).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from canhgac.watch.clock import Clock, sleep_unless_stopped
from canhgac.watch.leases import Holder, LeasedWatchStore, LeaseOptions, PartitionCountError, partition_of

if TYPE_CHECKING:
    from canhgac.watch.scheduler import Scheduler

log = logging.getLogger(__name__)
InStore = Callable[..., Awaitable[Any]]


class LeaseKeeper:
    def __init__(self, store: LeasedWatchStore, options: LeaseOptions, holder: Holder | None = None) -> None:
        self.store = store
        self.options = options
        self.holder = holder
        self.held: frozenset[int] = frozenset()
        self.tokens: Mapping[int, int] = {}
        self.valid_until: datetime | None = None
        self.rounds = 0
        self.failures = 0
        self.live = 0
        self._stop = asyncio.Event()
        self.idle = asyncio.Event()  # no round in progress (a fake clock's settle waits for it)
        self.idle.set()

    # --- what the scheduler asks ----------------------------------------------------------
    def partition(self, key: str) -> int:
        return partition_of(key, self.options.partitions)

    def holds(self, key: str, now: datetime) -> bool:
        return self.holds_partition(self.partition(key), now)

    def holds_partition(self, partition: int, now: datetime) -> bool:
        return self.valid_until is not None and now < self.valid_until and partition in self.held

    def fence(self) -> tuple[str, Mapping[int, int], int]:
        assert self.holder is not None
        return self.holder.holder, self.tokens, self.options.partitions

    # --- rounds ---------------------------------------------------------------------------
    async def round(self, sched: Scheduler) -> None:
        """One round; ``PartitionCountError`` propagates (the process must not run)."""
        self.idle.clear()
        try:
            await self._round(sched)
        finally:
            self.idle.set()

    async def _round(self, sched: Scheduler) -> None:
        now = sched.clock.now()
        if self.holder is None:
            self.holder = Holder.this_process(now)
        try:
            result = await sched.in_store(self.store.lease_round, self.holder, now, self.options)
        except PartitionCountError:
            raise
        except Exception:  # the store away: nothing changes; held partitions lapse after ttl
            self.failures += 1
            log.exception("watch: the lease round failed")
            return
        self.rounds += 1
        self.live = result.live
        self.valid_until = now + timedelta(seconds=self.options.ttl)
        old = dict(self.tokens)
        lost = {p for p, token in old.items() if result.held.get(p) != token}
        gained = {p for p, token in result.held.items() if old.get(p) != token}
        surplus = set(result.surplus)
        self.tokens = dict(result.held)
        self.held = frozenset(p for p in result.held if p not in surplus)
        if lost:
            log.warning("watch: partitions %s were taken by another process", sorted(lost))
            await sched.drop_partitions(lost, flush=None)
        if gained - surplus:
            await sched.gain_partitions(gained - surplus, now)
        if surplus:
            # their last commits reach the store first, but the round waits at most half a renewal
            # (a probe can take its whole timeout): a check later than that is refused by the fence
            await sched.drop_partitions(surplus, flush=self.options.renew_every / 2)
            given = {p: result.held[p] for p in surplus}
            try:
                await sched.in_store(self.store.release, self.holder, given, sched.clock.now())
            except Exception:  # not released: they expire after ttl and are taken then
                log.exception("watch: could not release partitions %s", sorted(surplus))
            self.tokens = {p: t for p, t in self.tokens.items() if p not in surplus}

    async def run(self, sched: Scheduler, clock: Clock) -> None:
        """A round every ``ttl / 3`` seconds until :meth:`stop`."""
        step = timedelta(seconds=self.options.renew_every)
        nxt = clock.now() + step
        while not self._stop.is_set():
            await sleep_unless_stopped(clock, nxt, self._stop)
            if self._stop.is_set():
                break
            try:
                await self.round(sched)
            except PartitionCountError as exc:  # a process started with another count: it stops itself
                log.error("watch: %s", exc)
            nxt = max(nxt + step, clock.now())

    def stop(self) -> None:
        self._stop.set()

    async def leave(self, sched: Scheduler) -> None:
        """A clean exit: every partition released and this process's row removed."""
        self.held, self.tokens = frozenset(), {}
        if self.holder is not None:
            await sched.in_store(self.store.leave, self.holder, sched.clock.now())
