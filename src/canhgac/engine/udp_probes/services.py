"""All four UDP probes of one address, asked concurrently: where (:class:`UdpPorts`) and what came back."""

from __future__ import annotations

import asyncio

from canhgac.engine.context import CollectContext
from canhgac.engine.facts.udp import (
    UdpPorts,
    UdpServiceFacts,
)
from canhgac.engine.udp_probes.dns_recursion import probe_dns_recursion
from canhgac.engine.udp_probes.memcached import probe_memcached_udp
from canhgac.engine.udp_probes.ntp import probe_ntp
from canhgac.engine.udp_probes.snmp import probe_snmp


async def probe_udp_services(
    ctx: CollectContext, address: str, ports: UdpPorts | None = None
) -> UdpServiceFacts:
    """The four probes of one address, concurrently (one datagram each)."""
    p = ports or UdpPorts()
    dns_fact, ntp, snmp, memcached = await asyncio.gather(
        probe_dns_recursion(ctx, address, p.dns),
        probe_ntp(ctx, address, p.ntp),
        probe_snmp(ctx, address, p.snmp),
        probe_memcached_udp(ctx, address, p.memcached),
    )
    return UdpServiceFacts(address, dns_fact, ntp, snmp, memcached)
