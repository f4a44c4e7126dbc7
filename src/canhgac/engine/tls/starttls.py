"""Connecting to an endpoint and running its STARTTLS preamble on a plain socket.

The socket stays a plain non-blocking socket driven by the event loop (``sock_recv``,
``sock_sendall``) so that, once the preamble is done, it can carry either the standard
library's TLS (through asyncio) or nassl's legacy client (in a worker thread). Every read is
bounded by ``NetworkLimits.read_timeout`` and line/reply sizes; what a server does wrong is a
:class:`PreambleError` with a typed failure, never a hang.

Preambles: SMTP (RFC 3207: greeting 220, EHLO, STARTTLS, 220), IMAP (RFC 9051 6.2.1:
greeting, ``a1 STARTTLS``, ``a1 OK``), POP3 (RFC 2595 4: greeting +OK, ``STLS``, +OK).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
from dataclasses import dataclass

from canhgac.engine.context import NetworkLimits
from canhgac.engine.facts.tls import StartTls, TlsFailure

_CHUNK = 4096


class PreambleError(Exception):
    def __init__(self, failure: TlsFailure, detail: str) -> None:
        super().__init__(f"{failure.value}: {detail}")
        self.failure = failure
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where to connect and how TLS starts there; ``host`` is the SNI and name to match."""

    host: str
    address: str
    port: int
    starttls: StartTls
    ehlo_name: str
    limits: NetworkLimits


async def open_socket(endpoint: Endpoint) -> socket.socket:
    """A connected non-blocking TCP socket, or PreambleError (closed, timeout, unreachable)."""
    family = socket.AF_INET6 if ipaddress.ip_address(endpoint.address).version == 6 else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(endpoint.limits.connect_timeout):
            await loop.sock_connect(sock, (endpoint.address, endpoint.port))
    except ConnectionRefusedError:
        sock.close()
        raise PreambleError(TlsFailure.CLOSED, "connection refused") from None
    except TimeoutError:
        sock.close()
        raise PreambleError(TlsFailure.TIMEOUT, "no TCP connection within the connect timeout") from None
    except OSError as exc:
        sock.close()
        raise PreambleError(TlsFailure.CONNECTION, f"connect: {exc}") from None
    return sock


class LineReader:
    """CRLF/LF lines from a socket, each bounded in size and time."""

    def __init__(self, sock: socket.socket, limits: NetworkLimits) -> None:
        self._sock = sock
        self._limits = limits
        self._buffer = b""
        self.received = 0

    def _too_long(self) -> PreambleError:
        return PreambleError(TlsFailure.PROTOCOL, f"line longer than {self._limits.max_line_bytes} bytes")

    async def line(self) -> str:
        loop = asyncio.get_running_loop()
        while b"\n" not in self._buffer:
            if len(self._buffer) > self._limits.max_line_bytes:
                raise self._too_long()
            try:
                async with asyncio.timeout(self._limits.read_timeout):
                    chunk = await loop.sock_recv(self._sock, _CHUNK)
            except TimeoutError:
                raise PreambleError(TlsFailure.TIMEOUT, "no reply within the read timeout") from None
            except OSError as exc:
                raise PreambleError(TlsFailure.CONNECTION, f"read: {exc}") from None
            if not chunk:
                raise PreambleError(TlsFailure.CONNECTION, "connection closed by the server")
            self.received += len(chunk)
            if self.received > self._limits.max_reply_bytes:
                raise PreambleError(TlsFailure.PROTOCOL, f"more than {self._limits.max_reply_bytes} bytes")
            self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\n")
        if len(raw) > self._limits.max_line_bytes:
            raise self._too_long()
        return raw.rstrip(b"\r").decode("utf-8", errors="replace")


async def _send(sock: socket.socket, text: str) -> None:
    try:
        await asyncio.get_running_loop().sock_sendall(sock, text.encode("ascii") + b"\r\n")
    except OSError as exc:
        raise PreambleError(TlsFailure.CONNECTION, f"write: {exc}") from None


