"""The lab's Microsoft SQL Server: TDS PRELOGIN and LOGIN7 ([MS-TDS] 2.2.6.5, 2.2.6.4), no TLS.

There is no SQL Server to run here, so this responder speaks the bytes SQL Server 2019 sends to
a SQL login: the PRELOGIN answer (product version, ENCRYPT_NOT_SUP, so that no TLS follows and
impacket's client logs in in the clear), then, for ``sa`` with an empty password when
``empty_sa``, a successful login (ENVCHANGE database and language with their INFO messages,
LOGINACK, ENVCHANGE packet size, DONE); for anyone else error 18456 "Login failed for user
'...'." (18452 for Windows authentication) and DONE with its error bit, then the connection
ends. The user name and the password are read from LOGIN7 as the specification defines them
(UTF-16LE; the password's bytes nibble-swapped and XORed with 0xA5). After a login every batch
is refused: nothing is ever executed or stored. Reads are bounded in size and time.
"""

from __future__ import annotations

import asyncio
import struct
from dataclasses import dataclass

from canhgac.lab.responder_base import ClientProtocolError, TcpResponder, send

PRELOGIN, LOGIN7, SQL_BATCH, RPC, ATTENTION, TABULAR = 0x12, 0x10, 0x01, 0x03, 0x06, 0x04
ENCRYPT_NOT_SUP = 0x02
LOGIN7_FIXED = 94  # bytes before the variable part of LOGIN7
INTEGRATED_SECURITY = 0x80  # OptionFlags2 fIntSecurity
MESSAGE_LIMIT = 1 << 16  # bytes in one message, all its packets together
PACKET_LIMIT = 32767  # the largest packet size a client may ask for
DONE_ERROR, DONE_ATTN = 0x0002, 0x0020
SPID = 52  # the session id the server gives a connection once it reaches LOGIN7
TOKEN_ERROR, TOKEN_INFO, TOKEN_LOGINACK, TOKEN_ENVCHANGE, TOKEN_DONE = 0xAA, 0xAB, 0xAD, 0xE3, 0xFD
# LOGINACK's TDS version for each LOGIN7 version family (the high byte of LOGIN7's TDSVersion)
LOGINACK_VERSION = {0x70: 0x07000000, 0x71: 0x71000001, 0x72: 0x72090002, 0x73: 0x730B0003, 0x74: 0x74000004}


@dataclass(frozen=True)
class Login:
    """What a LOGIN7 message says about who logs in."""

    tds_version: int  # the high byte: 0x70..0x74
    user: str
    password: str
    integrated: bool  # Windows authentication (SSPI) instead of a SQL login
    packet_size: int


def deobfuscate(data: bytes) -> bytes:
    """Undo LOGIN7's password obfuscation: XOR with 0xA5, then swap the two nibbles."""
    return bytes((((b ^ 0xA5) << 4) & 0xF0) | ((b ^ 0xA5) >> 4) for b in data)


def parse_login7(data: bytes) -> Login:
    """The fields of a LOGIN7 message this server needs; ClientProtocolError when it is not one."""
    if len(data) < LOGIN7_FIXED:
        raise ClientProtocolError("LOGIN7 shorter than its fixed part")
    length, version, packet_size = struct.unpack_from("<III", data, 0)
    if length != len(data):
        raise ClientProtocolError("LOGIN7 length does not match the message")

    def text(at: int, *, secret: bool = False) -> str:
        offset, chars = struct.unpack_from("<HH", data, at)
        if chars and not LOGIN7_FIXED <= offset <= offset + 2 * chars <= length:
            raise ClientProtocolError("LOGIN7 field outside the message")
        raw = data[offset : offset + 2 * chars]
        return (deobfuscate(raw) if secret else raw).decode("utf-16le", "replace")

    return Login(
        tds_version=version >> 24,
        user=text(40),
        password=text(44, secret=True),
        integrated=bool(data[25] & INTEGRATED_SECURITY),
        packet_size=packet_size,
    )


