"""One HTTP/1.1 request on a connection of its own: h11 over a plain :class:`asyncio.Protocol`.

The watch checks every portal once a minute on a new connection (a kept-alive one would hide a
server that no longer accepts new visitors). Through httpx that exchange cost about 0.5 ms of
CPU above the socket work: the client's request and response models, its transport mapping,
httpcore's connection state machine and stream wrappers, a coroutine hop per read. Here the same
protocol work is done by the same parser httpx uses underneath (h11, with httpcore's head limit
of 100 KiB), driven from the protocol's callbacks: the request is written as soon as the
connection (and its TLS handshake: the standard ``ssl`` module, the caller's context, the real
name as server name) is made, each arriving block is fed to h11 where it lands, and the caller
awaits only the head and, when the body did not come with it, the next block.

Errors are the standard ones, so :mod:`.fetch` classifies them as it does httpx's:
``ConnectionRefusedError`` and other ``OSError`` (``ssl.SSLError`` among them) for the
connection and handshake, ``TimeoutError`` for a wait past its deadline, ``h11.ProtocolError``
for an answer that is not HTTP, :class:`PeerClosedError` for a peer gone before its answer.
Used by :class:`~canhgac.engine.web.pool.FreshConnections`; a run's requests keep httpx's pool
(kept-alive connections per host).
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import cast

import h11

MAX_HEAD = 100 * 1024  # bytes of a response head, as httpcore sets h11's limit
HIGH_WATER = 256 * 1024  # bytes of body read ahead before the socket is paused


class PeerClosedError(Exception):
    """The peer closed the connection before its answer was complete (as httpx's
    ``RemoteProtocolError``: a protocol failure, not a refused or broken connection)."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A request to send to one address: the caller resolved the name and checked the scope."""

    method: str
    scheme: str  # "http" or "https"
    address: str
    port: int
    target: bytes  # the request target: path and query
    headers: Sequence[tuple[str, str]]  # Host included
    host: str  # the real name: the TLS server name, and what a pool keys its connections by
    connect_timeout: float
    read_timeout: float


class _Exchange(asyncio.Protocol):
    """The connection's side: feeds h11, keeps the head and the body blocks, wakes one waiter."""

    def __init__(self, request: Outgoing) -> None:
        self.parser = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD)
        # written by h11 (it refuses a header with a line break in it), which then expects the answer
        head = h11.Request(method=request.method, target=request.target, headers=list(request.headers))
        self.request = self.parser.send(head) + (self.parser.send(h11.EndOfMessage()) or b"")
        self.transport: asyncio.Transport | None = None
        self.head: h11.Response | None = None
        self.blocks: deque[bytes] = deque()
        self.buffered = 0
        self.paused = False
        self.complete = False
        self.failure: BaseException | None = None
        self.waiter: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self._feed(data)

    def eof_received(self) -> bool:
        self._feed(b"")
        return False  # the transport closes itself

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.complete and self.failure is None:
            self.failure = exc if exc is not None else PeerClosedError(
                "the server closed the connection before its answer was complete")
        self._wake()

    def _feed(self, data: bytes) -> None:
        if self.complete or self.failure is not None:
            return
        parser = self.parser
        try:
            parser.receive_data(data)
            while True:
                event = parser.next_event()
                if event is h11.NEED_DATA or event is h11.PAUSED:
                    break
                if type(event) is h11.Data:
                    block = bytes(event.data)
                    self.blocks.append(block)
                    self.buffered += len(block)
                elif type(event) is h11.Response:
                    self.head = event
                elif type(event) is h11.EndOfMessage:
                    self.complete = True
                    break
                elif type(event) is h11.ConnectionClosed:
                    raise PeerClosedError("the server closed the connection before its answer was complete")
                # InformationalResponse (1xx): h11 passes it; the final answer follows
        except (h11.ProtocolError, PeerClosedError) as exc:
            self.failure = exc
            if self.transport is not None:
                self.transport.abort()
        if self.buffered > HIGH_WATER and not self.paused and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()
        self._wake()

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    async def wait(self, seconds: float) -> None:
        """Until something arrives (or the connection ends); ``TimeoutError`` after ``seconds``."""
        loop = asyncio.get_running_loop()
        self.waiter = waiter = loop.create_future()
        timer = loop.call_later(seconds, _time_out, waiter)
        try:
            await waiter
        finally:
            self.waiter = None
            timer.cancel()


def _time_out(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError("no answer in time"))


class Answer:
    """A response whose head has arrived: status, raw headers, the body as it comes."""

    def __init__(self, exchange: _Exchange, read_timeout: float) -> None:
        head = exchange.head
        assert head is not None
        self._exchange = exchange
        self._read_timeout = read_timeout
        self.status: int = head.status_code
        self.raw_headers: list[tuple[bytes, bytes]] = [
            (bytes(k), bytes(v)) for k, v in head.headers.raw_items()
        ]

    async def aiter_raw(self) -> AsyncIterator[bytes]:
        """The body's blocks as sent (not inflated); raises if the connection breaks first."""
        ex = self._exchange
        while True:
            if ex.blocks:
                block = ex.blocks.popleft()
                ex.buffered -= len(block)
                if ex.paused and ex.buffered < HIGH_WATER // 4 and ex.transport is not None:
                    ex.paused = False
                    ex.transport.resume_reading()
                yield block
                continue
            if ex.complete:
                return
            if ex.failure is not None:
                raise ex.failure
            await ex.wait(self._read_timeout)

    async def aclose(self) -> None:
        """Drop the connection: nothing is kept (no close_notify exchange over TLS)."""
        transport = self._exchange.transport
        if transport is None or transport.is_closing():
            return
        if self._exchange.complete and transport.get_extra_info("ssl_object") is None:
            transport.close()
        else:
            transport.abort()


async def exchange(request: Outgoing, tls: ssl.SSLContext | None) -> Answer:
    """Connect (and shake hands, over TLS), send the request, wait for the response's head.

    The connection belongs to the returned :class:`Answer`: close it with ``aclose``. On any
    failure nothing stays open.
    """
    loop = asyncio.get_running_loop()
    ex = _Exchange(request)
    secure = tls if request.scheme == "https" else None
    try:
        async with asyncio.timeout(request.connect_timeout):
            await loop.create_connection(
                lambda: ex, request.address, request.port, ssl=secure,
                server_hostname=request.host if secure is not None else None,
                ssl_handshake_timeout=request.connect_timeout + 1 if secure is not None else None,
            )
        while ex.head is None:
            if ex.failure is not None:
                raise ex.failure
            await ex.wait(request.read_timeout)
    except BaseException:
        if ex.transport is not None:
            ex.transport.abort()
        raise
    return Answer(ex, request.read_timeout)