async def _smtp_reply(reader: LineReader) -> tuple[int, list[str]]:
    """One SMTP reply (RFC 5321 4.2): ``NNN-`` lines then ``NNN `` (or a bare ``NNN``)."""
    lines: list[str] = []
    while True:
        line = await reader.line()
        code = line[:3]
        if not code.isdigit() or (len(line) > 3 and line[3] not in " -"):
            raise PreambleError(TlsFailure.PROTOCOL, f"not an SMTP reply: {line[:80]!r}")
        lines.append(line[4:])
        if len(line) == 3 or line[3] == " ":
            return int(code), lines


async def _smtp(sock: socket.socket, reader: LineReader, ehlo_name: str) -> None:
    code, lines = await _smtp_reply(reader)
    if code != 220:
        raise PreambleError(TlsFailure.PROTOCOL, f"greeting {code} {' '.join(lines)[:120]}")
    await _send(sock, f"EHLO {ehlo_name}")
    code, lines = await _smtp_reply(reader)
    if code != 250:
        raise PreambleError(TlsFailure.PROTOCOL, f"EHLO answered {code} {' '.join(lines)[:120]}")
    if not any(ext.split(" ")[0].upper() == "STARTTLS" for ext in lines[1:]):
        raise PreambleError(TlsFailure.NO_STARTTLS, "STARTTLS is not among the EHLO extensions")
    await _send(sock, "STARTTLS")
    code, lines = await _smtp_reply(reader)
    if code != 220:
        raise PreambleError(TlsFailure.NO_STARTTLS, f"STARTTLS answered {code} {' '.join(lines)[:120]}")


async def _imap(sock: socket.socket, reader: LineReader) -> None:
    greeting = await reader.line()
    if not greeting.upper().startswith(("* OK", "* PREAUTH")):
        raise PreambleError(TlsFailure.PROTOCOL, f"not an IMAP greeting: {greeting[:80]!r}")
    await _send(sock, "a1 STARTTLS")
    while True:
        line = await reader.line()
        if line.startswith("* "):
            continue  # untagged data before the tagged answer
        if not line.lower().startswith("a1 "):
            raise PreambleError(TlsFailure.PROTOCOL, f"unexpected IMAP reply: {line[:80]!r}")
        if line[3:5].upper() != "OK":
            raise PreambleError(TlsFailure.NO_STARTTLS, f"STARTTLS answered {line[:120]!r}")
        return


async def _pop3(sock: socket.socket, reader: LineReader) -> None:
    greeting = await reader.line()
    if not greeting.startswith("+OK"):
        raise PreambleError(TlsFailure.PROTOCOL, f"not a POP3 greeting: {greeting[:80]!r}")
    await _send(sock, "STLS")
    answer = await reader.line()
    if answer.startswith("-ERR"):
        raise PreambleError(TlsFailure.NO_STARTTLS, f"STLS answered {answer[:120]!r}")
    if not answer.startswith("+OK"):
        raise PreambleError(TlsFailure.PROTOCOL, f"unexpected POP3 reply: {answer[:80]!r}")


async def run_preamble(sock: socket.socket, endpoint: Endpoint) -> None:
    """Bring the connection to the point where the server expects a TLS ClientHello."""
    reader = LineReader(sock, endpoint.limits)
    if endpoint.starttls is StartTls.SMTP:
        await _smtp(sock, reader, endpoint.ehlo_name)
    elif endpoint.starttls is StartTls.IMAP:
        await _imap(sock, reader)
    elif endpoint.starttls is StartTls.POP3:
        await _pop3(sock, reader)


async def prepared_socket(endpoint: Endpoint) -> socket.socket:
    """Connect and run the preamble; the caller owns (and closes) the socket."""
    sock = await open_socket(endpoint)
    try:
        await run_preamble(sock, endpoint)
    except BaseException:
        with contextlib.suppress(OSError):
            sock.close()
        raise
    return sock
