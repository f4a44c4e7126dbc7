"""Collectors for a domain's mail records in DNS: MX, DMARC, DKIM, MTA-STS and TLS-RPT.

Facts keep the DNS status of every lookup next to what it returned, so checks can tell
"absent" (NXDOMAIN, NODATA) from "could not be looked up" (SERVFAIL, timeout). Independent
lookups run concurrently; the run's DnsClient caches shared names (report destinations).
"""

from __future__ import annotations

import asyncio
import ipaddress
from dataclasses import dataclass
from typing import Any

from dns.rdtypes.ANY.MX import MX

from canhgac.engine.context import CollectContext
from canhgac.engine.dns import DnsAnswer, DnsClient, DnsStatus
from canhgac.engine.mailauth.dkim import DkimKey, looks_like_dkim_key, parse_dkim_key
from canhgac.engine.mailauth.dmarc import DmarcRecord, is_dmarc_record, parse_dmarc
from canhgac.engine.mailauth.mtasts import is_mta_sts_record, is_tlsrpt_record
from canhgac.engine.registry import collector
from canhgac.engine.targets import Target, TargetKind

MAX_MX_HOSTS = 32
MAX_REPORT_DOMAINS = 16
_ABSENT = (DnsStatus.NXDOMAIN, DnsStatus.NODATA)


def _norm(name: str) -> str:
    return name.strip().rstrip(".").lower()


@dataclass(frozen=True, slots=True)
class Lookup:
    """One DNS question's outcome as checks need it (TXT strings joined, RFC 7208 3.3)."""

    name: str
    rdtype: str
    status: DnsStatus
    records: tuple[str, ...] = ()
    cnames: tuple[str, ...] = ()
    detail: str = ""

    @classmethod
    def of(cls, answer: DnsAnswer) -> Lookup:
        records = answer.txt_strings() if answer.rdtype == "TXT" else answer.records
        return cls(answer.name, answer.rdtype, answer.status, records, answer.cnames, answer.detail)

    @property
    def failed(self) -> bool:
        return self.status.is_failure

    def as_evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.rdtype, "status": self.status.value}
        if self.records:
            out["records"] = [r[:500] for r in self.records[:20]]
        if self.cnames:
            out["cnames"] = list(self.cnames)
        if self.detail and self.failed:
            out["detail"] = self.detail
        return out


async def _lookup(dns: DnsClient, name: str, rdtype: str) -> Lookup:
    return Lookup.of(await dns.query(name, rdtype))


def has_address(lookups: tuple[Lookup, ...]) -> bool | None:
    """True if any lookup returned records, False if all say absent, None if unknown."""
    if any(lk.status is DnsStatus.OK for lk in lookups):
        return True
    if all(lk.status in _ABSENT for lk in lookups):
        return False
    return None


# --- MX ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MxHost:
    preference: int
    exchange: str  # "" for the root name of a null MX
    ipv4: Lookup | None = None  # None for the root name
    ipv6: Lookup | None = None

    @property
    def is_root(self) -> bool:
        return self.exchange == ""

    @property
    def is_ip_literal(self) -> bool:
        try:
            ipaddress.ip_address(self.exchange.strip("[]"))
        except ValueError:
            return False
        return True

    @property
    def lookups(self) -> tuple[Lookup, ...]:
        return tuple(lk for lk in (self.ipv4, self.ipv6) if lk is not None)

    @property
    def alias_chain(self) -> tuple[str, ...]:
        return next((lk.cnames for lk in self.lookups if lk.cnames), ())

    @property
    def resolvable(self) -> bool | None:
        return False if self.is_ip_literal or self.is_root else has_address(self.lookups)

    def as_evidence(self) -> dict[str, Any]:
        addresses = [r for lk in self.lookups if lk.status is DnsStatus.OK for r in lk.records]
        out: dict[str, Any] = {"preference": self.preference, "exchange": self.exchange or "."}
        if not self.is_root:
            out["addresses"] = addresses
        if self.alias_chain:
            out["cnames"] = list(self.alias_chain)
        return out


