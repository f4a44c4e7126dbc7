"""An httpcore network backend on asyncio's own transports, for the watch's fresh connections.

httpcore's default backend on asyncio goes through anyio: a task group and happy-eyeballs
machinery per connect (to an address the caller already chose), a cancel scope per read and
write, anyio's TLS stream over the raw socket. This one does the same work with a plain
:class:`asyncio.Protocol`: ``loop.create_connection`` to the address, ``loop.start_tls`` for the
handshake (the standard ``ssl`` module, as before: same context, same server name, same
verification), one timer per wait. Errors are httpcore's (``ConnectError``, ``ReadTimeout``…),
raised from the original exception, so httpx maps them and the caller classifies them as it did
(``ConnectionRefusedError``, ``ssl.SSLCertVerificationError`` in the chain).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterable
from typing import Any, cast

import httpcore
from httpcore import AsyncNetworkBackend, AsyncNetworkStream

SocketOption = Any  # httpcore's SOCKET_OPTION (a tuple for ``setsockopt``)
HIGH_WATER = 256 * 1024  # bytes read ahead before the socket is paused


def _time_out(waiter: asyncio.Future[None], error: type[Exception]) -> None:
    if not waiter.done():
        waiter.set_exception(error("timed out"))


class _Stream(asyncio.Protocol):
    """One connection: what arrived, whether it ended, and one reader or writer waiting."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.data = bytearray()
        self.ended = False
        self.lost: BaseException | None = None
        self.waiter: asyncio.Future[None] | None = None
        self.can_write: asyncio.Future[None] | None = None
        self.paused = False

    # --- the protocol's side -------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # a stream transport (any loop's)

    def data_received(self, data: bytes) -> None:
        self.data += data
        if len(self.data) > HIGH_WATER and self.transport is not None and not self.paused:
            self.paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self.ended = True
        self._wake()
        return False  # the transport closes itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.ended, self.lost = True, exc
        self._wake()
        if self.can_write is not None and not self.can_write.done():
            self.can_write.set_result(None)

    def pause_writing(self) -> None:
        if self.can_write is None or self.can_write.done():
            self.can_write = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        if self.can_write is not None and not self.can_write.done():
            self.can_write.set_result(None)

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)


class AsyncioStream(AsyncNetworkStream):
    def __init__(self, proto: _Stream) -> None:
        self._proto = proto

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109 - httpcore's
        proto = self._proto
        if not proto.data and not proto.ended:
            await self._wait(timeout, httpcore.ReadTimeout)
        if not proto.data:
            if proto.lost is not None:
                raise httpcore.ReadError(str(proto.lost)) from proto.lost
            return b""
        chunk = bytes(proto.data[:max_bytes])
        del proto.data[:max_bytes]
        if proto.paused and len(proto.data) < HIGH_WATER // 4 and proto.transport is not None:
            proto.paused = False
            proto.transport.resume_reading()
        return chunk

    async def _wait(self, seconds: float | None, error: type[Exception]) -> None:
        loop = asyncio.get_running_loop()
        self._proto.waiter = waiter = loop.create_future()
        timer = None if seconds is None else loop.call_later(seconds, _time_out, waiter, error)
        try:
            await waiter
        finally:
            self._proto.waiter = None
            if timer is not None:
                timer.cancel()

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109 - httpcore's
        proto = self._proto
        if not buffer:
            return
        if proto.transport is None or proto.transport.is_closing():
            raise httpcore.WriteError("the connection is closed")
        proto.transport.write(buffer)
        if proto.can_write is not None and not proto.can_write.done():
            loop = asyncio.get_running_loop()
            waiter = proto.can_write
            timer = None if timeout is None else loop.call_later(
                timeout, _time_out, waiter, httpcore.WriteTimeout
            )
            try:
                await asyncio.shield(waiter)
            finally:
                if timer is not None:
                    timer.cancel()
        if proto.lost is not None:
            raise httpcore.WriteError(str(proto.lost)) from proto.lost

    async def aclose(self) -> None:
        transport = self._proto.transport
        if transport is None:
            return
        if transport.get_extra_info("ssl_object") is not None:
            transport.abort()  # no close_notify exchange, as httpcore's anyio stream closed it
        else:
            transport.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's signature
    ) -> AsyncNetworkStream:
        proto = self._proto
        assert proto.transport is not None
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                secured = await loop.start_tls(
                    proto.transport, proto, ssl_context, server_hostname=server_hostname,
                    ssl_handshake_timeout=None if timeout is None else timeout + 1,
                )
        except TimeoutError as exc:
            proto.transport.close()
            raise httpcore.ConnectTimeout("TLS handshake timed out") from exc
        except (OSError, EOFError) as exc:  # ssl.SSLError is an OSError
            proto.transport.close()
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        if secured is None:  # the peer went away during the handshake
            raise httpcore.ConnectError("the connection closed during the TLS handshake")
        proto.transport = secured
        return AsyncioStream(proto)

    def get_extra_info(self, info: str) -> Any:
        transport = self._proto.transport
        if transport is None:
            return None
        if info == "ssl_object":
            return transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return transport.get_extra_info("sockname")
        if info == "server_addr":
            return transport.get_extra_info("peername")
        if info == "socket":
            return transport.get_extra_info("socket")
        if info == "is_readable":
            return bool(self._proto.data) or self._proto.ended
        return None


class AsyncioBackend(AsyncNetworkBackend):
    """``connect_tcp`` to an address (the caller resolved and scope-checked it)."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's signature
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        proto = _Stream()
        try:
            async with asyncio.timeout(timeout):
                await loop.create_connection(
                    lambda: proto, host, port, local_addr=(local_address, 0) if local_address else None
                )
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"no connection to {host}:{port} in time") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        assert proto.transport is not None
        sock = proto.transport.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return AsyncioStream(proto)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's signature
        socket_options: Iterable[SocketOption] | None = None,
    ) -> AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used by canhgac")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
