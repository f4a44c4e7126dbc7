"""Defect 2 of issue 9, "a crash of one target": whatever breaks while one target is scanned
becomes ``error`` results for that target's checks, and every other target completes.

The runner's own contract tests cover a collector or a check that raises; here the crash is
outside both: a check's outcome that cannot become a result (evidence that is not JSON).
"""

from __future__ import annotations

import types

from canhgac.engine.params import CheckParams
from canhgac.engine.registry import build_registry, check, collector
from canhgac.engine.results import ErrorReason, Outcome, Status, passed
from canhgac.engine.runner import ScanPlan, run_scan
from canhgac.engine.settings import ScanSettings
from canhgac.engine.targets import Target, TargetKind


class Name(str):
    """The fact: the target's name."""


def crashing_module() -> types.ModuleType:
    mod = types.ModuleType("crashing_checks")

    @collector(Name, target=TargetKind.DOMAIN)
    async def collect_name(target: Target, ctx: object) -> Name:
        return Name(target.name)

    @check("demo.name.seen", target=TargetKind.DOMAIN, needs=Name)
    def name_seen(facts: Name, params: CheckParams) -> Outcome:
        evidence: dict[str, object] = {"name": str(facts)}
        if facts.startswith("crash"):
            evidence["socket"] = object()  # not JSON: building the result raises
        return passed("seen").model_copy(update={"evidence": evidence})

    @check("demo.name.short", target=TargetKind.DOMAIN, needs=Name)
    def name_short(facts: Name, params: CheckParams) -> Outcome:
        return passed("short")

    mod.collect_name, mod.name_seen, mod.name_short = collect_name, name_seen, name_short  # type: ignore[attr-defined]
    return mod


async def test_ctrl_c_and_sigterm_lose_results_a_crashing_target_keeps_the_others() -> None:
    registry = build_registry([crashing_module()])
    names = ("a.gov.test", "crash.gov.test", "b.gov.test")
    targets = [Target(kind=TargetKind.DOMAIN, name=n, agency="A") for n in names]
    results = await run_scan(ScanPlan.build(registry, targets), ScanSettings(resolvers=("127.0.0.1:1",)),
                             registry)
    by_target = {(r.target.name, r.check_id): r for r in results}
    assert len(results) == len(by_target) == 6  # one result per check per target, none lost
    for name in ("a.gov.test", "b.gov.test"):
        assert by_target[(name, "demo.name.seen")].status is Status.PASS
        assert by_target[(name, "demo.name.short")].status is Status.PASS
    crashed = [by_target[("crash.gov.test", c)] for c in ("demo.name.seen", "demo.name.short")]
    assert [r.status for r in crashed] == [Status.ERROR, Status.ERROR]
    assert {r.error_reason for r in crashed} == {ErrorReason.INTERNAL}
    assert "ValidationError" in str(crashed[0].message.values["detail"])
