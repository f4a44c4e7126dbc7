"""What every UDP probe reports: how its one question went (:class:`UdpOutcome`) and where.

Each protocol's fact extends :class:`UdpFact` with what the reply said (the probes that ask are
in :mod:`canhgac.engine.udp_probes`);
strings taken from a reply pass through :func:`server_text`, so a fact never holds more than
:data:`MAX_TEXT` characters of anything a server chose.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

SNMP_COMMUNITY = "public"
DNS_PROBE_NAME = "www.example.com"
MAX_TEXT = 300  # characters of a server-supplied string kept in a fact


class UdpOutcome(StrEnum):
    ANSWERED = "answered"  # a well-formed reply to our question arrived
    NO_ANSWER = "no_answer"  # nothing within the wait (silently dropped, filtered, or no service)
    UNREACHABLE = "unreachable"  # ICMP port unreachable: nothing listens there
    MALFORMED = "malformed"  # datagrams arrived, none a valid reply to our question
    OUT_OF_SCOPE = "out_of_scope"  # not contacted
    ERROR = "error"  # a local failure (socket creation, send)


@dataclass(frozen=True, slots=True, kw_only=True)
class UdpFact:
    """What every probe reports: where, how it went, and a local error or bound hit, if any."""

    address: str
    port: int
    outcome: UdpOutcome
    detail: str = ""

    @property
    def answered(self) -> bool:
        return self.outcome is UdpOutcome.ANSWERED


def server_text(raw: bytes) -> str:
    """A server-supplied string as a fact keeps it: decoded, without NULs, at most MAX_TEXT long."""
    return raw.decode("utf-8", "replace").replace("\x00", "").strip()[:MAX_TEXT]


@dataclass(frozen=True, slots=True, kw_only=True)
class DnsRecursionFact(UdpFact):
    name: str = DNS_PROBE_NAME
    rcode: str = ""
    recursion_available: bool = False  # RA
    authoritative: bool = False  # AA
    answers: tuple[str, ...] = ()  # answer-section records as text

    @property
    def open_recursion(self) -> bool | None:
        """True: it recursed for us; False: it declined; None: the reply does not tell."""
        if not self.answered:
            return None
        if self.rcode == "REFUSED":
            return False
        if self.authoritative:  # an answer from its own zone data proves nothing about recursion
            return None
        if self.rcode == "NOERROR" and self.answers:
            return True
        if self.rcode == "NXDOMAIN" and self.recursion_available:
            return True
        return False if not self.recursion_available else None

    @property
    def summary(self) -> str:
        if not self.answered:
            return self.outcome.value
        flags = " ".join(f for f, on in (("RA", self.recursion_available), ("AA", self.authoritative)) if on)
        return f"{self.rcode} [{flags or 'no RA'}] {len(self.answers)} answer(s)"


@dataclass(frozen=True, slots=True, kw_only=True)
class NtpFact(UdpFact):
    version: int | None = None
    stratum: int | None = None
    leap: int | None = None
    reference_id: str = ""  # a source or kiss code at stratum 0/1, else an address
    server_time: float | None = None  # UNIX seconds, from the transmit timestamp

    @property
    def summary(self) -> str:
        if not self.answered:
            return self.outcome.value
        return f"NTPv{self.version} stratum {self.stratum} refid {self.reference_id or '-'}"


@dataclass(frozen=True, slots=True, kw_only=True)
class MemcachedFact(UdpFact):
    stats: Mapping[str, str] = field(default_factory=dict)
    bytes_sent: int = 0
    bytes_received: int = 0

    @property
    def version(self) -> str:
        return self.stats.get("version", "")

    @property
    def amplification(self) -> float:
        """Bytes received per byte sent (what an attacker spoofing a victim's address would get)."""
        return self.bytes_received / self.bytes_sent if self.bytes_sent else 0.0

    @property
    def summary(self) -> str:
        if not self.answered:
            return self.outcome.value
        return f"memcached {self.version or '?'}, {len(self.stats)} stats, x{self.amplification:.1f}"


@dataclass(frozen=True, slots=True, kw_only=True)
class SnmpFact(UdpFact):
    community: str = SNMP_COMMUNITY
    error_status: int | None = None  # 0: noError
    sys_descr: str = ""  # empty when the agent gave no OCTET STRING (e.g. noSuchObject)

    @property
    def community_accepted(self) -> bool:
        """The agent answered the GetRequest (16 would be authorizationError)."""
        return self.answered and self.error_status != 16

    @property
    def summary(self) -> str:
        if not self.answered:
            return self.outcome.value
        return f"error-status {self.error_status}; sysDescr: {self.sys_descr or '(none)'}"


@dataclass(frozen=True, slots=True)
class UdpPorts:
    """Where the UDP services are asked (standard ports unless a lab or test says)."""

    dns: int = 53
    ntp: int = 123
    snmp: int = 161
    memcached: int = 11211


@dataclass(frozen=True, slots=True)
class UdpServiceFacts:
    address: str
    dns: DnsRecursionFact
    ntp: NtpFact
    snmp: SnmpFact
    memcached: MemcachedFact
