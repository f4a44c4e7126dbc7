"""The lab's database responders: MySQL, PostgreSQL and MongoDB, each open as its plant says.

MySQL sends a protocol-10 handshake and admits ``root`` with an empty password (ERR 1045 for
anyone else); PostgreSQL's v3 start-up trusts user ``postgres`` (AuthenticationOk, no password);
MongoDB answers hello, buildInfo, listDatabases and ping without authentication. Each answers a
version query, and refuses every other statement or command as a read-only server would.
"""

from __future__ import annotations

import asyncio
import os
import struct
from typing import Any

from canhgac.engine.service_probes import bson_lite
from canhgac.lab.responder_base import ClientProtocolError, TcpResponder, send

# --- MySQL ------------------------------------------------------------------------------------
MYSQL_CAPS = 0x007FF7DF  # protocol 4.1, secure connection, plugin auth; no SSL, compression, EOF drop


class MysqlResponder(TcpResponder):
    """A MySQL handshake (protocol 10); ``root`` with an empty password gets OK, anyone else ERR 1045."""

    def __init__(
        self, address: str, port: int = 0, *, version: str = "5.7.44-log", empty_root: bool = True
    ) -> None:
        super().__init__(address, port)
        self.version, self.empty_root = version, empty_root

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        scramble = bytes(b % 94 + 33 for b in os.urandom(20))
        hello = (
            b"\x0a"
            + self.version.encode()
            + b"\x00"
            + struct.pack("<I", 41)
            + scramble[:8]
            + b"\x00"
            + struct.pack("<HBHHB", MYSQL_CAPS & 0xFFFF, 0x21, 2, MYSQL_CAPS >> 16, 21)
            + bytes(10)
            + scramble[8:]
            + b"\x00mysql_native_password\x00"
        )
        await send(writer, _mysql_packet(0, hello))
        seq, answer = await _mysql_read(reader)
        user, auth = _mysql_login(answer)
        if not (self.empty_root and user == "root" and not auth):
            using = "YES" if auth else "NO"
            denied = f"Access denied for user '{user}'@'{self.address}' (using password: {using})"
            await send(writer, _mysql_error(seq + 1, 1045, "28000", denied))
            return
        await send(writer, _mysql_packet(seq + 1, b"\x00\x00\x00\x02\x00\x00\x00"))
        for _ in range(20):
            seq, command = await _mysql_read(reader)
            if command[:1] == b"\x01":  # COM_QUIT
                return
            if command[:1] == b"\x0e":  # COM_PING
                await send(writer, _mysql_packet(1, b"\x00\x00\x00\x02\x00\x00\x00"))
            elif command[:1] == b"\x03" and b"version" in command.lower():
                await send(writer, _mysql_version_rows(self.version))
            else:
                await send(
                    writer,
                    _mysql_error(
                        1,
                        1290,
                        "HY000",
                        "The MySQL server is running with the "
                        "--read-only option so it cannot execute this statement",
                    ),
                )


def _mysql_packet(seq: int, payload: bytes) -> bytes:
    return struct.pack("<I", len(payload))[:3] + bytes([seq & 0xFF]) + payload


