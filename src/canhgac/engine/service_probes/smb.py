"""SMB: which dialects a server accepts and whether it requires signing, from NEGOTIATE alone.

Two short connections, no session: an SMB1 NEGOTIATE offering only "NT LM 0.12" ([MS-CIFS]
2.2.4.52; a server that still speaks SMBv1 — what WannaCry spread through — picks it, one that
disabled it answers index 0xFFFF or drops the connection), and an SMB2 NEGOTIATE offering
dialects 2.0.2 to 3.0.2 ([MS-SMB2] 2.2.3), whose reply says the dialect chosen and whether
signing is required (SecurityMode bit SMB2_NEGOTIATE_SIGNING_REQUIRED). Port 139 first asks for a
NetBIOS session ([RFC 1002] 4.3.2) with the wildcard name ``*SMBSERVER``. The anonymous share
listing (a null session) is in :mod:`canhgac.engine.service_probes.smb_shares`.
"""

from __future__ import annotations

import os
import struct

from canhgac.engine.context import NetworkLimits
from canhgac.engine.facts.services import ProbeError, ProbeFailure
from canhgac.engine.service_probes.base import Conn

SMB1_MAGIC, SMB2_MAGIC = b"\xffSMB", b"\xfeSMB"
SMB1_DIALECT = "NT LM 0.12"
SMB2_DIALECTS = (0x0202, 0x0210, 0x0300, 0x0302)
_DIALECT_NAMES = {
    0x0202: "2.0.2",
    0x0210: "2.1",
    0x0300: "3.0",
    0x0302: "3.0.2",
    0x0311: "3.1.1",
    0x02FF: "2.???",
}
MAX_PACKET = 65536


def _netbios_name(name: str) -> bytes:
    """First-level encoding of a 16-byte NetBIOS name (RFC 1001 14.1)."""
    padded = name.ljust(16)[:16].encode("ascii")
    return bytes((32,)) + bytes(c for b in padded for c in (0x41 + (b >> 4), 0x41 + (b & 0x0F))) + b"\x00"


def session_request() -> bytes:
    body = _netbios_name("*SMBSERVER") + _netbios_name("CANHGAC")
    return struct.pack(">BBH", 0x81, 0, len(body)) + body


def _frame(message: bytes) -> bytes:
    return struct.pack(">I", len(message)) + message


def smb1_negotiate() -> bytes:
    header = SMB1_MAGIC + struct.pack(
        "<BIBH12sHHHH", 0x72, 0, 0x18, 0xC801, b"", 0, os.getpid() & 0xFFFF, 0, 0
    )
    dialects = b"\x02" + SMB1_DIALECT.encode() + b"\x00"
    return _frame(header + b"\x00" + struct.pack("<H", len(dialects)) + dialects)


def smb2_negotiate() -> bytes:
    header = SMB2_MAGIC + struct.pack("<HHIHHIIQIIQ16s", 64, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, b"")
    body = struct.pack("<HHHHI16sQ", 36, len(SMB2_DIALECTS), 1, 0, 0, os.urandom(16), 0)
    body += b"".join(struct.pack("<H", d) for d in SMB2_DIALECTS)
    return _frame(header + body)


async def open_session(address: str, port: int, limits: NetworkLimits) -> Conn:
    conn = await Conn.open(address, port, limits)
    if port == 139:
        await conn.send(session_request())
        answer = await conn.read_exact(4)
        if answer[0] != 0x82:
            await conn.close()
            raise ProbeError(ProbeFailure.UNSUPPORTED, f"NetBIOS session refused (0x{answer[0]:02x})")
    return conn


async def read_message(conn: Conn) -> bytes:
    head = await conn.read_exact(4)
    if head[0] != 0:
        raise ProbeError(ProbeFailure.GARBAGE, f"not a session message (0x{head[0]:02x})")
    length = int.from_bytes(head[1:], "big")
    if not 4 <= length <= MAX_PACKET:
        raise ProbeError(ProbeFailure.GARBAGE, f"message length {length}")
    return await conn.read_exact(length)


def parse_smb1_reply(message: bytes) -> tuple[bool, bool | None, str]:
    """(the server chose NT LM 0.12, signing required (None: unknown), detail)."""
    if message[:4] == SMB2_MAGIC:
        return False, None, "answered SMB1 NEGOTIATE with SMB2"
    if message[:4] != SMB1_MAGIC or len(message) < 35 or message[4] != 0x72:
        raise ProbeError(ProbeFailure.GARBAGE, "not an SMB1 NEGOTIATE response")
    status = struct.unpack_from("<I", message, 5)[0]
    words = message[32]
    if status != 0 or words == 0:
        return False, None, f"NEGOTIATE refused (status 0x{status:08x})"
    index = struct.unpack_from("<H", message, 33)[0]
    if index != 0:
        return False, None, "no dialect accepted (index 0xFFFF)"
    security = message[35] if words >= 17 and len(message) > 35 else None
    required = None if security is None else bool(security & 0x08)
    return True, required, f"dialect {SMB1_DIALECT} accepted"


def parse_smb2_reply(message: bytes) -> tuple[str, bool]:
    """(dialect name, signing required)."""
    if message[:4] != SMB2_MAGIC or len(message) < 70:
        raise ProbeError(ProbeFailure.GARBAGE, "not an SMB2 NEGOTIATE response")
    status, command = struct.unpack_from("<IH", message, 8)
    if command != 0 or status != 0:
        raise ProbeError(ProbeFailure.UNSUPPORTED, f"SMB2 NEGOTIATE refused (status 0x{status:08x})")
    security, dialect = struct.unpack_from("<HH", message, 66)
    return _DIALECT_NAMES.get(dialect, f"0x{dialect:04x}"), bool(security & 0x02)


async def negotiate_smb1(
    address: str, port: int, limits: NetworkLimits
) -> tuple[bool | None, bool | None, str]:
    """(SMB1 accepted, signing required, detail); a refused or dropped connection is a "no"."""
    conn = await open_session(address, port, limits)
    try:
        await conn.send(smb1_negotiate())
        return parse_smb1_reply(await read_message(conn))
    except ProbeError as exc:
        if exc.failure is ProbeFailure.CLOSED:
            return False, None, "the server closed the connection on an SMB1 NEGOTIATE"
        raise
    finally:
        await conn.close()


async def negotiate_smb2(address: str, port: int, limits: NetworkLimits) -> tuple[str, bool]:
    conn = await open_session(address, port, limits)
    try:
        await conn.send(smb2_negotiate())
        return parse_smb2_reply(await read_message(conn))
    finally:
        await conn.close()
