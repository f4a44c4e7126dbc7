"""What one probe observed, as frozen values (no I/O here): the seam between :mod:`.probes`
(which gathers them through the engine's clients) and :mod:`.judge` (which judges them).

Every probe gives facts, never an exception: what went wrong is ``error`` (a short reason).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class PageFingerprint:
    """A page reduced to what drift and defacement judgement needs (pure: :mod:`.fingerprint`)."""

    text_hash: str  # sha256 of the normalised visible text and title
    size: int  # bytes of the body as received (capped by the engine's body limit)
    shingles: tuple[int, ...]  # bottom-k hashes of the text's word 3-shingles (a MinHash sketch)
    links: tuple[str, ...]  # sorted short hashes of the page's link targets
    title: str = ""
    keyword_hits: tuple[str, ...] = ()  # defacement keywords or defacer signatures found


@dataclass(frozen=True, slots=True)
class HttpFacts:
    url: str
    status: int | None = None
    latency: float = 0.0  # seconds, the whole redirect chain
    address: str = ""  # the address that answered (or was tried last)
    error: str = ""  # why there is no usable answer
    page: PageFingerprint | None = None


@dataclass(frozen=True, slots=True)
class CertFacts:
    url: str
    address: str = ""
    not_after: datetime | None = None
    subject: str = ""
    error: str = ""


@dataclass(frozen=True, slots=True)
class DnsFacts:
    domain: str
    # record type (A, AAAA, MX, NS, SPF, DMARC) -> records, sorted; absent when the lookup failed
    records: tuple[tuple[str, tuple[str, ...]], ...] = ()
    failed: tuple[tuple[str, str], ...] = ()  # (record type, why) for lookups with no answer
    error: str = ""

    def get(self, rtype: str) -> tuple[str, ...] | None:
        return next((r for t, r in self.records if t == rtype), None)


@dataclass(frozen=True, slots=True)
class SmtpFacts:
    host: str
    port: int
    address: str = ""
    greeted: bool = False  # a 220 greeting and an accepted EHLO/HELO
    starttls_offered: bool = False
    starttls_ok: bool | None = None  # None: not tried (not offered, or implicit TLS)
    error: str = ""


@dataclass(frozen=True, slots=True)
class Listing:
    """One address listed by one DNS blocklist zone: its return codes and the zone's TXT text."""

    address: str
    zone: str
    codes: tuple[str, ...] = ()
    explanation: str = ""


@dataclass(frozen=True, slots=True)
class BlocklistFacts:
    """A host's in-scope addresses asked in every blocklist zone that passed its liveness test."""

    host: str
    addresses: tuple[str, ...] = ()
    zones: tuple[str, ...] = ()  # the zones asked (those that passed their liveness test)
    listings: tuple[Listing, ...] = ()
    unanswered: tuple[tuple[str, str], ...] = ()  # (zone, why): left out, or no answer
    error: str = ""  # nothing could be asked (out of scope, no address, no zone configured)


@dataclass(frozen=True, slots=True)
class ScanFinding:
    """A finding a scheduled scan opened (or reopened), as it stands now in the store."""

    fingerprint: str
    check_id: str
    target: str  # the target key (``service:127.0.0.5:6379``)
    severity: str  # the catalog's ("" for a check the catalog no longer has)
    lifecycle: str  # new, open, reopened, fixed
    closed: bool = False  # fixed, or triaged away (false positive, accepted risk in force)


@dataclass(frozen=True, slots=True)
class FindingsFacts:
    """What one scheduled scan opened for one agency that the watch alerts on, read from the
    store's scoped queries (no network)."""

    agency: str
    run: int
    findings: tuple[ScanFinding, ...] = ()


ProbeFacts = HttpFacts | CertFacts | DnsFacts | SmtpFacts | BlocklistFacts | FindingsFacts
