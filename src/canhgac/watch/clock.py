"""Time for the scheduler, injected: the system's, or a fake one that tests move by hand."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""

    async def sleep_until(self, when: datetime) -> None:
        """Return at ``when`` (at once if it is past)."""


async def sleep_unless_stopped(clock: Clock, when: datetime, stop: asyncio.Event) -> None:
    """Return at ``when`` on ``clock``, or as soon as ``stop`` is set (a daemon's wait between
    two pieces of work), leaving no task behind."""
    sleeper = asyncio.ensure_future(clock.sleep_until(when))
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({sleeper, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for f in (sleeper, stopper):
            f.cancel()
        await asyncio.gather(sleeper, stopper, return_exceptions=True)


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, when: datetime) -> None:
        delay = (when - self.now()).total_seconds()
        if delay > 0:
            await asyncio.sleep(delay)


class FakeClock:
    """Time stands still until :meth:`advance` moves it, waking each sleeper at its deadline in
    order and letting the work it starts finish (``settle``) before moving on."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2027, 2, 5, 0, 0, tzinfo=UTC)
        self._sleepers: list[tuple[datetime, asyncio.Future[None]]] = []

    def now(self) -> datetime:
        return self._now

    async def sleep_until(self, when: datetime) -> None:
        if when <= self._now:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((when, future))
        try:
            await future
        finally:
            self._sleepers = [(w, f) for w, f in self._sleepers if f is not future]

    async def advance(self, seconds: float, settle: Callable[[], Awaitable[None]] | None = None) -> None:
        target = self._now + timedelta(seconds=seconds)
        while True:
            await self._drain(settle)
            due = [(w, f) for w, f in self._sleepers if w <= target and not f.done()]
            if not due:
                break
            when = min(w for w, _ in due)
            self._now = max(self._now, when)
            for w, f in due:
                if w <= when and not f.done():
                    f.set_result(None)
        self._now = target
        await self._drain(settle)

    async def _drain(self, settle: Callable[[], Awaitable[None]] | None) -> None:
        """Let the woken work run until it is waiting on this clock again (the sleepers stay
        the same for a few rounds of the loop)."""
        stable, seen = 0, None
        for _ in range(200):
            for _ in range(5):
                await asyncio.sleep(0)
            if settle is not None:
                await settle()
            now_seen = tuple(sorted((w, id(f)) for w, f in self._sleepers if not f.done()))
            stable = stable + 1 if now_seen == seen else 0
            seen = now_seen
            if stable >= 3:
                return
