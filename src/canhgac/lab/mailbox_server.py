"""The lab's mailbox-access responders: IMAP (RFC 9051/3501) and POP3 (RFC 1939/2449) on loopback.

Each responder plants one configuration: STARTTLS/STLS offered or not (with a certificate
from the lab CA), LOGINDISABLED before TLS or not, plaintext SASL mechanisms before TLS or
not, POP3 USER allowed in clear or not, CAPA supported or not; and hostile variants (stall
after connect, an endless line, garbage). Logins are always refused: the lab holds no
mailbox, and ``commands`` records every command verb so tests can prove that a scanner never
sent credentials. Only the handful of commands a scanner or a STARTTLS probe uses are known.
"""

from __future__ import annotations

import asyncio
import enum
import ssl
from dataclasses import dataclass

from canhgac.lab.pki import server_context
from canhgac.lab.responder_base import TcpResponder

IDLE_TIMEOUT = 10.0
MAX_COMMAND = 4096


class Hostile(enum.Enum):
    """Misbehaviour planted instead of a protocol conversation."""

    STALL = "stall"  # accept and say nothing
    ENDLESS_LINE = "endless_line"  # a greeting that never ends
    GARBAGE = "garbage"  # binary junk instead of a greeting
    CLOSE = "close"  # accept and hang up at once


@dataclass(frozen=True)
class MailboxConfig:
    """What a responder offers before TLS (after STARTTLS/STLS it always allows PLAIN)."""

    starttls: bool = True
    login_disabled: bool = True  # IMAP LOGINDISABLED before TLS
    plaintext_mechanisms: tuple[str, ...] = ()  # SASL mechanisms advertised before TLS
    user_command: bool = False  # POP3 USER advertised (and accepted) before TLS
    capa: bool = True  # POP3 CAPA supported
    hostile: Hostile | None = None


class _Session:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer, self.tls = reader, writer, False

    async def send(self, *lines: str) -> None:
        self.writer.write("".join(line + "\r\n" for line in lines).encode())
        await self.writer.drain()

    async def command(self) -> str | None:
        line = await asyncio.wait_for(self.reader.readline(), IDLE_TIMEOUT)
        if not line or len(line) > MAX_COMMAND:
            return None
        return line.decode(errors="replace").rstrip("\r\n")


class _LabMailboxServer(TcpResponder):
    protocol = ""
    SESSION_SECONDS = None  # no limit on a session: each command waits IDLE_TIMEOUT at most
    STREAM_LIMIT = MAX_COMMAND  # a longer line ends the session (ValueError)
    CLIENT_ERRORS = (*TcpResponder.CLIENT_ERRORS, ssl.SSLError, ValueError)

    def __init__(
        self,
        *,
        address: str = "127.0.0.1",
        port: int = 0,
        config: MailboxConfig | None = None,
        cert: tuple[str, str] | None = None,
    ) -> None:
        super().__init__(address, port)
        self.config = config or MailboxConfig()
        if self.config.starttls and cert is None:
            raise ValueError("a responder that offers STARTTLS needs a certificate")
        self._tls = server_context(cert) if cert is not None else None
        self.commands: list[str] = []  # verbs received, upper-case, in order

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.config.hostile is not None:
            await _misbehave(writer, self.config.hostile)
        else:
            await self.converse(_Session(reader, writer))

    async def converse(self, session: _Session) -> None:
        """The protocol conversation, from the greeting to LOGOUT/QUIT."""
        raise NotImplementedError

    async def upgrade(self, session: _Session) -> None:
        assert self._tls is not None
        await session.writer.start_tls(self._tls)
        session.tls = True


