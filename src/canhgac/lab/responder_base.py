"""What every lab server shares: ``start``/``stop`` with ``async with``, and the TCP and UDP responder bases.

:class:`Serving` gives a server with ``start()`` and ``stop()`` its ``async with`` form.
:class:`TcpResponder` is one protocol on one address and TCP port: it accepts connections, runs
``serve`` for each under a time limit, ends a session quietly when the client misbehaves
(:data:`TcpResponder.CLIENT_ERRORS`, :class:`ClientProtocolError`) and counts and logs anything
else as an internal error; ``stop`` cancels the sessions still running. :class:`UdpResponder`
does the same for datagrams. The mailbox servers and every exposed-service responder build on
them. :class:`ServerGroup` is a lab's servers started together: their internal errors summed,
and stopping them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, ClassVar, Self

log = logging.getLogger(__name__)

SESSION_SECONDS = 30.0  # a session longer than this is cut
LINE_LIMIT = 1024  # bytes in one command line
MESSAGE_LIMIT = 1 << 20  # bytes in one binary message


class ClientProtocolError(Exception):
    """The client sent something this responder will not parse further: the session ends."""


class Serving:
    """A server started by ``start()`` and stopped by ``stop()``, or used with ``async with``."""

    async def start(self) -> None:
        raise NotImplementedError

    async def stop(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()


@dataclass
class ServerGroup:
    """Servers a lab started together: what they counted, and stopping them (last started first)."""

    servers: list[Any]

    @property
    def internal_errors(self) -> int:
        """The unexpected exceptions the servers counted (a server that counts none adds nothing)."""
        return sum(int(getattr(server, "internal_errors", 0)) for server in self.servers)

    async def stop(self) -> None:
        for server in reversed(self.servers):
            with contextlib.suppress(Exception):
                await server.stop()


async def cancel_all(tasks: Iterable[asyncio.Task[Any]]) -> None:
    """Cancel ``tasks`` (a server's open sessions) and wait until every one has ended."""
    pending = list(tasks)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


class TcpResponder(Serving):
    """One protocol on one address and TCP port (0 picks a free port); ``serve`` is the session."""

    SESSION_SECONDS: ClassVar[float | None] = SESSION_SECONDS  # None: no limit on a whole session
    STREAM_LIMIT: ClassVar[int] = 1 << 16  # the reader's buffer limit (asyncio's default)
    # What a client can cause: the session just ends, nothing is counted.
    CLIENT_ERRORS: ClassVar[tuple[type[BaseException], ...]] = (
        TimeoutError,
        ConnectionError,
        asyncio.IncompleteReadError,
        asyncio.LimitOverrunError,
        ClientProtocolError,
        asyncio.CancelledError,
    )

    def __init__(self, address: str, port: int = 0) -> None:
        self.address = address
        self.port = port
        self.internal_errors = 0
        self.sessions = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._session, self.address, self.port, reuse_address=True, limit=self.STREAM_LIMIT
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        await cancel_all(self._tasks)

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        self.sessions += 1
        try:
            await asyncio.wait_for(self.serve(reader, writer), self.SESSION_SECONDS)
        except self.CLIENT_ERRORS:
            pass  # the client went away, stalled, or spoke garbage: the connection just ends
        except Exception:  # a bug must not take the lab down; it is counted and logged
            self.internal_errors += 1
            log.exception("lab %s responder on %s failed", type(self).__name__, self.address)
        finally:
            if task is not None:
                self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await writer.wait_closed()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError


async def read_line(reader: asyncio.StreamReader) -> bytes | None:
    """One CRLF- or LF-terminated line without its end; None at end of stream."""
    line = await reader.readuntil(b"\n") if not reader.at_eof() else b""
    if len(line) > LINE_LIMIT:
        raise ClientProtocolError("line too long")
    return line.rstrip(b"\r\n") if line else None


async def send(writer: asyncio.StreamWriter, data: bytes) -> None:
    writer.write(data)
    await writer.drain()


class UdpResponder(Serving, asyncio.DatagramProtocol):
    """One UDP service: ``answer(datagram)`` returns the reply datagrams (none: silence)."""

    def __init__(self, address: str, port: int = 0) -> None:
        self.address = address
        self.port = port
        self.internal_errors = 0
        self.datagrams = 0
        self._transport: asyncio.DatagramTransport | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: self, local_addr=(self.address, self.port))
        self._transport = transport
        self.port = transport.get_extra_info("sockname")[1]

    async def stop(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self.datagrams += 1
        try:
            replies = self.answer(data)
        except (ValueError, IndexError, struct.error, ClientProtocolError):
            return  # malformed: dropped, as real agents do
        except Exception:
            self.internal_errors += 1
            log.exception("lab %s responder on %s failed", type(self).__name__, self.address)
            return
        if self._transport is not None:
            for reply in replies:
                self._transport.sendto(reply, addr)

    def answer(self, data: bytes) -> list[bytes]:
        raise NotImplementedError