def prelogin_answer(request: bytes, version: tuple[int, int, int]) -> bytes:
    """The server's PRELOGIN: the options the client sent, in its order, with the server's values.

    VERSION and ENCRYPTION are always answered; INSTOPT says the instance matched, THREADID is
    empty, MARS is off; TRACEID, FEDAUTHREQUIRED and NONCE are not answered.
    """
    values = {
        0x00: struct.pack(">BBHH", *version, 0),
        0x01: bytes((ENCRYPT_NOT_SUP,)),
        0x02: b"\x00",
        0x03: b"",
        0x04: b"\x00",
    }
    asked = [token for token, _ in _prelogin_options(request)]
    tokens = [0x00, 0x01, *(t for t in asked if t in values and t not in (0x00, 0x01))]
    offset = 5 * len(tokens) + 1
    table, payload = b"", b""
    for token in tokens:
        table += struct.pack(">BHH", token, offset + len(payload), len(values[token]))
        payload += values[token]
    return table + b"\xff" + payload


def _prelogin_options(request: bytes) -> list[tuple[int, bytes]]:
    options: list[tuple[int, bytes]] = []
    at = 0
    while at < len(request) and request[at] != 0xFF:
        if at + 5 > len(request) or len(options) > 16:
            raise ClientProtocolError("PRELOGIN option table without a terminator")
        token, offset, size = struct.unpack_from(">BHH", request, at)
        options.append((token, request[offset : offset + size]))
        at += 5
    if at >= len(request):
        raise ClientProtocolError("PRELOGIN option table without a terminator")
    return options


async def read_message(reader: asyncio.StreamReader, expected: tuple[int, ...]) -> tuple[int, bytes]:
    """(packet type, data) of one message, its packets joined until the end-of-message bit.

    A packet of another type than ``expected`` ends the connection at its header, as SQL
    Server does (an HTTP request or a TLS handshake is not waited for).
    """
    kind, data = -1, b""
    while True:
        head = await reader.readexactly(8)
        packet_type, status, length = head[0], head[1], struct.unpack(">H", head[2:4])[0]
        if packet_type not in expected or not 8 <= length <= PACKET_LIMIT + 8:
            raise ClientProtocolError("not a TDS packet of the expected type")
        kind, expected = packet_type, (packet_type,)
        data += await reader.readexactly(length - 8)
        if len(data) > MESSAGE_LIMIT:
            raise ClientProtocolError("TDS message too large")
        if status & 0x01:
            return kind, data


