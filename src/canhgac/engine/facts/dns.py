"""DNS answers as facts: the status of each lookup next to what it returned, and a host's addresses."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import dns.rdata

from canhgac.engine.results import ErrorReason


class DnsStatus(StrEnum):
    OK = "ok"
    NXDOMAIN = "nxdomain"
    NODATA = "nodata"
    SERVFAIL = "servfail"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    MALFORMED = "malformed"

    @property
    def is_failure(self) -> bool:
        """True when nothing can be concluded about the name (not even that it is absent)."""
        return self in (
            DnsStatus.SERVFAIL,
            DnsStatus.REFUSED,
            DnsStatus.TIMEOUT,
            DnsStatus.MALFORMED,
        )

    @property
    def error_reason(self) -> ErrorReason:
        """The result error reason for a failed lookup."""
        return {
            DnsStatus.SERVFAIL: ErrorReason.DNS_SERVFAIL,
            DnsStatus.REFUSED: ErrorReason.DNS_REFUSED,
            DnsStatus.TIMEOUT: ErrorReason.TIMEOUT,
            DnsStatus.MALFORMED: ErrorReason.DNS_MALFORMED,
        }.get(self, ErrorReason.INTERNAL)


@dataclass(frozen=True)
class DnsAnswer:
    """The outcome of one question."""

    name: str
    rdtype: str
    status: DnsStatus
    rdata: tuple[dns.rdata.Rdata, ...] = ()
    ttl: int = 0
    cnames: tuple[str, ...] = ()  # CNAME chain followed from ``name``, in order
    authenticated: bool = False  # AD flag from a validating resolver
    authoritative: bool = False  # AA flag (meaningful for direct server queries)
    signatures: tuple[dns.rdata.Rdata, ...] = ()  # RRSIGs covering the answer, when asked
    server: str = ""
    used_tcp: bool = False
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status is DnsStatus.OK

    @property
    def records(self) -> tuple[str, ...]:
        return tuple(r.to_text() for r in self.rdata)

    def txt_strings(self) -> tuple[str, ...]:
        """TXT/SPF records with their character-strings joined (RFC 7208 3.3).

        Bytes that are not UTF-8 are replaced rather than raising.
        """
        out = []
        for r in self.rdata:
            strings = getattr(r, "strings", None)
            if strings is None:
                continue
            out.append(b"".join(strings).decode("utf-8", errors="replace"))
        return tuple(out)


_ABSENT = (DnsStatus.NXDOMAIN, DnsStatus.NODATA)


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


def has_address(lookups: tuple[Lookup, ...]) -> bool | None:
    """True if any lookup returned records, False if all say absent, None if unknown."""
    if any(lk.status is DnsStatus.OK for lk in lookups):
        return True
    if all(lk.status in _ABSENT for lk in lookups):
        return False
    return None


@dataclass(frozen=True, slots=True)
class HostAddresses:
    """The host's A and AAAA lookups and the addresses they gave (deduplicated, bounded)."""

    host: str
    lookups: tuple[Lookup, ...]
    addresses: tuple[str, ...]

    @classmethod
    def of(cls, host: str, *lookups: Lookup, limit: int = 16) -> HostAddresses:
        found = dict.fromkeys(r for lk in lookups if lk.status is DnsStatus.OK for r in lk.records)
        return cls(host, lookups, tuple(found)[:limit])

    @property
    def failed_lookup(self) -> Lookup | None:
        """A lookup that failed while nothing was found (the host's addresses are unknown)."""
        if self.addresses:
            return None
        return next((lk for lk in self.lookups if lk.failed), None)

    def as_evidence(self) -> dict[str, Any]:
        return {"host": self.host, "lookups": [lk.as_evidence() for lk in self.lookups]}

