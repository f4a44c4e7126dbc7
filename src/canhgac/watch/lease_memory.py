"""An in-memory lease table beside the in-memory watch store, for the fake-clock tests: several
schedulers in one event loop share one :class:`MemoryLeaseStore` as processes share the
database. Same rules as the Django store (``canhgac.console.store.watch_leases``)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar

from canhgac.watch.edits import MonitorEdit
from canhgac.watch.grouping import OpenGroup
from canhgac.watch.leases import (
    Holder,
    HolderView,
    Lease,
    LeaseLostError,
    LeaseOptions,
    PartitionCountError,
    Round,
    decide,
    partition_of,
)
from canhgac.watch.monitors import Monitor
from canhgac.watch.rules import AlertAction, MonitorState
from canhgac.watch.state import CheckCommit, MaintenanceWindow, MemoryStore

F = TypeVar("F", bound=Callable[..., Any])


def _locked(method: F) -> F:
    """Each scheduler calls from its own store thread: one call at a time, as a database would."""

    @wraps(method)
    def run(self: MemoryLeaseStore, *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            return method(self, *args, **kwargs)

    return run  # type: ignore[return-value]


@dataclass
class _Alive:
    holder: Holder
    partitions: int
    seen: datetime
    expires: datetime


class MemoryLeaseStore(MemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.leases: dict[int, Lease] = {}
        self.alive: dict[str, _Alive] = {}
        self.refused = 0  # commits refused by the fence
        self.lock = threading.RLock()

    # the watch store's methods, one caller at a time
    @_locked
    def sync_monitors(self, monitors: Sequence[Monitor]) -> None:
        super().sync_monitors(monitors)

    @_locked
    def load_states(self) -> dict[str, MonitorState]:
        return super().load_states()

    @_locked
    def open_groups(self) -> list[OpenGroup]:
        return super().open_groups()

    @_locked
    def maintenance_windows(self, now: datetime) -> Sequence[MaintenanceWindow]:
        return super().maintenance_windows(now)

    @_locked
    def monitor_edits(self, seen: Mapping[str, int]) -> Sequence[MonitorEdit]:
        return super().monitor_edits(seen)

    @_locked
    def commit_many(self, checks: Sequence[CheckCommit]) -> None:
        super().commit_many(checks)

    @_locked
    def commit(self, monitor: Monitor, state: MonitorState, actions: Sequence[AlertAction]) -> None:
        super().commit(monitor, state, actions)

    @_locked
    def lease_round(self, me: Holder, now: datetime, options: LeaseOptions) -> Round:
        ttl = timedelta(seconds=options.ttl)
        for other in self.alive.values():
            mismatched = other.partitions != options.partitions
            if other.holder.holder != me.holder and other.expires > now and mismatched:
                raise PartitionCountError(options.partitions, other.partitions)
        self.alive[me.holder] = _Alive(me, options.partitions, now, now + ttl)
        for p in range(options.partitions):
            self.leases.setdefault(p, Lease(p, "", 0, None))
        rows = [self.leases[p] for p in range(options.partitions)]
        live = [name for name, a in self.alive.items() if a.expires > now]
        decision = decide(rows, live, me.holder, now, options.partitions)
        held = {}
        for p, token in decision.keep.items():
            self.leases[p] = replace(self.leases[p], expires=now + ttl)
            held[p] = token
        for p, token in decision.take.items():
            if self.leases[p].token == token:
                self.leases[p] = Lease(p, me.holder, token + 1, now + ttl)
                held[p] = token + 1
        return Round(held, decision.surplus, len(live))

    @_locked
    def release(self, me: Holder, tokens: Mapping[int, int], now: datetime) -> None:
        for p, token in tokens.items():
            lease = self.leases.get(p)
            if lease is not None and lease.holder == me.holder and lease.token == token:
                self.leases[p] = replace(lease, holder="", expires=now)

    @_locked
    def leave(self, me: Holder, now: datetime) -> None:
        mine = {p: lease.token for p, lease in self.leases.items() if lease.holder == me.holder}
        self.release(me, mine, now)
        self.alive.pop(me.holder, None)

    @_locked
    def holders(self, now: datetime) -> list[HolderView]:
        return [
            HolderView(a.holder.holder, a.holder.host, a.holder.pid, a.holder.started, a.seen, a.expires,
                       sum(1 for lease in self.leases.values() if lease.holder == a.holder.holder),
                       a.expires > now)
            for a in self.alive.values()
        ]

    @_locked
    def commit_fenced(self, route: Callable[[], Sequence[CheckCommit]], me: str, tokens: Mapping[int, int],
                      partitions: int, *, groupable: bool = False) -> None:
        checks = route()  # under this store's lock: the groups read and written by one process at a time
        wanted = {partition_of(monitor.key, partitions) for monitor, _, _ in checks}
        lost = [p for p in wanted if (lease := self.leases.get(p)) is None
                or lease.holder != me or lease.token != tokens.get(p)]
        if lost:
            self.refused += len(checks)
            raise LeaseLostError(lost)
        self.commit_many(checks)
