"""Retest one finding: re-run only its check on its target, with the settings of the latest run
that evaluated it.

For an agency that says it has fixed something. The retest is a run of its own, so the
finding's lifecycle moves (fixed, still open, reopened) through the same reconciliation as any
scan. The settings come from the latest run that looked at the finding, whatever it saw: a
finding fixed by a scan with ``--ca-file`` is retested with that CA file, not with the settings
of the older run where it last failed. A given inventory replaces the scope, the per-target
options and the blocklist zones it declares; options given on the command line override all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from canhgac.catalog import Catalog
from canhgac.engine.registry import Registry
from canhgac.engine.settings import ScanSettings
from canhgac.engine.targets import Target
from canhgac.inventory.model import Inventory
from canhgac.services.scan import ScanOutcome, ScanRequest, execute_scan, settings_for
from canhgac.services.scan_events import ScanEvent

# the ScanSettings fields a retest may override, as ``canhgac scan`` names them
OVERRIDABLE = frozenset({
    "resolvers", "nameserver_port", "dns_timeout", "dns_max_in_flight", "ca_file", "ca_only", "dnsbl_zones",
    "ehlo_name", "user_agent",
})


@dataclass(frozen=True)
class RetestTarget:
    fingerprint: str
    check_id: str
    target_key: str
    agency: str
    settings: ScanSettings
    lifecycle: str = "open"  # the finding's lifecycle before the retest
    settings_run: int | None = None  # the run whose settings the retest reuses
    fixed_in_run: int | None = None  # the run that found it fixed, when it is


def retest_target(fingerprint: str, inventory: Inventory | None = None,
                  overrides: Mapping[str, Any] | None = None, scope: Any = None) -> RetestTarget:
    """Find what a finding needs: its check, its target, the settings of the latest run that
    evaluated it (pass or fail), with ``overrides`` (``OVERRIDABLE`` fields) applied.

    Raises LookupError for an unknown finding (or one outside ``scope``, a
    ``queries.ViewerScope``, default every agency), ValueError for an invalid override.
    """
    from canhgac.console.store.queries import ViewerScope, finding_by_fingerprint, latest_run_of

    viewer = scope if scope is not None else ViewerScope.everything()

    changes = dict(overrides or {})
    unknown = set(changes) - OVERRIDABLE
    if unknown:
        raise ValueError(f"a retest cannot override {', '.join(sorted(unknown))}")
    finding = finding_by_fingerprint(viewer, fingerprint)
    source = latest_run_of(viewer, finding.fingerprint) or finding.last_seen_run
    stored = ScanSettings.model_validate(source.parameters)
    if inventory is not None:  # the inventory may have changed: its scope and options, the rest as stored
        fresh = settings_for(inventory, resolvers=stored.resolvers)
        update: dict[str, Any] = {
            "scope": fresh.scope,
            "public_suffixes": fresh.public_suffixes,
            "target_options": {**stored.target_options, **fresh.target_options},
        }
        if inventory.mail.dnsbl_zones is not None:  # zones it declares; else as stored
            update["mail"] = stored.mail.model_copy(update={"dnsbl_zones": fresh.mail.dnsbl_zones})
        stored = stored.model_copy(update=update)
    if changes:
        stored = ScanSettings.model_validate({**stored.model_dump(), **changes})
    return RetestTarget(
        finding.fingerprint, finding.check_id, finding.target_key, finding.agency_code, stored,
        lifecycle=finding.lifecycle, settings_run=source.pk, fixed_in_run=finding.fixed_in_run_id,
    )


async def retest(target: RetestTarget, registry: Registry, catalog: Catalog,
                 on_event: Callable[[ScanEvent], None] | None = None) -> ScanOutcome:
    """Run the finding's check on its target as a run of its own; ``on_event`` hears its
    progress (``execute_scan``'s)."""
    request = ScanRequest(
        None, target.settings, check_ids=(target.check_id,),
        targets=(Target.from_key(target.target_key, target.agency),),
    )
    return await execute_scan(request, registry, catalog, persist=True, on_event=on_event)
