"""Defect 2 of issue 9, "Ctrl-C and SIGTERM lose results", engine side: a stopped executor
still delivers the results of every target that had finished, abandons the rest, and a
cancelled consumer gets those results before the cancellation."""

from __future__ import annotations

import asyncio

import pytest
from test_registry_and_runner import make_module, settings, targets

from canhgac.engine.registry import build_registry
from canhgac.engine.results import CheckResult
from canhgac.engine.runner import InProcessExecutor, ScanPlan

FAST = ("a.gov.test", "b.gov.test", "c.gov.test")


async def test_ctrl_c_and_sigterm_lose_results_stop_delivers_every_finished_target() -> None:
    """As when a signal arrives during a store write: targets finish meanwhile, unread."""
    registry = build_registry([make_module({"slow.gov.test": "slow"})])
    plan = ScanPlan.build(registry, targets("slow.gov.test", *FAST))
    executor = InProcessExecutor()
    seen: list[CheckResult] = []
    events = executor.run(plan, settings(target_timeout=30), registry)
    async for event in events:
        if isinstance(event, CheckResult):
            seen.append(event)
            if len(seen) == 1:
                await asyncio.sleep(0.3)  # "the write": the other fast targets finish meanwhile
                executor.stop()
    assert sorted({r.target.name for r in seen}) == sorted(FAST)  # all finished, none lost
    assert len(seen) == 2 * len(FAST)


async def test_ctrl_c_and_sigterm_lose_results_a_cancelled_consumer_gets_what_finished() -> None:
    registry = build_registry([make_module({"slow.gov.test": "slow"})])
    plan = ScanPlan.build(registry, targets("slow.gov.test", *FAST))
    seen: list[CheckResult] = []
    fast_done = asyncio.Event()

    async def consume() -> None:
        async for event in InProcessExecutor().run(plan, settings(target_timeout=30), registry):
            if isinstance(event, CheckResult):
                seen.append(event)
                if len(seen) == 2 * len(FAST):
                    fast_done.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(fast_done.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)  # at once: the slow target is abandoned, not awaited
    assert {r.target.name for r in seen} == set(FAST)
