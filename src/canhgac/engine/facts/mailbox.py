"""What IMAP (143) and POP3 (110) offer before any TLS, as facts."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from canhgac.engine.facts.dns import HostAddresses

IMAP, POP3 = "imap", "pop3"


class EndpointState(StrEnum):
    OPEN = "open"  # a greeting of the expected protocol, capabilities read
    CLOSED = "closed"  # connection refused
    FILTERED = "filtered"  # no TCP answer within the connect timeout
    TIMEOUT = "timeout"  # connected, then a reply did not come in time
    ERROR = "error"  # connected, then the server broke the protocol (garbage, endless line...)
    OUT_OF_SCOPE = "out_of_scope"  # not contacted
    OTHER = "other"  # a declared port speaking something else (e.g. SMTP)


@dataclass(frozen=True, slots=True)
class MailboxEndpoint:
    protocol: str  # "imap" or "pop3" ("" when a declared port answered something else)
    address: str
    port: int
    state: EndpointState
    greeting: str = ""
    capabilities: tuple[str, ...] = ()  # IMAP atoms / POP3 CAPA lines, upper-case
    capa_supported: bool = True  # POP3: False when CAPA was refused (RFC 2449 not implemented)
    detail: str = ""
    transcript: tuple[str, ...] = ()

    @property
    def starttls(self) -> bool:
        return ("STARTTLS" if self.protocol == IMAP else "STLS") in self.capabilities

    @property
    def login_disabled(self) -> bool:
        return "LOGINDISABLED" in self.capabilities

    @property
    def user_command(self) -> bool:
        return "USER" in self.capabilities

    @property
    def plaintext_mechanisms(self) -> tuple[str, ...]:
        """SASL mechanisms that carry the password in clear, offered before TLS."""
        if self.protocol == IMAP:
            mechs = [c.removeprefix("AUTH=") for c in self.capabilities if c.startswith("AUTH=")]
        else:
            mechs = [m for c in self.capabilities if c.startswith("SASL ") for m in c.split()[1:]]
        return tuple(m for m in mechs if m in PLAINTEXT_MECHANISMS)

    @property
    def plaintext_login(self) -> bool:
        """Whether a client may send its password over this unencrypted connection."""
        if self.state is not EndpointState.OPEN:
            return False
        if self.protocol == IMAP:
            return not self.login_disabled or bool(self.plaintext_mechanisms)
        return not self.capa_supported or self.user_command or bool(self.plaintext_mechanisms)

    def as_evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {"address": self.address, "port": self.port, "state": self.state.value}
        if self.state is EndpointState.OPEN:
            out.update(greeting=self.greeting, capabilities=list(self.capabilities),
                       starttls=self.starttls, plaintext_login=self.plaintext_login)
            if self.protocol == POP3:
                out["capa_supported"] = self.capa_supported
        if self.detail:
            out["detail"] = self.detail
        if self.transcript:
            out["transcript"] = list(self.transcript)
        return out


@dataclass(frozen=True, slots=True)
class MailboxFacts:
    host: str
    addresses: HostAddresses
    endpoints: tuple[MailboxEndpoint, ...]

    def for_protocol(self, protocol: str) -> tuple[MailboxEndpoint, ...]:
        return tuple(e for e in self.endpoints if e.protocol == protocol)


PLAINTEXT_MECHANISMS = frozenset({"PLAIN", "LOGIN"})

