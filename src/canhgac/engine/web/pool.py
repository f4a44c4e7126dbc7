"""The httpx clients of the web layer: a run's (:class:`ClientPool`, one per host and trust
setting, connections kept alive briefly) or a long-lived watch's (:class:`FreshConnections`).

Requests to one host reuse its connections, as a browser does (a portal's page and its CORS,
OPTIONS and TRACE probes cost one TLS handshake, not four, to us and to the server). A client
left idle for ``keepalive`` seconds is closed, so a province-wide run holds sockets only for
the hosts it is talking to. Connections are never shared between hosts: one opened with a
host's TLS server name never carries another host's request. No cookie jar: every request goes
out as a first visit.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterable, AsyncIterator
from contextlib import AbstractAsyncContextManager
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Protocol

import httpcore
import httpx

from canhgac.engine.web.asyncio_backend import AsyncioBackend

KEEPALIVE = 2.0  # seconds an idle host's connections stay open


class HttpClients(Protocol):
    """Where :class:`~canhgac.engine.web.fetch.WebClient` gets the httpx client for a request."""

    def client(
        self, host: str, verify: ssl.SSLContext | bool
    ) -> AbstractAsyncContextManager[httpx.AsyncClient]:
        """The client for one request to ``host``; held until the response is closed."""

    async def aclose(self) -> None:
        """Close every client."""


def _new_client(
    verify: ssl.SSLContext | bool, limits: httpx.Limits, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    jar = CookieJar(policy=DefaultCookiePolicy(allowed_domains=()))  # no cookie jar: always a first visit
    return httpx.AsyncClient(verify=verify, limits=limits, cookies=jar, trust_env=False, transport=transport)


class _OneConnectionEach:
    """What httpx's transport asks of its pool (``handle_async_request``, ``aclose``): a new
    httpcore connection for each request, on :class:`AsyncioBackend`, closed with its response.

    httpcore's own pool, kept at no idle connection, still scans every connection it holds for
    each request and each close: with 200 checks in flight that is 0.2 ms of CPU per check,
    growing with the checks in flight (a watch that falls behind gets slower still). A pool that
    keeps nothing has nothing to scan."""

    def __init__(self, ssl_context: ssl.SSLContext) -> None:
        self._ssl_context = ssl_context
        self._backend = AsyncioBackend()

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        connection = httpcore.AsyncHTTPConnection(
            origin=request.url.origin, ssl_context=self._ssl_context, network_backend=self._backend
        )
        try:
            response = await connection.handle_async_request(request)
        except BaseException:
            await connection.aclose()
            raise
        body = _ClosingBody(response.stream, connection)
        return httpcore.Response(
            status=response.status, headers=response.headers, content=body, extensions=response.extensions
        )

    async def aclose(self) -> None:
        """Nothing is kept open between requests."""

    async def __aenter__(self) -> _OneConnectionEach:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class _ClosingBody:
    """A response body that closes its connection when it is closed."""

    def __init__(self, stream: object, connection: httpcore.AsyncHTTPConnection) -> None:
        self._stream = stream
        self._connection = connection

    async def __aiter__(self) -> AsyncIterator[bytes]:
        assert isinstance(self._stream, AsyncIterable)
        async for part in self._stream:
            yield part

    async def aclose(self) -> None:
        try:
            closing = getattr(self._stream, "aclose", None)
            if closing is not None:
                await closing()
        finally:
            await self._connection.aclose()


class _FreshTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport (its request and response mapping, its exceptions) over a new
    httpcore connection per request on :class:`AsyncioBackend`: no anyio task group, cancel
    scope or TLS stream, and no pool to scan, per check. httpx takes no ``network_backend``, so
    the pool it builds (``_pool``, all the base class uses) is replaced."""

    def __init__(self, verify: ssl.SSLContext | bool) -> None:
        super().__init__(verify=verify, trust_env=False)
        self._pool = _OneConnectionEach(httpx.create_ssl_context(verify=verify, trust_env=False))  # type: ignore[assignment]


class ClientPool:
    def __init__(self, per_host: int, keepalive: float = KEEPALIVE) -> None:
        self.per_host = max(1, per_host)
        self.keepalive = keepalive
        self._clients: dict[tuple[str, object], httpx.AsyncClient] = {}
        self._busy: dict[tuple[str, object], int] = {}
        self._timers: dict[tuple[str, object], asyncio.TimerHandle] = {}
        self._closing: set[asyncio.Task[None]] = set()

    @contextlib.asynccontextmanager
    async def client(self, host: str, verify: ssl.SSLContext | bool) -> AsyncIterator[httpx.AsyncClient]:
        """The host's client for one request; hold it until the response is closed."""
        key = (host.lower(), id(verify) if isinstance(verify, ssl.SSLContext) else verify)
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.cancel()
        found = self._clients.get(key)
        if found is None:
            limits = httpx.Limits(max_connections=None, max_keepalive_connections=self.per_host,
                                  keepalive_expiry=self.keepalive)
            found = _new_client(verify, limits)
            self._clients[key] = found
        self._busy[key] = self._busy.get(key, 0) + 1
        try:
            yield found
        finally:
            self._busy[key] -= 1
            if not self._busy[key]:
                self._timers[key] = asyncio.get_running_loop().call_later(self.keepalive, self._retire, key)

    @property
    def open_clients(self) -> int:
        return len(self._clients)

    def _retire(self, key: tuple[str, object]) -> None:
        self._timers.pop(key, None)
        if self._busy.get(key):
            return
        self._busy.pop(key, None)
        client = self._clients.pop(key, None)
        if client is not None:
            task = asyncio.ensure_future(client.aclose())
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    async def aclose(self) -> None:
        """Close every client now (the run is over), and wait for those already closing."""
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        clients = list(self._clients.values())
        self._clients.clear()
        self._busy.clear()
        for client in clients:
            with contextlib.suppress(Exception):
                await client.aclose()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)


class FreshConnections:
    """One httpx client per trust setting for the life of a long-running owner (the watch),
    every request on a connection of its own, closed with its response.

    A watch checks each portal once a minute: keeping its connection alive would save nothing
    and would hide a server that no longer accepts new visitors. What it saves is building a
    client (and its connection pool) per check. A connection never outlives its request, so no
    connection opened with one host's TLS server name can carry another host's request. The
    connections go through asyncio's own transports (:mod:`.asyncio_backend`), not anyio's.
    """

    def __init__(self) -> None:
        self._clients: dict[object, httpx.AsyncClient] = {}
        self.made = 0  # clients built so far (a test asserts they are reused)

    @contextlib.asynccontextmanager
    async def client(self, host: str, verify: ssl.SSLContext | bool) -> AsyncIterator[httpx.AsyncClient]:
        key = id(verify) if isinstance(verify, ssl.SSLContext) else verify
        found = self._clients.get(key)
        if found is None or found.is_closed:
            limits = httpx.Limits(max_connections=None, max_keepalive_connections=0)
            found = _new_client(verify, limits, _FreshTransport(verify))
            self._clients[key] = found
            self.made += 1
        yield found

    @property
    def open_clients(self) -> int:
        return sum(not c.is_closed for c in self._clients.values())

    async def aclose(self) -> None:
        clients = list(self._clients.values())
        self._clients.clear()
        for client in clients:
            with contextlib.suppress(Exception):
                await client.aclose()
