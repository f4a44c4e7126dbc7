"""The runner: resolves a plan's check ids, collects facts once per target, evaluates checks,
streams results.

Concurrency is explicit: ``ScanSettings.concurrency`` targets at once, the DNS client's own
in-flight limit below that, and a per-target timeout that turns whatever did not finish into
``error`` results rather than a hang. The executor is an interface with two stages: discovery
(MX hosts, range port scan) whose output is a :class:`ScanPlan`, and the run of a plan. A plan
is a plain value (target, options, check ids), so a distributed executor can send shards of it
to workers that run the same :func:`scan_target`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from canhgac.engine.collectors.errors import CollectError
from canhgac.engine.context import CollectContext
from canhgac.engine.discovery import Discovered, DiscoveryRequest, discover
from canhgac.engine.plan import PlanItem, ScanPlan
from canhgac.engine.registry import CheckSpec, Registry
from canhgac.engine.results import CheckResult, ErrorReason, Outcome, errored
from canhgac.engine.run_warnings import RunWarning
from canhgac.engine.scope import OutOfScopeError
from canhgac.engine.settings import ScanSettings
from canhgac.engine.targets import Target

__all__ = ["Event", "Executor", "InProcessExecutor", "PlanItem", "Progress", "RunWarning", "ScanPlan",
           "run_scan", "scan_target"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Progress:
    """Emitted after each target: how far the run is."""

    targets_done: int
    targets_total: int
    target: Target
    results: int


# A run streams results, a progress tick after each target, and each warning about the run
# itself (once per key) after the target that raised it.
Event = CheckResult | Progress | RunWarning


def _result(target: Target, check_id: str, outcome: Outcome, started: float) -> CheckResult:
    return CheckResult(
        check_id=check_id,
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
    target: Target, specs: tuple[CheckSpec, ...], ctx: CollectContext, registry: Registry
) -> tuple[dict[type[Any], Any], dict[type[Any], Outcome]]:
    needed: dict[type[Any], None] = {}
    for spec in specs:
        needed.update(dict.fromkeys(spec.needs))
    facts: dict[type[Any], Any] = {}
    failures: dict[type[Any], Outcome] = {}

    async def one(fact_type: type[Any]) -> None:
        collector = registry.collectors[fact_type]
        try:
            facts[fact_type] = await collector.func(target, ctx)
        except CollectError as exc:
            failures[fact_type] = errored(exc.reason, exc.detail)
        except OutOfScopeError as exc:
            failures[fact_type] = errored(ErrorReason.OUT_OF_SCOPE, str(exc))
        except TimeoutError:
            raise
        except Exception as exc:  # a collector bug must not sink the run; it is logged and reported
            log.exception("collector %s failed on %s", fact_type.__name__, target.key)
            failures[fact_type] = errored(ErrorReason.INTERNAL, f"{type(exc).__name__}: {exc}")

    await asyncio.gather(*(one(ft) for ft in needed))
    return facts, failures


async def scan_target(
    item: PlanItem, ctx: CollectContext, registry: Registry, timeout: float  # noqa: ASYNC109
) -> list[CheckResult]:
    """Every check of one target: one result each, whatever happens.

    The item's check ids are resolved through ``registry`` here (:class:`PlanError` for an id
    it does not know); its options are read from ``ctx`` (``ctx.options_for``).
    """
    specs = item.specs(registry)
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            facts, failures = await _collect(item.target, specs, ctx, registry)
    except TimeoutError:
        outcome = errored(ErrorReason.TIMEOUT, f"target not finished within {timeout:g}s")
        return [_result(item.target, spec.id, outcome, started) for spec in specs]
    results = []
    for spec in specs:
        failure = next((failures[n] for n in spec.needs if n in failures), None)
        if failure is not None:
            outcome = failure
        else:
            try:
                outcome = spec.evaluate(tuple(facts[n] for n in spec.needs), ctx.params)
            except Exception as exc:  # a check bug is an error result, never a pass
                log.exception("check %s failed on %s", spec.id, item.target.key)
                outcome = errored(ErrorReason.INTERNAL, f"{type(exc).__name__}: {exc}")
        results.append(_result(item.target, spec.id, outcome, started))
    return results


def _crashed(item: PlanItem, exc: Exception, started: float) -> list[CheckResult]:
    """One ``error`` result per check of a target whose scan crashed: the other targets go on."""
    outcome = errored(ErrorReason.INTERNAL, f"{type(exc).__name__}: {exc}")
    return [_result(item.target, check_id, outcome, started) for check_id in item.checks]


class Executor(Protocol):
    """Discovers targets into a plan, runs a plan and streams results, progress events and the
    run's warnings (each key once).

    Stopping early keeps what is done: after :meth:`stop` (or when the task consuming the stream
    is cancelled), no new target starts, targets in progress are abandoned, and the stream still
    delivers the results of every target that had finished; a cancelled stream then raises
    ``CancelledError``. :meth:`aclose` releases what discovery opened if no run followed.
    """

    async def discover(
        self, request: DiscoveryRequest, settings: ScanSettings, registry: Registry
    ) -> Discovered: ...

    def run(
        self, plan: ScanPlan, settings: ScanSettings, registry: Registry
    ) -> AsyncGenerator[Event, None]: ...

    def stop(self) -> None: ...

    async def aclose(self) -> None: ...


class InProcessExecutor:
    """The embedded default: every target in this process, bounded by ``settings.concurrency``.

    Discovery opens the run's context (DNS client and cache); the run that follows with the same
    settings reuses it, so the scan starts with the answers discovery already has, and closes it.
    """

    def __init__(self) -> None:
        self._tasks: list[asyncio.Task[tuple[PlanItem, list[CheckResult]]]] = []
        self._stopping = False
        self._kept: CollectContext | None = None  # opened by discovery, for the run

    def stop(self) -> None:
        self._stopping = True
        for task in self._tasks:
            task.cancel()  # no effect on a finished target: its results are still delivered

    async def aclose(self) -> None:
        kept, self._kept = self._kept, None
        if kept is not None:
            await kept.aclose()

    async def _context(self, settings: ScanSettings) -> CollectContext:
        if self._kept is not None and self._kept.settings != settings:
            await self.aclose()
        if self._kept is None:
            self._kept = CollectContext.from_settings(settings)
        return self._kept

    async def discover(
        self, request: DiscoveryRequest, settings: ScanSettings, registry: Registry
    ) -> Discovered:
        return await discover(request, await self._context(settings), registry)

    async def run(
        self, plan: ScanPlan, settings: ScanSettings, registry: Registry
    ) -> AsyncGenerator[Event, None]:
        opened = await self._context(settings)
        self._kept = None  # the run owns it now and closes it
        ctx = opened.with_options(plan.target_options())
        sem = asyncio.Semaphore(settings.concurrency)
        total = len(plan.items)

        async def guarded(item: PlanItem) -> tuple[PlanItem, list[CheckResult]]:
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
                for warning in ctx.warnings.drain():
                    yield warning
                yield Progress(done, total, item.target, count)
            for warning in ctx.warnings.drain():  # raised by a target abandoned by stop()
                yield warning
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
