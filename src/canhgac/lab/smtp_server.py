"""The lab's SMTP servers on loopback: aiosmtpd with planted misconfigurations, and hostile ones.

:class:`LabSmtpServer` is a real ESMTP server (aiosmtpd) whose every planted case is a
constructor argument: the greeting text (with or without a software version), STARTTLS with a
given certificate, AUTH offered before TLS, VRFY/EXPN refused, answering for real or ``252``
for every name, an open relay. It
records the verb of every command it receives (``commands``) so tests can prove the relay
probe never sent DATA, and it never delivers anything. :class:`HostileSmtpServer` is a plain
asyncio server that misbehaves on purpose (stalls, endless lines, reply floods, drops the
connection mid-STARTTLS, garbage).
"""

from __future__ import annotations

import asyncio
import enum
import ssl
from collections.abc import Iterable
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session

from canhgac.lab.pki import server_context
from canhgac.lab.responder_base import Serving

IDLE_TIMEOUT = 30.0


def _never_authenticate(*_args: Any) -> AuthResult:
    return AuthResult(success=False, handled=False)


class _Handler:
    """aiosmtpd hooks: relay policy, VRFY answers, and no delivery ever."""

    def __init__(self, owner: LabSmtpServer) -> None:
        self.owner = owner

    async def handle_RCPT(  # noqa: N802 - aiosmtpd hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        domain = address.rpartition("@")[2].lower()
        if self.owner.open_relay or domain in self.owner.local_domains:
            envelope.rcpt_tos.append(address)
            return "250 2.1.5 OK"
        return f"554 5.7.1 <{address}>: Relay access denied"

    async def handle_VRFY(  # noqa: N802 - aiosmtpd hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str
    ) -> str:
        return self.owner.verify(address, "VRFY")

    async def handle_exception(self, error: Exception) -> str:
        """Scanners refuse handshakes and drop connections all the time: count, do not log."""
        self.owner.errors.append(type(error).__name__)
        return f"500 Error: ({type(error).__name__})"

    async def handle_DATA(  # noqa: N802 - aiosmtpd hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        return "554 5.7.1 the lab never delivers mail"


class _RecordingMethods(dict[str, Any]):
    """aiosmtpd's verb -> method table; every lookup is a command the client sent."""

    def __init__(self, methods: dict[str, Any], record: list[str]) -> None:
        super().__init__(methods)
        self.record = record

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        self.record.append(key)
        return super().get(key, default)


class _LabSmtp(SMTP):
    def __init__(self, owner: LabSmtpServer, **kwargs: Any) -> None:
        super().__init__(_Handler(owner), **kwargs)
        self.owner = owner
        self._smtp_methods = _RecordingMethods(self._smtp_methods, owner.commands)

    async def smtp_EXPN(self, arg: str) -> None:  # noqa: N802 - aiosmtpd command name
        await self.push(self.owner.verify(arg or "", "EXPN"))

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.owner.connections.add(transport)
        super().connection_made(transport)


class Vrfy(enum.Enum):
    """How a :class:`LabSmtpServer` answers VRFY and EXPN."""

    OFF = "off"  # 502: disabled
    VERIFY = "verify"  # 250 for a known user, 550 otherwise: names can be told apart
    CANNOT = "cannot"  # 252 for every name (RFC 5321 3.5.3): nothing told


class LabSmtpServer(Serving):
    """An ESMTP server on a loopback address, started with ``async with``."""

    def __init__(
        self,
        *,
        address: str,
        port: int = 0,
        banner: str = "mail.lab.test ESMTP",
        tls: tuple[str, str] | None = None,
        tls_context: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
        auth_before_tls: bool = False,
        vrfy: Vrfy = Vrfy.OFF,
        open_relay: bool = False,
        local_domains: Iterable[str] = (),
        users: Iterable[str] = ("postmaster",),
    ) -> None:
        self.address = address
        self.port = port
        hostname, _, ident = banner.partition(" ")
        self.hostname = hostname
        self.ident = ident or "ESMTP"  # aiosmtpd would otherwise announce its own version
        # STARTTLS with a (chain PEM, key PEM) from canhgac.lab.pki, or a ready server context
        self.tls_context = tls_context or (server_context(tls) if tls is not None else None)
        self.implicit_tls = implicit_tls  # TLS from the first byte (port 465) instead of STARTTLS
        if implicit_tls and self.tls_context is None:
            raise ValueError("implicit TLS needs a certificate")
        self.auth_before_tls = auth_before_tls
        self.vrfy = vrfy
        self.open_relay = open_relay
        self.local_domains = frozenset(d.lower() for d in local_domains)
        self.users = frozenset(u.lower() for u in users)
        self.commands: list[str] = []  # the verb of every command received, in order
        self.connections: set[asyncio.BaseTransport] = set()
        self.errors: list[str] = []  # exceptions inside sessions (refused TLS handshakes...)
        self._server: asyncio.Server | None = None

    def verify(self, argument: str, verb: str) -> str:
        """The answer to VRFY/EXPN as ``vrfy`` says: 502, 252 for all, or real (250/550)."""
        if self.vrfy is Vrfy.OFF:
            return f"502 5.5.1 {verb} command is disabled"
        if self.vrfy is Vrfy.CANNOT:
            return f"252 2.0.0 Cannot {verb} user, but will accept message"
        local = argument.strip().strip("<>").partition("@")[0].lower()
        if local in self.users:
            return f"250 2.1.5 <{local}@{self.hostname}>"
        return f"550 5.1.1 <{argument.strip()}>: Recipient address rejected: User unknown"

    def _protocol(self) -> _LabSmtp:
        return _LabSmtp(
            self,
            hostname=self.hostname,
            ident=self.ident,
            tls_context=None if self.implicit_tls else self.tls_context,
            auth_require_tls=not (self.auth_before_tls or self.implicit_tls),  # 465 is TLS already
            authenticator=_never_authenticate,
            timeout=IDLE_TIMEOUT,
            loop=asyncio.get_running_loop(),
        )

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        ssl_context = self.tls_context if self.implicit_tls else None
        self._server = await loop.create_server(
            self._protocol, host=self.address, port=self.port, ssl=ssl_context
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for transport in self.connections:
                transport.close()
            await self._server.wait_closed()
            self._server = None


class Hostile(enum.Enum):
    """How a :class:`HostileSmtpServer` misbehaves."""

    STALL_AFTER_BANNER = "stall_after_banner"  # greets, then never answers
    SILENT = "silent"  # accepts the connection, never greets
    ENDLESS_LINE = "endless_line"  # a greeting line that never ends
    REPLY_FLOOD = "reply_flood"  # a multi-line greeting that never ends
    DROP_AFTER_STARTTLS = "drop_after_starttls"  # "220 ready" to STARTTLS, then hangs up
    GARBAGE = "garbage"  # binary noise instead of a greeting
    REJECT = "reject"  # 554 greeting (RFC 5321 3.1), answers only QUIT


_CHUNK = b"x" * 4096


class HostileSmtpServer(Serving):
    """A misbehaving server on a loopback address, started with ``async with``."""

    def __init__(
        self, *, address: str, behaviour: Hostile, port: int = 0, hostname: str = "mail.lab.test"
    ) -> None:
        self.address = address
        self.port = port
        self.behaviour = behaviour
        self.hostname = hostname
        self.received: list[bytes] = []
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.address, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.transport.abort()  # each handler then sees EOF or a reset and returns
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        try:
            await self._misbehave(reader, writer)
        except (ConnectionError, OSError, ValueError, asyncio.IncompleteReadError):
            pass
        finally:
            self._tasks.discard(task)
            self._writers.discard(writer)
            writer.close()

    async def _misbehave(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        b = self.behaviour
        if b is Hostile.SILENT:
            await reader.read()  # until the client gives up
        elif b is Hostile.GARBAGE:
            writer.write(bytes(range(256)) * 4 + b"\r\n")
            await writer.drain()
            await reader.read()
        elif b in (Hostile.ENDLESS_LINE, Hostile.REPLY_FLOOD):
            line = b"220-" + self.hostname.encode() + b" flood\r\n" if b is Hostile.REPLY_FLOOD else _CHUNK
            writer.write(b"220-" if b is Hostile.ENDLESS_LINE else b"")
            while True:
                writer.write(line)
                await writer.drain()
                await asyncio.sleep(0)
        else:
            await self._converse(reader, writer)

    async def _converse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        first = (
            b"554 5.7.1 no service for you"
            if self.behaviour is Hostile.REJECT
            else b"220 " + (self.hostname.encode() + b" ESMTP")
        )
        writer.write(first + b"\r\n")
        await writer.drain()
        while line := await reader.readline():
            self.received.append(line)
            verb = line.split(b" ", 1)[0].strip().upper()
            if self.behaviour is Hostile.STALL_AFTER_BANNER:
                continue  # read and never answer
            if verb == b"QUIT":
                writer.write(b"221 2.0.0 Bye\r\n")
                await writer.drain()
                return
            if self.behaviour is Hostile.REJECT:
                writer.write(b"503 5.5.1 no service\r\n")
            elif verb == b"EHLO":
                writer.write(b"250-" + self.hostname.encode() + b"\r\n250 STARTTLS\r\n")
            elif verb == b"STARTTLS":
                writer.write(b"220 2.0.0 Ready to start TLS\r\n")
                await writer.drain()
                return  # hang up instead of the handshake
            else:
                writer.write(b"502 5.5.2 not here\r\n")
            await writer.drain()
