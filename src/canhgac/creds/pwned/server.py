"""``canhgac creds serve``: the range API over HTTP/1.1, on the standard library's asyncio.

A mail server or a web application that speaks to api.pwnedpasswords.com can be pointed here
instead: ``GET /range/{prefix}`` (``?mode=ntlm`` for NTLM, ``Add-Padding: true`` honoured),
answers byte for byte in the public service's format. Only GET and HEAD; keep-alive; nothing
per request is logged (a prefix with a client address and a time narrows a password down).
Error bodies are the protocol's short English texts, as the public service's are: clients
match them, people read the CLI's translated messages instead.

It binds to a loopback address unless told otherwise (``--public``): the service holds no
secret, but a CSIRT decides on purpose which network may query it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from canhgac.creds.pwned.hashes import HashKind
from canhgac.creds.pwned.rangeapi import PrefixError, parse_prefix, range_body
from canhgac.creds.pwned.store import PwnedStore

_MAX_HEAD = 8192
_IDLE = 30.0


@dataclass
class ServerStats:
    """Requests answered since the start, by status (no prefix, no address: see above)."""

    requests: int = 0
    by_status: dict[int, int] = field(default_factory=dict)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class RangeServer:
    """The stores by kind, and the request handling."""

    def __init__(self, stores: dict[HashKind, PwnedStore]) -> None:
        self.stores = stores
        self.stats = ServerStats()

    def answer(self, method: str, target: str, headers: dict[str, str]) -> tuple[int, str, bytes]:
        """(status, reason, body) for one request."""
        if method not in ("GET", "HEAD"):
            return 405, "Method Not Allowed", b"Only GET is supported"
        url = urlsplit(target)
        if not url.path.startswith("/range/"):
            return 404, "Not Found", b"Invalid API query"
        mode = parse_qs(url.query).get("mode", ["sha1"])[0].lower()
        kind = HashKind.NTLM if mode == "ntlm" else HashKind.SHA1
        store = self.stores.get(kind)
        if store is None:
            return 404, "Not Found", f"No {kind.value} hashes are served here".encode()
        try:
            prefix = parse_prefix(url.path[len("/range/"):])
        except PrefixError:
            return 400, "Bad Request", b"The hash prefix was not in a valid format"
        padding = headers.get("add-padding", "").strip().lower() == "true"
        return 200, "OK", range_body(store, prefix, padding=padding)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), _IDLE)
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError,
                        ConnectionError):
                    return
                keep = await self._respond(head, writer)
                if not keep:
                    return
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    async def _respond(self, head: bytes, writer: asyncio.StreamWriter) -> bool:
        self.stats.requests += 1
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            status, reason, body, keep = 400, "Bad Request", b"Bad request", False
            method = "GET"
        else:
            method, target, version = parts
            headers = {}
            for line in lines[1:]:
                name, colon, value = line.partition(":")
                if colon:
                    headers[name.strip().lower()] = value.strip()
            status, reason, body = self.answer(method, target, headers)
            connection = headers.get("connection", "").lower()
            keep = connection != "close" if version == "HTTP/1.1" else connection == "keep-alive"
        self.stats.by_status[status] = self.stats.by_status.get(status, 0) + 1
        out = (f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
               f"Cache-Control: no-store\r\nConnection: {'keep-alive' if keep else 'close'}\r\n\r\n").encode()
        writer.write(out if method == "HEAD" else out + body)
        await writer.drain()
        return keep


async def serve(stores: dict[HashKind, PwnedStore], host: str, port: int,
                started: asyncio.Future[tuple[str, int]] | None = None) -> None:
    """Serve until cancelled; ``started`` gets the bound address (port 0: one the system chose)."""
    app = RangeServer(stores)
    server = await asyncio.start_server(app.handle, host, port, limit=_MAX_HEAD)
    address = server.sockets[0].getsockname()
    if started is not None:
        started.set_result((str(address[0]), int(address[1])))
    async with server:
        await server.serve_forever()
