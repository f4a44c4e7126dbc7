"""A domain's mail records in DNS as facts: MX, DMARC (with its discovery), DKIM, MTA-STS and TLS-RPT."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from canhgac.engine.facts.dns import DnsStatus, Lookup, has_address
from canhgac.engine.mailauth.dkim import DkimKey
from canhgac.engine.mailauth.dmarc import DmarcRecord, is_dmarc_record, parse_dmarc
from canhgac.engine.mailauth.mtasts import is_mta_sts_record, is_tlsrpt_record


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

