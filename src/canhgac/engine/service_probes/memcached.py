"""memcached over TCP: the text protocol's ``version`` and ``stats`` (no authentication exists
in the text protocol; SASL servers answer the text commands with an error).
"""

from __future__ import annotations

from canhgac.engine.facts.services import Access, ProbeError, Service, ServiceReading
from canhgac.engine.service_probes.base import Conn, text_of

MAX_STATS_LINES = 200


async def probe_memcached(conn: Conn, port: int) -> ServiceReading | None:
    await conn.send(b"version\r\n")
    line = (await conn.read_until(b"\r\n", 512))[:-2]
    if not line.startswith(b"VERSION "):
        return None
    version = text_of(line[8:], 40)
    reading = ServiceReading(
        port,
        Service.MEMCACHED,
        "memcached",
        version,
        access=Access.OPEN,
        access_detail="version answered without credentials",
    )
    try:
        await conn.send(b"stats\r\n")
        items = 0
        for _ in range(MAX_STATS_LINES):
            stat = (await conn.read_until(b"\r\n", 512))[:-2]
            if stat == b"END" or not stat.startswith(b"STAT "):
                break
            parts = stat.split(b" ")
            if len(parts) >= 3 and parts[1] == b"curr_items":
                items = int(parts[2]) if parts[2].isdigit() else 0
    except ProbeError as exc:
        return reading.failed(exc)
    return ServiceReading(
        port,
        Service.MEMCACHED,
        "memcached",
        version,
        access=Access.OPEN,
        access_detail="version and stats answered without credentials",
        info=(("curr_items", str(items)),),
    )
