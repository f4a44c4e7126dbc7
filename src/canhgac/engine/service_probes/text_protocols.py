"""Services that speak first with a text banner: FTP (anonymous login), SMTP, Telnet.

FTP: the greeting, then ``USER anonymous`` / ``PASS`` with a conventional e-mail address as the
anonymous password (RFC 1635) — the only login the probe ever tries; 230 means anonymous access.
Nothing is listed, read or written. SMTP: the greeting only (the mail checks judge mail hosts).
Telnet: the option negotiation (RFC 854 IAC sequences) and the prompt, refusing every option.
"""

from __future__ import annotations

import contextlib
import re

from canhgac.engine.facts.services import Access, ProbeError, ProbeFailure, Service, ServiceReading
from canhgac.engine.service_probes.base import Conn, text_of

MAX_LINE = 1024
MAX_LINES = 32
ANONYMOUS_PASSWORD = "canhgac@example.org"  # noqa: S105 - RFC 1635 convention, not a secret
_REPLY = re.compile(rb"^(\d{3})([ -])")
_FTP_PRODUCTS = (
    (re.compile(r"vsFTPd (\d[\w.]*)", re.I), "vsftpd"),
    (re.compile(r"ProFTPD (\d[\w.]*)", re.I), "proftpd"),
    (re.compile(r"Pure-FTPd(?: (\d[\w.]*))?", re.I), "pure-ftpd"),
    (re.compile(r"FileZilla Server(?: version)? (\d[\w.]*)", re.I), "filezilla-server"),
    (re.compile(r"Microsoft FTP Service()", re.I), "microsoft-ftp"),
)
_SMTP_PRODUCTS = (
    (re.compile(r"Postfix()", re.I), "postfix"),
    (re.compile(r"Exim (\d[\w.]*)", re.I), "exim"),
    (re.compile(r"Microsoft ESMTP MAIL Service()", re.I), "microsoft-exchange"),
    (re.compile(r"Sendmail (\d[\w./]*)", re.I), "sendmail"),
)
IAC, DONT, DO, WONT, WILL, SB, SE = 255, 254, 253, 252, 251, 250, 240


def _product(text: str, table: tuple[tuple[re.Pattern[str], str], ...]) -> tuple[str, str]:
    for pattern, name in table:
        match = pattern.search(text)
        if match:
            return name, (match.group(1) or "") if match.groups() else ""
    return "", ""


def looks_like_reply(first: bytes) -> bool:
    return _REPLY.match(first) is not None and first[:1] in b"12345"


def is_smtp(first: bytes, port: int) -> bool:
    text = first[:512].upper()
    if b"SMTP" in text or (b"MAIL" in text and b"FTP" not in text):
        return True
    return b"FTP" not in text and port in (25, 465, 587, 2525)


async def read_reply(conn: Conn) -> tuple[int, str]:
    """One (possibly multi-line) FTP/SMTP reply: code and the text of its lines."""
    lines: list[str] = []
    code = b""
    for _ in range(MAX_LINES):
        raw = await conn.read_until(b"\n", MAX_LINE)
        match = _REPLY.match(raw)
        if match is None:
            if not code:
                raise ProbeError(ProbeFailure.GARBAGE, f"not a reply line: {text_of(raw, 80)!r}")
            lines.append(text_of(raw, 200))
            continue
        code = code or match.group(1)
        lines.append(text_of(raw[4:], 200))
        if match.group(1) == code and match.group(2) == b" ":
            return int(code), " / ".join(lines)
    raise ProbeError(ProbeFailure.GARBAGE, f"a reply of more than {MAX_LINES} lines")


async def probe_ftp(conn: Conn, port: int) -> ServiceReading:
    code, greeting = await read_reply(conn)
    product, version = _product(greeting, _FTP_PRODUCTS)
    reading = ServiceReading(port, Service.FTP, product, version, f"{code} {greeting}")
    if code != 220:
        return reading
    try:
        await conn.send(b"USER anonymous\r\n")
        code, text = await read_reply(conn)
        if code == 331:
            await conn.send(f"PASS {ANONYMOUS_PASSWORD}\r\n".encode())
            code, text = await read_reply(conn)
        access = Access.OPEN if code == 230 else Access.PROTECTED if 400 <= code < 600 else Access.UNKNOWN
        await conn.send(b"QUIT\r\n")
    except ProbeError as exc:
        return ServiceReading(port, Service.FTP, product, version, reading.banner, Access.UNKNOWN).failed(exc)
    return ServiceReading(port, Service.FTP, product, version, reading.banner, access, f"{code} {text}"[:200])


async def probe_smtp(conn: Conn, port: int) -> ServiceReading:
    code, greeting = await read_reply(conn)
    product, version = _product(greeting, _SMTP_PRODUCTS)
    with contextlib.suppress(ProbeError):
        await conn.send(b"QUIT\r\n")
    return ServiceReading(port, Service.SMTP, product, version, f"{code} {greeting}")


def is_telnet(first: bytes) -> bool:
    return len(first) >= 3 and first[0] == IAC and DONT >= first[1] >= WILL


def split_telnet(data: bytes) -> tuple[bytes, bytes]:
    """(the text without IAC sequences, our refusals: WONT for each DO, DONT for each WILL)."""
    text = bytearray()
    answer = bytearray()
    i = 0
    while i < len(data):
        byte = data[i]
        if byte != IAC:
            text.append(byte)
            i += 1
            continue
        verb = data[i + 1] if i + 1 < len(data) else None
        if verb in (DO, DONT, WILL, WONT) and i + 2 < len(data):
            option = data[i + 2]
            if verb == DO:
                answer += bytes((IAC, WONT, option))
            elif verb == WILL:
                answer += bytes((IAC, DONT, option))
            i += 3
        elif verb == SB:
            end = data.find(bytes((IAC, SE)), i + 2)
            i = len(data) if end < 0 else end + 2
        else:
            i += 2
    return bytes(text), bytes(answer)


async def probe_telnet(conn: Conn, port: int, settle: float) -> ServiceReading:
    first = await conn.read_available(settle)
    text, answer = split_telnet(first)
    if answer:
        try:
            await conn.send(answer)
            more, _ = split_telnet(await conn.read_available(settle))
            text += more
        except ProbeError:
            pass
    return ServiceReading(port, Service.TELNET, banner=text_of(text, 200))
