"""Receiving syslog over UDP, TCP and TLS (asyncio servers), from senders that may be hostile.

:class:`SyslogServer` listens where the operator says and hands each message's bytes (framing
removed, see ``syslog_frame``) with the sender's address to a callback; reading the header is
``syslog_parse``'s job and deciding what a message means is ``live``'s. Every way a sender can
misbehave ends in a counter (:class:`SyslogCounters`), never in an exception that stops the
listener: frames longer than ``max_frame`` are dropped, a connection silent for
``idle_timeout`` seconds is closed, connections beyond ``max_connections`` are closed at once,
failed TLS handshakes are counted. TLS (RFC 5425) uses the server's certificate and key, TLS 1.2
at least, and optionally requires client certificates signed by a given CA.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from canhgac.i18n import gettext as _
from canhgac.logs.syslog_frame import MAX_FRAME, FrameDecoder

OnMessage = Callable[[bytes, str], None]  # (message bytes, sender address)


@dataclass(frozen=True, slots=True)
class Endpoint:
    host: str
    port: int

    @classmethod
    def parse(cls, text: str) -> Endpoint:
        """``HOST:PORT``, ``[v6]:PORT`` or ``:PORT`` (all interfaces); ValueError otherwise."""
        host, sep, port = text.rpartition(":")
        if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
            raise ValueError(_("{value}: expected HOST:PORT").format(value=text))
        # an empty host is every interface: the operator asked for it (":514")
        return cls(host.removeprefix("[").removesuffix("]") or "0.0.0.0", int(port))  # noqa: S104

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class SyslogServerConfig:
    udp: tuple[Endpoint, ...] = ()
    tcp: tuple[Endpoint, ...] = ()
    tls: tuple[Endpoint, ...] = ()
    cert: Path | None = None  # PEM certificate chain (TLS)
    key: Path | None = None  # PEM private key (TLS)
    client_ca: Path | None = None  # when set, TLS clients must present a certificate it signed
    max_frame: int = MAX_FRAME
    max_connections: int = 256
    idle_timeout: float = 300.0  # seconds a TCP/TLS connection may stay silent
    loopback_only: bool = False  # refuse other addresses (tests and demos set it)


@dataclass(slots=True)
class SyslogCounters:
    messages: int = 0  # frames and datagrams handed on
    overlong: int = 0  # dropped: longer than max_frame
    garbage: int = 0  # dropped: a broken octet count
    connections: int = 0  # TCP/TLS connections accepted
    refused: int = 0  # closed at once: too many connections
    idle_closed: int = 0  # closed: silent for longer than idle_timeout
    tls_failed: int = 0  # TLS handshakes that failed (or timed out)
    errors: int = 0  # connections ended by a socket error
    by_transport: dict[str, int] = field(default_factory=dict)


def check_bind(host: str, loopback_only: bool) -> None:
    if not loopback_only:
        return
    try:
        ok = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(_("{host}: only loopback addresses may be used here").format(host=host))


def tls_context(cert: Path, key: Path, client_ca: Path | None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    if client_ca is not None:
        ctx.load_verify_locations(client_ca)
        ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, server: SyslogServer) -> None:
        self.server = server

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        s = self.server
        if len(data) > s.config.max_frame:
            s.counters.overlong += 1
            return
        s.deliver(data.rstrip(b"\r\n\x00"), str(addr[0]), "udp")

    def error_received(self, exc: Exception) -> None:
        self.server.counters.errors += 1


class SyslogServer:
    def __init__(self, config: SyslogServerConfig, on_message: OnMessage) -> None:
        self.config = config
        self.on_message = on_message
        self.counters = SyslogCounters()
        self.bound: list[tuple[str, Endpoint]] = []  # (transport, where it listens: real ports)
        self._servers: list[asyncio.Server] = []
        self._udp: list[asyncio.DatagramTransport] = []
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._active = 0
        self._tls: ssl.SSLContext | None = None

    async def start(self) -> None:
        """Bind every endpoint; ValueError (bad address, missing TLS files) or OSError (in use,
        not allowed) with a one-line message, after closing what was already bound."""
        c = self.config
        for ep in (*c.udp, *c.tcp, *c.tls):
            check_bind(ep.host, c.loopback_only)
        if c.tls:
            if c.cert is None or c.key is None:
                raise ValueError(_("syslog over TLS needs a certificate and a key"))
            try:
                self._tls = tls_context(c.cert, c.key, c.client_ca)
            except (OSError, ssl.SSLError) as exc:
                raise ValueError(_("TLS certificate or key: {error}").format(error=exc)) from None
        loop = asyncio.get_running_loop()
        try:
            for ep in c.udp:
                transport, _protocol = await loop.create_datagram_endpoint(
                    lambda: _Udp(self), local_addr=(ep.host, ep.port))
                self._udp.append(transport)
                self.bound.append(("udp", self._where(transport.get_extra_info("sockname"))))
            for transport_name, eps in (("tcp", c.tcp), ("tls", c.tls)):
                for ep in eps:
                    tls = transport_name == "tls"

                    async def handle(r: asyncio.StreamReader, w: asyncio.StreamWriter,
                                     tls: bool = tls) -> None:
                        task = asyncio.current_task()
                        if task is not None:
                            self._tasks.add(task)
                        try:
                            await self._connection(r, w, tls)
                        except asyncio.CancelledError:
                            pass  # the loop is ending: asyncio's stream callback would log it
                        finally:
                            if task is not None:
                                self._tasks.discard(task)

                    server = await asyncio.start_server(handle, ep.host, ep.port, limit=65536)
                    self._servers.append(server)
                    for sock in server.sockets:
                        self.bound.append((transport_name, self._where(sock.getsockname())))
        except OSError:
            await self.close()
            raise

    @staticmethod
    def _where(sockname: tuple[str | int, ...]) -> Endpoint:
        return Endpoint(str(sockname[0]), int(sockname[1]))

    def deliver(self, data: bytes, sender: str, transport: str) -> None:
        self.counters.messages += 1
        self.counters.by_transport[transport] = self.counters.by_transport.get(transport, 0) + 1
        self.on_message(data, sender)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                          tls: bool) -> None:
        c, n = self.config, self.counters
        if self._active >= c.max_connections:
            n.refused += 1
            writer.transport.abort()
            return
        self._active += 1
        n.connections += 1
        self._writers.add(writer)
        peer = writer.get_extra_info("peername")
        sender = str(peer[0]) if peer else "?"
        try:
            if tls:
                assert self._tls is not None
                try:
                    # (not under wait_for: on 3.11 that breaks the server-side upgrade)
                    await writer.start_tls(self._tls, ssl_handshake_timeout=c.idle_timeout)
                except (OSError, ssl.SSLError, TimeoutError, ConnectionError):
                    n.tls_failed += 1
                    return
            await self._read_frames(reader, sender, "tls" if tls else "tcp")
        finally:
            self._active -= 1
            self._writers.discard(writer)
            writer.transport.abort()

    async def _read_frames(self, reader: asyncio.StreamReader, sender: str, name: str) -> None:
        c, n = self.config, self.counters
        decoder = FrameDecoder(c.max_frame)
        try:
            while True:
                try:
                    data = await asyncio.wait_for(reader.read(65536), c.idle_timeout)
                except TimeoutError:
                    n.idle_closed += 1
                    return
                except (OSError, ssl.SSLError, ConnectionError):
                    n.errors += 1
                    return
                frames = decoder.feed(data) if data else decoder.finish()
                if decoder.overlong or decoder.garbage:
                    n.overlong += decoder.overlong
                    n.garbage += decoder.garbage
                    decoder.overlong = decoder.garbage = 0
                for frame in frames:
                    self.deliver(frame, sender, name)
                if not data:
                    return
        finally:
            n.overlong += decoder.overlong
            n.garbage += decoder.garbage

    async def close(self) -> None:
        for server in self._servers:
            server.close()
        for transport in self._udp:
            transport.close()
        for writer in list(self._writers):
            writer.transport.abort()
        if self._tasks:  # let the connections' handlers end and count
            await asyncio.wait(set(self._tasks), timeout=2)
        for server in self._servers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2)
        self._servers.clear()
        self._udp.clear()
