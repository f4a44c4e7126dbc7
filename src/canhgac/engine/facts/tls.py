"""What one TLS endpoint showed: typed, frozen facts shared by the mail and web checks.

:class:`MailTlsFacts` holds them for every mail port of a host (the analysis itself is
:mod:`canhgac.engine.tls.analysis`).

``None`` in a protocol or cipher-family map means "could not be tested" (the local TLS
libraries cannot offer it, or the probe timed out); checks turn it into ``error``, never a pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from canhgac.engine.facts.certificate import CertificateFacts
from canhgac.engine.results import ErrorReason


class StartTls(StrEnum):
    """How TLS starts on the connection: at once (implicit TLS) or after a protocol command."""

    NONE = "none"
    SMTP = "smtp"
    IMAP = "imap"
    POP3 = "pop3"


class TlsProtocol(StrEnum):
    SSL2 = "SSLv2"
    SSL3 = "SSLv3"
    TLS10 = "TLSv1.0"
    TLS11 = "TLSv1.1"
    TLS12 = "TLSv1.2"
    TLS13 = "TLSv1.3"


OBSOLETE_PROTOCOLS = (TlsProtocol.SSL2, TlsProtocol.SSL3, TlsProtocol.TLS10, TlsProtocol.TLS11)
MODERN_PROTOCOLS = (TlsProtocol.TLS12, TlsProtocol.TLS13)


class CipherFamily(StrEnum):
    """Cipher-suite classes judged on every accepted suite (TLS 1.2 and below), as OpenSSL
    cipher strings name them. A suite can belong to several (``AES128-SHA`` is STATIC_KX and
    CBC_SHA1). STATIC_KX (RSA, DH or ECDH key exchange without an ephemeral key) is judged by
    the forward-secrecy checks, the others by the cipher checks (:data:`WEAK_CIPHER_FAMILIES`)."""

    STATIC_KX = "STATIC_KX"
    NULL = "NULL"
    EXPORT = "EXPORT"
    ANON = "ANON"
    RC4 = "RC4"
    DES = "DES"
    TRIPLE_DES = "3DES"
    CBC_SHA1 = "CBC_SHA1"


WEAK_CIPHER_FAMILIES = tuple(f for f in CipherFamily if f is not CipherFamily.STATIC_KX)
SuitesByVersion = Mapping[TlsProtocol, tuple[str, ...]]


class TlsFailure(StrEnum):
    """Why an endpoint gave no usable TLS session."""

    CLOSED = "closed"  # connection refused: nothing listens (a fact, not an error)
    TIMEOUT = "timeout"  # connect, a reply or the handshake did not arrive in time
    CONNECTION = "connection"  # reset, unreachable, closed mid-exchange
    PROTOCOL = "protocol"  # the STARTTLS dialogue went wrong (garbage, wrong reply, huge line)
    NO_STARTTLS = "no_starttls"  # the server does not offer STARTTLS/STLS (a fact)
    HANDSHAKE = "handshake"  # the server refused every TLS handshake we offered

    @property
    def error_reason(self) -> ErrorReason:
        return {
            TlsFailure.TIMEOUT: ErrorReason.TIMEOUT,
            TlsFailure.PROTOCOL: ErrorReason.PROTOCOL,
            TlsFailure.HANDSHAKE: ErrorReason.PROTOCOL,
        }.get(self, ErrorReason.CONNECTION)


class TrustVerdict(StrEnum):
    """Chain validation against the trust anchors (validity dates are judged separately)."""

    TRUSTED = "trusted"
    SELF_SIGNED = "self_signed"  # the leaf is its own issuer
    SELF_SIGNED_IN_CHAIN = "self_signed_in_chain"  # the chain ends in a root nobody trusts
    UNTRUSTED_ISSUER = "untrusted_issuer"  # the issuer is unknown (missing intermediate, private CA)
    BAD_SIGNATURE = "bad_signature"
    INVALID = "invalid"  # any other verification error (purpose, CA flags, revoked...)
    UNKNOWN = "unknown"  # not tested (no handshake)


@dataclass(frozen=True, slots=True)
class TlsFacts:
    """One endpoint (address, port, STARTTLS mode, name) as a client saw it in this run."""

    host: str
    address: str
    port: int
    starttls: StartTls
    observed_at: datetime
    failure: TlsFailure | None = None
    detail: str = ""
    protocols: Mapping[TlsProtocol, bool | None] = field(default_factory=dict)
    weak_ciphers: Mapping[CipherFamily, bool | None] = field(default_factory=dict)
    # every accepted suite of each class, per protocol version (classes with none are absent)
    accepted_suites: Mapping[CipherFamily, SuitesByVersion] = field(default_factory=dict)
    untested: Mapping[str, str] = field(default_factory=dict)  # what is None, and why
    negotiated_version: str | None = None
    negotiated_cipher: str | None = None
    forward_secrecy: bool | None = None
    dhe_accepted: bool | None = None
    dh_bits: int | None = None
    dhe_suite: str | None = None  # the DHE suite of the group-size probe (TLS 1.2)
    certificate: CertificateFacts | None = None
    trust: TrustVerdict = TrustVerdict.UNKNOWN
    trust_detail: str = ""
    name_match: bool | None = None
    ocsp_stapled: bool | None = None
    handshakes: int = 0
    elapsed_ms: float = 0.0

    def suites_of(self, families: tuple[CipherFamily, ...]) -> dict[str, list[str]]:
        """Accepted suites of ``families`` per protocol version, each suite once per version."""
        out: dict[str, list[str]] = {}
        for protocol in TlsProtocol:
            names = [s for f in families for s in self.accepted_suites.get(f, {}).get(protocol, ())]
            if names:
                out[protocol.value] = sorted(set(names))
        return out

    @property
    def handshake_ok(self) -> bool:
        return self.failure is None

    @property
    def label(self) -> str:
        address = f"[{self.address}]" if ":" in self.address else self.address
        mode = f" STARTTLS/{self.starttls.value}" if self.starttls is not StartTls.NONE else " TLS"
        return f"{address}:{self.port}{mode}"

    def as_evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {"endpoint": self.label, "host": self.host}
        if self.failure is not None:
            out["failure"] = self.failure.value
            out["detail"] = self.detail[:300]
        if self.negotiated_version:
            out["negotiated"] = f"{self.negotiated_version} {self.negotiated_cipher}"
        return out


@dataclass(frozen=True, slots=True)
class MailTlsFacts:
    host: str
    addresses: tuple[str, ...]
    endpoints: tuple[TlsFacts, ...]  # endpoints where TLS was (or should have been) spoken
    closed: tuple[str, ...] = ()  # address:port refusing connections
    no_starttls: tuple[str, ...] = ()  # address:port whose server does not offer STARTTLS
    unrecognised: tuple[str, ...] = ()  # declared ports answering with no mail greeting
    out_of_scope: tuple[str, ...] = ()

    def as_evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {"host": self.host, "addresses": list(self.addresses)}
        for name in ("closed", "no_starttls", "unrecognised", "out_of_scope"):
            if getattr(self, name):
                out[name] = list(getattr(self, name))
        return out

