"""MongoDB: ``isMaster`` (OP_QUERY, understood by every server version), ``buildInfo`` for the
version, then ``listDatabases`` without credentials.

A reply listing the databases means anyone who reaches the port can read them; an error with
code 13 (Unauthorized) or a message asking for authentication means access control is on.
Only these read-only commands are sent. Servers from 3.6 (wire version 6) take OP_MSG, older ones
OP_QUERY on ``admin.$cmd``.
"""

from __future__ import annotations

import itertools
import struct
from typing import Any

from canhgac.engine.facts.services import Access, ProbeError, ProbeFailure, Service, ServiceReading
from canhgac.engine.service_probes import bson_lite
from canhgac.engine.service_probes.base import Conn, text_of

OP_REPLY, OP_QUERY, OP_MSG = 1, 2004, 2013
MAX_MESSAGE = 1_000_000
MAX_DATABASES_SHOWN = 10
_ids = itertools.count(1)


def op_query(command: dict[str, Any]) -> bytes:
    body = struct.pack("<i", 0) + b"admin.$cmd\x00" + struct.pack("<ii", 0, -1) + bson_lite.encode(command)
    return struct.pack("<iiii", len(body) + 16, next(_ids), 0, OP_QUERY) + body


def op_msg(command: dict[str, Any]) -> bytes:
    body = struct.pack("<I", 0) + b"\x00" + bson_lite.encode({**command, "$db": "admin"})
    return struct.pack("<iiii", len(body) + 16, next(_ids), 0, OP_MSG) + body


async def _reply(conn: Conn) -> dict[str, Any]:
    head = await conn.read_exact(16)
    length, _, _, opcode = struct.unpack("<iiii", head)
    if not 16 < length <= min(MAX_MESSAGE, conn.limits.max_reply_bytes):
        raise ProbeError(ProbeFailure.GARBAGE, f"message length {length}")
    body = await conn.read_exact(length - 16)
    try:
        if opcode == OP_REPLY and len(body) >= 20:
            return bson_lite.decode(body, 20)[0]
        if opcode == OP_MSG and len(body) >= 5 and body[4] == 0:
            return bson_lite.decode(body, 5)[0]
    except bson_lite.BsonError as exc:
        raise ProbeError(ProbeFailure.GARBAGE, f"BSON: {exc}") from exc
    raise ProbeError(ProbeFailure.GARBAGE, f"unexpected opcode {opcode}")


async def _command(conn: Conn, command: dict[str, Any], modern: bool) -> dict[str, Any]:
    await conn.send(op_msg(command) if modern else op_query(command))
    return await _reply(conn)


def _unauthorised(reply: dict[str, Any]) -> bool:
    message = str(reply.get("errmsg", "")).lower()
    return reply.get("code") in (13, 18) or "auth" in message or "unauthorized" in message


async def probe_mongodb(conn: Conn, port: int) -> ServiceReading | None:
    await conn.send(op_query({"isMaster": 1}))
    try:
        hello = await _reply(conn)
    except ProbeError as exc:
        if exc.failure is ProbeFailure.GARBAGE:
            return None
        raise
    if "maxWireVersion" not in hello and "ismaster" not in hello and "isWritablePrimary" not in hello:
        return None
    modern = isinstance(hello.get("maxWireVersion"), int) and hello["maxWireVersion"] >= 6
    reading = ServiceReading(port, Service.MONGODB, "mongodb", access=Access.UNKNOWN)
    try:
        build = await _command(conn, {"buildInfo": 1}, modern)
        version = str(build.get("version", ""))[:40] if build.get("ok") == 1 else ""
        reading = ServiceReading(port, Service.MONGODB, "mongodb", version, access=Access.UNKNOWN)
        listed = await _command(conn, {"listDatabases": 1, "nameOnly": True}, modern)
    except ProbeError as exc:
        return reading.failed(exc)
    if listed.get("ok") in (1, 1.0) and isinstance(listed.get("databases"), list):
        names = [str(d.get("name", ""))[:64] for d in listed["databases"] if isinstance(d, dict)]
        return ServiceReading(
            port,
            Service.MONGODB,
            "mongodb",
            reading.version,
            access=Access.OPEN,
            access_detail=f"listDatabases answered without credentials ({len(names)} databases)",
            info=(("databases", ", ".join(names[:MAX_DATABASES_SHOWN])),),
        )
    detail = text_of(str(listed.get("errmsg", "")).encode(), 160)
    access = Access.PROTECTED if _unauthorised(listed) else Access.UNKNOWN
    return ServiceReading(
        port,
        Service.MONGODB,
        "mongodb",
        reading.version,
        access=access,
        access_detail=f"listDatabases refused: {detail}",
    )
