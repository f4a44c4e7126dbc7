"""The lab's web server whose every answer is computed per request: :class:`LabWebServer`.

The route table of :class:`~canhgac.lab.https_server.LabHttpsServer` answers by path alone;
the portals, the hostile sites and the exposed HTTP services answer by method, path and
headers, so :class:`LabWebServer` keeps that server's sockets, TLS and bookkeeping and replaces
only the answering: a :data:`Site` turns each :class:`WebRequest` into a :class:`WebAnswer`,
which can also stall (never answer) or trickle a huge body slowly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import h11

from canhgac.lab.https_server import LabHttpsServer, SeenRequest
from canhgac.lab.web_plan import PortalPlan

DRIP_CHUNK, DRIP_INTERVAL = 16 * 1024, 0.2


@dataclass(frozen=True)
class WebRequest:
    scheme: str
    method: str
    target: str
    headers: tuple[tuple[str, str], ...]  # as sent (latin-1), original case

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


@dataclass(frozen=True)
class WebAnswer:
    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    stall: bool = False  # read the request, never answer
    drip_size: int = 0  # > 0: declare this length and trickle filler bytes, slowly

    @classmethod
    def redirect(cls, location: str, status: int = 301) -> WebAnswer:
        return cls(
            status,
            (("Location", location), ("Content-Type", "text/html; charset=utf-8")),
            b"<html><body>Moved</body></html>",
        )


Site = Callable[[WebRequest], WebAnswer]


class LabWebServer(LabHttpsServer):
    """A :class:`LabHttpsServer` whose every answer is ``site(request)``, on HTTPS and HTTP."""

    def __init__(
        self,
        site: Site,
        *,
        address: str,
        cert: tuple[str, str] | None,
        https_port: int = 0,
        http_port: int | None = 0,
        plan: PortalPlan | None = None,
        ciphers: str | None = None,
    ) -> None:
        super().__init__(
            address=address, https_port=https_port, http_port=http_port, cert=cert, ciphers=ciphers
        )
        self.site = site
        self.plan = plan

    async def _answer(
        self,
        writer: asyncio.StreamWriter,
        scheme: str,
        exchange: tuple[h11.Connection, h11.Request],
        routes: object,
    ) -> None:
        conn, request = exchange
        raw = tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw_items())
        req = WebRequest(scheme, request.method.decode("latin-1"), request.target.decode("latin-1"), raw)
        self.requests.append(
            SeenRequest(
                scheme, req.method, req.target, req.header("host") or "", req.header("user-agent") or ""
            )
        )
        await _send(writer, conn, req.method, self.site(req))


async def _send(writer: asyncio.StreamWriter, conn: h11.Connection, method: str, answer: WebAnswer) -> None:
    if answer.stall:
        await asyncio.sleep(3600)
        return
    size = answer.drip_size or len(answer.body)
    head = [("Content-Length", str(size)), ("Connection", "close"), *answer.headers]
    encoded = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in head]
    writer.write(conn.send(h11.Response(status_code=answer.status, headers=encoded)) or b"")
    if method != "HEAD":
        if answer.drip_size:
            await _drip(writer, conn, answer.drip_size)
            return
        if answer.body:
            writer.write(conn.send(h11.Data(data=answer.body)) or b"")
    writer.write(conn.send(h11.EndOfMessage()) or b"")
    await writer.drain()


async def _drip(writer: asyncio.StreamWriter, conn: h11.Connection, size: int) -> None:
    """Trickle ``size`` bytes a chunk at a time until done or the client hangs up."""
    sent = 0
    while sent < size and not writer.is_closing():
        piece = b"x" * min(DRIP_CHUNK, size - sent)
        writer.write(conn.send(h11.Data(data=piece)) or b"")
        sent += len(piece)
        await writer.drain()
        await asyncio.sleep(DRIP_INTERVAL)
