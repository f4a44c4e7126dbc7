"""What the engine's lab tests share: a zone file's head, a collect context that resolves through
a lab DNS server, and running then judging the collectors a registry's checks need.

Not a test module: imported by name (pyproject's pytest ``pythonpath`` puts this folder on ``sys.path``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from loopback_support import random_loopback

from canhgac.engine.context import CollectContext, TargetOptions
from canhgac.engine.dns import DnsClient, ServerAddress
from canhgac.engine.params import CheckParams
from canhgac.engine.psl import PublicSuffixes
from canhgac.engine.registry import Registry
from canhgac.engine.results import Outcome
from canhgac.engine.scope import Scope
from canhgac.engine.settings import ScanSettings
from canhgac.engine.targets import Target, TargetKind
from canhgac.lab.dns_server import Fault, LabDnsServer

Collected = dict[type[Any], Any]


def zone_file(origin: str, records: str, *, ns: str = "127.0.0.53") -> str:
    """A master file for ``origin``: TTL, SOA, name server ``ns.<origin>`` at address ``ns``, ``records``."""
    soa = f"@ IN SOA ns.{origin}. hostmaster.{origin}. 1 3600 600 86400 300"
    return f"$TTL 300\n{soa}\n@ IN NS ns.{origin}.\nns IN A {ns}\n" + records.lstrip("\n")


def lab_context(
    server: LabDnsServer,
    *,
    domains: Sequence[str] = ("gov.test",),
    scope: Scope | None = None,
    dns_timeout: float = 0.5,
    **overrides: Any,
) -> CollectContext:
    """A context resolving through ``server`` (one attempt), scoped to ``domains`` on loopback
    unless ``scope`` is given; ``overrides`` set ``target_options``, ``public_suffixes`` or any
    field of :class:`ScanSettings` (flat names such as ``ehlo_name`` go to their group)."""
    own = {k: overrides.pop(k) for k in ("target_options", "public_suffixes") if k in overrides}
    return CollectContext(
        dns=DnsClient((ServerAddress(server.address, server.port),), timeout=dns_timeout, attempts=1),
        scope=scope or Scope.build(domains=list(domains), loopback_only=True),
        settings=ScanSettings.model_validate(overrides),
        **own,
    )


async def collect(registry: Registry, target: Target, ctx: CollectContext) -> Collected:
    """Every fact the checks of ``registry`` need about ``target``, collected side by side."""
    needed = tuple({t for spec in registry.checks.values() for t in spec.needs})
    facts = await asyncio.gather(*(registry.collectors[t].func(target, ctx) for t in needed))
    return dict(zip(needed, facts, strict=True))


def judge(registry: Registry, collected: Collected) -> dict[str, Outcome]:
    """Each check of ``registry`` on the facts it needs, with the default parameters."""
    return {
        cid: spec.evaluate(tuple(collected[t] for t in spec.needs), CheckParams())
        for cid, spec in registry.checks.items()
    }


async def scan_domain(
    registry: Registry,
    domain: str,
    zones: Mapping[str, str],
    *,
    faults: Mapping[tuple[str, str], Fault] | None = None,
    options: TargetOptions | None = None,
) -> tuple[Collected, dict[str, Outcome]]:
    """Collect what ``registry`` needs about ``domain`` through a lab DNS server on a random
    address holding ``zones`` (``gov.test`` a public suffix), check the server stayed healthy,
    and judge."""
    target = Target(kind=TargetKind.DOMAIN, name=domain, agency="so-tttt")
    async with LabDnsServer(zones=zones, address=random_loopback(), faults=faults) as server:
        ctx = lab_context(
            server,
            public_suffixes=PublicSuffixes(extra=("gov.test",)),
            target_options={target.key: options} if options is not None else {},
        )
        collected = await collect(registry, target, ctx)
        assert server.internal_errors == 0
    return collected, judge(registry, collected)
