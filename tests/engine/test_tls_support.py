"""Loopback TLS servers for the TLS tests: implicit TLS or a tiny STARTTLS responder, with faults.

Not a test module of its own (no tests here); named so for ownership. Every connection is
counted at TCP accept, so tests can assert how many handshakes an analysis made.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import ssl
from dataclasses import dataclass
from types import TracebackType

from canhgac.engine.context import CollectContext, NetworkLimits
from canhgac.engine.dns import DnsClient, ServerAddress
from canhgac.engine.scope import Scope
from canhgac.engine.settings import MailOptions, ScanSettings
from canhgac.lab.pki import LabCA

FAST = NetworkLimits(connect_timeout=1.0, read_timeout=0.6, max_line_bytes=1024, max_reply_bytes=8192)
GREETINGS = {
    "smtp": b"220 mail.lab.test ESMTP ready\r\n",
    "imap": b"* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n",
    "pop3": b"+OK POP3 ready\r\n",
}


def loopback() -> str:
    return f"127.{random.randint(200, 250)}.{random.randint(0, 255)}.{random.randint(2, 250)}"


def context(ca_file: str | None, net: NetworkLimits = FAST) -> CollectContext:
    return CollectContext(
        dns=DnsClient((ServerAddress("127.0.0.1", 53),), timeout=0.5, attempts=1),
        scope=Scope.build(loopback_only=True),
        settings=ScanSettings(ca_file=ca_file, net=net, mail=MailOptions(ehlo_name="scanner.lab.test")),
    )


@dataclass
class Behaviour:
    """What the server does; the defaults make a well-behaved server."""

    starttls: str = "none"  # none (implicit TLS), smtp, imap, pop3
    offer_starttls: bool = True
    stall_handshake: bool = False  # accept TCP, then never answer the ClientHello
    reset_after_starttls: bool = False  # drop the connection when asked to STARTTLS
    garbage_greeting: bool = False  # binary noise instead of a greeting
    endless_line: bool = False  # a greeting line that never ends


class TlsTestServer:
    """``async with TlsTestServer(tls_context, Behaviour(...)) as s:`` then ``s.address``, ``s.port``."""

    def __init__(
        self, tls: ssl.SSLContext | None, behaviour: Behaviour | None = None, address: str | None = None
    ) -> None:
        self.tls = tls
        self.behaviour = behaviour or Behaviour()
        self.address = address or loopback()
        self.port = 0
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> TlsTestServer:
        self._server = await asyncio.start_server(self._handle, self.address, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)  # type: ignore[arg-type]
        try:
            if await self._preamble(reader, writer):
                await self._tls(reader, writer)
        except (OSError, ssl.SSLError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            self._tasks.discard(task)  # type: ignore[arg-type]
            writer.transport.abort()

    async def _preamble(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        b = self.behaviour
        if b.garbage_greeting:
            writer.write(bytes(range(256)) + b"\r\n")
            await writer.drain()
            await asyncio.sleep(5)
            return False
        if b.endless_line:
            for _ in range(200):
                writer.write(b"220-" + b"x" * 1000)
                await writer.drain()
                await asyncio.sleep(0)
            await asyncio.sleep(5)
            return False
        if b.starttls == "none":
            return True
        writer.write(GREETINGS[b.starttls])
        if b.starttls == "smtp":
            await reader.readline()  # EHLO
            extensions = ["PIPELINING", "SIZE 10240000"] + (["STARTTLS"] if b.offer_starttls else [])
            lines = ["mail.lab.test", *extensions]
            writer.write(
                "".join(
                    f"250{'-' if i < len(lines) - 1 else ' '}{x}\r\n" for i, x in enumerate(lines)
                ).encode()
            )
        command = await reader.readline()
        if b.reset_after_starttls:
            return False
        if not b.offer_starttls:
            writer.write(b"502 no\r\n" if b.starttls == "smtp" else b"-ERR no\r\n")
            await writer.drain()
            await reader.read(100)
            return False
        replies = {
            "smtp": b"220 go ahead\r\n",
            "imap": command.split(b" ")[0] + b" OK begin TLS\r\n",
            "pop3": b"+OK begin TLS\r\n",
        }
        writer.write(replies[b.starttls])
        await writer.drain()
        return True

    async def _tls(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.behaviour.stall_handshake:
            await asyncio.sleep(30)
            return
        assert self.tls is not None
        await writer.start_tls(self.tls)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(reader.read(100), 2)


def lab_ca_file(ca: LabCA, folder: str) -> str:
    return str(ca.write_ca(folder))
