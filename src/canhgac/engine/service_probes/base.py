"""Bounded TCP connections for service probes, and the typed trouble they end with.

Every probe talks to hostile servers: tarpits that accept and never answer, floods of bytes,
garbage, connections closed half-way. :class:`Conn` bounds each step by the run's
:class:`NetworkLimits` (``connect_timeout`` to connect, ``read_timeout`` per read,
``max_reply_bytes`` over the whole connection) and ends the exchange with a :class:`ProbeError`
carrying a :class:`ProbeFailure`; nothing else is raised for server behaviour. Callers add a
per-probe deadline (:func:`probe_deadline`) around the whole exchange.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import struct

from canhgac.engine.context import NetworkLimits
from canhgac.engine.facts.services import ProbeError, ProbeFailure
from canhgac.engine.tls.handshake import lenient_context

READ_CHUNK = 4096
BANNER_WAIT_CAP = 2.0  # seconds a passive read waits for a server that speaks first


def probe_deadline(limits: NetworkLimits, reads: int) -> float:
    """The budget of one probe: a connection and ``reads`` replies."""
    return limits.connect_timeout + reads * limits.read_timeout


def banner_wait(limits: NetworkLimits) -> float:
    return min(limits.read_timeout, BANNER_WAIT_CAP)


class Conn:
    """One client connection whose every read is bounded in time and the total in bytes."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, limits: NetworkLimits
    ) -> None:
        self._reader = reader
        self._writer = writer
        self.limits = limits
        self._buffer = bytearray()
        self.received = 0

    @classmethod
    async def open(cls, address: str, port: int, limits: NetworkLimits) -> Conn:
        try:
            async with asyncio.timeout(limits.connect_timeout):
                reader, writer = await asyncio.open_connection(address, port, limit=READ_CHUNK * 4)
        except TimeoutError as exc:
            raise ProbeError(
                ProbeFailure.CONNECT_TIMEOUT, f"no connection within {limits.connect_timeout:g}s"
            ) from exc
        except OSError as exc:
            raise ProbeError(ProbeFailure.REFUSED, f"{type(exc).__name__}: {exc}") from exc
        return cls(reader, writer, limits)

    @classmethod
    async def open_tls(cls, address: str, port: int, limits: NetworkLimits) -> tuple[Conn, str]:
        """A connection with a completed TLS handshake (certificate not checked), and its version.

        A server that answers the ClientHello with anything but TLS (an alert, garbage, its own
        greeting, a close) raises GARBAGE or CLOSED; one that stays silent, TIMEOUT.
        """
        budget = limits.connect_timeout + limits.read_timeout
        try:
            async with asyncio.timeout(budget):
                reader, writer = await asyncio.open_connection(
                    address, port, ssl=lenient_context(), server_hostname="",
                    ssl_handshake_timeout=budget, limit=READ_CHUNK * 4)
        except TimeoutError as exc:
            raise ProbeError(ProbeFailure.TIMEOUT, f"no TLS handshake within {budget:g}s") from exc
        except ssl.SSLError as exc:
            raise ProbeError(ProbeFailure.GARBAGE, f"not TLS: {exc.reason or exc}") from exc
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            detail = f"closed during the TLS handshake: {type(exc).__name__}"
            raise ProbeError(ProbeFailure.CLOSED, detail) from exc
        except OSError as exc:
            raise ProbeError(ProbeFailure.REFUSED, f"{type(exc).__name__}: {exc}") from exc
        tls = writer.get_extra_info("ssl_object")
        version = tls.version() if isinstance(tls, ssl.SSLObject) else None
        return cls(reader, writer, limits), version or "TLS"

    async def _fill(self, wait_for: float | None = None) -> None:
        """Read one chunk into the buffer (bounded by time and by the connection's byte budget)."""
        wait = self.limits.read_timeout if wait_for is None else wait_for
        try:
            async with asyncio.timeout(wait):
                chunk = await self._reader.read(READ_CHUNK)
        except TimeoutError as exc:
            raise ProbeError(ProbeFailure.TIMEOUT, f"no reply within {wait:g}s") from exc
        except (ConnectionError, OSError) as exc:
            raise ProbeError(ProbeFailure.CLOSED, f"{type(exc).__name__}: {exc}") from exc
        if not chunk:
            raise ProbeError(ProbeFailure.CLOSED, "connection closed by the server")
        self.received += len(chunk)
        if self.received > self.limits.max_reply_bytes:
            raise ProbeError(ProbeFailure.TOO_LARGE, f"more than {self.limits.max_reply_bytes} bytes")
        self._buffer.extend(chunk)

    async def passive(self, wait: float) -> bytes:
        """Whatever the server says first within ``wait`` (b"" when it stays silent)."""
        if not self._buffer:
            try:
                await self._fill(wait)
            except ProbeError as exc:
                if exc.failure is ProbeFailure.TIMEOUT:
                    return b""
                raise
        return bytes(self._buffer)

    async def read_some(self) -> bytes:
        """At least one byte: the buffered bytes, else the next chunk."""
        if not self._buffer:
            await self._fill()
        out = bytes(self._buffer)
        self._buffer.clear()
        return out

    async def read_exact(self, count: int) -> bytes:
        if count > self.limits.max_reply_bytes:
            raise ProbeError(ProbeFailure.TOO_LARGE, f"a {count}-byte message announced")
        while len(self._buffer) < count:
            await self._fill()
        out = bytes(self._buffer[:count])
        del self._buffer[:count]
        return out

    async def read_until(self, separator: bytes, limit: int) -> bytes:
        """Bytes up to and including ``separator``; GARBAGE when none within ``limit`` bytes."""
        while True:
            at = self._buffer.find(separator)
            if 0 <= at < limit:
                out = bytes(self._buffer[: at + len(separator)])
                del self._buffer[: at + len(separator)]
                return out
            if len(self._buffer) >= limit:
                raise ProbeError(ProbeFailure.GARBAGE, f"no {separator!r} within {limit} bytes")
            await self._fill()

    async def read_available(self, settle: float) -> bytes:
        """Everything that arrives until the server pauses for ``settle`` seconds (bounded bytes)."""
        with contextlib.suppress(ProbeError):
            while True:
                await self._fill(settle if self._buffer else None)
        out = bytes(self._buffer)
        self._buffer.clear()
        return out

    async def send(self, data: bytes) -> None:
        try:
            self._writer.write(data)
            async with asyncio.timeout(self.limits.read_timeout):
                await self._writer.drain()
        except TimeoutError as exc:
            raise ProbeError(ProbeFailure.TIMEOUT, "the server does not read") from exc
        except (ConnectionError, OSError) as exc:
            raise ProbeError(ProbeFailure.CLOSED, f"{type(exc).__name__}: {exc}") from exc

    async def close(self) -> None:
        self._writer.close()
        with contextlib.suppress(Exception):
            async with asyncio.timeout(1.0):
                await self._writer.wait_closed()


def be16(data: bytes, at: int) -> int:
    return int(struct.unpack_from(">H", data, at)[0]) if len(data) >= at + 2 else -1


def clip(text: str, size: int = 200) -> str:
    """Printable, bounded text for evidence."""
    cleaned = "".join(ch if ch.isprintable() else "." for ch in text)
    return cleaned if len(cleaned) <= size else cleaned[:size] + "…"


def text_of(data: bytes, size: int = 200) -> str:
    return clip(data.decode("utf-8", errors="replace").strip(), size)
