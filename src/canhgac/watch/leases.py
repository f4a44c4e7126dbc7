"""Monitors partitioned across watch processes with leases (issue 19): what a lease is, which
partition a monitor is in, and the pure decision of one lease round. No I/O, no Django.

Several ``canhgac watch run`` processes may share one store (PostgreSQL). The monitors are
split into a fixed number of partitions by a stable hash of their key (:func:`partition_of`);
a process checks only the monitors of the partitions it holds a lease on. A lease names its
holder, expires ``ttl`` seconds after its last renewal and carries a **token** that grows each
time the partition changes hands: the store refuses a monitor's commit unless the committing
process still holds its partition with the token it took it with (the fence), so a process that
was paused past its lease cannot overwrite what the new holder wrote.

One round (:func:`decide`, run by the store inside one transaction with the lease rows locked):
the process renews what it holds, takes free or expired partitions up to its fair share
(the partitions divided among the live processes) and names the partitions above its share as surplus:
it stops their monitors, lets their last commits reach the store, and releases them
(:mod:`canhgac.watch.lease_keeper`). Safety (one writer per partition) rests on the row locks
and tokens, never on clocks; liveness (a dead process's partitions are taken after ``ttl``)
assumes the machines' clocks agree to well under ``ttl`` (NTP).

The store's side is :class:`LeaseStore` (``canhgac.console.store.watch_leases`` on Django;
:class:`canhgac.watch.lease_memory.MemoryLeaseStore` for the fake-clock tests).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from canhgac.watch.state import CheckCommit, WatchStore

DEFAULT_PARTITIONS = 64
DEFAULT_TTL = 15.0  # seconds; renewed every third of it: a dead process's monitors move within 20 s
MAX_PARTITIONS = 4096


class LeaseLostError(RuntimeError):
    """A commit was refused: this process no longer holds these partitions (another took them)."""

    def __init__(self, partitions: Sequence[int]) -> None:
        self.partitions = tuple(sorted(partitions))
        super().__init__(f"leases lost on partitions {list(self.partitions)}")


class PartitionCountError(ValueError):
    """Live watch processes on the store use another number of partitions."""

    def __init__(self, mine: int, theirs: int) -> None:
        self.mine, self.theirs = mine, theirs
        super().__init__(f"this process uses {mine} partitions, the running ones {theirs}")


def partition_of(key: str, partitions: int) -> int:
    """The partition of a monitor: a stable hash of its key (the same in every process and after
    every restart). Bytes of the digest other than those ``Monitor.offset`` reads, so that a
    partition's monitors are spread over the whole interval like everyone's."""
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[8:16], "big") % partitions


@dataclass(frozen=True, slots=True)
class LeaseOptions:
    partitions: int = DEFAULT_PARTITIONS
    ttl: float = DEFAULT_TTL

    @property
    def renew_every(self) -> float:
        return self.ttl / 3

    @property
    def takeover(self) -> float:
        """Seconds after a process's death at most until its partitions are held by another."""
        return self.ttl + self.renew_every


@dataclass(frozen=True, slots=True)
class Holder:
    """A watch process as the lease table knows it."""

    holder: str  # unique per process start: host, pid and a random suffix
    host: str
    pid: int
    started: datetime

    @classmethod
    def this_process(cls, now: datetime) -> Holder:
        host = socket.gethostname()[:100]
        pid = os.getpid()
        return cls(f"{host}:{pid}:{secrets.token_hex(4)}", host, pid, now)


@dataclass(frozen=True, slots=True)
class Lease:
    partition: int
    holder: str  # "" nobody
    token: int
    expires: datetime | None

    def free_at(self, now: datetime) -> bool:
        return not self.holder or self.expires is None or self.expires <= now


@dataclass(frozen=True, slots=True)
class Decision:
    """What one round does: renew ``keep``, take ``take`` (each by its token as read, so a
    concurrent taker makes the take fail rather than both succeed), and ``surplus``: held and
    renewed, but to be released once their monitors are stopped."""

    keep: dict[int, int] = field(default_factory=dict)  # partition -> token
    take: dict[int, int] = field(default_factory=dict)  # partition -> token read
    surplus: tuple[int, ...] = ()


