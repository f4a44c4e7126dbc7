"""The lab's small web server: HTTPS (and optionally plain HTTP) on one loopback address.

It serves configured paths with configured statuses, headers, bodies and redirects, for the
MTA-STS policy hosts and the webmail front ends of the demo province, and misbehaves on
request: a route can stall (accept, never answer) or stream a huge body. Requests are parsed
with h11 (already installed with httpx); every request and every TLS server name (SNI) seen is
recorded so tests can assert what a client did and did not ask for. One request per
connection (``Connection: close``), which is all a scanner needs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import h11

from canhgac.lab.pki import server_context
from canhgac.lab.responder_base import Serving, cancel_all

log = logging.getLogger(__name__)

READ_CHUNK = 65536
IDLE_TIMEOUT = 10.0
STREAM_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Route:
    """What one path answers. ``body_size`` > 0 streams that many bytes instead of ``body``."""

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    body_size: int = 0
    stall: bool = False  # accept the request and never answer

    @classmethod
    def text(cls, body: str, status: int = 200, content_type: str = "text/plain") -> Route:
        return cls(status=status, body=body.encode(), headers={"Content-Type": content_type})

    @classmethod
    def redirect(cls, location: str, status: int = 301) -> Route:
        return cls(status=status, headers={"Location": location})


@dataclass(frozen=True)
class SeenRequest:
    scheme: str  # "https" or "http"
    method: str
    target: str
    host: str
    user_agent: str


class LabHttpsServer(Serving):
    """``async with LabHttpsServer(address=..., cert=(pem, key), routes={...}) as s:``.

    ``https_port``/``http_port``: 0 picks a free port; ``http_port=None`` serves no plain HTTP.
    ``http_routes`` answer plain HTTP (typically a redirect to HTTPS); unknown paths get 404.
    ``cert=None`` serves no HTTPS at all; ``ciphers`` (an OpenSSL cipher string) replaces the
    modern suites of :func:`~canhgac.lab.pki.server_context` to plant weak ones.
    """

    def __init__(
        self,
        *,
        address: str = "127.0.0.1",
        https_port: int = 0,
        http_port: int | None = None,
        cert: tuple[str, str] | None = None,
        routes: Mapping[str, Route] | None = None,
        http_routes: Mapping[str, Route] | None = None,
        ciphers: str | None = None,
    ) -> None:
        self.address = address
        self.https_port = https_port
        self.http_port = http_port
        self.cert = cert
        self.ciphers = ciphers
        self.routes = dict(routes or {})
        self.http_routes = dict(http_routes or {})
        self.requests: list[SeenRequest] = []
        self.server_names: list[str | None] = []  # SNI of each TLS handshake
        self.internal_errors = 0
        self._servers: list[asyncio.Server] = []
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def port(self) -> int:
        return self.https_port

    @property
    def listening(self) -> bool:
        """Whether it accepts connections now (started, not stopped)."""
        return bool(self._servers)

    async def start(self) -> None:
        if self.cert is not None:
            context = server_context(self.cert, ciphers=self.ciphers)
            context.sni_callback = self._note_sni
            server = await asyncio.start_server(
                self._https, self.address, self.https_port, ssl=context, ssl_handshake_timeout=IDLE_TIMEOUT
            )
            self._servers.append(server)
            self.https_port = server.sockets[0].getsockname()[1]
        if self.http_port is not None:
            server = await asyncio.start_server(self._http, self.address, self.http_port)
            self._servers.append(server)
            self.http_port = server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        for server in self._servers:
            server.close()
        self._servers.clear()
        await cancel_all(self._tasks)

    def _note_sni(self, sock: ssl.SSLObject, name: str | None, context: ssl.SSLContext) -> None:
        self.server_names.append(name)

    async def _https(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await self._serve(reader, writer, "https", self.routes)

    async def _http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await self._serve(reader, writer, "http", self.http_routes)

    async def _serve(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        scheme: str,
        routes: Mapping[str, Route],
    ) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            request = await asyncio.wait_for(_read_request(reader), IDLE_TIMEOUT)
            if request is not None:
                await self._answer(writer, scheme, request, routes)
        except (TimeoutError, ConnectionError, ssl.SSLError, h11.ProtocolError):
            pass  # the client went away, stalled or spoke garbage: close the connection
        except asyncio.CancelledError:
            pass  # only stop() cancels: the connection just ends
        except Exception:  # a bug must not take the lab server down; it is counted and logged
            self.internal_errors += 1
            log.exception("lab web server %s failed to answer", self.address)
        finally:
            if task is not None:
                self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError, ssl.SSLError, asyncio.CancelledError):
                await writer.wait_closed()

    async def _answer(
        self,
        writer: asyncio.StreamWriter,
        scheme: str,
        exchange: tuple[h11.Connection, h11.Request],
        routes: Mapping[str, Route],
    ) -> None:
        conn, request = exchange
        headers = {k.decode().lower(): v.decode(errors="replace") for k, v in request.headers}
        target = request.target.decode(errors="replace")
        self.requests.append(
            SeenRequest(
                scheme,
                request.method.decode(),
                target,
                headers.get("host", ""),
                headers.get("user-agent", ""),
            )
        )
        route = routes.get(target.split("?", 1)[0], Route(status=404, body=b"not found\n"))
        if route.stall:
            await asyncio.sleep(3600)
            return
        size = route.body_size or len(route.body)
        out_headers = [("Content-Length", str(size)), ("Connection", "close"), *route.headers.items()]
        writer.write(conn.send(h11.Response(status_code=route.status, headers=out_headers)) or b"")
        if route.body_size:
            chunk = b"x" * STREAM_CHUNK
            sent = 0
            while sent < route.body_size:
                piece = chunk[: route.body_size - sent]
                writer.write(conn.send(h11.Data(data=piece)) or b"")
                sent += len(piece)
                await writer.drain()
        else:
            writer.write(conn.send(h11.Data(data=route.body)) or b"")
        writer.write(conn.send(h11.EndOfMessage()) or b"")
        await writer.drain()


async def _read_request(reader: asyncio.StreamReader) -> tuple[h11.Connection, h11.Request] | None:
    """Read one request head; None when the client closed without sending one."""
    conn = h11.Connection(h11.SERVER)
    while True:
        event = conn.next_event()
        if isinstance(event, h11.Request):
            return conn, event
        if event is h11.NEED_DATA:
            data = await reader.read(READ_CHUNK)
            conn.receive_data(data)
        elif isinstance(event, h11.ConnectionClosed):
            return None
