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
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from canhgac.engine.collectors.host_addresses import HostAddresses, resolve_host
from canhgac.engine.collectors.mail_domain import Lookup
from canhgac.engine.context import CollectContext
from canhgac.engine.dns import DnsStatus
from canhgac.engine.registry import collector
from canhgac.engine.results import ErrorReason
from canhgac.engine.targets import Target, TargetKind

# Zones known to list IPv6 addresses (nibble format); others are asked about IPv4 only.
IPV6_ZONES = frozenset({"zen.spamhaus.org", "sbl.spamhaus.org", "xbl.spamhaus.org", "pbl.spamhaus.org",
                        "sbl-xbl.spamhaus.org"})
# Return codes that mean "your query was not answered", per operator (zone suffix -> codes).
ERROR_CODES: dict[str, dict[str, str]] = {
    "spamhaus.org": {
        "127.255.255.252": "typing error in the DNSBL name",
        "127.255.255.254": "query via a public/open resolver refused",
        "127.255.255.255": "excessive number of queries",
    },
}
# What a listing code means, where the operator documents it (for evidence only).
MEANINGS: dict[str, dict[str, str]] = {
    "zen.spamhaus.org": {
        "127.0.0.2": "SBL (spam source)", "127.0.0.3": "SBL CSS (snowshoe spam)",
        "127.0.0.4": "XBL (exploited host)", "127.0.0.9": "SBL DROP",
        "127.0.0.10": "PBL (dynamic range, ISP)", "127.0.0.11": "PBL (dynamic range, Spamhaus)",
    },
}
RFC5782_TEST_ADDRESS = "127.0.0.2"
LISTING_NETWORK = ipaddress.ip_network("127.0.0.0/24")
MAX_TXT_CHARS = 300


class ZoneVerdict(StrEnum):
    LISTED = "listed"
    NOT_LISTED = "not_listed"
    ERROR = "error"  # could not be asked, refused, or answered nonsense
    SKIPPED = "skipped"  # an IPv6 address and a zone that lists IPv4 only


def query_name(address: str, zone: str) -> str:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv4Address):
        labels = str(ip).split(".")
    else:
        labels = list(ip.exploded.replace(":", ""))
    return ".".join(reversed(labels)) + "." + zone


def _error_codes(zone: str) -> dict[str, str]:
    for suffix, codes in ERROR_CODES.items():
        if zone == suffix or zone.endswith("." + suffix):
            return codes
    return {}


@dataclass(frozen=True, slots=True)
class Verdict:
    verdict: ZoneVerdict
    detail: str = ""
    reason: ErrorReason | None = None  # for ERROR


def classify(zone: str, lookup: Lookup) -> Verdict:
    """The verdict of one A lookup in a zone (errors with a typed reason and a detail)."""
    if lookup.status in (DnsStatus.NXDOMAIN, DnsStatus.NODATA):
        return Verdict(ZoneVerdict.NOT_LISTED)
    if lookup.failed:
        return Verdict(ZoneVerdict.ERROR, f"{lookup.status.value} {lookup.detail}".strip(),
                       lookup.status.error_reason)
    codes = _error_codes(zone)
    refused = [f"{c} ({codes[c]})" for c in lookup.records if c in codes]
    if refused:
        return Verdict(ZoneVerdict.ERROR, "the zone refused the query: " + ", ".join(refused),
                       ErrorReason.POLICY)
    try:
        answers = [ipaddress.ip_address(r) for r in lookup.records]
    except ValueError:
        return Verdict(ZoneVerdict.ERROR, "an answer that is not an address", ErrorReason.PROTOCOL)
    odd = [str(a) for a in answers if a not in LISTING_NETWORK or str(a) == "127.0.0.1"]
    if odd:
        return Verdict(ZoneVerdict.ERROR, "return codes outside 127.0.0.2-127.0.0.255: " + ", ".join(odd),
                       ErrorReason.PROTOCOL)
    return Verdict(ZoneVerdict.LISTED)


@dataclass(frozen=True, slots=True)
class ZoneAnswer:
    address: str
    zone: str
    verdict: ZoneVerdict
    codes: tuple[str, ...] = ()
    explanation: str = ""  # the zone's TXT text for a listing
    detail: str = ""
    error_reason: ErrorReason | None = None

    def as_evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {"address": self.address, "zone": self.zone, "verdict": self.verdict.value}
        if self.codes:
            meanings = MEANINGS.get(self.zone, {})
            out["codes"] = [f"{c} {meanings[c]}" if c in meanings else c for c in self.codes]
        if self.explanation:
            out["explanation"] = self.explanation
        if self.detail:
            out["detail"] = self.detail
        return out


@dataclass(frozen=True, slots=True)
class ZoneHealth:
    """The zone's answer for its RFC 5782 test entry: ``problem`` None when it lists it."""

    zone: str
    problem: Verdict | None


@dataclass(frozen=True, slots=True)
class DnsblFacts:
    host: str
    addresses: HostAddresses
    zones: tuple[str, ...]
    health: tuple[ZoneHealth, ...]
    answers: tuple[ZoneAnswer, ...]


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
