"""DNS blocklists (MAIL_HOST): is an address of the host listed in one of ``ctx.mail.dnsbl_zones``?

RFC 5782: the address's octets reversed (IPv6: nibbles reversed, only in zones that list IPv6)
under the zone; an A answer in 127.0.0.2-127.0.0.255 is a listing, whose TXT record explains
it, NXDOMAIN is "not listed". Operators answer some queries with documented error codes
instead (Spamhaus: 127.255.255.x when the query came through a public resolver, was
misspelt, or exceeded the free quota): those make the answer untested, never listed.

Each zone passes a liveness test once per run, before any host is asked in it: its RFC 5782
test entries (127.0.0.2 listed, 127.0.0.1 not). A zone that fails (dead, refusing the resolver,
silent, or answering everything as listed) is left out of the run with one run warning, and the
hosts are judged with the zones that passed. Only DNS traffic through the run's resolvers: the
host itself is never contacted.
"""

from __future__ import annotations

import asyncio
import ipaddress

from canhgac.engine.collectors.host_addresses import resolve_host
from canhgac.engine.context import CollectContext
from canhgac.engine.facts.dns import DnsStatus, Lookup
from canhgac.engine.facts.dnsbl import (
    DnsblFacts,
    ZoneAnswer,
    ZoneHealth,
    ZoneVerdict,
    classify,
    liveness,
)
from canhgac.engine.registry import collector
from canhgac.engine.targets import Target, TargetKind
from canhgac.i18n import gettext as _

# Zones known to list IPv6 addresses (nibble format); others are asked about IPv4 only.
# Spamhaus' Data Query Service zones are <key>.<list>.dq.spamhaus.net for the same lists.
IPV6_LISTS = ("zen", "sbl", "xbl", "pbl", "sbl-xbl")
IPV6_ZONES = frozenset(f"{name}.spamhaus.org" for name in IPV6_LISTS)
IPV6_DQS_SUFFIXES = tuple(f".{name}.dq.spamhaus.net" for name in IPV6_LISTS)
RFC5782_TEST_ADDRESS = "127.0.0.2"  # every IPv4 zone lists it
RFC5782_NEVER_LISTED = "127.0.0.1"  # no zone may list it
MAX_TXT_CHARS = 300


def query_name(address: str, zone: str) -> str:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv4Address):
        labels = str(ip).split(".")
    else:
        labels = list(ip.exploded.replace(":", ""))
    return ".".join(reversed(labels)) + "." + zone


def lists_ipv6(zone: str) -> bool:
    return zone in IPV6_ZONES or zone.endswith(IPV6_DQS_SUFFIXES)


class _Liveness:
    """The run's liveness test of each zone, started by the first host that needs it."""

    def __init__(self) -> None:
        self.tests: dict[str, asyncio.Task[ZoneHealth]] = {}

    async def aclose(self) -> None:
        for task in self.tests.values():
            task.cancel()
        await asyncio.gather(*self.tests.values(), return_exceptions=True)


async def _test_zone(ctx: CollectContext, zone: str) -> ZoneHealth:
    listed, unlisted = await asyncio.gather(
        ctx.dns.query(query_name(RFC5782_TEST_ADDRESS, zone), "A"),
        ctx.dns.query(query_name(RFC5782_NEVER_LISTED, zone), "A"),
    )
    health = liveness(zone, Lookup.of(listed), Lookup.of(unlisted))
    if health.problem is not None:
        ctx.warn(f"dnsbl:{zone}", _(
            "DNS blocklist {zone} failed its liveness test and is not used in this run: {problem}. "
            "Mail servers are judged with the other zones; choose the zones with --dnsbl-zone or "
            "mail.dnsbl_zones in the inventory (docs/mail-servers.md)").format(
                zone=zone, problem=health.problem.detail))
    return health


async def _health(ctx: CollectContext, zone: str) -> ZoneHealth:
    """The zone's liveness, tested once per run (a host cancelled mid-wait leaves it running)."""
    def made() -> _Liveness:
        state = _Liveness()
        ctx.on_close(state.aclose)
        return state

    state = ctx.resources.get(_Liveness, made)
    task = state.tests.get(zone)
    if task is None:
        task = state.tests[zone] = asyncio.ensure_future(_test_zone(ctx, zone))
    return await asyncio.shield(task)


async def _ask(ctx: CollectContext, address: str, zone: str) -> ZoneAnswer:
    if ipaddress.ip_address(address).version == 6 and not lists_ipv6(zone):
        return ZoneAnswer(address, zone, ZoneVerdict.SKIPPED, detail="the zone lists IPv4 only")
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
    zones = ctx.mail.dnsbl_zones  # normalised by the settings
    addresses, health = await asyncio.gather(
        resolve_host(ctx, host), asyncio.gather(*(_health(ctx, z) for z in zones))
    )
    live = [h.zone for h in health if h.live]
    answers = await asyncio.gather(*(_ask(ctx, a, z) for a in addresses.addresses for z in live))
    return DnsblFacts(host, addresses, zones, tuple(health), tuple(answers))
