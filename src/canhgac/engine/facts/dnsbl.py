"""DNS blocklist answers as facts, and the pure reading of a zone's return codes (RFC 5782)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from canhgac.engine.facts.dns import DnsStatus, HostAddresses, Lookup
from canhgac.engine.results import ErrorReason

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


LISTING_NETWORK = ipaddress.ip_network("127.0.0.0/24")


class ZoneVerdict(StrEnum):
    LISTED = "listed"
    NOT_LISTED = "not_listed"
    ERROR = "error"  # could not be asked, refused, or answered nonsense
    SKIPPED = "skipped"  # an IPv6 address and a zone that lists IPv4 only


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