def fair_share(partitions: int, live: Sequence[str], me: str) -> int:
    """``me``'s share: the partitions divided among the live processes, the remainder going one
    each to the first ones by name, so that the shares add up to the partitions exactly."""
    names = sorted(set(live) | {me})
    base, extra = divmod(partitions, len(names))
    return base + (1 if names.index(me) < extra else 0)


def decide(leases: Sequence[Lease], live: Sequence[str], me: str, now: datetime, partitions: int) -> Decision:
    """The round of ``me`` given the lease rows (locked) and the ``live`` processes (``me`` among
    them): keep what it holds (expired or not: nobody took it, nobody wrote under its token),
    take free or expired partitions up to its fair share, and name what is above that share."""
    share = fair_share(partitions, live, me)
    mine = sorted((lease for lease in leases if lease.holder == me), key=lambda lease: lease.partition)
    keep = {lease.partition: lease.token for lease in mine}
    surplus = tuple(p for p in sorted(keep)[share:])
    take: dict[int, int] = {}
    room = share - len(keep)
    if room > 0:
        free = sorted((lease for lease in leases if lease.holder != me and lease.free_at(now)),
                      key=lambda lease: lease.partition)
        take = {lease.partition: lease.token for lease in free[:room]}
    return Decision(keep, take, surplus)


def slot_after_gain(first: datetime, now: datetime, last: datetime | None, interval: float,
                    place: float, takeover: float) -> datetime:
    """When a gained monitor is first checked: its usual slot ``first``, unless that comes more
    than an interval after its ``last`` check (its holder died before checking it); then within
    what is left of the interval after a takeover (``interval - takeover``), at its own
    ``place`` (0 <= place < 1) in that stretch, so that it is checked within one interval of the
    death and the overdue monitors are spread."""
    budget = max(0.0, interval - takeover)
    if last is not None and (first - last).total_seconds() <= interval:
        return first
    if (first - now).total_seconds() <= budget:
        return first
    return now + timedelta(seconds=place * budget)


@dataclass(frozen=True, slots=True)
class Round:
    """A round's outcome: the partitions held (with their tokens) and the surplus to release."""

    held: dict[int, int]
    surplus: tuple[int, ...]
    live: int


@dataclass(frozen=True, slots=True)
class HolderView:
    """A watch process for ``watch status``."""

    holder: str
    host: str
    pid: int
    started: datetime
    seen: datetime
    expires: datetime
    held: int
    alive: bool


class LeaseStore(Protocol):
    """The lease table, and the commit fenced by it (a :class:`WatchStore` as well)."""

    def lease_round(self, me: Holder, now: datetime, options: LeaseOptions) -> Round:
        """In one transaction: record ``me`` alive until ``now + ttl``, lock the lease rows (made
        when missing), :func:`decide`, renew and take accordingly; ``PartitionCountError`` when
        live processes use another number of partitions."""

    def release(self, me: Holder, tokens: Mapping[int, int], now: datetime) -> None:
        """Give up these partitions (only where ``me`` still holds them with these tokens)."""

    def leave(self, me: Holder, now: datetime) -> None:
        """A clean exit: every partition of ``me`` released, its process row removed."""

    def commit_fenced(self, route: Callable[[], Sequence[CheckCommit]], me: str, tokens: Mapping[int, int],
                      partitions: int, *, groupable: bool = False) -> None:
        """In one transaction: with ``groupable``, take the alert groups' lock (one process at a
        time opens or joins a groupable alert); ``route()`` gives the checks; lock their
        partitions' lease rows and check that ``me`` still holds each with the token given
        (else nothing is written and ``LeaseLostError`` names the partitions lost); then
        ``commit_many`` them."""


class LeasedWatchStore(WatchStore, LeaseStore, Protocol):
    """What a partitioned scheduler writes through."""