class MssqlResponder(TcpResponder):
    """SQL Server 2019 (15.0.2000) named ``server_name``; ``empty_sa`` lets ``sa`` in without a password."""

    def __init__(
        self,
        address: str,
        port: int = 0,
        *,
        version: tuple[int, int, int] = (15, 0, 2000),
        server_name: str = "SQL-KCB-01",
        empty_sa: bool = True,
    ) -> None:
        super().__init__(address, port)
        self.version, self.server_name, self.empty_sa = version, server_name, empty_sa
        self.logins: list[tuple[str, bool]] = []  # (user, admitted), for tests
        self.refused_batches = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        _, data = await read_message(reader, (PRELOGIN,))
        await send(writer, _packets(prelogin_answer(data, self.version), 0))
        _, data = await read_message(reader, (LOGIN7,))  # a TLS handshake (PRELOGIN type) ends it
        login = parse_login7(data)
        tokens = _Tokens(login.tds_version, self.server_name)
        admitted = (
            self.empty_sa and not login.integrated and login.user.casefold() == "sa" and login.password == ""
        )
        self.logins.append((login.user, admitted))
        if not admitted:
            if login.integrated:
                tokens.error(
                    18452,
                    1,
                    "Login failed. The login is from an untrusted domain and cannot "
                    "be used with Integrated authentication.",
                )
            else:
                tokens.error(18456, 1, f"Login failed for user '{login.user}'.")
            await send(writer, _packets(tokens.done(DONE_ERROR), SPID))
            return
        await send(writer, _packets(self._welcome(tokens, login), SPID))
        await self._refuse_batches(reader, writer, login)

    def _welcome(self, tokens: _Tokens, login: Login) -> bytes:
        size = str(min(max(login.packet_size, 512), PACKET_LIMIT))
        tokens.envchange(1, "master", "master")
        tokens.info(5701, 2, "Changed database context to 'master'.")
        tokens.envchange(2, "us_english", "")
        tokens.info(5703, 1, "Changed language setting to us_english.")
        tokens.loginack(LOGINACK_VERSION.get(login.tds_version, 0x74000004), self.version)
        tokens.envchange(4, size, size)
        return tokens.done(0)

    async def _refuse_batches(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, login: Login
    ) -> None:
        for _ in range(20):
            kind, _ = await read_message(reader, (SQL_BATCH, RPC, ATTENTION))
            tokens = _Tokens(login.tds_version, self.server_name)
            if kind == ATTENTION:
                await send(writer, _packets(tokens.done(DONE_ATTN), SPID))
                continue
            self.refused_batches += 1
            tokens.error(50000, 1, "lab server: statements are refused (read-only)", severity=16)
            await send(writer, _packets(tokens.done(DONE_ERROR), SPID))


class _Tokens:
    """A token stream in the layout of the client's TDS version (7.2 changed two fields' widths)."""

    def __init__(self, tds_version: int, server_name: str) -> None:
        self.wide = tds_version >= 0x72  # LineNumber and DONE's row count grew to 4 and 8 bytes
        self.server_name = server_name
        self.data = b""

    def envchange(self, kind: int, new: str, old: str) -> None:
        body = bytes((kind,)) + _b_varchar(new) + _b_varchar(old)
        self.data += struct.pack("<BH", TOKEN_ENVCHANGE, len(body)) + body

    def info(self, number: int, state: int, text: str, *, token: int = TOKEN_INFO, severity: int = 0) -> None:
        line = struct.pack("<I" if self.wide else "<H", 1)
        body = (
            struct.pack("<IBB", number, state, severity)
            + _us_varchar(text)
            + _b_varchar(self.server_name)
            + _b_varchar("")
            + line
        )
        self.data += struct.pack("<BH", token, len(body)) + body

    def error(self, number: int, state: int, text: str, *, severity: int = 14) -> None:
        self.info(number, state, text, token=TOKEN_ERROR, severity=severity)

    def loginack(self, tds_version: int, version: tuple[int, int, int]) -> None:
        major, minor, build = version
        body = (
            b"\x01"
            + struct.pack(">I", tds_version)
            + _b_varchar("Microsoft SQL Server")
            + struct.pack(">BBH", major, minor, build)
        )
        self.data += struct.pack("<BH", TOKEN_LOGINACK, len(body)) + body

    def done(self, status: int) -> bytes:
        count = struct.pack("<Q" if self.wide else "<I", 0)
        return self.data + struct.pack("<BHH", TOKEN_DONE, status, 0) + count


def _b_varchar(text: str) -> bytes:
    return bytes((len(text),)) + text.encode("utf-16le")


def _us_varchar(text: str) -> bytes:
    return struct.pack("<H", len(text)) + text.encode("utf-16le")


def _packets(data: bytes, spid: int, size: int = 4096) -> bytes:
    """``data`` as tabular-result packets of at most ``size`` bytes, the last one marked EOM."""
    chunks = [data[i : i + size - 8] for i in range(0, len(data), size - 8)] or [b""]
    return b"".join(
        struct.pack(">BBHHBB", TABULAR, int(n == len(chunks) - 1), len(chunk) + 8, spid, n + 1, 0) + chunk
        for n, chunk in enumerate(chunks)
    )
