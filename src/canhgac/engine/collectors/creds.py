"""Account exposure is supplied, not collected: the services layer builds it from the store's
breach rows and hands it to the run as a resource (:class:`SuppliedExposures`). A scan that
somehow plans an account target without it gets an ``error`` result, never a pass."""

from __future__ import annotations

from canhgac.engine.collectors.errors import CollectError
from canhgac.engine.context import CollectContext
from canhgac.engine.facts.creds import AccountExposure, SuppliedExposures
from canhgac.engine.registry import collector
from canhgac.engine.results import ErrorReason
from canhgac.engine.targets import Target, TargetKind


def _none() -> SuppliedExposures:
    return SuppliedExposures({})


@collector(AccountExposure, target=TargetKind.ACCOUNT)
async def account_exposure(target: Target, ctx: CollectContext) -> AccountExposure:
    found = ctx.resources.get(SuppliedExposures, _none).by_address.get(target.name)
    if found is None:
        raise CollectError(
            ErrorReason.POLICY, "account exposure comes from 'canhgac creds import', not a scan"
        )
    return found
