"""A swept computer's hits are supplied, not collected: the services layer builds them from an
imported result file (``services.sweep_results``). A scan that somehow plans an endpoint target
gets an ``error`` result, never a pass."""

from __future__ import annotations

from canhgac.engine.collectors.errors import CollectError
from canhgac.engine.context import CollectContext
from canhgac.engine.facts.sweep import SuppliedSweepHits, SweepHit
from canhgac.engine.registry import collector
from canhgac.engine.results import ErrorReason
from canhgac.engine.targets import Target, TargetKind


def _none() -> SuppliedSweepHits:
    return SuppliedSweepHits({})


@collector(SweepHit, target=TargetKind.ENDPOINT)
async def sweep_hit(target: Target, ctx: CollectContext) -> SweepHit:
    found = ctx.resources.get(SuppliedSweepHits, _none).by_host.get(target.name)
    if found is None:
        raise CollectError(ErrorReason.POLICY, "sweep hits come from 'canhgac sweep import', not a scan")
    return found
