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

import dns.asyncquery
import dns.exception
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype

from canhgac.engine.collectors.caa import relevant_caa
from canhgac.engine.collectors.errors import CollectError
from canhgac.engine.context import CollectContext
from canhgac.engine.dns import ServerAddress
from canhgac.engine.facts.dns import DnsAnswer, DnsStatus
from canhgac.engine.facts.zone import (
    AxfrState,
    DnssecFacts,
    NsHost,
    ProbeState,
    ServerProbe,
    ZoneFacts,
)
from canhgac.engine.registry import collector
from canhgac.engine.scope import OutOfScopeError
from canhgac.engine.targets import Target, TargetKind

AXFR_EVIDENCE_RECORDS = 5  # how many records of an open transfer's first message are kept


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


