"""VNC: the RFB version exchange and the security types the server offers (RFC 6143 7.1).

Type 1 ("None") means the desktop is open to anyone; the probe only reads the list and closes
(it never selects a type, so no session is opened).
"""

from __future__ import annotations

import re

from canhgac.engine.facts.services import Access, ProbeError, Service, ServiceReading
from canhgac.engine.service_probes.base import Conn, text_of

_VERSION = re.compile(rb"^RFB (\d{3})\.(\d{3})\n")
_TYPES = {1: "None", 2: "VNC Authentication", 5: "RA2", 16: "Tight", 18: "TLS", 19: "VeNCrypt", 30: "Apple"}


def looks_like_rfb(first: bytes) -> bool:
    return _VERSION.match(first[:12]) is not None


async def probe_vnc(conn: Conn, port: int) -> ServiceReading:
    raw = await conn.read_exact(12)
    match = _VERSION.match(raw)
    banner = text_of(raw, 20)
    if match is None:
        return ServiceReading(port, Service.VNC, banner=banner, detail="not an RFB version line")
    major, minor = int(match.group(1)), int(match.group(2))
    reading = ServiceReading(port, Service.VNC, "vnc", f"{major}.{minor}", banner, Access.UNKNOWN)
    legacy = (major, minor) < (3, 7)
    try:
        await conn.send(b"RFB 003.003\n" if legacy else b"RFB 003.008\n" if minor >= 8 else b"RFB 003.007\n")
        if legacy:
            chosen = int.from_bytes(await conn.read_exact(4), "big")
            types = [chosen] if chosen else []
        else:
            count = (await conn.read_exact(1))[0]
            types = list(await conn.read_exact(count)) if count else []
        if not types:
            size = min(int.from_bytes(await conn.read_exact(4), "big"), 512)
            reason = text_of(await conn.read_exact(size), 160)
            return ServiceReading(
                port,
                Service.VNC,
                "vnc",
                reading.version,
                banner,
                Access.UNKNOWN,
                f"the server refused the connection: {reason}",
            )
    except ProbeError as exc:
        return reading.failed(exc)
    names = ", ".join(_TYPES.get(t, str(t)) for t in types)
    access = Access.OPEN if 1 in types else Access.PROTECTED
    return ServiceReading(
        port, Service.VNC, "vnc", reading.version, banner, access, f"security types offered: {names}"
    )
