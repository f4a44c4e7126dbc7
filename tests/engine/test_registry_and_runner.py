"""The runner's contract: one result per check per target, whatever collectors and checks do."""

from __future__ import annotations

import asyncio
import types
from dataclasses import dataclass

import pytest

from canhgac.engine.collectors.errors import CollectError
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import RegistryError, build_registry, check, collector
from canhgac.engine.results import ErrorReason, Outcome, Status, failed, passed
from canhgac.engine.runner import InProcessExecutor, Progress, ScanPlan, run_scan
from canhgac.engine.scope import OutOfScopeError
from canhgac.engine.settings import ScanSettings
from canhgac.engine.targets import Target, TargetKind


@dataclass(frozen=True)
class Word:
    text: str


@dataclass(frozen=True)
class Other:
    n: int


def make_module(behaviour: dict[str, str]) -> types.ModuleType:
    """A check module whose collector behaves per target name: ok, slow, collect-error, crash, scope."""
    mod = types.ModuleType("fake_checks")

    @collector(Word, target=TargetKind.DOMAIN)
    async def collect_word(target: Target, ctx: object) -> Word:
        mode = behaviour.get(target.name, "ok")
        if mode == "slow":
            await asyncio.sleep(10)
        if mode == "collect-error":
            raise CollectError(ErrorReason.DNS_SERVFAIL, "SERVFAIL on TXT")
        if mode == "crash":
            raise RuntimeError("collector bug")
        if mode == "scope":
            raise OutOfScopeError("192.0.2.1 is outside the declared scope")
        return Word(target.name)

    @collector(Other, target=TargetKind.DOMAIN)
    async def collect_other(target: Target, ctx: object) -> Other:
        return Other(len(target.name))

    @check("demo.word.short", target=TargetKind.DOMAIN, needs=Word)
    def word_short(facts: Word, params: CheckParams) -> Outcome:
        if facts.text.startswith("bug"):
            raise ValueError("check bug")
        return passed("pass") if len(facts.text) < 12 else failed("long", length=len(facts.text))

    @check("demo.other.even", target=TargetKind.DOMAIN, needs=Other)
    def other_even(facts: Other, params: CheckParams) -> Outcome:
        return passed("pass") if facts.n % 2 == 0 else failed("odd")

    for f in (collect_word, collect_other, word_short, other_even):
        setattr(mod, f.__name__, f)
    return mod


def targets(*names: str) -> list[Target]:
    return [Target(kind=TargetKind.DOMAIN, name=n, agency="A") for n in names]


def settings(**kw: object) -> ScanSettings:
    return ScanSettings(resolvers=("127.0.0.1:1",), **kw)  # type: ignore[arg-type]


async def test_one_result_per_check_per_target() -> None:
    reg = build_registry([make_module({})])
    results = await run_scan(
        ScanPlan.build(reg, targets("a.gov.test", "very-long-name.gov.test")), settings(), reg
    )
    got = {(r.target.name, r.check_id): r.status for r in results}
    assert got == {
        ("a.gov.test", "demo.word.short"): Status.PASS,
        ("a.gov.test", "demo.other.even"): Status.PASS,
        ("very-long-name.gov.test", "demo.word.short"): Status.FAIL,
        ("very-long-name.gov.test", "demo.other.even"): Status.FAIL,
    }
    long = next(r for r in results if r.status is Status.FAIL and r.check_id == "demo.word.short")
    assert long.message.key == "long" and long.message.values == {"length": 23}


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("collect-error", ErrorReason.DNS_SERVFAIL),
        ("crash", ErrorReason.INTERNAL),
        ("scope", ErrorReason.OUT_OF_SCOPE),
    ],
)
async def test_collector_failures_become_errors_only_for_dependent_checks(
    mode: str, reason: ErrorReason
) -> None:
    reg = build_registry([make_module({"x.gov.test": mode})])
    results = await run_scan(ScanPlan.build(reg, targets("x.gov.test")), settings(), reg)
    by_id = {r.check_id: r for r in results}
    assert by_id["demo.word.short"].status is Status.ERROR
    assert by_id["demo.word.short"].error_reason is reason
    assert by_id["demo.other.even"].status is Status.PASS  # other facts unaffected


async def test_check_exception_is_an_error_never_a_pass() -> None:
    reg = build_registry([make_module({})])
    results = await run_scan(ScanPlan.build(reg, targets("bug.gov.test")), settings(), reg)
    r = next(r for r in results if r.check_id == "demo.word.short")
    assert r.status is Status.ERROR and r.error_reason is ErrorReason.INTERNAL
    assert "check bug" in str(r.message.values["detail"])


async def test_slow_target_times_out_and_the_rest_completes() -> None:
    reg = build_registry([make_module({"slow.gov.test": "slow"})])
    plan = ScanPlan.build(reg, targets("slow.gov.test", "b.gov.test"))
    loop = asyncio.get_running_loop()
    start = loop.time()
    results = await run_scan(plan, settings(target_timeout=0.2), reg)
    assert loop.time() - start < 2
    slow = [r for r in results if r.target.name == "slow.gov.test"]
    assert {r.status for r in slow} == {Status.ERROR}
    assert {r.error_reason for r in slow} == {ErrorReason.TIMEOUT}
    assert {r.status for r in results if r.target.name == "b.gov.test"} == {Status.PASS}


async def test_progress_events_count_targets() -> None:
    reg = build_registry([make_module({})])
    plan = ScanPlan.build(reg, targets(*(f"d{i}.gov.test" for i in range(7))))
    events = [e async for e in InProcessExecutor().run(plan, settings(concurrency=2), reg)]
    progress = [e for e in events if isinstance(e, Progress)]
    assert [p.targets_done for p in progress] == list(range(1, 8))
    assert progress[-1].results == 14


def test_plan_shards_and_selection() -> None:
    reg = build_registry([make_module({})])
    plan = ScanPlan.build(reg.select(ids=["demo.word.short"]), targets(*(f"d{i}.gov.test" for i in range(5))))
    assert plan.check_count == 5
    assert [len(p.items) for p in plan.shards(2)] == [2, 2, 1]
    assert set(reg.select(ids=["demo.other.even"]).checks) == {"demo.other.even"}


def test_registry_fails_loudly() -> None:
    mod = types.ModuleType("broken")

    @check("demo.orphan", target=TargetKind.DOMAIN, needs=Word)
    def orphan(facts: Word, params: CheckParams) -> Outcome:
        return passed("pass")

    mod.orphan = orphan  # type: ignore[attr-defined]
    with pytest.raises(RegistryError, match="no collector for Word"):
        build_registry([mod])
    dup = make_module({})
    dup2 = make_module({})
    with pytest.raises(RegistryError, match=r"declared twice|two collectors"):
        build_registry([dup, dup2])
