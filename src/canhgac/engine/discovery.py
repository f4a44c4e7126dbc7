"""Discovery, the executor stage before the scan: declared targets in, a :class:`ScanPlan` out.

It port-scans the declared ranges (each address with open ports is a host target) and derives
mail-host targets from the domains' MX. A mail host is whatever a declared domain's MX names,
plus hosts the inventory declares (with their ports). One host often serves several agencies
(a province-wide mail system), so hosts are deduplicated and remember every domain they serve;
the owner is the agency under whose domain the host's name falls, else the first agency (by
domain) that uses it.

Each stage reports how far it is through an optional callback (:class:`DiscoveryProgress`), so a
front end can show the port scan, which may take minutes, before the first target runs; the
engine knows nothing of how it is shown.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from pydantic import BaseModel, ConfigDict

from canhgac.engine.context import CollectContext
from canhgac.engine.options import TargetOptions
from canhgac.engine.plan import ScanPlan
from canhgac.engine.portscan import PortScanOptions
from canhgac.engine.registry import Registry
from canhgac.engine.scope import Scope
from canhgac.engine.targets import Target, TargetKind
from canhgac.i18n import gettext as _

MAX_MX_PER_DOMAIN = 32
T = TypeVar("T")


class DiscoveryStage(StrEnum):
    """A stage of discovery, and what its progress counts."""

    PORT_SCAN = "port_scan"  # (address, port) pairs of the declared ranges' in-scope addresses
    MAIL_HOSTS = "mail_hosts"  # declared domains whose MX were looked up


@dataclass(frozen=True, slots=True)
class DiscoveryProgress:
    """``done`` of ``total`` units of a stage; sent with ``done == 0`` when the stage starts (its
    total known) and after each unit. A port scan's total is addresses × ports (``addresses``)."""

    stage: DiscoveryStage
    done: int
    total: int
    addresses: int = 0


ProgressCallback = Callable[[DiscoveryProgress], None]


@dataclass(frozen=True)
class DeclaredHost:
    host: str
    ports: tuple[int, ...]


@dataclass
class _Seen:
    domains: set[str] = field(default_factory=set)
    agencies: dict[str, str] = field(default_factory=dict)  # domain -> agency
    ports: set[int] = field(default_factory=set)


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


async def _mx_hosts(ctx: CollectContext, domain: str) -> list[str]:
    answer = await ctx.dns.query(domain, "MX")
    if not answer.ok:
        return []
    hosts = []
    for rdata in answer.rdata[:MAX_MX_PER_DOMAIN]:
        exchange = rdata.exchange.to_text().rstrip(".").lower()  # type: ignore[attr-defined]
        if exchange and not _is_ip(exchange):  # null MX ("."), IP literals: not hosts
            hosts.append(exchange)
    return hosts


def _owner(host: str, seen: _Seen) -> str:
    for domain in sorted(seen.agencies, key=len, reverse=True):
        if host == domain or host.endswith("." + domain):
            return seen.agencies[domain]
    return seen.agencies[min(seen.agencies)]


async def _counted(
    steps: Sequence[Awaitable[T]], stage: DiscoveryStage, progress: ProgressCallback | None
) -> list[T]:
    """``asyncio.gather(*steps)``, reporting each step done to ``progress``."""
    if progress is None:
        return list(await asyncio.gather(*steps))
    total = len(steps)
    done = 0
    progress(DiscoveryProgress(stage, 0, total))

    async def one(step: Awaitable[T]) -> T:
        nonlocal done
        value = await step
        done += 1
        progress(DiscoveryProgress(stage, done, total))
        return value

    return list(await asyncio.gather(*(one(s) for s in steps)))


async def discover_mail_hosts(
    domains: Sequence[Target],
    ctx: CollectContext,
    declared: Mapping[str, Sequence[DeclaredHost]] | None = None,
    intrusive: Mapping[str, bool] | None = None,
    progress: ProgressCallback | None = None,
) -> tuple[list[Target], dict[str, TargetOptions]]:
    """Mail-host targets for the given domain targets, with their options (keyed by target key).

    ``declared`` maps a domain to the hosts the inventory names for it (used in addition to
    MX); ``intrusive`` maps an agency code to its intrusive-probe policy (default allowed);
    ``progress`` hears of each domain's MX lookup (:attr:`DiscoveryStage.MAIL_HOSTS`).
    """
    declared = declared or {}
    seen: dict[str, _Seen] = {}
    found = await _counted([_mx_hosts(ctx, t.name) for t in domains], DiscoveryStage.MAIL_HOSTS, progress)
    for target, hosts in zip(domains, found, strict=True):
        entries = [DeclaredHost(h, ()) for h in hosts] + list(declared.get(target.name, ()))
        for entry in entries:
            record = seen.setdefault(entry.host, _Seen())
            record.domains.add(target.name)
            record.agencies.setdefault(target.name, target.agency)
            record.ports.update(entry.ports)
    targets: list[Target] = []
    options: dict[str, TargetOptions] = {}
    policy = intrusive or {}
    for host in sorted(seen):
        record = seen[host]
        owner = _owner(host, record)
        target = Target(kind=TargetKind.MAIL_HOST, name=host, agency=owner)
        targets.append(target)
        options[target.key] = TargetOptions(
            served_domains=tuple(sorted(record.domains)),
            ports=tuple(sorted(record.ports)),
            intrusive_probes=policy.get(owner, True),
        )
    return targets, options


