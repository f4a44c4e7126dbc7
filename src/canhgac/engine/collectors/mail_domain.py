"""Collectors for a domain's mail records in DNS: MX, DMARC, DKIM, MTA-STS and TLS-RPT.

Facts keep the DNS status of every lookup next to what it returned, so checks can tell
"absent" (NXDOMAIN, NODATA) from "could not be looked up" (SERVFAIL, timeout). Independent
lookups run concurrently; the run's DnsClient caches shared names (report destinations).
"""

from __future__ import annotations

import asyncio

from dns.rdtypes.ANY.MX import MX

from canhgac.engine.context import CollectContext
from canhgac.engine.dns import DnsClient
from canhgac.engine.facts.dns import DnsStatus, Lookup
from canhgac.engine.facts.mail_domain import (
    DkimFacts,
    DkimSelector,
    DmarcFacts,
    MtaStsFacts,
    MxFacts,
    MxHost,
    ReportDestination,
    TlsRptFacts,
    discover_dmarc,
)
from canhgac.engine.mailauth.dkim import looks_like_dkim_key, parse_dkim_key
from canhgac.engine.mailauth.dmarc import DmarcRecord
from canhgac.engine.registry import collector
from canhgac.engine.targets import Target, TargetKind

MAX_MX_HOSTS = 32
MAX_REPORT_DOMAINS = 16


def _norm(name: str) -> str:
    return name.strip().rstrip(".").lower()


async def _lookup(dns: DnsClient, name: str, rdtype: str) -> Lookup:
    return Lookup.of(await dns.query(name, rdtype))


# --- MX ------------------------------------------------------------------------------------


async def _mx_host(dns: DnsClient, preference: int, exchange: str) -> MxHost:
    if not exchange:
        return MxHost(preference, exchange)
    ipv4, ipv6 = await asyncio.gather(_lookup(dns, exchange, "A"), _lookup(dns, exchange, "AAAA"))
    return MxHost(preference, exchange, ipv4, ipv6)


@collector(MxFacts, target=TargetKind.DOMAIN)
async def collect_mx(target: Target, ctx: CollectContext) -> MxFacts:
    """The MX set and the addresses (and CNAME chains) of each exchange."""
    domain = _norm(target.name)
    answer = await ctx.dns.query(domain, "MX")
    pairs = sorted(
        (int(r.preference), _norm(r.exchange.to_text())) for r in answer.rdata if isinstance(r, MX)
    )[:MAX_MX_HOSTS]
    hosts = await asyncio.gather(*(_mx_host(ctx.dns, pref, name) for pref, name in pairs))
    return MxFacts(domain, Lookup.of(answer), tuple(hosts))


# --- DMARC ---------------------------------------------------------------------------------


async def _destination(
    ctx: CollectContext, record_domain: str, domain: str, uris: tuple[str, ...]
) -> ReportDestination:
    orgs = ctx.public_suffixes
    org_domain = orgs.organizational_domain(domain)
    external = org_domain != orgs.organizational_domain(record_domain)
    auth_name = f"{record_domain}._report._dmarc.{domain}"
    lookups = [(domain, "MX"), (domain, "A"), (domain, "AAAA"), (org_domain, "NS")]
    if external:
        lookups.append((auth_name, "TXT"))
    found = await asyncio.gather(*(_lookup(ctx.dns, n, t) for n, t in lookups))
    mx, ipv4, ipv6, registrable = found[:4]
    auth = found[4] if external else None
    return ReportDestination(domain, org_domain, external, uris, mx, ipv4, ipv6, registrable, auth)


def _report_domains(record: DmarcRecord) -> dict[str, tuple[str, ...]]:
    by_domain: dict[str, tuple[str, ...]] = {}
    for uri in record.rua + record.ruf:
        by_domain[uri.domain] = (*by_domain.get(uri.domain, ()), uri.text)
    return dict(list(by_domain.items())[:MAX_REPORT_DOMAINS])


@collector(DmarcFacts, target=TargetKind.DOMAIN)
async def collect_dmarc(target: Target, ctx: CollectContext) -> DmarcFacts:
    """Own and org-domain records (queried together), then every report destination."""
    domain = _norm(target.name)
    org_domain = ctx.public_suffixes.organizational_domain(domain)
    names = [f"_dmarc.{domain}"] + ([f"_dmarc.{org_domain}"] if org_domain != domain else [])
    found = await asyncio.gather(*(_lookup(ctx.dns, n, "TXT") for n in names))
    own, org = found[0], (found[1] if len(found) > 1 else None)
    discovery = discover_dmarc(own, org)
    destinations: list[ReportDestination] = []
    if discovery.record is not None:
        record_domain = discovery.record_domain
        destinations = await asyncio.gather(
            *(_destination(ctx, record_domain, d, uris)
              for d, uris in _report_domains(discovery.record).items())
        )
    return DmarcFacts(domain, org_domain, own, org, discovery, tuple(destinations))


# --- DKIM ----------------------------------------------------------------------------------


async def _selector(dns: DnsClient, domain: str, selector: str) -> DkimSelector:
    lookup = await _lookup(dns, f"{selector}._domainkey.{domain}", "TXT")
    records = lookup.records if lookup.status is DnsStatus.OK else ()
    keys = tuple(parse_dkim_key(r) for r in records if looks_like_dkim_key(r))
    return DkimSelector(selector, lookup, keys)


@collector(DkimFacts, target=TargetKind.DOMAIN)
async def collect_dkim(target: Target, ctx: CollectContext) -> DkimFacts:
    """Probe the declared selectors; guess the common ones only when those give no usable key.

    The common selectors are guesses to find keys nobody declared: when every declared
    selector was looked up and one holds a usable key, guessing further only costs queries.
    """
    domain = _norm(target.name)
    declared = ctx.options_for(target.key).dkim_selectors
    first = await asyncio.gather(*(_selector(ctx.dns, domain, s) for s in declared))
    settled = any(k.usable for s in first for k in s.keys) and not any(s.lookup.failed for s in first)
    if settled:
        return DkimFacts(domain, tuple(first))
    rest = [s for s in ctx.dkim_selectors_for(target.key) if s not in declared]
    more = await asyncio.gather(*(_selector(ctx.dns, domain, s) for s in rest))
    return DkimFacts(domain, (*first, *more))


# --- MTA-STS and TLS-RPT -------------------------------------------------------------------


@collector(MtaStsFacts, target=TargetKind.DOMAIN)
async def collect_mta_sts(target: Target, ctx: CollectContext) -> MtaStsFacts:
    """The TXT record and the policy host's addresses, asked together."""
    domain = _norm(target.name)
    host = f"mta-sts.{domain}"
    record, ipv4, ipv6 = await asyncio.gather(
        _lookup(ctx.dns, f"_mta-sts.{domain}", "TXT"),
        _lookup(ctx.dns, host, "A"),
        _lookup(ctx.dns, host, "AAAA"),
    )
    return MtaStsFacts(domain, record, host, ipv4, ipv6)


@collector(TlsRptFacts, target=TargetKind.DOMAIN)
async def collect_tlsrpt(target: Target, ctx: CollectContext) -> TlsRptFacts:
    domain = _norm(target.name)
    return TlsRptFacts(domain, await _lookup(ctx.dns, f"_smtp._tls.{domain}", "TXT"))