async def _mysql_read(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readexactly(4)
    length = int.from_bytes(head[:3], "little")
    if length > MESSAGE_LIMIT_MYSQL:
        raise ClientProtocolError("packet too large")
    return head[3], await reader.readexactly(length)


MESSAGE_LIMIT_MYSQL = 65536


def _mysql_login(answer: bytes) -> tuple[str, bytes]:
    """(user, auth response) of a HandshakeResponse41; an SSL request or an old client ends it."""
    caps = struct.unpack("<I", answer[:4])[0]
    if not caps & 0x200 or len(answer) <= 32:
        raise ClientProtocolError("not a protocol 4.1 login")
    end = answer.index(b"\x00", 32)
    user, rest = answer[32:end].decode("utf-8", "replace"), answer[end + 1 :]
    if caps & 0x200000 or caps & 0x8000:  # length-prefixed auth data (lenenc < 251 or one byte)
        return user, rest[1 : 1 + rest[0]] if rest else b""
    return user, rest.split(b"\x00", 1)[0]


def _mysql_error(seq: int, code: int, state: str, message: str) -> bytes:
    return _mysql_packet(seq, b"\xff" + struct.pack("<H", code) + b"#" + state.encode() + message.encode())


def _lenenc(data: bytes) -> bytes:
    return bytes([len(data)]) + data


def _mysql_version_rows(version: str) -> bytes:
    column = (
        _lenenc(b"def")
        + _lenenc(b"") * 3
        + _lenenc(b"@@version")
        + _lenenc(b"")
        + b"\x0c"
        + struct.pack("<HIBHB", 33, 256, 0xFD, 0, 0)
        + b"\x00\x00"
    )
    eof = b"\xfe\x00\x00\x02\x00"
    parts = (b"\x01", column, eof, _lenenc(version.encode()), eof)
    return b"".join(_mysql_packet(n + 1, part) for n, part in enumerate(parts))


# --- PostgreSQL -------------------------------------------------------------------------------
class PostgresResponder(TcpResponder):
    """The PostgreSQL v3 start-up: ``trust`` for user postgres (AuthenticationOk), refusals otherwise."""

    def __init__(self, address: str, port: int = 0, *, version: str = "12.18", trust: bool = True) -> None:
        super().__init__(address, port)
        self.version, self.trust = version, trust

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        params: dict[str, str] = {}
        for _ in range(3):
            length = struct.unpack(">I", await reader.readexactly(4))[0]
            if not 8 <= length <= 10000:
                raise ClientProtocolError("bad start-up length")
            body = await reader.readexactly(length - 4)
            code = struct.unpack(">I", body[:4])[0]
            if code in (80877103, 80877104):  # SSLRequest, GSSENCRequest: not offered
                await send(writer, b"N")
                continue
            if code != 196608:  # CancelRequest ends quietly; other versions are refused by name
                if code != 80877102:
                    unsupported = (
                        f"unsupported frontend protocol {code >> 16}.{code & 0xFFFF}: "
                        "server supports 3.0 to 3.0"
                    )
                    await send(writer, _pg_error("FATAL", "0A000", unsupported))
                return
            words = body[4:].split(b"\x00")
            params = {k.decode(): v.decode() for k, v in zip(words[0::2], words[1::2], strict=False) if k}
            break
        user = params.get("user", "")
        if user != "postgres":
            await send(writer, _pg_error("FATAL", "28000", f'role "{user}" does not exist'))
            return
        if not self.trust:
            await send(writer, _pg_message(b"R", struct.pack(">I", 3)))  # AuthenticationCleartextPassword
            await reader.read(1024)
            failed = 'password authentication failed for user "postgres"'
            await send(writer, _pg_error("FATAL", "28P01", failed))
            return
        status = b"".join(
            _pg_message(b"S", f"{k}\x00{v}\x00".encode())
            for k, v in (
                ("server_version", self.version),
                ("server_encoding", "UTF8"),
                ("client_encoding", "UTF8"),
                ("DateStyle", "ISO, MDY"),
                ("integer_datetimes", "on"),
            )
        )
        await send(
            writer,
            _pg_message(b"R", struct.pack(">I", 0))
            + status
            + _pg_message(b"K", struct.pack(">II", 4242, 171717))
            + _pg_message(b"Z", b"I"),
        )
        for _ in range(20):
            kind = await reader.readexactly(1)
            length = struct.unpack(">I", await reader.readexactly(4))[0]
            if not 4 <= length <= 65536:
                raise ClientProtocolError("bad message length")
            body = await reader.readexactly(length - 4)
            if kind == b"X":
                return
            if kind == b"Q" and b"version()" in body.lower():
                await send(writer, _pg_version_rows(self.version))
            else:
                refused = _pg_error("ERROR", "25006", "cannot execute this in a read-only transaction")
                await send(writer, refused + _pg_message(b"Z", b"I"))


def _pg_message(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack(">I", len(body) + 4) + body


def _pg_error(severity: str, code: str, message: str) -> bytes:
    fields = f"S{severity}\x00V{severity}\x00C{code}\x00M{message}\x00\x00".encode()
    return _pg_message(b"E", fields)


def _pg_version_rows(version: str) -> bytes:
    text = f"PostgreSQL {version} on x86_64-pc-linux-gnu, compiled by gcc, 64-bit".encode()
    column = b"version\x00" + struct.pack(">IHIhih", 0, 0, 25, -1, -1, 0)
    return (
        _pg_message(b"T", struct.pack(">H", 1) + column)
        + _pg_message(b"D", struct.pack(">HI", 1, len(text)) + text)
        + _pg_message(b"C", b"SELECT 1\x00")
        + _pg_message(b"Z", b"I")
    )


# --- MongoDB ----------------------------------------------------------------------------------
def bson(document: dict[str, Any]) -> bytes:
    """Encode a reply: the engine's BSON encoder, plus doubles (MongoDB's ``"ok": 1.0``) at the top level."""
    elements = b"".join(
        b"\x01" + key.encode() + b"\x00" + struct.pack("<d", value)
        if isinstance(value, float)
        else bson_lite.encode({key: value})[4:-1]  # the element, without its document's frame
        for key, value in document.items()
    )
    return struct.pack("<i", len(elements) + 5) + elements + b"\x00"


def command_name(document: bytes) -> str:
    """The name of the command a BSON command document carries: its first key, as sent."""
    try:
        fields, _ = bson_lite.decode(document)
    except bson_lite.BsonError as exc:
        raise ClientProtocolError(f"bad command document: {exc}") from exc
    return next(iter(fields), "")


class MongoResponder(TcpResponder):
    """MongoDB's wire protocol (OP_MSG, and OP_QUERY for the legacy hello): hello, buildInfo,
    listDatabases and ping answer without authentication; every other command is refused."""

    def __init__(self, address: str, port: int = 0, *, version: str = "4.4.29", auth: bool = False) -> None:
        super().__init__(address, port)
        self.version, self.auth = version, auth

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for _ in range(20):
            length, request_id, _, opcode = struct.unpack("<iiii", await reader.readexactly(16))
            if not 16 < length <= MESSAGE_LIMIT_MYSQL * 16:
                raise ClientProtocolError("bad message length")
            body = await reader.readexactly(length - 16)
            if opcode == 2013 and body[4] == 0:  # OP_MSG, first section a body document
                reply = bson(self._command(command_name(body[5:])))
                await send(writer, _mongo_header(21 + len(reply), request_id, 2013) + b"\x00" * 5 + reply)
            elif opcode == 2004:  # OP_QUERY: flags, collection, skip, return, query
                end = body.index(b"\x00", 4)
                reply = bson(self._command(command_name(body[end + 9 :])))
                head = struct.pack("<iqii", 0, 0, 0, 1)
                await send(writer, _mongo_header(16 + len(head) + len(reply), request_id, 1) + head + reply)
            else:
                raise ClientProtocolError(f"opcode {opcode} not understood")

    def _command(self, command: str) -> dict[str, Any]:
        name = command.lower()
        if name in ("hello", "ismaster"):
            return {
                "ismaster": True,
                "helloOk": True,
                "topologyVersion": {"counter": 0},
                "maxBsonObjectSize": 16777216,
                "maxMessageSizeBytes": 48000000,
                "maxWriteBatchSize": 100000,
                "logicalSessionTimeoutMinutes": 30,
                "connectionId": self.sessions,
                "minWireVersion": 0,
                "maxWireVersion": 9,
                "readOnly": False,
                "ok": 1.0,
            }
        if name == "ping":
            return {"ok": 1.0}
        if name == "buildinfo":
            return {
                "version": self.version,
                "gitVersion": "f4e1b1d1e4c6e2a0",
                "versionArray": [int(p) for p in self.version.split(".")] + [0],
                "bits": 64,
                "ok": 1.0,
            }
        if name == "listdatabases" and not self.auth:
            return {
                "databases": [
                    {"name": "admin", "sizeOnDisk": 40960, "empty": False},
                    {"name": "hoso_motcua", "sizeOnDisk": 183500800, "empty": False},
                    {"name": "local", "sizeOnDisk": 73728, "empty": False},
                ],
                "totalSize": 183615488,
                "ok": 1.0,
            }
        message = (
            f"command {command} requires authentication"
            if self.auth
            else "lab server: command refused (read-only)"
        )
        return {"ok": 0.0, "errmsg": message, "code": 13, "codeName": "Unauthorized"}


def _mongo_header(length: int, request_id: int, opcode: int) -> bytes:
    return struct.pack("<iiii", length, int.from_bytes(os.urandom(3), "little"), request_id, opcode)