def _owner_of(address: str, ranges: Mapping[str, str]) -> str:
    """The agency whose declared range holds the address (the most specific range wins)."""
    ip = ipaddress.ip_address(address)
    best: tuple[int, str] | None = None
    for cidr, agency in ranges.items():
        net = ipaddress.ip_network(cidr, strict=False)
        if ip.version == net.version and ip in net and (best is None or net.prefixlen > best[0]):
            best = (net.prefixlen, agency)
    if best is None:  # pragma: no cover - the scanner only scans declared ranges
        raise ValueError(f"{address} is in no declared range")
    return best[1]


async def discover_hosts(
    ranges: Mapping[str, str],
    ctx: CollectContext,
    scan: PortScanOptions,
    known: Mapping[str, tuple[int, ...]] | None = None,
    progress: ProgressCallback | None = None,
) -> tuple[list[Target], dict[str, TargetOptions], dict[str, object]]:
    """Port-scan the declared ranges (CIDR -> agency); each address with open ports is a target.

    ``known`` maps a host target key to the ports open at the previous scan (drift baseline);
    ``progress`` hears of each (address, port) settled (:attr:`DiscoveryStage.PORT_SCAN`).
    Returns the targets, their options and the scan's summary for the run's record, whose
    ``refused`` lists the ranges with addresses the scope guard refused (never contacted).
    """
    ports = len(set(scan.port_list())) or 1

    def pairs(done: int, total: int) -> None:
        if progress is not None:
            progress(DiscoveryProgress(DiscoveryStage.PORT_SCAN, done, total, addresses=total // ports))

    result = await scan.run(sorted(ranges), ctx, progress=pairs)
    refused: dict[str, int] = {}
    for address in result.out_of_scope:
        ip = ipaddress.ip_address(address)
        cidr = next(c for c in sorted(ranges) if ip in ipaddress.ip_network(c))
        refused[cidr] = refused.get(cidr, 0) + 1
    targets: list[Target] = []
    options: dict[str, TargetOptions] = {}
    for address in sorted(result.open_ports, key=ipaddress.ip_address):
        target = Target(kind=TargetKind.HOST, name=address, agency=_owner_of(address, ranges))
        targets.append(target)
        baseline = (known or {}).get(target.key)
        options[target.key] = TargetOptions(ports=tuple(result.open_ports[address]), known_ports=baseline)
    refusals = [{"range": c, "agency": ranges[c], "addresses": n} for c, n in sorted(refused.items())]
    return targets, options, {**result.as_evidence(), "refused": refusals}


def refused_range_warnings(summary: Mapping[str, object], scope: Scope) -> tuple[str, ...]:
    """One line per declared range whose addresses the scope refused (from a discovery summary)."""
    refusals = summary.get("refused")
    mode = _(" (loopback-only mode)") if scope.loopback_only else ""
    lines = []
    for item in refusals if isinstance(refusals, list) else []:
        lines.append(_("{agency}: {count} address(es) of range {range} are outside the declared scope{mode} "
                       "and were not scanned").format(agency=item["agency"], count=item["addresses"],
                                                      range=item["range"], mode=mode))
    return tuple(lines)


class DiscoveryRequest(BaseModel):
    """What discovery starts from: the declared targets and what the inventory says about hosts.

    A value (JSON in, JSON out) like the plan it produces, built by the services layer.
    """

    model_config = ConfigDict(frozen=True)

    targets: tuple[Target, ...] = ()  # declared (domains, URLs); their options are the settings'
    ranges: Mapping[str, str] = {}  # CIDR -> agency: port-scanned when a chosen check looks at hosts
    declared_mail_hosts: Mapping[str, tuple[DeclaredHost, ...]] = {}  # domain -> declared hosts
    intrusive: Mapping[str, bool] = {}  # agency -> intrusive probes allowed
    known_ports: Mapping[str, tuple[int, ...]] = {}  # host key -> ports open at the previous scan
    target_keys: tuple[str, ...] = ()  # only these targets in the plan (all when empty)


@dataclass(frozen=True)
class Discovered:
    """Discovery's output: the plan, and what the operator should know (refused ranges)."""

    plan: ScanPlan
    warnings: tuple[str, ...] = ()


async def discover(
    request: DiscoveryRequest,
    ctx: CollectContext,
    registry: Registry,
    progress: ProgressCallback | None = None,
) -> Discovered:
    """Targets found from the declared ones, planned with ``registry``'s checks.

    Ranges are port-scanned only when a check looks at hosts, MX only when one looks at mail
    hosts; ``progress`` hears how far each stage is. Options: the settings' declared ones
    (``ctx.settings.target_options``), then the discovered ones.
    """
    targets = list(request.targets)
    options = dict(ctx.settings.target_options)
    warnings: tuple[str, ...] = ()
    if registry.for_kind(TargetKind.HOST) and request.ranges:
        hosts, host_options, summary = await discover_hosts(
            request.ranges, ctx, ctx.settings.ports, request.known_ports, progress)
        warnings = refused_range_warnings(summary, ctx.scope)
        targets += hosts
        options.update(host_options)
    if registry.for_kind(TargetKind.MAIL_HOST):
        domains = [t for t in request.targets if t.kind is TargetKind.DOMAIN]
        mail_hosts, mail_options = await discover_mail_hosts(
            domains, ctx, request.declared_mail_hosts, request.intrusive, progress)
        targets += mail_hosts
        options.update(mail_options)
    plan = ScanPlan.build(registry, targets, options)
    if request.target_keys:
        plan = plan.only(request.target_keys)
    return Discovered(plan, warnings)
