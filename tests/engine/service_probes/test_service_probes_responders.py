"""Tiny protocol responders for the service-probe tests: each speaks the real bytes of its protocol
on a random 127.x address and a random port (so identification cannot lean on port numbers).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from canhgac.engine.service_probes import bson_lite

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def random_address() -> str:
    return f"127.{random.randint(60, 99)}.{random.randint(0, 255)}.{random.randint(2, 250)}"


@asynccontextmanager
async def serve(handler: Handler, address: str | None = None) -> AsyncIterator[tuple[str, int]]:
    host = address or random_address()
    tasks: set[asyncio.Task[None]] = set()

    async def wrapped(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        try:
            await handler(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()
            tasks.discard(task)

    server = await asyncio.start_server(wrapped, host, 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield host, port
    finally:
        server.close()
        for task in list(tasks):
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), 2)


# --- text protocols ----------------------------------------------------------------------------


def ftp(anonymous: bool) -> Handler:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220-Welcome\r\n220 (vsFTPd 3.0.3)\r\n")
        while line := await reader.readline():
            verb = line.split(b" ", 1)[0].strip().upper()
            if verb == b"USER":
                writer.write(b"331 Please specify the password.\r\n")
            elif verb == b"PASS":
                writer.write(b"230 Login successful.\r\n" if anonymous else b"530 Login incorrect.\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 Goodbye.\r\n")
                break
            else:
                writer.write(b"500 Unknown command.\r\n")  # STOR and friends: never allowed
            await writer.drain()

    return handle


async def telnet(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(bytes((255, 253, 24, 255, 253, 32, 255, 251, 1)))
    await writer.drain()
    await reader.read(64)
    writer.write(b"\r\nUbuntu 18.04 LTS\r\nrouter login: ")
    await writer.drain()
    await reader.read(64)


async def smtp(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"220 mail.lab.test ESMTP Postfix\r\n")
    await writer.drain()
    await reader.readline()
    writer.write(b"221 Bye\r\n")


def redis_like(password: bool) -> Handler:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while line := await reader.readline():
            if password:
                writer.write(b"-NOAUTH Authentication required.\r\n")
            elif line.startswith(b"PING"):
                writer.write(b"+PONG\r\n")
            elif line.startswith(b"INFO"):
                info = b"# Server\r\nredis_version:6.0.9\r\nredis_mode:standalone\r\n"
                writer.write(b"$%d\r\n%s\r\n" % (len(info), info))
            else:
                writer.write(b"-ERR unknown command\r\n")
            await writer.drain()

    return handle


async def memcached(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while line := await reader.readline():
        if line.startswith(b"version"):
            writer.write(b"VERSION 1.6.9\r\n")
        elif line.startswith(b"stats"):
            writer.write(b"STAT pid 42\r\nSTAT curr_items 7\r\nEND\r\n")
        else:
            writer.write(b"ERROR\r\n")
        await writer.drain()


def http(
    status: int, headers: dict[str, str], body: bytes, *, paths: dict[str, bytes] | None = None
) -> Handler:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.readuntil(b"\r\n\r\n")
        path = request.split(b" ")[1].decode()
        content = (paths or {}).get(path, body)
        code = 200 if path in (paths or {}) else status
        head = f"HTTP/1.1 {code} X\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        head += f"Content-Length: {len(content)}\r\nConnection: close\r\n\r\n"
        writer.write(head.encode() + content)
        await writer.drain()

    return handle


# --- binary protocols --------------------------------------------------------------------------


def mysql(accept_root: bool, version: bytes = b"5.5.5-10.3.39-MariaDB-0+deb10u1") -> Handler:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        salt = b"abcdefgh" + b"ijklmnopqrst"
        body = b"\x0a" + version + b"\x00" + struct.pack("<I", 7) + salt[:8] + b"\x00"
        body += struct.pack("<HBHHB10s", 0xF7FF, 45, 2, 0x81FF, 21, b"") + salt[8:] + b"\x00"
        body += b"mysql_native_password\x00"
        writer.write(struct.pack("<I", len(body))[:3] + b"\x00" + body)
        await writer.drain()
        head = await reader.readexactly(4)
        login = await reader.readexactly(int.from_bytes(head[:3], "little"))
        user = login[32:].split(b"\x00", 1)[0]
        auth_len = login[32 + len(user) + 1]
        if accept_root and user == b"root" and auth_len == 0:
            reply = b"\x00\x00\x00\x02\x00\x00\x00"
        else:
            reply = b"\xff\x15\x04#28000Access denied for user 'root'@'127.0.0.1' (using password: NO)"
        writer.write(struct.pack("<I", len(reply))[:3] + b"\x02" + reply)
        await writer.drain()
        await reader.read(16)

    return handle


def postgres(trust: bool) -> Handler:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        length = struct.unpack(">I", await reader.readexactly(4))[0]
        if not 8 <= length <= 10000:  # like the real server: "invalid length of startup packet"
            return
        packet = await reader.readexactly(length - 4)
        if struct.unpack(">I", packet[:4])[0] == 80877103:
            writer.write(b"N")
            await writer.drain()
            return
        if not trust:
            writer.write(b"R" + struct.pack(">II", 12, 10) + b"SCRAM-SHA-256\x00\x00")
            await writer.drain()
            return
        out = b"R" + struct.pack(">II", 8, 0)
        for key, value in ((b"server_version", b"13.4 (Debian 13.4-1)"), (b"client_encoding", b"UTF8")):
            payload = key + b"\x00" + value + b"\x00"
            out += b"S" + struct.pack(">I", len(payload) + 4) + payload
        out += b"Z" + struct.pack(">I", 5) + b"I"
        writer.write(out)
        await writer.drain()
        await reader.read(16)

    return handle


def _op_reply(request_id: int, doc: dict[str, object], opcode: int) -> bytes:
    data = bson_lite.encode(doc)
    body = struct.pack("<iqii", 0, 0, 0, 1) + data if opcode == 1 else struct.pack("<I", 0) + b"\x00" + data
    return struct.pack("<iiii", len(body) + 16, 99, request_id, opcode) + body


def mongodb(auth: bool) -> Handler:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head = await reader.readexactly(16)
            length, request_id, _, opcode = struct.unpack("<iiii", head)
            if not 16 < length < 48_000_000 or opcode not in (2004, 2013):
                return  # the real server drops a connection that sends no valid message
            body = await reader.readexactly(length - 16)
            if opcode == 2004:
                doc = bson_lite.decode(body, 4 + body.index(b"\x00", 4) + 1 - 4 + 8)[0]
            else:
                doc = bson_lite.decode(body, 5)[0]
            if "isMaster" in doc:
                reply: dict[str, object] = {"ismaster": True, "maxWireVersion": 13, "ok": 1}
            elif "buildInfo" in doc:
                reply = {"version": "4.4.6", "ok": 1}
            elif auth:
                reply = {"ok": 0, "errmsg": "command listDatabases requires authentication", "code": 13}
            else:
                reply = {"databases": [{"name": "admin"}, {"name": "citizens"}], "ok": 1}
            writer.write(_op_reply(request_id, reply, 1 if opcode == 2004 else 2013))
            await writer.drain()

    return handle


def vnc(types: bytes) -> Handler:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"RFB 003.008\n")
        await writer.drain()
        await reader.readexactly(12)
        writer.write(bytes((len(types),)) + types)
        await writer.drain()
        await reader.read(4)

    return handle


def rdp(reply_tail: bytes) -> Handler:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readexactly(4)
        if head[:2] != b"\x03\x00":
            return  # not TPKT: Windows drops the connection
        await reader.readexactly(struct.unpack(">H", head[2:])[0] - 4)
        tpdu = bytes((6 + len(reply_tail), 0xD0, 0, 0, 0x12, 0x34, 0)) + reply_tail
        writer.write(struct.pack(">BBH", 3, 0, 4 + len(tpdu)) + tpdu)
        await writer.drain()

    return handle


def mssql_prelogin(version: bytes = bytes((15, 0)) + struct.pack(">H", 2000) + b"\x00\x00") -> Handler:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readexactly(8)
        if head[0] != 0x12:
            return  # not a PRELOGIN packet: SQL Server drops the connection
        await reader.readexactly(struct.unpack(">H", head[2:4])[0] - 8)
        table = struct.pack(">BHH", 0, 11, 6) + struct.pack(">BHH", 1, 17, 1) + b"\xff"
        payload = table + version + b"\x02"
        writer.write(struct.pack(">BBHHBB", 4, 1, 8 + len(payload), 0, 1, 0) + payload)
        await writer.drain()
        await reader.read(16)

    return handle
