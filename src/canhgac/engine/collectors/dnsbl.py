"""DNS blocklists (MAIL_HOST): is an address of the host listed in one of ``ctx.mail.dnsbl_zones``?

RFC 5782: the address's octets reversed (IPv6: nibbles reversed, only in zones that list IPv6)
under the zone; an A answer in 127.0.0.2-127.0.0.255 is a listing, whose TXT record explains
it, NXDOMAIN is "not listed". Operators answer some queries with documented error codes
instead (Spamhaus: 127.255.255.x when the query came through a public resolver, was
misspelt, or exceeded the free quota): those make the zone untested, never listed. Each zone
is first asked for its RFC 5782 test entry (127.0.0.2 must be listed), so a dead or
unreachable zone that answers NXDOMAIN for everything is an error, not a clean bill. Only DNS
traffic through the run's resolvers: the host itself is never contacted.
"""

from __future__ import annotations

import asyncio
import ipaddress

from canhgac.engine.collectors.host_addresses import resolve_host
from canhgac.engine.context import CollectContext
from canhgac.engine.facts.dns import DnsStatus, Lookup
from canhgac.engine.facts.dnsbl import (
    DnsblFacts,
    Verdict,
    ZoneAnswer,
    ZoneHealth,
    ZoneVerdict,
    classify,
)
from canhgac.engine.registry import collector
from canhgac.engine.results import ErrorReason
from canhgac.engine.targets import Target, TargetKind

# Zones known to list IPv6 addresses (nibble format); others are asked about IPv4 only.
IPV6_ZONES = frozenset({"zen.spamhaus.org", "sbl.spamhaus.org", "xbl.spamhaus.org", "pbl.spamhaus.org",
                        "sbl-xbl.spamhaus.org"})
RFC5782_TEST_ADDRESS = "127.0.0.2"
MAX_TXT_CHARS = 300


def query_name(address: str, zone: str) -> str:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv4Address):
        labels = str(ip).split(".")
    else:
        labels = list(ip.exploded.replace(":", ""))
    return ".".join(reversed(labels)) + "." + zone


async def _health(ctx: CollectContext, zone: str) -> ZoneHealth:
    lookup = Lookup.of(await ctx.dns.query(query_name(RFC5782_TEST_ADDRESS, zone), "A"))
    found = classify(zone, lookup)
    if found.verdict is ZoneVerdict.LISTED:
        return ZoneHealth(zone, None)
    if found.verdict is ZoneVerdict.NOT_LISTED:
        found = Verdict(ZoneVerdict.ERROR, "the zone does not list its RFC 5782 test address 127.0.0.2",
                        ErrorReason.PROTOCOL)
    return ZoneHealth(zone, found)


async def _ask(ctx: CollectContext, address: str, zone: str, health: ZoneHealth) -> ZoneAnswer:
    if ipaddress.ip_address(address).version == 6 and zone not in IPV6_ZONES:
        return ZoneAnswer(address, zone, ZoneVerdict.SKIPPED, detail="the zone lists IPv4 only")
    problem = health.problem
    if problem is not None:
        return ZoneAnswer(address, zone, ZoneVerdict.ERROR, detail=problem.detail,
                          error_reason=problem.reason)
    name = query_name(address, zone)
    lookup = Lookup.of(await ctx.dns.query(name, "A"))
    found = classify(zone, lookup)
    if found.verdict is not ZoneVerdict.LISTED:
        return ZoneAnswer(address, zone, found.verdict, detail=found.detail, error_reason=found.reason)
    txt = Lookup.of(await ctx.dns.query(name, "TXT"))
    explanation = " ".join(txt.records)[:MAX_TXT_CHARS] if txt.status is DnsStatus.OK else ""
    return ZoneAnswer(address, zone, found.verdict, tuple(lookup.records), explanation)


@collector(DnsblFacts, target=TargetKind.MAIL_HOST)
async def collect_dnsbl(target: Target, ctx: CollectContext) -> DnsblFacts:
    host = target.name.strip().rstrip(".").lower()
    zones = tuple(dict.fromkeys(z.strip().rstrip(".").lower() for z in ctx.mail.dnsbl_zones if z.strip()))
    addresses, health = await asyncio.gather(
        resolve_host(ctx, host), asyncio.gather(*(_health(ctx, z) for z in zones))
    )
    by_zone = dict(zip(zones, health, strict=True))
    answers = await asyncio.gather(
        *(_ask(ctx, a, z, by_zone[z]) for a in addresses.addresses for z in zones)
    )
    return DnsblFacts(host, addresses, zones, tuple(health), tuple(answers))
