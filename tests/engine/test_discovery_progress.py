"""Issue 12 item 4: discovery reports its stages' progress through a callback, with their totals
known before the first probe — the range port scan counts (address, port) pairs of a small
loopback range with a real listener, the MX stage counts domains."""

from __future__ import annotations

import asyncio

from loopback_support import free_port, random_loopback

from canhgac.engine.builtin import builtin_registry
from canhgac.engine.context import CollectContext, NetworkLimits
from canhgac.engine.discovery import (
    DiscoveryProgress,
    DiscoveryRequest,
    DiscoveryStage,
    discover,
    discover_mail_hosts,
)
from canhgac.engine.dns import DnsClient, ServerAddress
from canhgac.engine.portscan import PortScanOptions
from canhgac.engine.scope import Scope
from canhgac.engine.settings import ScanSettings
from canhgac.engine.targets import Target, TargetKind


def context(cidr: str, ports: str) -> CollectContext:
    settings = ScanSettings(net=NetworkLimits(connect_timeout=0.3, read_timeout=0.5),
                            ports=PortScanOptions(ports=ports, rate=1000, retries=0))
    return CollectContext(
        dns=DnsClient((ServerAddress("127.0.0.1", 1),), timeout=0.2, attempts=1),
        scope=Scope.build(networks=[cidr], loopback_only=True),
        settings=settings,
    )


async def test_the_range_port_scan_reports_pairs_of_addresses_and_ports_from_zero() -> None:
    base = random_loopback(second=(100, 199), last=(0, 0)).rsplit(".", 1)[0]
    cidr, first, second = f"{base}.0/30", f"{base}.1", f"{base}.2"  # two host addresses
    port = free_port(first, second)
    closed = [free_port(first, second) for _ in range(2)]
    server = await asyncio.start_server(lambda r, w: w.close(), first, port)
    events: list[DiscoveryProgress] = []
    ctx = context(cidr, ",".join(map(str, [port, *closed])))
    try:
        found = await discover(DiscoveryRequest(ranges={cidr: "SO-A"}), ctx,
                               builtin_registry().select(ids=["net.ports.new"]), events.append)
    finally:
        server.close()
        await server.wait_closed()
        await ctx.aclose()
    assert {e.stage for e in events} == {DiscoveryStage.PORT_SCAN}  # no check looks at mail hosts
    assert events[0] == DiscoveryProgress(DiscoveryStage.PORT_SCAN, 0, 6, addresses=2)  # before any probe
    assert [e.done for e in events] == list(range(7))  # one step per (address, port) settled
    assert {(e.total, e.addresses) for e in events} == {(6, 2)}
    assert [item.target.name for item in found.plan.items] == [first]


async def test_the_mx_stage_counts_domains_even_when_every_lookup_fails() -> None:
    domains = [Target(kind=TargetKind.DOMAIN, name=f"d{i}.gov.test", agency="SO-A") for i in range(3)]
    events: list[DiscoveryProgress] = []
    ctx = context("127.0.0.1/32", "80")  # its resolver, 127.0.0.1:1, answers nothing
    try:
        hosts, _options = await discover_mail_hosts(domains, ctx, progress=events.append)
    finally:
        await ctx.aclose()
    assert hosts == []
    assert events[0] == DiscoveryProgress(DiscoveryStage.MAIL_HOSTS, 0, 3)
    assert [(e.done, e.total) for e in events] == [(0, 3), (1, 3), (2, 3), (3, 3)]

