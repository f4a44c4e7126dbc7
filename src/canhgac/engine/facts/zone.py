"""A domain's zone as facts: its name servers, what each answered, zone transfer, DNSSEC and CAA."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from canhgac.engine.facts.dns import DnsStatus


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

