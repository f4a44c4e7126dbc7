"""The watch's write-behind commits: judged checks go to the store in batches, in order.

Committing each check in its own transaction cost the scheduler about a fifth of its CPU and
capped it at the store thread's pace. Here the checks judged within ``linger`` seconds are
committed together (``WatchStore.commit_many``: one transaction, at most ``batch`` checks),
oldest first, in the store's one thread. A check is done only once its batch is: its future
gives the committed state. A batch the store refuses is put back as it was (the alert groups
included) and its checks are committed one by one, so a check the store refuses loses only
itself. Grouping runs here, in the store thread, just before the write, so the groups always say
what the store holds.

An operator's accepted baseline (``forgets``: monitor -> (sequence, keys to forget)) is applied
to what a check commits unless the check started with it; one it started with is done once that
check is committed.

With leases (several processes on one store), ``fenced`` is the store's fenced commit (a batch
with a check of a partition this process no longer holds is refused whole: ``LeaseLostError``;
it is then committed check by check, so only the moved monitors' checks are lost). It is given
the routing to run inside its transaction: for a batch that may open a groupable alert, the
store first takes the groups' lock, then the open groups are read again from it
(``shared_groups``), so a failure joins the alert another process opened for the same cause,
and two processes never open two alerts for one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from canhgac.watch.edits import forget
from canhgac.watch.grouping import Groups, OpenGroup
from canhgac.watch.monitors import Monitor
from canhgac.watch.rules import AlertAction, JoinAlert, MonitorState, OpenAlert
from canhgac.watch.state import CheckCommit, WatchStore

log = logging.getLogger(__name__)
T = TypeVar("T")
InStore = Callable[..., Awaitable[Any]]
Forget = tuple[int, tuple[str, ...]]
# (route inside the transaction, whether the batch may open a groupable alert)
FencedWrite = Callable[[Callable[[], Sequence[CheckCommit]], bool], None]


@dataclass(slots=True)
class Judged:
    """A judged check waiting for the store; ``done``: its committed state."""

    monitor: Monitor
    state: MonitorState
    actions: Sequence[AlertAction]
    applied: Forget | None  # the accepted baseline it started with
    done: asyncio.Future[MonitorState]


def _wake_up(wake: asyncio.Future[None]) -> None:
    if not wake.done():
        wake.set_result(None)


class Committer:
    """Queue judged checks (:meth:`commit`); a task commits them in batches."""

    def __init__(
        self, store: WatchStore, in_store: InStore, groups: Groups, states: dict[str, MonitorState],
        *, linger: float, batch: int,
        fenced: FencedWrite | None = None,
        shared_groups: Callable[[], Sequence[OpenGroup]] | None = None,
    ) -> None:
        self.store = store
        self.groups = groups
        self.states = states  # the scheduler's: a committed state is set before anyone waiting runs
        self.forgets: dict[str, Forget] = {}  # accepted baselines not yet committed
        self._in_store = in_store
        self._linger = linger
        self._batch = max(1, batch)
        self._queue: list[Judged] = []  # oldest first
        self._task: asyncio.Task[None] | None = None
        self._wake: asyncio.Future[None] | None = None
        self._fenced = fenced
        self._shared_groups = shared_groups

    def commit(self, check: Judged) -> asyncio.Future[MonitorState]:
        """Queue a judged check for the store; the future is its committed state (or the
        store's error: then nothing of it was kept)."""
        self._queue.append(check)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._loop())
        elif len(self._queue) >= self._batch and self._wake is not None and not self._wake.done():
            self._wake.set_result(None)
        return check.done

    async def aclose(self) -> None:
        """Stop: checks queued and not yet in the store are dropped (they run again)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _loop(self) -> None:
        """Commit what is queued, ``batch`` checks a transaction at most; a batch not full
        waits ``linger`` seconds (wall time) for more."""
        loop = asyncio.get_running_loop()
        while self._queue:
            if self._linger > 0 and len(self._queue) < self._batch:
                self._wake = wake = loop.create_future()
                timer = loop.call_later(self._linger, _wake_up, wake)
                try:
                    await wake
                finally:
                    timer.cancel()
                    self._wake = None
            batch = self._queue[: self._batch]
            del self._queue[: self._batch]
            try:
                outcomes = await self._in_store(self._commit_batch, batch)
            except BaseException as exc:  # cancelled (the scheduler stops): not kept
                error = exc if isinstance(exc, Exception) else RuntimeError("the watch stopped")
                for check in batch:
                    if not check.done.done():
                        check.done.set_exception(error)
                raise
            for check, outcome in zip(batch, outcomes, strict=True):
                if check.done.done():
                    continue
                if isinstance(outcome, MonitorState):
                    self.states[check.monitor.key] = outcome
                    check.done.set_result(outcome)
                else:
                    check.done.set_exception(outcome)

    def _commit_batch(self, batch: Sequence[Judged]) -> list[MonitorState | Exception]:
        """In the store thread: route the batch's actions through the groups and commit every
        check in one transaction; when it fails, put the groups back and commit each alone."""
        if len(batch) == 1:
            return [self._commit_alone(batch[0])]
        saved = self.groups.snapshot() if any(check.actions for check in batch) else None
        try:
            routed = self._write(batch)
        except Exception:
            if saved is not None:
                self.groups.restore(saved)
            log.warning("watch: a batch of %d checks could not be stored; committing them one by one",
                        len(batch), exc_info=True)
            return [self._commit_alone(check) for check in batch]
        except BaseException:
            if saved is not None:
                self.groups.restore(saved)
            raise
        for check in batch:
            self._forget_done(check.monitor.key, check.applied)
        return [state for _, state, _ in routed]

    def _commit_alone(self, check: Judged) -> MonitorState | Exception:
        saved = self.groups.snapshot() if check.actions else None
        try:
            (routed,) = self._write([check])
        except BaseException as exc:
            if saved is not None:
                self.groups.restore(saved)
            if not isinstance(exc, Exception):
                raise
            return exc
        self._forget_done(check.monitor.key, check.applied)
        return routed[1]

    def _write(self, batch: Sequence[Judged]) -> list[CheckCommit]:
        """Route and commit ``batch`` in one transaction; what was committed."""
        if self._fenced is None:
            routed = [self._route(check) for check in batch]
            self.store.commit_many(routed)
            return routed
        groupable = any(isinstance(a, OpenAlert) and a.groupable for check in batch for a in check.actions)
        done: list[CheckCommit] = []

        def route() -> list[CheckCommit]:
            """Inside the store's transaction (and the groups' lock when ``groupable``)."""
            if groupable and self._shared_groups is not None:
                self.groups.restore({g.alert: g for g in self._shared_groups()})
            done[:] = [self._route(check) for check in batch]
            return done

        self._fenced(route, groupable)
        return done

    def _route(self, check: Judged) -> CheckCommit:
        """In the store thread: the check's actions as the groups route them, and its state
        with the alert it joined; an accepted baseline the check did not start with is applied
        to what it commits."""
        monitor, new = check.monitor, check.state
        pending = self.forgets.get(monitor.key)
        if pending is not None and pending != check.applied:
            new = replace(new, baseline=forget(new.baseline, pending[1]))
        if not check.actions:
            return monitor, new, ()
        routed = [self.groups.route(a) for a in check.actions]
        for action in routed:
            if isinstance(action, JoinAlert):
                new = replace(new, alert=action.alert)
        return monitor, new, routed

    def _forget_done(self, key: str, applied: Forget | None) -> None:
        if applied is not None and self.forgets.get(key) == applied:
            del self.forgets[key]
