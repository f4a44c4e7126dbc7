"""Reads of what the port scans observed: each host's open ports (the drift baseline)."""

from __future__ import annotations

from canhgac.console.store.models import Result
from canhgac.console.store.queries.scope import ViewerScope

DRIFT_CHECK = "net.ports.new"  # its evidence records each host's open ports


def open_ports_baseline(scope: ViewerScope) -> dict[str, tuple[int, ...]]:
    """Each host's open TCP ports at the latest ended scan that looked, by target key."""
    latest: dict[str, tuple[int, ...]] = {}
    rows = (
        scope.filter(Result.objects.filter(check_id=DRIFT_CHECK, run__finished_at__isnull=False))
        .order_by("run__finished_at", "run_id")
        .values_list("target_key", "evidence")
    )
    for key, evidence in rows:  # later runs overwrite earlier ones
        ports = evidence.get("open_ports") if isinstance(evidence, dict) else None
        if isinstance(ports, list) and all(isinstance(p, int) for p in ports):
            latest[key] = tuple(ports)
    return latest
