"""Retest one finding: re-run only its check on its target, with the settings of its last run.

For an agency that says it has fixed something. The retest is a run of its own, so the
finding's lifecycle moves (fixed, or still open) through the same reconciliation as any scan.
"""

from __future__ import annotations

from dataclasses import dataclass

from canhgac.catalog import Catalog
from canhgac.engine.registry import Registry
from canhgac.engine.settings import ScanSettings
from canhgac.inventory.model import Inventory
from canhgac.services.scan import ScanOutcome, ScanRequest, execute_scan, settings_for


@dataclass(frozen=True)
class RetestTarget:
    fingerprint: str
    check_id: str
    target_key: str
    agency: str
    settings: ScanSettings


def retest_target(fingerprint: str, inventory: Inventory | None = None,
                  resolvers: tuple[str, ...] = ()) -> RetestTarget:
    """Find what a finding needs: its check, its target, the settings that produced it."""
    from canhgac.console.store.queries import finding_by_fingerprint

    finding = finding_by_fingerprint(fingerprint)
    stored = ScanSettings.model_validate(finding.last_seen_run.parameters)
    if inventory is not None:  # the inventory may have changed: its scope and options, the rest as stored
        fresh = settings_for(inventory, resolvers=stored.resolvers)
        stored = stored.model_copy(update={
            "scope": fresh.scope,
            "public_suffixes": fresh.public_suffixes,
            "target_options": {**stored.target_options, **fresh.target_options},
        })
    if resolvers:
        stored = stored.model_copy(update={"resolvers": resolvers})
    return RetestTarget(finding.fingerprint, finding.check_id, finding.target_key,
                        finding.agency_code, stored)


async def retest(target: RetestTarget, registry: Registry, catalog: Catalog) -> ScanOutcome:
    from canhgac.services.reporting import target_from_key

    request = ScanRequest(
        None, target.settings, check_ids=(target.check_id,),
        targets=(target_from_key(target.target_key, target.agency),),
    )
    return await execute_scan(request, registry, catalog, persist=True)
