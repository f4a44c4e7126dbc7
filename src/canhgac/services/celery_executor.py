"""The Celery executor: the engine's executor interface, with the run's targets split into
shards that Celery workers run (``celery_app``, ``shard_task``) and results in the store.

Discovery (range port scan, MX hosts) runs here, in the coordinator, with the in-process
executor: its output is the plan. The plan is split with ``ScanPlan.host_shards`` — every
target of one host in the same shard, so per-host politeness (the runner's per-target
collection, the DNS client's limits) stays inside one worker's executor and no server is
scanned from two shards at once. Each shard gets a row in the store and a message on the
queue; workers write results themselves (an upsert per target), so this executor is a
*storing* one: ``execute_scan`` binds it to its run (:meth:`bind_run`) and does not write the
results it streams. It streams them by reading the store: every ``poll_seconds`` it reads the
shards' progress, and the results of the targets newly done, and yields them with a
:class:`Progress` per target and each run warning once.

Stopping (:meth:`stop`, or the consuming task cancelled): the shards' cancel flag is set and
their tasks revoked; workers stop between targets, keep what finished, and the stream ends
once every shard has settled (or ``STOP_GRACE`` seconds have passed), raising
``CancelledError`` when the consumer was cancelled.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar, runtime_checkable

from canhgac.engine.discovery import Discovered, DiscoveryRequest, ProgressCallback
from canhgac.engine.registry import Registry
from canhgac.engine.runner import Event, InProcessExecutor, Progress, RunWarning, ScanPlan
from canhgac.engine.settings import ScanSettings
from canhgac.i18n import gettext as _
from canhgac.services.broker_settings import BrokerSettings

STOP_GRACE = 30.0  # seconds a stopped run waits for its running shards to settle
T = TypeVar("T")
log = logging.getLogger(__name__)


@runtime_checkable
class StoringExecutor(Protocol):
    """An executor whose workers store the results themselves, in the run it is bound to."""

    def bind_run(self, run_id: int) -> None: ...


class CeleryExecutor:
    """Shards a plan over Celery workers; results through the store (see the module's text)."""

    def __init__(self, settings: BrokerSettings, app: Any = None) -> None:
        self.settings = settings
        self._app = app
        self._local = InProcessExecutor()  # discovery
        self._run_id: int | None = None
        self._stopping = False

    def bind_run(self, run_id: int) -> None:
        self._run_id = run_id

    def stop(self) -> None:
        self._stopping = True

    async def aclose(self) -> None:
        await self._local.aclose()

    async def discover(
        self,
        request: DiscoveryRequest,
        settings: ScanSettings,
        registry: Registry,
        progress: ProgressCallback | None = None,
    ) -> Discovered:
        return await self._local.discover(request, settings, registry, progress)

    def app(self) -> Any:
        if self._app is None:
            from canhgac.services.celery_app import make_app

            self._app = make_app(self.settings)
        return self._app

    async def run(
        self, plan: ScanPlan, settings: ScanSettings, registry: Registry
    ) -> AsyncGenerator[Event, None]:
        if self._run_id is None:
            raise RuntimeError("a sharded run stores its results: bind it to a stored run first")
        await self._local.aclose()  # what discovery opened: the workers open their own
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="canhgac-coordinator")
        try:
            async for event in self._follow(self._run_id, plan, settings, _Store(pool)):
                yield event
        finally:
            await asyncio.wrap_future(pool.submit(_close_connections))
            pool.shutdown()

    async def _follow(self, run_id: int, plan: ScanPlan, settings: ScanSettings,
                      store: _Store) -> AsyncGenerator[Event, None]:
        from canhgac.console.store import shards
        from canhgac.services.celery_app import send_shard
        from canhgac.services.shard_task import fail_shard

        parts = plan.host_shards(self.settings.shard_targets)
        await store.do(shards.create_shards, run_id, [len(p.items) for p in parts])
        app = self.app()
        for index, part in enumerate(parts):
            message = {"run_id": run_id, "index": index, "plan": part.model_dump(mode="json"),
                       "settings": settings.model_dump(mode="json")}
            task_id = await store.do(send_shard, app, message, self.settings.queue)
            await store.do(shards.note_task, run_id, index, task_id)
        targets = {item.target.key: item.target for item in plan.items}
        seen: set[str] = set()
        warned: set[str] = set()
        failed: set[int] = set()
        closed: set[int] = set()  # settled shards whose every result was yielded
        results = 0
        cancelled = False
        stop_sent: float | None = None
        while True:
            if store.cancelled and not cancelled:
                cancelled = True
                self.stop()
            if self._stopping and stop_sent is None:
                stop_sent = time.monotonic()
                await store.do(self._cancel, run_id)
            views = await store.do(shards.shard_views, run_id, closed)
            new = [k for v in views for k in v.done_keys if k not in seen]
            if new:
                found = await store.do(shards.results_of, run_id, new)
                for result in found:
                    results += 1
                    yield result
                for key in new:
                    seen.add(key)
                    if key in targets:
                        yield Progress(len(seen), len(targets), targets[key], results)
            for view in views:
                for warning in view.warnings:
                    if warning.key not in warned:
                        warned.add(warning.key)
                        yield warning
                if view.state == "failed" and view.index not in failed:
                    failed.add(view.index)
                    text = _("shard {index} of the run failed: {error}").format(index=view.index,
                                                                               error=view.error or "?")
                    yield RunWarning(f"shard:{view.index}", text)
            for view in views:
                if view.state == "running" and view.idle_seconds > self._stale_after():
                    log.warning("run %s: shard %s has not moved for %.0f s; given up", run_id, view.index,
                                view.idle_seconds)
                    await store.do(fail_shard, run_id, view.index, parts[view.index],
                                   f"no progress for {view.idle_seconds:.0f} s (worker lost)")
            closed.update(v.index for v in views if v.settled)  # read to its end: not read again
            if len(closed) == len(parts):
                break
            if stop_sent is not None and time.monotonic() - stop_sent > STOP_GRACE:
                log.warning("run %s: shards still running %.0f s after the stop; not waiting", run_id,
                            STOP_GRACE)
                break
            try:
                await asyncio.sleep(self.settings.poll_seconds)
            except asyncio.CancelledError:
                cancelled = True  # the consumer was cancelled: stop, deliver what finished
                self.stop()
        await store.do(shards.recount_results, run_id)
        if cancelled:
            raise asyncio.CancelledError

    def _stale_after(self) -> float:
        """A running shard silent this long has lost its worker and will not be redelivered: past
        the hard time limit and the broker's visibility timeout, with a minute's margin."""
        return max(self.settings.hard_time_limit, self.settings.visibility_timeout) + 60

    def _cancel(self, run_id: int) -> None:
        """Set the shards' cancel flag, and revoke their tasks (those not started never run)."""
        from canhgac.console.store import shards

        task_ids = shards.cancel_shards(run_id)
        if task_ids:
            try:
                self.app().control.revoke(task_ids)
            except Exception:  # the broker away: the cancel flag alone stops the workers
                log.warning("run %s: its shards could not be revoked", run_id, exc_info=True)


class _Store:
    """The coordinator's store reads and broker sends, on one thread (the ORM is synchronous)."""

    def __init__(self, pool: ThreadPoolExecutor) -> None:
        self._pool = pool
        self.cancelled = False  # a cancellation arrived during a step; the coordinator stops

    async def do(self, func: Callable[..., T], *args: Any) -> T:
        step = asyncio.wrap_future(self._pool.submit(func, *args))
        while True:  # a cancellation waits for the step in flight (a shard sent but not noted helps no one)
            try:
                return await asyncio.shield(step)
            except asyncio.CancelledError:
                if step.cancelled():
                    raise
                self.cancelled = True


def _close_connections() -> None:
    from django.db import connections

    connections.close_all()


def executor_from_env(environ: Any) -> CeleryExecutor | None:
    """The executor ``CANHGAC_BROKER_URL`` asks for: Celery's, or None (in-process)."""
    settings = BrokerSettings.from_env(environ)
    return None if settings is None else CeleryExecutor(settings)
