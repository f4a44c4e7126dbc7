"""Where the web layer's requests go: a run's httpx clients (:class:`ClientPool`, one per host
and trust setting, connections kept alive briefly) or a long-lived watch's new connection per
request (:class:`FreshConnections`).

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
from collections.abc import AsyncIterator, Callable
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Protocol

import httpx

from canhgac.engine.web.exchange import Outgoing, exchange

KEEPALIVE = 2.0  # seconds an idle host's connections stay open


class RawAnswer(Protocol):
    """A response whose head has arrived, as :mod:`.fetch` reads it (both kinds of connection)."""

    status: int
    raw_headers: list[tuple[bytes, bytes]]

    def aiter_raw(self) -> AsyncIterator[bytes]:
        """The body's blocks as sent."""

    async def aclose(self) -> None:
        """Release the connection (and, for a pool, the client)."""


class HttpClients(Protocol):
    """Where :class:`~canhgac.engine.web.fetch.WebClient` sends a request."""

    async def open(self, request: Outgoing, tls: ssl.SSLContext | None) -> RawAnswer:
        """Send ``request`` (over TLS with ``tls`` when https); the answer once its head arrived."""

    async def aclose(self) -> None:
        """Close every connection."""


def _new_client(verify: ssl.SSLContext | bool, limits: httpx.Limits) -> httpx.AsyncClient:
    jar = CookieJar(policy=DefaultCookiePolicy(allowed_domains=()))  # no cookie jar: always a first visit
    return httpx.AsyncClient(verify=verify, limits=limits, cookies=jar, trust_env=False)


class _PooledAnswer:
    """httpx's streamed response as a :class:`RawAnswer`; closing it returns the host's client."""

    def __init__(self, response: httpx.Response, release: Callable[[], None]) -> None:
        self._response = response
        self._release = release
        self.status = response.status_code
        self.raw_headers = list(response.headers.raw)

    def aiter_raw(self) -> AsyncIterator[bytes]:
        return self._response.aiter_raw()

    async def aclose(self) -> None:
        try:
            await self._response.aclose()
        finally:
            self._release()


class ClientPool:
    def __init__(self, per_host: int, keepalive: float = KEEPALIVE) -> None:
        self.per_host = max(1, per_host)
        self.keepalive = keepalive
        self._clients: dict[tuple[str, object], httpx.AsyncClient] = {}
        self._busy: dict[tuple[str, object], int] = {}
        self._timers: dict[tuple[str, object], asyncio.TimerHandle] = {}
        self._closing: set[asyncio.Task[None]] = set()

    async def open(self, request: Outgoing, tls: ssl.SSLContext | None) -> RawAnswer:
        """Send ``request`` on the host's client (a kept-alive connection when one is idle)."""
        host = request.host.lower()
        verify: ssl.SSLContext | bool = tls if tls is not None and request.scheme == "https" else False
        key = (host, id(verify) if isinstance(verify, ssl.SSLContext) else verify)
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.cancel()
        client = self._clients.get(key)
        if client is None:
            limits = httpx.Limits(max_connections=None, max_keepalive_connections=self.per_host,
                                  keepalive_expiry=self.keepalive)
            client = _new_client(verify, limits)
            self._clients[key] = client
        self._busy[key] = self._busy.get(key, 0) + 1
        released = False

        def release() -> None:
            nonlocal released
            if released:
                return
            released = True
            self._busy[key] -= 1
            if not self._busy[key]:
                self._timers[key] = asyncio.get_running_loop().call_later(self.keepalive, self._retire, key)

        timeout = httpx.Timeout(connect=request.connect_timeout, read=request.read_timeout,
                                write=request.read_timeout, pool=request.connect_timeout)
        url = httpx.URL(scheme=request.scheme, host=request.address, port=request.port,
                        raw_path=request.target)
        extensions = {"sni_hostname": request.host} if request.scheme == "https" else {}
        try:
            sent = client.build_request(request.method, url, headers=list(request.headers), timeout=timeout,
                                        extensions=extensions)
            response = await client.send(sent, stream=True)
        except BaseException:
            release()
            raise
        return _PooledAnswer(response, release)

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
    """Every request of a long-running owner (the watch) on a connection of its own, closed
    with its answer (:func:`~.exchange.exchange`: h11 on asyncio's own transports).

    A watch checks each portal once a minute: keeping its connection alive would save nothing
    and would hide a server that no longer accepts new visitors. A connection never outlives its
    request, so no connection opened with one host's TLS server name can carry another host's
    request. Nothing is pooled, so there is nothing to scan or to close but the open answers.
    """

    def __init__(self) -> None:
        self.opened = 0  # connections made so far (a test asserts each request had its own)

    async def open(self, request: Outgoing, tls: ssl.SSLContext | None) -> RawAnswer:
        self.opened += 1
        return await exchange(request, tls)

    async def aclose(self) -> None:
        """Nothing is kept open between requests."""
