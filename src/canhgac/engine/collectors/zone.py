"""Zone facts: what an agency zone's delegation, name servers, DNSSEC keys and CAA look like.

The collector first asks the resolver whether the domain is a zone apex (it has NS records).
For an apex it resolves every name server host, asks each address directly (no recursion)
for SOA and NS, tries one AXFR over TCP (reading only the first message), and fetches
DNSKEY/DS and the CAA set that governs the domain. Every address passes the scope guard
first; an address outside scope is recorded and never contacted.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from enum import StrEnum

import dns.asyncquery
import dns.exception
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype

from canhgac.engine.context import CollectContext
from canhgac.engine.dns import DnsAnswer, DnsStatus, ServerAddress
from canhgac.engine.facts import CollectError
from canhgac.engine.registry import collector
from canhgac.engine.scope import OutOfScopeError, ip_literal
from canhgac.engine.targets import Target, TargetKind

AXFR_EVIDENCE_RECORDS = 5  # how many records of an open transfer's first message are kept


class ProbeState(StrEnum):
    """How one name server address answered a direct SOA question for the zone."""

    AUTHORITATIVE = "authoritative"
    NOT_AUTHORITATIVE = "not_authoritative"  # answered with AA clear
    NO_ZONE = "no_zone"  # AA set but NXDOMAIN/NODATA for the apex SOA
    REFUSED = "refused"
    SERVFAIL = "servfail"
    TIMEOUT = "timeout"
    MALFORMED = "malformed"
    OUT_OF_SCOPE = "out_of_scope"  # never contacted


class AxfrState(StrEnum):
    OPEN = "open"  # the first message starts with the zone's SOA
    REFUSED = "refused"  # an error rcode (REFUSED, NOTAUTH...)
    DENIED = "denied"  # NOERROR but no SOA first: no transfer
    CLOSED = "closed"  # connection refused or closed without an answer
    TIMEOUT = "timeout"
    MALFORMED = "malformed"
    NOT_TRIED = "not_tried"  # out of scope


@dataclass(frozen=True, slots=True)
class NsHost:
    """One NS host name and what the resolver said about its addresses."""

    name: str
    addresses: tuple[str, ...]
    a_status: DnsStatus
    aaaa_status: DnsStatus
    registrable: str = ""
    # Looked up only for a host with no address: NXDOMAIN means anyone may register it.
    registrable_status: DnsStatus | None = None

    @property
    def unresolvable(self) -> bool:
        """The resolver said, without failing, that the host has no address."""
        absent = (DnsStatus.NXDOMAIN, DnsStatus.NODATA)
        return not self.addresses and self.a_status in absent and self.aaaa_status in absent

    @property
    def lookup_failed(self) -> bool:
        return not self.addresses and not self.unresolvable

    @property
    def failure(self) -> DnsStatus:
        """The status that left the addresses unknown (for an error reason)."""
        failing = [s for s in (self.a_status, self.aaaa_status) if s.is_failure]
        return failing[0] if failing else self.a_status

    @property
    def registrable_missing(self) -> bool:
        return self.registrable_status is DnsStatus.NXDOMAIN


@dataclass(frozen=True, slots=True)
class ServerProbe:
    """One address of one NS host, asked directly."""

    host: str
    address: str
    state: ProbeState
    serial: int | None = None
    ns_names: tuple[str, ...] = ()  # the server's own NS answer, sorted
    ns_status: DnsStatus | None = None
    axfr: AxfrState = AxfrState.NOT_TRIED
    axfr_records: tuple[str, ...] = ()
    detail: str = ""

    @property
    def contacted(self) -> bool:
        return self.state is not ProbeState.OUT_OF_SCOPE


@dataclass(frozen=True, slots=True)
class DnssecFacts:
    """DNSKEY at the apex (with its RRSIGs) and DS at the parent, as presentation text."""

    dnskey_status: DnsStatus
    dnskeys: tuple[str, ...] = ()
    dnskey_signatures: tuple[str, ...] = ()
    ds_status: DnsStatus = DnsStatus.NODATA
    ds: tuple[str, ...] = ()
    detail: str = ""


@dataclass(frozen=True, slots=True)
class CaaLookup:
    name: str
    status: DnsStatus


@dataclass(frozen=True, slots=True)
class CaaFacts:
    """The relevant CAA set (RFC 8659 section 3): the first non-empty one climbing the tree."""

    owner: str = ""  # where the set was found; empty when none was
    records: tuple[str, ...] = ()
    lookups: tuple[CaaLookup, ...] = ()  # every name asked, in order
    failed_at: str = ""  # a failed lookup at or below the registrable domain stops the climb
    failure: DnsStatus | None = None


@dataclass(frozen=True, slots=True)
class ZoneFacts:
    domain: str
    apex: bool
    observed_at: float  # epoch seconds; signatures are judged against this instant
    ns_names: tuple[str, ...] = ()  # the resolver's NS answer (the delegation as seen)
    resolver_soa: DnsStatus = DnsStatus.NODATA
    hosts: tuple[NsHost, ...] = ()
    probes: tuple[ServerProbe, ...] = ()
    dnssec: DnssecFacts = DnssecFacts(DnsStatus.NODATA)
    caa: CaaFacts = CaaFacts()


def _host(name: str) -> str:
    return name.rstrip(".").lower()


@collector(ZoneFacts, target=TargetKind.DOMAIN)
async def collect_zone(target: Target, ctx: CollectContext) -> ZoneFacts:
    domain = _host(target.name)
    now = time.time()
    ns = await ctx.dns.query(domain, "NS")
    if ns.status.is_failure:
        raise CollectError(ns.status.error_reason, f"NS {domain}: {ns.detail or ns.status.value}")
    if not ns.ok or ns.cnames:
        return ZoneFacts(domain=domain, apex=False, observed_at=now)
    ns_names = tuple(sorted({_host(r.to_text()) for r in ns.rdata}))
    hosts = await asyncio.gather(*(_resolve_host(n, ctx) for n in ns_names))
    probes = await asyncio.gather(
        *(_probe(domain, h.name, addr, ctx) for h in hosts for addr in h.addresses)
    )
    soa, dnssec, caa = await asyncio.gather(
        ctx.dns.query(domain, "SOA"), _dnssec(domain, ctx), relevant_caa(domain, ctx)
    )
    return ZoneFacts(
        domain=domain,
        apex=True,
        observed_at=now,
        ns_names=ns_names,
        resolver_soa=soa.status,
        hosts=tuple(hosts),
        probes=tuple(probes),
        dnssec=dnssec,
        caa=caa,
    )


async def _resolve_host(name: str, ctx: CollectContext) -> NsHost:
    a, aaaa = await asyncio.gather(ctx.dns.query(name, "A"), ctx.dns.query(name, "AAAA"))
    addresses = tuple(r.to_text() for r in (*a.rdata, *aaaa.rdata))
    host = NsHost(name, addresses, a.status, aaaa.status)
    if not host.unresolvable:
        return host
    registrable = ctx.public_suffixes.organizational_domain(name)
    exists = await ctx.dns.query(registrable, "SOA")
    return NsHost(name, addresses, a.status, aaaa.status, registrable, exists.status)


_PROBE_STATE = {
    DnsStatus.REFUSED: ProbeState.REFUSED,
    DnsStatus.SERVFAIL: ProbeState.SERVFAIL,
    DnsStatus.TIMEOUT: ProbeState.TIMEOUT,
    DnsStatus.MALFORMED: ProbeState.MALFORMED,
    DnsStatus.NXDOMAIN: ProbeState.NO_ZONE,
    DnsStatus.NODATA: ProbeState.NO_ZONE,
}


def _probe_state(answer: DnsAnswer) -> ProbeState:
    if not answer.status.is_failure and not answer.authoritative:
        return ProbeState.NOT_AUTHORITATIVE
    if answer.ok:
        return ProbeState.AUTHORITATIVE
    return _PROBE_STATE[answer.status]


async def _probe(domain: str, host: str, address: str, ctx: CollectContext) -> ServerProbe:
    try:
        ctx.scope.require_address(address, via=host, delegated_by=domain)
    except OutOfScopeError as exc:
        return ServerProbe(host, address, ProbeState.OUT_OF_SCOPE, detail=str(exc))
    server = ServerAddress(address, ctx.settings.nameserver_port)
    soa, ns, (axfr, records) = await asyncio.gather(
        ctx.dns.query_server(server, domain, "SOA"),
        ctx.dns.query_server(server, domain, "NS"),
        _axfr(domain, server, ctx.settings.dns_timeout),
    )
    state = _probe_state(soa)
    serial = getattr(soa.rdata[0], "serial", None) if soa.ok else None
    ns_names = tuple(sorted({_host(r.to_text()) for r in ns.rdata})) if ns.ok else ()
    return ServerProbe(
        host, address, state, serial=serial, ns_names=ns_names, ns_status=ns.status,
        axfr=axfr, axfr_records=records, detail=soa.detail,
    )


async def _axfr(domain: str, server: ServerAddress, wait: float) -> tuple[AxfrState, tuple[str, ...]]:
    """Ask for a zone transfer and read only the first message of the answer."""
    zone = dns.name.from_text(domain + ".")
    query = dns.message.make_query(zone, dns.rdatatype.AXFR)
    try:
        response = await dns.asyncquery.tcp(
            query, server.host, timeout=wait, port=server.port, one_rr_per_rrset=True
        )
    except dns.exception.Timeout:
        return AxfrState.TIMEOUT, ()
    except (ConnectionError, OSError, EOFError):
        return AxfrState.CLOSED, ()
    except (dns.exception.DNSException, ValueError, UnicodeError):
        return AxfrState.MALFORMED, ()
    if response.rcode() != dns.rcode.NOERROR:
        return AxfrState.REFUSED, ()
    first = response.answer[0] if response.answer else None
    if first is None or first.rdtype != dns.rdatatype.SOA or first.name != zone:
        return AxfrState.DENIED, ()
    records = [line for rrset in response.answer for line in rrset.to_text().splitlines()]
    return AxfrState.OPEN, tuple(records[:AXFR_EVIDENCE_RECORDS])


async def _dnssec(domain: str, ctx: CollectContext) -> DnssecFacts:
    dnskey, ds = await asyncio.gather(
        ctx.dns.query(domain, "DNSKEY", dnssec=True), ctx.dns.query(domain, "DS")
    )
    return DnssecFacts(
        dnskey_status=dnskey.status,
        dnskeys=dnskey.records,
        dnskey_signatures=tuple(s.to_text() for s in dnskey.signatures),
        ds_status=ds.status,
        ds=ds.records,
        detail="; ".join(d for d in (dnskey.detail, ds.detail) if d),
    )


def _climb(domain: str) -> list[str]:
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(len(labels))]


async def relevant_caa(domain: str, ctx: CollectContext) -> CaaFacts:
    """Climb from the domain towards the TLD until a CAA set is found (RFC 8659 section 3).

    A failure at or below the registrable domain stops the climb: the relevant set is then
    unknown. A failure on a public-suffix name above it is recorded and the climb goes on:
    the agency controls only its own names, and those are what the check judges. An address
    (an IP-literal portal) has no CAA: nothing is asked.
    """
    if ip_literal(domain) is not None:
        return CaaFacts()
    registrable = ctx.public_suffixes.organizational_domain(domain)
    own = set(_climb(domain)) - set(_climb(registrable)[1:])
    lookups: list[CaaLookup] = []
    for name in _climb(domain):
        answer = await ctx.dns.query(name, "CAA")
        lookups.append(CaaLookup(name, answer.status))
        if answer.ok:
            return CaaFacts(owner=name, records=answer.records, lookups=tuple(lookups))
        if answer.status.is_failure and name in own:
            return CaaFacts(lookups=tuple(lookups), failed_at=name, failure=answer.status)
    return CaaFacts(lookups=tuple(lookups))
