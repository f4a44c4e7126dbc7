"""Microsoft SQL Server: a TDS PRELOGIN ([MS-TDS] 2.2.6.5) for the version and the encryption
setting, then — when asked — one SQL login as ``sa`` with an empty password through impacket's
TDS client (which speaks the TLS-inside-TDS the login needs); the only credential ever tried.
"""

from __future__ import annotations

import socket
import struct
from typing import Any

from canhgac.engine.context import NetworkLimits
from canhgac.engine.facts.services import Access, ProbeError, ProbeFailure, Service, ServiceReading
from canhgac.engine.service_probes.base import Conn
from canhgac.engine.service_probes.blocking import run_blocking

PRELOGIN = 0x12
# login errors that refuse the credentials: login failed (18456), Windows authentication only
# (18452), account disabled (18470), locked out (18486)
LOGIN_REFUSALS = frozenset({"18456", "18452", "18470", "18486"})
_ENCRYPTION = {0: "off", 1: "on", 2: "not supported", 3: "required"}


def prelogin_packet() -> bytes:
    """Options VERSION, ENCRYPTION (off), THREADID, then the terminator, and their data."""
    options = [(0x00, b"\x00" * 6), (0x01, b"\x00"), (0x03, b"\x00" * 4)]
    offset = 5 * len(options) + 1
    table, data = b"", b""
    for token, value in options:
        table += struct.pack(">BHH", token, offset + len(data), len(value))
        data += value
    payload = table + b"\xff" + data
    return struct.pack(">BBHHBB", PRELOGIN, 0x01, 8 + len(payload), 0, 0, 0) + payload


def parse_prelogin(payload: bytes) -> tuple[str, str]:
    """(version "major.minor.build", encryption) from a PRELOGIN response payload."""
    version = encryption = ""
    at = 0
    while at + 5 <= len(payload) and payload[at] != 0xFF:
        token, offset, length = struct.unpack_from(">BHH", payload, at)
        value = payload[offset : offset + length]
        if token == 0x00 and len(value) >= 4:
            version = f"{value[0]}.{value[1]}.{struct.unpack('>H', value[2:4])[0]}"
        elif token == 0x01 and len(value) >= 1:
            encryption = _ENCRYPTION.get(value[0], str(value[0]))
        at += 5
    if at >= len(payload):
        raise ProbeError(ProbeFailure.GARBAGE, "PRELOGIN option table without a terminator")
    return version, encryption


async def probe_mssql(conn: Conn, port: int) -> ServiceReading | None:
    await conn.send(prelogin_packet())
    head = await conn.read_exact(8)
    if head[0] != 0x04:
        return None
    length = struct.unpack(">H", head[2:4])[0]
    if not 8 < length <= 4096:
        raise ProbeError(ProbeFailure.GARBAGE, f"TDS length {length}")
    version, encryption = parse_prelogin(await conn.read_exact(length - 8))
    return ServiceReading(port, Service.MSSQL, "mssql", version, info=(("encryption", encryption),))


def _login(address: str, port: int, timeout: float, holder: dict[str, Any]) -> tuple[bool, str]:
    """(LOGINACK received, the server's last error as "number: text", "" when it sent none)."""
    from impacket import tds  # type: ignore[import-untyped]

    client = tds.MSSQL(address, port)
    holder["client"] = client
    client.connect(timeout=timeout)
    try:
        ok = bool(client.login(None, "sa", ""))
        replies = client.replies if isinstance(client.replies, dict) else {}
        message = ""
        for reply in replies.get(tds.TDS_ERROR_TOKEN, []):
            text = reply["MsgText"].decode("utf-16le", errors="replace")[:160]
            message = f"{reply['Number']}: {text}"
        return ok, message
    finally:
        client.disconnect()


async def mssql_empty_sa(
    address: str, port: int, limits: NetworkLimits, deadline: float
) -> tuple[Access, str]:
    holder: dict[str, Any] = {}

    def abort() -> None:
        sock = getattr(holder.get("client"), "socket", None)
        if isinstance(sock, socket.socket):
            sock.shutdown(socket.SHUT_RDWR)

    try:
        ok, message = await run_blocking(
            lambda: _login(address, port, limits.read_timeout, holder), deadline, abort
        )
    except ProbeError:
        raise
    except Exception as exc:  # impacket raises whatever its parsers meet: a fact about the server
        return Access.UNKNOWN, f"login not completed: {type(exc).__name__}: {str(exc)[:160]}"
    if ok:
        return Access.OPEN, "sa logged in with an empty password"
    if not message:  # neither LOGINACK nor an error: the reply was not a login answer
        return Access.UNKNOWN, "login not completed: the reply held neither LOGINACK nor an error"
    if message.split(":", 1)[0] not in LOGIN_REFUSALS:  # e.g. 18488: right password, to be changed
        return Access.UNKNOWN, f"login for sa not completed: error {message}"
    return Access.PROTECTED, f"login for sa refused: error {message}"
