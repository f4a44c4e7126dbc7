"""Redis: ``PING`` then ``INFO server`` without credentials (RESP, the Redis protocol).

``+PONG`` and an ``INFO`` reply mean anyone who reaches the port can read and write the data;
``-NOAUTH`` (a password is set), ``-NOPERM`` (an ACL denies the unauthenticated default user)
and ``-DENIED`` (protected mode) mean the commands are refused: the reading is ``PROTECTED`` and
keeps the server's refusal, word for word, as the evidence. Only these two read-only commands are
sent.
"""

from __future__ import annotations

from canhgac.engine.facts.services import Access, ProbeError, ProbeFailure, Service, ServiceReading
from canhgac.engine.service_probes.base import Conn, text_of

MAX_INFO = 32768
_REFUSALS = (b"-NOAUTH", b"-NOPERM", b"-DENIED", b"-WRONGPASS")


async def _line(conn: Conn) -> bytes:
    return (await conn.read_until(b"\r\n", 1024))[:-2]


def _info_field(info: str, name: str) -> str:
    for line in info.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == name:
            return value.strip()[:64]
    return ""


async def probe_redis(conn: Conn, port: int) -> ServiceReading | None:
    await conn.send(b"PING\r\n")
    first = await _line(conn)
    if first.startswith(_REFUSALS):
        return ServiceReading(
            port, Service.REDIS, "redis", access=Access.PROTECTED, access_detail=text_of(first)
        )
    if first != b"+PONG":
        return None
    reading = ServiceReading(
        port, Service.REDIS, "redis", access=Access.OPEN, access_detail="PING answered +PONG"
    )
    try:
        await conn.send(b"INFO server\r\n")
        head = await _line(conn)
        if not head.startswith(b"$"):
            return ServiceReading(
                port, Service.REDIS, "redis", access=Access.UNKNOWN, access_detail=text_of(head)
            )
        try:
            size = int(head[1:])
        except ValueError:
            raise ProbeError(ProbeFailure.GARBAGE, f"bad bulk length {text_of(head)!r}") from None
        if not 0 <= size <= MAX_INFO:
            raise ProbeError(ProbeFailure.TOO_LARGE, f"INFO of {size} bytes")
        info = (await conn.read_exact(size + 2)).decode("utf-8", errors="replace")
    except ProbeError as exc:
        return reading.failed(exc)
    version = _info_field(info, "redis_version")
    mode = _info_field(info, "redis_mode")
    return ServiceReading(
        port,
        Service.REDIS,
        "redis",
        version,
        access=Access.OPEN,
        access_detail="PING and INFO answered without credentials",
        info=(("redis_mode", mode),) if mode else (),
    )
