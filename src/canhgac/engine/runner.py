"""The runner: plans work, collects facts once per target, evaluates checks, streams results.

Concurrency is explicit: ``ScanSettings.concurrency`` targets at once, the DNS client's own
in-flight limit below that, and a per-target timeout that turns whatever did not finish into
``error`` results rather than a hang. The executor is an interface: in-process here; a
distributed executor runs the same :func:`scan_target` on shards elsewhere.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from canhgac.engine.collectors.errors import CollectError
from canhgac.engine.context import CollectContext
from canhgac.engine.registry import CheckSpec, Registry
from canhgac.engine.results import CheckResult, ErrorReason, Outcome, Status, errored
from canhgac.engine.scope import OutOfScopeError
from canhgac.engine.settings import ScanSettings
from canhgac.engine.targets import Target

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkItem:
    target: Target
    checks: tuple[CheckSpec, ...]


@dataclass(frozen=True)
class ScanPlan:
    items: tuple[WorkItem, ...]

    @classmethod
    def build(cls, registry: Registry, targets: Iterable[Target]) -> ScanPlan:
        items = []
        for target in targets:
            specs = tuple(registry.for_kind(target.kind))
            if specs:
                items.append(WorkItem(target, specs))
        return cls(tuple(items))

    @property
    def check_count(self) -> int:
        return sum(len(i.checks) for i in self.items)

    def shards(self, size: int) -> list[ScanPlan]:
        """Split into plans of at most ``size`` targets (for distributed executors)."""
        return [ScanPlan(self.items[i : i + size]) for i in range(0, len(self.items), size)]


@dataclass(frozen=True)
class Progress:
    """Emitted after each target: how far the run is."""

    targets_done: int
    targets_total: int
    target: Target
    results: int


Event = CheckResult | Progress


def _result(target: Target, spec: CheckSpec, outcome: Outcome, started: float) -> CheckResult:
    return CheckResult(
        check_id=spec.id,
        target=target,
        status=outcome.status,
        message=outcome.message,
        evidence=outcome.evidence,
        error_reason=outcome.error_reason,
        discriminator=outcome.discriminator,
        observed_at=datetime.now(UTC),
        duration_ms=round((time.perf_counter() - started) * 1000, 3),
    )


async def _collect(
    item: WorkItem, ctx: CollectContext, registry: Registry
) -> tuple[dict[type[Any], Any], dict[type[Any], Outcome]]:
    needed: dict[type[Any], None] = {}
    for spec in item.checks:
        needed.update(dict.fromkeys(spec.needs))
    facts: dict[type[Any], Any] = {}
    failures: dict[type[Any], Outcome] = {}

    async def one(fact_type: type[Any]) -> None:
        collector = registry.collectors[fact_type]
        try:
            facts[fact_type] = await collector.func(item.target, ctx)
        except CollectError as exc:
            failures[fact_type] = errored(exc.reason, exc.detail)
        except OutOfScopeError as exc:
            failures[fact_type] = errored(ErrorReason.OUT_OF_SCOPE, str(exc))
        except TimeoutError:
            raise
        except Exception as exc:  # a collector bug must not sink the run; it is logged and reported
            log.exception("collector %s failed on %s", fact_type.__name__, item.target.key)
            failures[fact_type] = errored(ErrorReason.INTERNAL, f"{type(exc).__name__}: {exc}")

    await asyncio.gather(*(one(ft) for ft in needed))
    return facts, failures


async def scan_target(
    item: WorkItem, ctx: CollectContext, registry: Registry, timeout: float  # noqa: ASYNC109
) -> list[CheckResult]:
    """Every check of one target: one result each, whatever happens."""
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            facts, failures = await _collect(item, ctx, registry)
    except TimeoutError:
        outcome = errored(ErrorReason.TIMEOUT, f"target not finished within {timeout:g}s")
        return [_result(item.target, spec, outcome, started) for spec in item.checks]
    results = []
    for spec in item.checks:
        failure = next((failures[n] for n in spec.needs if n in failures), None)
        if failure is not None:
            outcome = failure
        else:
            try:
                outcome = spec.evaluate(tuple(facts[n] for n in spec.needs), ctx.params)
            except Exception as exc:  # a check bug is an error result, never a pass
                log.exception("check %s failed on %s", spec.id, item.target.key)
                outcome = errored(ErrorReason.INTERNAL, f"{type(exc).__name__}: {exc}")
        results.append(_result(item.target, spec, outcome, started))
    return results


def _crashed(item: WorkItem, exc: Exception, started: float) -> list[CheckResult]:
    """One ``error`` result per check of a target whose scan crashed: the other targets go on."""
    outcome = errored(ErrorReason.INTERNAL, f"{type(exc).__name__}: {exc}")
    return [_result(item.target, spec, outcome, started) for spec in item.checks]


class Executor(Protocol):
    """Runs a plan and streams results and progress events.

    Stopping early keeps what is done: after :meth:`stop` (or when the task consuming the stream
    is cancelled), no new target starts, targets in progress are abandoned, and the stream still
    delivers the results of every target that had finished; a cancelled stream then raises
    ``CancelledError``.
    """

    def run(
        self, plan: ScanPlan, settings: ScanSettings, registry: Registry
    ) -> AsyncGenerator[Event, None]: ...

    def stop(self) -> None: ...


class InProcessExecutor:
    """The embedded default: every target in this process, bounded by ``settings.concurrency``."""

    def __init__(self) -> None:
        self.context: CollectContext | None = None
        self._tasks: list[asyncio.Task[tuple[WorkItem, list[CheckResult]]]] = []
        self._stopping = False

    def stop(self) -> None:
        self._stopping = True
        for task in self._tasks:
            task.cancel()  # no effect on a finished target: its results are still delivered

    async def run(
        self, plan: ScanPlan, settings: ScanSettings, registry: Registry
    ) -> AsyncGenerator[Event, None]:
        ctx = settings.build_context()
        self.context = ctx
        sem = asyncio.Semaphore(settings.concurrency)
        total = len(plan.items)

        async def guarded(item: WorkItem) -> tuple[WorkItem, list[CheckResult]]:
            async with sem:
                started = time.perf_counter()
                try:
                    return item, await scan_target(item, ctx, registry, settings.target_timeout)
                except Exception as exc:  # a bug outside one check (e.g. a result that cannot be built)
                    log.exception("target %s failed", item.target.key)
                    return item, _crashed(item, exc, started)

        tasks = [asyncio.create_task(guarded(item)) for item in plan.items]
        self._tasks = tasks
        done = 0
        count = 0
        cancelled = False
        try:
            for next_done in asyncio.as_completed(tasks):
                try:
                    item, results = await next_done
                except asyncio.CancelledError:
                    if not self._stopping:  # the consumer was cancelled: stop, deliver what finished
                        cancelled = True
                        self.stop()
                    continue  # a target abandoned by stop()
                done += 1
                for result in results:
                    count += 1
                    yield result
                yield Progress(done, total, item.target, count)
            if cancelled:
                raise asyncio.CancelledError
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await ctx.aclose()


async def run_scan(
    plan: ScanPlan,
    settings: ScanSettings,
    registry: Registry,
    executor: Executor | None = None,
) -> list[CheckResult]:
    """Convenience for library users and tests: run a plan, return every result."""
    runner = executor or InProcessExecutor()
    return [e async for e in runner.run(plan, settings, registry) if isinstance(e, CheckResult)]


def summarize(results: Sequence[CheckResult]) -> dict[str, int]:
    counts = {s.value: 0 for s in Status}
    for r in results:
        counts[r.status.value] += 1
    return counts
