"""What a Celery worker does with one shard of a run: run its plan with the engine's in-process
executor, and write each finished target's results to the store, idempotently.

The shard message (:class:`ShardMessage`, JSON) carries everything the run needs — the run id,
the shard's index, its plan and the scan settings — so a worker on any machine with the same
catalog and store runs it with no other state. Checks are resolved through the worker's own
registry; a check it does not know is an ``error`` result, never a skipped check.

Between targets (about every ``FLUSH_SECONDS``) the finished targets' results are written with
``shards.store_targets`` (upsert by fingerprint, one transaction per flush, the targets marked
done with them), which also tells whether the run was cancelled: then the executor is stopped
and what finished is kept. A shard redelivered after its worker died skips the targets its
row says are done. Whatever stops the shard short of its end — a time limit, a bug — its
remaining targets get ``error`` results, so every check of the plan has a result.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import aclosing, suppress
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

from canhgac.engine.plan import PlanError, PlanItem, ScanPlan
from canhgac.engine.registry import Registry
from canhgac.engine.results import CheckResult, ErrorReason, errored
from canhgac.engine.runner import InProcessExecutor, Progress, RunWarning
from canhgac.engine.settings import ScanSettings

FLUSH_SECONDS = 0.5
T = TypeVar("T")
log = logging.getLogger(__name__)


class ShardMessage(BaseModel):
    """One shard of a run, as a task's argument (``model_dump(mode="json")`` and back)."""

    model_config = ConfigDict(frozen=True)

    run_id: int
    index: int
    plan: ScanPlan
    settings: ScanSettings


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def error_results(items: Sequence[PlanItem], reason: ErrorReason, detail: str) -> list[CheckResult]:
    """One ``error`` result per check of each item (targets a shard could not finish)."""
    outcome = errored(reason, detail)
    now = datetime.now(UTC)
    return [CheckResult(check_id=check_id, target=item.target, status=outcome.status, message=outcome.message,
                        evidence=outcome.evidence, error_reason=outcome.error_reason, observed_at=now)
            for item in items for check_id in item.checks]


class _Writer:
    """The shard's store writes, on one thread (the ORM is synchronous), in order."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="canhgac-shard-store")

    async def do(self, func: Callable[..., T], *args: Any) -> T:
        return await asyncio.wrap_future(self._pool.submit(func, *args))

    def close(self) -> None:
        def closing() -> None:
            from django.db import connections

            connections.close_all()

        self._pool.submit(closing).result()
        self._pool.shutdown()


def _resolvable(items: Sequence[PlanItem], registry: Registry) -> tuple[list[PlanItem], list[CheckResult]]:
    """The items this worker can run, and error results for those naming a check it lacks."""
    ok: list[PlanItem] = []
    unknown: list[CheckResult] = []
    for item in items:
        try:
            item.specs(registry)
        except PlanError as exc:
            unknown += error_results([item], ErrorReason.INTERNAL, str(exc))
        else:
            ok.append(item)
    return ok, unknown


async def run_shard(message: ShardMessage, registry: Registry) -> str:
    """Run one shard to its end (or its cancellation); returns the state it settled in
    (``done``, ``cancelled``, or ``skipped`` when there was nothing to do)."""
    from canhgac.console.store import shards
    from canhgac.console.store.errors import RunNotRunningError
    from canhgac.console.store.shard_models import ShardState

    writer = _Writer()
    try:
        start = await writer.do(shards.begin_shard, message.run_id, message.index, worker_name())
        if start is None:
            return "skipped"
        todo = [i for i in message.plan.items if i.target.key not in start.done_keys]
        items, unknown = _resolvable(todo, registry)
        if unknown:
            await writer.do(shards.store_targets, message.run_id, message.index,
                            [r.target.key for r in unknown], unknown)
        try:
            go_on = await _run_items(message, ScanPlan(items=tuple(items)), registry, writer)
        except RunNotRunningError:  # the coordinator closed the run: nothing more to write
            go_on = False
        state = ShardState.DONE if go_on else ShardState.CANCELLED
        await writer.do(shards.end_shard, message.run_id, message.index, state)
        return str(state)
    finally:
        writer.close()


async def _run_items(message: ShardMessage, plan: ScanPlan, registry: Registry, writer: _Writer) -> bool:
    """Run the plan, flushing finished targets; False when the run was cancelled meanwhile."""
    from canhgac.console.store import shards

    executor = InProcessExecutor()
    keys: list[str] = []
    pending: list[CheckResult] = []
    current: list[CheckResult] = []
    warnings: list[RunWarning] = []
    flushed = time.monotonic()
    go_on = True
    finished: set[str] = set()

    async def flush() -> bool:
        nonlocal keys, pending, warnings, flushed
        if not keys and not warnings:
            return True
        batch_keys, batch, said = keys, pending, warnings
        keys, pending, warnings, flushed = [], [], [], time.monotonic()
        go = await writer.do(shards.store_targets, message.run_id, message.index, batch_keys, batch, said)
        return bool(go)

    try:
        async with aclosing(executor.run(plan, message.settings, registry)) as events:
            async for event in events:
                if isinstance(event, CheckResult):
                    current.append(event)
                elif isinstance(event, RunWarning):
                    warnings.append(event)
                elif isinstance(event, Progress):
                    keys.append(event.target.key)
                    finished.add(event.target.key)
                    pending += current
                    current = []
                    if go_on and time.monotonic() - flushed >= FLUSH_SECONDS:
                        go_on = await flush()
                        if not go_on:
                            executor.stop()  # between targets: what finished is delivered, then the end
        go_on = await flush() and go_on
    except Exception as exc:  # a time limit, a bug: the rest of the shard is an error
        if _is_transient(exc):
            raise  # the database away, the run closed: nothing to conclude about the targets
        left = [i for i in plan.items if i.target.key not in finished]
        detail = f"shard stopped: {type(exc).__name__}: {exc}"[:300]
        log.warning("run %s shard %s: %s", message.run_id, message.index, detail)
        pending += error_results(left, ErrorReason.INTERNAL, detail)
        keys += [i.target.key for i in left]
        await flush()
        raise
    return go_on


def _is_transient(exc: Exception) -> bool:
    """The store's errors (retried by the task) and a run that ended (the shard stops)."""
    from django.db import Error as DatabaseError

    from canhgac.console.store.errors import RunNotRunningError

    return isinstance(exc, DatabaseError | RunNotRunningError)


def fail_shard(run_id: int, index: int, plan: ScanPlan, error: str) -> None:
    """Give up on a shard: its targets without results get ``error`` results (so every check of
    the plan has one), and it settles as failed with ``error``. Called by the task when it gives
    up, and by the coordinator for a shard whose worker vanished without a redelivery."""
    from canhgac.console.store import shards
    from canhgac.console.store.errors import RunNotRunningError
    from canhgac.console.store.shard_models import ShardState

    done = shards.done_keys(run_id, index)
    left = [i for i in plan.items if i.target.key not in done]
    if left:
        with suppress(RunNotRunningError):
            shards.store_targets(run_id, index, [i.target.key for i in left],
                                 error_results(left, ErrorReason.INTERNAL, error[:300]))
    shards.end_shard(run_id, index, ShardState.FAILED, error)
