"""The delivery loop: alert events become deliveries in a persistent outbox (one per alert event,
recipient and channel), each claimed under a lease, sent, and marked sent or retried later.

Every ``poll`` seconds a round: ``escalate`` (the roster's people who must know of an open,
unacknowledged alert by now and were not told: an ``alert.escalated`` event), ``feed`` (new
``alert.*`` events from the event outbox become deliveries, in the transaction that moves the
consumer's cursor), ``claim`` (the due deliveries,
at most one per address so a person's messages keep their order, each leased to this process
for ``lease`` seconds), send each in a worker thread, and record the outcome at once: ``sent``,
or ``failed`` with the next attempt after an exponential back-off (``retry_first`` doubled each
attempt, at most ``retry_max``), or given up (a permanent refusal, or older than ``give_up``).

The crash window, honestly: a process killed after the server accepted a message and before
``sent`` was committed leaves a lease that expires; the delivery is then sent again (at least
once: an alert lost is worse than an alert twice) and counted ``uncertain``. The window is the
time between the server's "accepted" and one small commit. A delivery claimed but not yet sent
when the process dies (the channel down, the usual case) is simply sent later, exactly once.

Time comes from the injected clock: a test moves a :class:`~canhgac.watch.clock.FakeClock` and
sees each retry at its due time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from canhgac.watch.clock import Clock, SystemClock, sleep_unless_stopped
from canhgac.watch.outgoing import DeliveryError, Outgoing, Sender

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    first: float = 30.0  # seconds before the first retry
    most: float = 1800.0  # never longer between two attempts
    give_up: float = 86400.0  # a delivery this old (seconds since it was queued) is given up

    def delay(self, attempts: int) -> float:
        """Seconds to wait after the ``attempts``-th failed attempt: first, 2×first, 4×first…"""
        return float(min(self.most, self.first * 2.0 ** max(0, attempts - 1)))

    def retry_at(self, attempts: int, queued: datetime, now: datetime, permanent: bool) -> datetime | None:
        """When to try again, or None to give up."""
        if permanent:
            return None
        at = now + timedelta(seconds=self.delay(attempts))
        return at if (at - queued).total_seconds() <= self.give_up else None


@dataclass(frozen=True, slots=True)
class Claimed:
    """A delivery this process holds the lease of."""

    id: int
    attempts: int  # including this one
    queued: datetime
    message: Outgoing


class DeliveryStore(Protocol):
    def escalate(self, now: datetime) -> int:
        """Queue the alerts the roster's people must know of by ``now``; how many people were added."""

    def feed(self, now: datetime) -> int:
        """Turn new alert events into deliveries; how many deliveries were queued."""

    def claim(self, now: datetime, owner: str, lease: float, limit: int) -> list[Claimed]:
        """Lease the due deliveries (the oldest unsent one of each address)."""

    def sent(self, delivery: int, owner: str, now: datetime) -> bool:
        """Mark it sent; False when this process had lost the lease meanwhile."""

    def failed(
        self, delivery: int, owner: str, now: datetime, reason: str, retry_at: datetime | None
    ) -> None:
        """Record the failure: pending again until ``retry_at``, or given up (None)."""

    def close(self) -> None:
        """Release the store thread's connection."""


def owner_id() -> str:
    """This process's name on a lease: host, pid and a random part (pids are reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:64]


class Deliverer:
    def __init__(
        self,
        store: DeliveryStore,
        senders: dict[str, Sender],
        *,
        clock: Clock | None = None,
        policy: RetryPolicy | None = None,
        poll: float = 2.0,
        lease: float = 45.0,
        workers: int = 4,
        owner: str | None = None,
    ) -> None:
        self.store = store
        self.senders = senders
        self.clock = clock or SystemClock()
        self.policy = policy or RetryPolicy()
        self.poll = poll
        self.lease = lease
        self.owner = owner or owner_id()
        self.sent_count = 0
        self.failures = 0
        self._stop = asyncio.Event()
        self._store_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="canhgac-delivery-store")
        self._send_threads = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="canhgac-delivery")
        self._limit = max(1, workers) * 4
        self._round: asyncio.Task[int] | None = None

    async def run(self) -> None:
        """Deliver until :meth:`stop` or cancellation; the store's thread closes its connection."""
        try:
            while not self._stop.is_set():
                self._round = asyncio.ensure_future(self.round())
                try:
                    await self._round
                except asyncio.CancelledError:
                    raise
                except Exception:  # the store away: try again next round, never stop
                    log.exception("watch delivery: round failed")
                next_round = self.clock.now() + timedelta(seconds=self.poll)
                await sleep_unless_stopped(self.clock, next_round, self._stop)
        finally:
            if self._round is not None and not self._round.done():
                self._round.cancel()
                await asyncio.gather(self._round, return_exceptions=True)
            with contextlib.suppress(Exception):
                await asyncio.shield(self._in_store(self.store.close))
            self._store_thread.shutdown(wait=True)
            self._send_threads.shutdown(wait=False, cancel_futures=True)

    def stop(self) -> None:
        self._stop.set()

    async def settle(self) -> None:
        """Wait for the round in flight (a fake clock's ``advance`` settles with it)."""
        if self._round is not None and not self._round.done():
            await asyncio.gather(self._round, return_exceptions=True)

    async def round(self) -> int:
        """Feed, claim and send what is due now; how many deliveries were attempted."""
        now = self.clock.now()
        await self._in_store(self.store.escalate, now)
        await self._in_store(self.store.feed, now)
        batch = await self._in_store(self.store.claim, now, self.owner, self.lease, self._limit)
        await asyncio.gather(*(self._deliver(c) for c in batch))
        return len(batch)

    async def _deliver(self, claimed: Claimed) -> None:
        sender = self.senders.get(claimed.message.channel)
        error: DeliveryError | None = None
        if sender is None:
            error = DeliveryError(f"the {claimed.message.channel} channel is not configured")
        else:
            loop = asyncio.get_running_loop()
            try:
                await loop.run_in_executor(self._send_threads, sender.send, claimed.message)
            except DeliveryError as exc:
                error = exc
            except Exception as exc:  # a client bug fails this attempt, never the loop
                log.exception("watch delivery: %s sender failed", claimed.message.channel)
                error = DeliveryError(f"internal error: {type(exc).__name__}: {exc}")
        now = self.clock.now()
        if error is None:
            kept = await self._in_store(self.store.sent, claimed.id, self.owner, now)
            self.sent_count += 1
            if not kept:
                log.warning("watch delivery %s: sent after its lease had expired", claimed.id)
            return
        self.failures += 1
        retry = self.policy.retry_at(claimed.attempts, claimed.queued, now, error.permanent)
        await self._in_store(self.store.failed, claimed.id, self.owner, now, error.reason, retry)

    async def _in_store(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._store_thread, fn, *args)

