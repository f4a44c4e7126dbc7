"""RDP: an X.224 Connection Request carrying an RDP Negotiation Request (MS-RDPBCGR 2.2.1.1),
and the server's Connection Confirm (2.2.1.2) with its RDP_NEG_RSP or RDP_NEG_FAILURE.

The request offers TLS only (PROTOCOL_SSL), not CredSSP: a server that enforces Network Level
Authentication answers RDP_NEG_FAILURE HYBRID_REQUIRED_BY_SERVER (5); one that selects TLS, or
that knows only standard RDP security (no negotiation data, or SSL_NOT_ALLOWED_BY_SERVER), lets
anyone reach the Windows logon screen before authenticating. 19 bytes out, at most one TPKT in.
"""

from __future__ import annotations

import struct

from canhgac.engine.facts.services import ProbeError, ProbeFailure, RdpInfo, Service, ServiceReading
from canhgac.engine.service_probes.base import Conn

PROTOCOL_RDP, PROTOCOL_SSL, PROTOCOL_HYBRID, PROTOCOL_RDSTLS, PROTOCOL_HYBRID_EX = 0, 1, 2, 4, 8
_NAMES = {
    PROTOCOL_RDP: "rdp",
    PROTOCOL_SSL: "ssl",
    PROTOCOL_HYBRID: "hybrid",
    PROTOCOL_RDSTLS: "rdstls",
    PROTOCOL_HYBRID_EX: "hybrid_ex",
}
_FAILURES = {
    1: "SSL_REQUIRED_BY_SERVER",
    2: "SSL_NOT_ALLOWED_BY_SERVER",
    3: "SSL_CERT_NOT_ON_SERVER",
    4: "INCONSISTENT_FLAGS",
    5: "HYBRID_REQUIRED_BY_SERVER",
    6: "SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER",
}
HYBRID_REQUIRED = 5


def connection_request(protocols: int = PROTOCOL_SSL) -> bytes:
    """TPKT (4) + X.224 CR TPDU (7: LI 14, CR, dst-ref, src-ref, class 0) + RDP_NEG_REQ (8)."""
    negotiation = struct.pack("<BBHI", 0x01, 0x00, 8, protocols)
    tpdu = bytes((14, 0xE0, 0, 0, 0, 0, 0)) + negotiation
    return struct.pack(">BBH", 3, 0, 4 + len(tpdu)) + tpdu


def parse_confirm(data: bytes) -> RdpInfo | None:
    """The Connection Confirm's verdict, None when ``data`` is not one."""
    if len(data) < 11 or data[0] != 3 or data[5] & 0xF0 != 0xD0:
        return None
    negotiation = data[11:19]
    if len(negotiation) < 8:  # no negotiation data: standard RDP security only (pre-Vista servers)
        return RdpInfo(selected="rdp", nla_required=False)
    kind, _, _, value = struct.unpack("<BBHI", negotiation)
    if kind == 0x02:
        name = _NAMES.get(value, f"0x{value:x}")
        return RdpInfo(selected=name, nla_required=value in (PROTOCOL_HYBRID, PROTOCOL_HYBRID_EX))
    if kind == 0x03:
        required = True if value == HYBRID_REQUIRED else (False if value == 2 else None)
        return RdpInfo(failure_code=value, nla_required=required)
    return None


async def probe_rdp(conn: Conn, port: int) -> ServiceReading | None:
    await conn.send(connection_request())
    head = await conn.read_exact(4)
    if head[0] != 3 or head[1] != 0:
        return None
    length = struct.unpack(">H", head[2:4])[0]
    if not 11 <= length <= 512:
        raise ProbeError(ProbeFailure.GARBAGE, f"TPKT length {length}")
    info = parse_confirm(head + await conn.read_exact(length - 4))
    if info is None:
        return None
    failure = _FAILURES.get(info.failure_code, "") if info.failure_code is not None else ""
    detail = (
        f"RDP_NEG_FAILURE {failure or info.failure_code}"
        if info.failure_code is not None
        else (f"the server selected {info.selected}")
    )
    return ServiceReading(port, Service.RDP, "rdp", rdp=info, access_detail=detail)
