"""MySQL and MariaDB: the server's initial handshake (protocol 10), then one login as ``root``
with an empty password — the only credential the probe ever tries.

The handshake (sent by the server first) carries the version. The login is a
HandshakeResponse41 whose auth response is empty: for ``mysql_native_password`` and
``caching_sha2_password`` alike, an account without a password is accepted at once (OK packet);
any other account answers ERR 1045. An authentication-method switch is answered with the same
empty response. Nothing is queried after an OK: the connection is closed.
"""

from __future__ import annotations

import re
import struct

from canhgac.engine.facts.services import Access, ProbeError, ProbeFailure, Service, ServiceReading
from canhgac.engine.service_probes.base import Conn, text_of

# CLIENT_LONG_PASSWORD | CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH
_CAPABILITIES = 0x00000001 | 0x00000200 | 0x00008000 | 0x00080000
_MARIADB = re.compile(r"(?:5\.5\.5-)?(\d+\.\d+\.\d+)-MariaDB", re.I)
_VERSION = re.compile(r"(\d+\.\d+\.\d+)")
MAX_PACKET = 16384
# ERR codes that refuse a client for its credentials or its host: access denied (1044, 1045),
# host not allowed (1130), no password for a socket-authenticated account (1698), account locked
# (MySQL 3118, MariaDB 4151)
AUTH_REFUSALS = frozenset({1044, 1045, 1130, 1698, 3118, 4151})


def looks_like_handshake(first: bytes) -> bool:
    if len(first) < 6:
        return False
    length = first[0] | first[1] << 8 | first[2] << 16
    return first[3] == 0 and 10 <= length <= MAX_PACKET and first[4] in (10, 0xFF)


async def _packet(conn: Conn) -> tuple[int, bytes]:
    head = await conn.read_exact(4)
    length = head[0] | head[1] << 8 | head[2] << 16
    if length > MAX_PACKET:
        raise ProbeError(ProbeFailure.TOO_LARGE, f"a {length}-byte packet")
    return head[3], await conn.read_exact(length)


def _product(server_version: str) -> tuple[str, str]:
    maria = _MARIADB.search(server_version)
    if maria:
        return "mariadb", maria.group(1)
    plain = _VERSION.search(server_version)
    return "mysql", plain.group(1) if plain else ""


def _plugin(handshake: bytes, version_end: int) -> str:
    rest = handshake[version_end + 1 :]
    # conn id 4, salt 8, filler 1, caps 2, charset 1, status 2, caps 2, salt len 1, reserved 10
    if len(rest) < 31:
        return "mysql_native_password"
    salt_len = max(13, rest[20] - 8)
    tail = rest[31 + salt_len :]
    name = tail.split(b"\x00", 1)[0]
    return name.decode("ascii", errors="replace") or "mysql_native_password"


def login_packet(plugin: str) -> bytes:
    body = struct.pack("<IIB23x", _CAPABILITIES, MAX_PACKET, 45) + b"root\x00" + b"\x00"
    body += plugin.encode("ascii", errors="replace") + b"\x00"
    return struct.pack("<I", len(body))[:3] + b"\x01" + body


def _verdict(payload: bytes) -> tuple[Access | None, str]:
    """OK: in. ERR: refused for want of credentials (``AUTH_REFUSALS``) or for another reason
    (too many connections, host blocked after errors...), which tells nothing about them."""
    if not payload:
        return Access.UNKNOWN, "empty packet"
    if payload[0] == 0x00:
        return Access.OPEN, "root logged in with an empty password"
    if payload[0] == 0xFF:
        code = struct.unpack_from("<H", payload, 1)[0] if len(payload) >= 3 else 0
        message = text_of(payload[9:] if payload[3:4] == b"#" else payload[3:], 160)
        access = Access.PROTECTED if code in AUTH_REFUSALS else Access.UNKNOWN
        return access, f"ERR {code}: {message}"
    if payload[:2] == b"\x01\x04":  # caching_sha2_password: "perform full authentication"
        return Access.PROTECTED, "the server asks for the password (caching_sha2_password full auth)"
    return None, ""


async def probe_mysql(conn: Conn, port: int, *, login: bool = True) -> ServiceReading:
    _, handshake = await _packet(conn)
    if handshake[:1] == b"\xff":
        access, detail = _verdict(handshake)
        return ServiceReading(port, Service.MYSQL, "mysql", access=access, access_detail=detail)
    if handshake[:1] != b"\x0a" or b"\x00" not in handshake[1:80]:
        raise ProbeError(ProbeFailure.GARBAGE, "not a MySQL protocol-10 handshake")
    end = handshake.index(b"\x00", 1)
    server_version = text_of(handshake[1:end], 80)
    product, version = _product(server_version)
    reading = ServiceReading(port, Service.MYSQL, product, version, server_version)
    plugin = _plugin(handshake, end)
    if not login:
        return reading
    try:
        await conn.send(login_packet(plugin))
        seq, reply = await _packet(conn)
        access, detail = _verdict(reply)
        if access is None and reply[:1] == b"\xfe":  # AuthSwitchRequest: the same empty response
            await conn.send(bytes((0, 0, 0, (seq + 1) & 0xFF)))
            _, reply = await _packet(conn)
            access, detail = _verdict(reply)
        if access is None and reply[:2] == b"\x01\x03":  # caching_sha2 fast-auth success, then OK
            _, reply = await _packet(conn)
            access, detail = _verdict(reply)
        if access is None:
            access, detail = Access.UNKNOWN, f"unexpected reply 0x{reply[:1].hex()} to the login"
    except ProbeError as exc:
        return ServiceReading(port, Service.MYSQL, product, version, server_version, Access.UNKNOWN).failed(
            exc
        )
    return ServiceReading(
        port,
        Service.MYSQL,
        product,
        version,
        server_version,
        access,
        detail,
        info=(("auth_plugin", plugin[:40]),),
    )