@dataclass(frozen=True, slots=True)
class MxFacts:
    domain: str
    lookup: Lookup
    hosts: tuple[MxHost, ...]

    @property
    def null_mx(self) -> bool:
        """Exactly one MX, ``0 .`` (RFC 7505 3)."""
        return len(self.hosts) == 1 and self.hosts[0].is_root and self.hosts[0].preference == 0

    @property
    def mail_disabled(self) -> bool | None:
        """True for a null MX; None when the MX lookup failed (unknown)."""
        return None if self.lookup.failed else self.null_mx


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


@dataclass(frozen=True, slots=True)
class DmarcDiscovery:
    """RFC 7489 6.6.3 policy discovery over the domain's and the org domain's records."""

    state: str  # "found", "missing", "multiple" or "error"
    lookup: Lookup  # where discovery stopped
    inherited: bool = False
    record: DmarcRecord | None = None

    @property
    def record_domain(self) -> str:
        return self.lookup.name.removeprefix("_dmarc.")


def dmarc_records(lookup: Lookup) -> tuple[str, ...]:
    return tuple(r for r in lookup.records if is_dmarc_record(r)) if lookup.status is DnsStatus.OK else ()


def discover_dmarc(own: Lookup, org: Lookup | None) -> DmarcDiscovery:
    """The org domain is consulted only when the domain has no DMARC record at all (step 3)."""
    lookup, inherited = own, False
    if not own.failed and not dmarc_records(own) and org is not None:
        lookup, inherited = org, True
    if lookup.failed:
        return DmarcDiscovery("error", lookup, inherited)
    records = dmarc_records(lookup)
    if len(records) > 1:
        return DmarcDiscovery("multiple", lookup, inherited)
    if not records:
        return DmarcDiscovery("missing", lookup, inherited)
    return DmarcDiscovery("found", lookup, inherited, parse_dmarc(records[0]))


@dataclass(frozen=True, slots=True)
class ReportDestination:
    """A rua/ruf mail domain: can it receive mail, did it authorise the reports (RFC 7489 7.1)."""

    domain: str
    org_domain: str
    external: bool
    uris: tuple[str, ...]
    mx: Lookup
    ipv4: Lookup
    ipv6: Lookup
    registrable: Lookup  # NS of the destination's organisational domain
    authorization: Lookup | None  # TXT at D._report._dmarc.DEST, only for external ones

    @property
    def receives_mail(self) -> bool | None:
        return has_address((self.mx, self.ipv4, self.ipv6))

    @property
    def registrable_missing(self) -> bool:
        return self.registrable.status is DnsStatus.NXDOMAIN

    @property
    def authorized(self) -> bool | None:
        if self.authorization is None:
            return True
        if self.authorization.failed:
            return None
        return bool(dmarc_records(self.authorization))

    def as_evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {"domain": self.domain, "external": self.external, "uris": list(self.uris)}
        if self.authorization is not None:
            out["authorization"] = self.authorization.as_evidence()
        return out


@dataclass(frozen=True, slots=True)
class DmarcFacts:
    domain: str
    org_domain: str
    own: Lookup  # TXT _dmarc.DOMAIN
    org: Lookup | None  # TXT _dmarc.ORG, when the domain is not itself the org domain
    discovery: DmarcDiscovery
    destinations: tuple[ReportDestination, ...]


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


@dataclass(frozen=True, slots=True)
class DkimSelector:
    selector: str
    lookup: Lookup
    keys: tuple[DkimKey, ...]  # TXT strings there that are meant as key records


@dataclass(frozen=True, slots=True)
class DkimFacts:
    domain: str
    selectors: tuple[DkimSelector, ...]

    @property
    def probed(self) -> tuple[str, ...]:
        return tuple(s.selector for s in self.selectors)


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


@dataclass(frozen=True, slots=True)
class MtaStsFacts:
    domain: str
    record: Lookup  # TXT _mta-sts.DOMAIN
    policy_host: str  # mta-sts.DOMAIN, where senders fetch the policy over HTTPS
    host_ipv4: Lookup
    host_ipv6: Lookup

    @property
    def sts_records(self) -> tuple[str, ...]:
        return tuple(r for r in self.record.records if is_mta_sts_record(r))


@dataclass(frozen=True, slots=True)
class TlsRptFacts:
    domain: str
    record: Lookup  # TXT _smtp._tls.DOMAIN

    @property
    def tlsrpt_records(self) -> tuple[str, ...]:
        return tuple(r for r in self.record.records if is_tlsrpt_record(r))


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
