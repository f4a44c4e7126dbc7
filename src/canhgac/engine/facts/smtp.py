"""What mail servers said as facts: SMTP sessions step by step, STARTTLS, reverse DNS and TLSA."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from canhgac.engine.facts.dns import DnsStatus, HostAddresses, Lookup
from canhgac.engine.facts.tls import TlsFacts, TlsFailure

MAX_REPLY_TEXT_CHARS = 512


class StopReason(StrEnum):
    """Why an SMTP exchange ended before the probe was done."""

    REFUSED = "refused"  # the TCP connection was refused or reset while connecting
    CONNECT_TIMEOUT = "connect_timeout"
    TIMEOUT = "timeout"  # no complete reply within read_timeout
    DEADLINE = "deadline"  # the whole exchange overran its budget
    CLOSED = "closed"  # the server closed the connection
    LINE_TOO_LONG = "line_too_long"  # no CRLF within max_line_bytes
    REPLY_TOO_LARGE = "reply_too_large"  # a multi-line reply over max_reply_bytes
    GARBAGE = "garbage"  # something that is not an SMTP reply
    TLS_FAILED = "tls_failed"  # the TLS handshake (implicit on 465, or after STARTTLS) failed


@dataclass(frozen=True, slots=True)
class Reply:
    """One SMTP reply: its code and the text of each line (after ``NNN-``/``NNN ``)."""

    code: int
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return " / ".join(self.lines)[:MAX_REPLY_TEXT_CHARS]

    @property
    def positive(self) -> bool:
        return 200 <= self.code < 400

    def ehlo_keywords(self) -> dict[str, str]:
        """EHLO extensions (RFC 5321 4.1.1.1): keyword (upper case) -> parameters."""
        out: dict[str, str] = {}
        for line in self.lines[1:]:
            keyword, _, params = line.strip().partition(" ")
            if keyword:
                out[keyword.upper()] = params.strip()
        return out


@dataclass(frozen=True, slots=True)
class SmtpSession:
    """What one SMTP server (address:port) answered, step by step, and where it stopped.

    ``hello`` and ``extensions`` are what the server offered before any TLS; when the probe
    upgraded with STARTTLS (``starttls`` is the server's reply to it), the VRFY/EXPN and relay
    steps ran inside TLS and ``tls_hello`` is the EHLO reply there.
    """

    address: str
    port: int
    implicit_tls: bool
    speculative: bool = False  # probed because SMTP often listens there, not declared
    greeting: Reply | None = None
    hello: Reply | None = None  # the EHLO reply, or the HELO reply when EHLO was refused
    esmtp: bool = False
    extensions: tuple[tuple[str, str], ...] = ()
    starttls: Reply | None = None  # the reply to STARTTLS; None: not sent
    tls_hello: Reply | None = None  # the EHLO reply inside TLS after STARTTLS
    vrfy_known: Reply | None = None  # VRFY postmaster
    vrfy_unknown: Reply | None = None  # VRFY <random local part>
    expn_known: Reply | None = None  # EXPN postmaster
    expn_unknown: Reply | None = None  # EXPN <random local part>
    relay_probed: bool = False
    relay_mail: Reply | None = None
    relay_rcpt: Reply | None = None
    relay_reset: Reply | None = None
    stop: StopReason | None = None
    stop_detail: str = ""
    transcript: tuple[str, ...] = ()

    @property
    def greeted(self) -> bool:
        return self.greeting is not None and self.greeting.code == 220

    @property
    def helloed(self) -> bool:
        """EHLO (or HELO, when EHLO was refused) was accepted: the session's offer is known."""
        return self.hello is not None and self.hello.code == 250

    @property
    def not_listening(self) -> bool:
        """Nothing to judge here: the port refused the connection (closed), or stayed silent
        to it on a port probed on speculation (filtered). Port 25 and declared ports that time
        out are not this: the host may be down, so their checks cannot tell."""
        if self.greeting is not None:
            return False
        return self.stop is StopReason.REFUSED or (
            self.speculative and self.stop is StopReason.CONNECT_TIMEOUT
        )

    @property
    def tls(self) -> str:
        """How the probe's later steps travelled: "implicit", "starttls" or "none"."""
        if self.implicit_tls:
            return "implicit"
        return "starttls" if self.tls_hello is not None else "none"

    def extension(self, keyword: str) -> str | None:
        return next((params for k, params in self.extensions if k == keyword), None)


# The server's doing: it offered STARTTLS, then refused or broke the upgrade. Timeouts and
# connection trouble leave the question open.
_TLS_FAULTS = frozenset({TlsFailure.HANDSHAKE, TlsFailure.PROTOCOL, TlsFailure.NO_STARTTLS})


@dataclass(frozen=True, slots=True)
class StartTlsResult:
    """Whether STARTTLS on port 25 of one address led to a TLS session, and its certificates."""

    address: str
    port: int
    ok: bool | None  # None: the TLS analysis could not tell (timeout, connection trouble)
    failure: str = ""
    detail: str = ""
    certificates: tuple[bytes, ...] = ()  # DER, the leaf first, then the chain as presented

    @classmethod
    def of(cls, facts: TlsFacts) -> StartTlsResult:
        failure = facts.failure
        ok = True if failure is None else (False if failure in _TLS_FAULTS else None)
        return cls(
            facts.address,
            facts.port,
            ok,
            failure.value if failure else "",
            facts.detail[:300],
            _certificates(facts),
        )


def _certificates(facts: TlsFacts) -> tuple[bytes, ...]:
    """The presented certificates as DER (the shared TLS facts keep the leaf only, for now)."""
    if facts.certificate is None:
        return ()
    try:
        leaf = x509.load_pem_x509_certificate(facts.certificate.pem.encode())
    except ValueError:
        return ()
    return (leaf.public_bytes(Encoding.DER),)


@dataclass(frozen=True, slots=True)
class SmtpFacts:
    host: str
    resolution: HostAddresses
    refused: tuple[tuple[str, str], ...]  # (address, why): outside the scope, never contacted
    sessions: tuple[SmtpSession, ...]
    starttls: tuple[StartTlsResult, ...]
    intrusive: bool  # False: the agency opted out, no MAIL FROM was sent
    smtp_port: int = 25

    def on_port(self, port: int) -> tuple[SmtpSession, ...]:
        return tuple(s for s in self.sessions if s.port == port)

    @property
    def mta_sessions(self) -> tuple[SmtpSession, ...]:
        return self.on_port(self.smtp_port)

    def starttls_for(self, address: str) -> StartTlsResult | None:
        return next((r for r in self.starttls if r.address == address), None)


@dataclass(frozen=True, slots=True)
class PtrName:
    name: str
    forward: tuple[Lookup, ...]  # A and AAAA of the PTR name

    def resolves_to(self, address: str) -> bool | None:
        if any(lk.status is DnsStatus.OK and address in lk.records for lk in self.forward):
            return True
        return None if any(lk.failed for lk in self.forward) else False


@dataclass(frozen=True, slots=True)
class ReverseDns:
    address: str
    ptr: Lookup
    names: tuple[PtrName, ...]

    @property
    def state(self) -> str:
        """ "confirmed" (FCrDNS), "missing" (no PTR), "mismatch" (no PTR name leads back), "unknown"."""
        if self.ptr.failed:
            return "unknown"
        if not self.names:
            return "missing"
        verdicts = [n.resolves_to(self.address) for n in self.names]
        if True in verdicts:
            return "confirmed"
        return "unknown" if None in verdicts else "mismatch"

    def as_evidence(self) -> dict[str, Any]:
        return {"address": self.address, "ptr": list(self.ptr.records), "state": self.state}


@dataclass(frozen=True, slots=True)
class RdnsFacts:
    host: str
    resolution: HostAddresses
    entries: tuple[ReverseDns, ...]


@dataclass(frozen=True, slots=True)
class TlsaRecord:
    usage: int
    selector: int
    mtype: int
    data: bytes

    @property
    def text(self) -> str:
        return f"{self.usage} {self.selector} {self.mtype} {self.data.hex()[:64]}"


@dataclass(frozen=True, slots=True)
class TlsaFacts:
    host: str
    lookup: Lookup  # TLSA _25._tcp.HOST
    records: tuple[TlsaRecord, ...]
    authenticated: bool  # the resolver set AD: the answer was DNSSEC-validated

