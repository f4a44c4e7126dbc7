"""DNS blocklist answers as facts, and the pure readings of a zone's return codes and of its
liveness test (RFC 5782 section 5: 127.0.0.2 listed, 127.0.0.1 not)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from canhgac.engine.facts.dns import DnsStatus, HostAddresses, Lookup
from canhgac.engine.results import ErrorReason

# Return codes that mean "your query was not answered", per operator (zone suffix -> codes);
# spamhaus.net holds the Data Query Service zones (<key>.zen.dq.spamhaus.net).
_SPAMHAUS_ERRORS = {
    "127.255.255.252": "typing error in the DNSBL name",
    "127.255.255.254": "query via a public/open resolver refused",
    "127.255.255.255": "excessive number of queries",
}
ERROR_CODES: dict[str, dict[str, str]] = {"spamhaus.org": _SPAMHAUS_ERRORS, "spamhaus.net": _SPAMHAUS_ERRORS}


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
    """The zone's liveness test: ``problem`` None when it lists 127.0.0.2 and not 127.0.0.1."""

    zone: str
    problem: Verdict | None

    @property
    def live(self) -> bool:
        return self.problem is None

    def as_evidence(self) -> dict[str, Any]:
        return {"zone": self.zone, "problem": self.problem.detail} if self.problem else {"zone": self.zone}


def liveness(zone: str, test_entry: Lookup, never_listed: Lookup) -> ZoneHealth:
    """Judge a zone by its answers for 127.0.0.2 (must be listed) and 127.0.0.1 (must not be).

    A dead or misspelt zone, or a resolver that hides it, lists nothing; a zone that refuses
    the resolver answers with error codes or not at all; one shut down "listing the world"
    (or a wildcard) lists 127.0.0.1 too. Any of these makes every answer of the zone
    meaningless, so the zone is not used.
    """
    listed = classify(zone, test_entry)
    if listed.verdict is ZoneVerdict.ERROR:
        return ZoneHealth(zone, listed)
    if listed.verdict is ZoneVerdict.NOT_LISTED:
        return ZoneHealth(zone, Verdict(
            ZoneVerdict.ERROR, "the zone does not list its RFC 5782 test entry 127.0.0.2 "
            f"({test_entry.status.value}): it is dead, misspelt, or hidden by the resolver",
            ErrorReason.PROTOCOL))
    if never_listed.status in (DnsStatus.NXDOMAIN, DnsStatus.NODATA):
        return ZoneHealth(zone, None)
    unlisted = classify(zone, never_listed)
    if unlisted.verdict is ZoneVerdict.ERROR and unlisted.reason is not ErrorReason.PROTOCOL:
        return ZoneHealth(zone, unlisted)
    answer = ", ".join(never_listed.records) or never_listed.status.value
    return ZoneHealth(zone, Verdict(
        ZoneVerdict.ERROR, f"the zone lists 127.0.0.1 ({answer}), which RFC 5782 forbids: "
        "it answers every query as listed", ErrorReason.PROTOCOL))


@dataclass(frozen=True, slots=True)
class DnsblFacts:
    """One host's addresses asked in every live zone; ``health`` holds every configured zone's
    liveness test (the same for every host of a run), ``answers`` only the live zones'."""

    host: str
    addresses: HostAddresses
    zones: tuple[str, ...]
    health: tuple[ZoneHealth, ...]
    answers: tuple[ZoneAnswer, ...]

    @property
    def live_zones(self) -> tuple[str, ...]:
        return tuple(h.zone for h in self.health if h.live)

    @property
    def unavailable(self) -> tuple[ZoneHealth, ...]:
        return tuple(h for h in self.health if not h.live)

