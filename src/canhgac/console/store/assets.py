"""Writes of discovered assets: the hosts a scan found in declared ranges and their open ports.

Called by ``services.record_results`` in the transaction of each batch, with the observations
the batch carries (``canhgac.engine.observations``); first seen is kept, last seen and the last
run move. A port no longer open keeps its row (when it was last seen), so the report can tell
"open now" (seen by the host's latest scan) from "was open".
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from canhgac.console.store.models import Agency, Asset, AssetOrigin, ScanRun, Service
from canhgac.engine.observations import HostObservation
from canhgac.engine.targets import TargetKind

log = logging.getLogger(__name__)


def record_hosts(run: ScanRun, observations: Iterable[tuple[HostObservation, datetime]]) -> int:
    """Store each (observation, when) as the host's current inventory; returns how many hosts."""
    observed = list(observations)
    if not observed:
        return 0
    agencies = {a.code: a for a in Agency.objects.filter(code__in={seen.agency for seen, _ in observed})}
    stored = 0
    for seen, at in observed:
        agency = agencies.get(seen.agency)
        if agency is None:  # results of an agency the store does not know: no owner to file under
            log.info("host %s: unknown agency %s, not stored as an asset", seen.address, seen.agency)
            continue
        host, created = Asset.objects.get_or_create(
            kind=TargetKind.HOST.value, value=seen.address,
            defaults={"agency": agency, "origin": AssetOrigin.DISCOVERED, "first_seen": at,
                      "last_seen": at, "last_run": run},
        )
        if not created:
            host.agency = agency
            host.first_seen = host.first_seen or at
            host.last_seen = max(host.last_seen or at, at)
            host.last_run = run
            host.save(update_fields=["agency", "first_seen", "last_seen", "last_run"])
        for s in seen.services:
            Service.objects.update_or_create(
                host=host, protocol=s.protocol, port=s.port,
                defaults={"service": s.service, "product": s.product, "version": s.version, "tls": s.tls,
                          "last_seen": at, "last_run": run},
                create_defaults={"service": s.service, "product": s.product, "version": s.version,
                                 "tls": s.tls, "first_seen": at, "last_seen": at, "first_run": run,
                                 "last_run": run},
            )
        stored += 1
    return stored
