"""Reads of discovered assets: hosts found in declared ranges, their open ports and services.

The port-drift baseline, the report's services table and the provider view read these, not
any check's evidence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import CharField, Exists, F, OuterRef, Value
from django.db.models.functions import Concat

from canhgac.console.store.models import Result, ScanRun, Service
from canhgac.console.store.queries.scope import ViewerScope
from canhgac.engine.targets import TargetKind

_HOST = TargetKind.HOST.value


@dataclass(frozen=True, slots=True)
class HostService:
    """One open port of a discovered host, as last seen."""

    agency: str
    address: str
    protocol: str
    port: int
    service: str
    product: str
    version: str
    tls: str
    first_seen: datetime
    last_seen: datetime


def open_ports_baseline(scope: ViewerScope) -> dict[str, tuple[int, ...]]:
    """Each host's open TCP ports at the latest scan that looked at it, by target key."""
    rows = scope.filter(
        Service.objects.filter(host__kind=_HOST, protocol="tcp", last_run=F("host__last_run")),
        "host__agency__code",
    ).values_list("host__value", "port")
    ports: dict[str, list[int]] = {}
    for address, port in rows:
        ports.setdefault(f"{_HOST}:{address}", []).append(port)
    return {key: tuple(sorted(found)) for key, found in sorted(ports.items())}


def host_services(
    scope: ViewerScope, *, run: ScanRun | None = None, agencies: Iterable[str] | None = None
) -> list[HostService]:
    """Open ports of discovered hosts: open now (seen by the host's latest scan), or, with
    ``run``, those open when that run scanned the host (first seen at or before it, last seen
    at or after it)."""
    rows = scope.narrowed(agencies).filter(Service.objects.filter(host__kind=_HOST), "host__agency__code")
    if run is None:
        rows = rows.filter(last_run=F("host__last_run"))
    else:
        key = Concat(Value(f"{_HOST}:"), OuterRef("host__value"), output_field=CharField())
        rows = rows.filter(first_run_id__lte=run.pk, last_run_id__gte=run.pk).filter(
            Exists(Result.objects.filter(run=run, target_key=key)))
    return [
        HostService(agency, address, protocol, port, service, product, version, tls, first, last)
        for agency, address, protocol, port, service, product, version, tls, first, last in rows.order_by(
            "host__agency__code", "host__value", "protocol", "port"
        ).values_list("host__agency__code", "host__value", "protocol", "port", "service", "product",
                      "version", "tls", "first_seen", "last_seen")
    ]