async def _misbehave(writer: asyncio.StreamWriter, hostile: Hostile) -> None:
    if hostile is Hostile.CLOSE:
        return
    if hostile is Hostile.GARBAGE:
        writer.write(bytes(range(256)) * 4 + b"\r\n")
        await writer.drain()
    elif hostile is Hostile.ENDLESS_LINE:
        writer.write(b"* OK ")
        for _ in range(100_000):  # about 6 MB without a line end, unless the client hangs up
            writer.write(b"A" * 64)
            await writer.drain()
    await asyncio.sleep(IDLE_TIMEOUT)


class LabImapServer(_LabMailboxServer):
    """``async with LabImapServer(address=..., config=MailboxConfig(...), cert=...) as s:``."""

    protocol = "imap"

    def capabilities(self, tls: bool) -> list[str]:
        caps = ["IMAP4rev1", "SASL-IR", "ID", "ENABLE", "IDLE"]
        if tls:
            return [*caps, "AUTH=PLAIN"]
        if self.config.starttls:
            caps.append("STARTTLS")
        if self.config.login_disabled:
            caps.append("LOGINDISABLED")
        return caps + [f"AUTH={m}" for m in self.config.plaintext_mechanisms]

    async def converse(self, session: _Session) -> None:
        await session.send("* OK [CAPABILITY " + " ".join(self.capabilities(False)) + "] lab IMAP ready")
        while (line := await session.command()) is not None:
            tag, _, rest = line.partition(" ")
            verb = rest.split(" ", 1)[0].upper()
            self.commands.append(verb)
            if verb == "CAPABILITY":
                await session.send(
                    "* CAPABILITY " + " ".join(self.capabilities(session.tls)),
                    f"{tag} OK CAPABILITY completed",
                )
            elif verb == "NOOP":
                await session.send(f"{tag} OK NOOP completed")
            elif verb == "LOGOUT":
                await session.send("* BYE lab IMAP logging out", f"{tag} OK LOGOUT completed")
                return
            elif verb == "STARTTLS" and self.config.starttls and not session.tls:
                await session.send(f"{tag} OK Begin TLS negotiation now")
                await self.upgrade(session)
            elif verb in ("LOGIN", "AUTHENTICATE"):
                refused = not session.tls and self.config.login_disabled
                reason = "[PRIVACYREQUIRED] Use STARTTLS first" if refused else "[AUTHENTICATIONFAILED] No"
                await session.send(f"{tag} NO {reason}")
            else:
                await session.send(f"{tag} BAD Unknown command")


class LabPop3Server(_LabMailboxServer):
    """``async with LabPop3Server(address=..., config=MailboxConfig(...), cert=...) as s:``."""

    protocol = "pop3"

    def capabilities(self, tls: bool) -> list[str]:
        caps = ["TOP", "UIDL", "RESP-CODES", "PIPELINING", "AUTH-RESP-CODE"]
        if tls:
            return [*caps, "USER", "SASL PLAIN"]
        if self.config.starttls:
            caps.append("STLS")
        if self.config.user_command:
            caps.append("USER")
        if self.config.plaintext_mechanisms:
            caps.append("SASL " + " ".join(self.config.plaintext_mechanisms))
        return caps

    async def converse(self, session: _Session) -> None:
        await session.send("+OK lab POP3 ready")
        while (line := await session.command()) is not None:
            verb = line.split(" ", 1)[0].upper()
            self.commands.append(verb)
            if verb == "CAPA" and self.config.capa:
                await session.send("+OK Capability list follows", *self.capabilities(session.tls), ".")
            elif verb == "QUIT":
                await session.send("+OK Logging out")
                return
            elif verb == "STLS" and self.config.starttls and not session.tls:
                await session.send("+OK Begin TLS negotiation now")
                await self.upgrade(session)
            elif verb in ("USER", "PASS", "AUTH", "APOP"):
                allowed = session.tls or self.config.user_command
                await session.send(
                    "-ERR [AUTH] Authentication failed"
                    if allowed
                    else "-ERR [SYS/PERM] Plaintext authentication disallowed"
                )
            else:
                await session.send("-ERR Unknown command")
