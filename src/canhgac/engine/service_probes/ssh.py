"""SSH: the identification line (product and version), then — without any credential — the
authentication methods the server offers.

After the key exchange (:mod:`ssh_wire`) the probe asks for the ``ssh-userauth`` service and
sends one USERAUTH_REQUEST with the method "none" (RFC 4252 5.2) for an unremarkable user name;
the server's USERAUTH_FAILURE lists the methods that can continue ("publickey", "password",
"keyboard-interactive"...). No password or key is ever offered.
"""

from __future__ import annotations

import re

from canhgac.engine.facts.services import ProbeError, ProbeFailure, Service, ServiceReading, SshInfo
from canhgac.engine.service_probes.base import Conn, text_of
from canhgac.engine.service_probes.ssh_wire import Reader, Transport, key_exchange, string

CLIENT_ID = b"SSH-2.0-canhgac_probe"
PROBE_USER = b"canhgac-probe"
MAX_PRE_LINES = 20  # RFC 4253 4.2: a server may send other lines before its identification
MSG_SERVICE_REQUEST, MSG_SERVICE_ACCEPT = 5, 6
MSG_USERAUTH_REQUEST, MSG_USERAUTH_FAILURE, MSG_USERAUTH_SUCCESS, MSG_USERAUTH_BANNER = 50, 51, 52, 53
MSG_EXT_INFO = 7
_PRODUCTS = (
    (re.compile(r"^OpenSSH_(\d+\.\d+(?:p\d+)?)", re.I), "openssh"),
    (re.compile(r"^dropbear_(\d+\.\d+(?:\.\d+)?)", re.I), "dropbear"),
    (re.compile(r"^libssh[-_](\d+\.\d+\.\d+)", re.I), "libssh"),
    (re.compile(r"^Cisco-(\d+\.\d+)", re.I), "cisco-ssh"),
    (re.compile(r"^ROSSSH()", re.I), "mikrotik-ssh"),
)


def looks_like_ssh(first: bytes) -> bool:
    return first.startswith(b"SSH-")


def parse_identification(line: str) -> tuple[str, str]:
    """(product, version) from ``SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6``."""
    parts = line.split("-", 2)
    software = parts[2] if len(parts) == 3 else ""
    for pattern, name in _PRODUCTS:
        match = pattern.search(software)
        if match:
            return name, match.group(1)
    return "", ""


async def _identification(conn: Conn) -> bytes:
    for _ in range(MAX_PRE_LINES):
        line = (await conn.read_until(b"\n", 255)).rstrip(b"\r\n")
        if line.startswith(b"SSH-"):
            return line
    raise ProbeError(ProbeFailure.GARBAGE, "no SSH identification line")


async def auth_methods(conn: Conn, server_id: bytes) -> SshInfo:
    transport = Transport(conn)
    await conn.send(CLIENT_ID + b"\r\n")
    await key_exchange(transport, CLIENT_ID, server_id)
    await transport.send(bytes((MSG_SERVICE_REQUEST,)) + string(b"ssh-userauth"))
    reply = await transport.receive()
    while reply[:1] == bytes((MSG_EXT_INFO,)):
        reply = await transport.receive()
    if reply[:1] != bytes((MSG_SERVICE_ACCEPT,)):
        raise ProbeError(ProbeFailure.GARBAGE, f"ssh-userauth not accepted (message {reply[:1].hex()})")
    request = string(PROBE_USER) + string(b"ssh-connection") + string(b"none")
    await transport.send(bytes((MSG_USERAUTH_REQUEST,)) + request)
    for _ in range(8):
        reply = await transport.receive()
        if reply[:1] == bytes((MSG_USERAUTH_BANNER,)):
            continue
        if reply[:1] == bytes((MSG_USERAUTH_SUCCESS,)):
            return SshInfo(
                auth_methods=(), none_accepted=True, detail="the server accepted the 'none' method"
            )
        if reply[:1] == bytes((MSG_USERAUTH_FAILURE,)):
            methods = Reader(reply, 1).names()
            return SshInfo(auth_methods=tuple(m[:40] for m in methods[:16]))
        raise ProbeError(ProbeFailure.GARBAGE, f"unexpected message {reply[:1].hex()} after USERAUTH_REQUEST")
    raise ProbeError(ProbeFailure.GARBAGE, "too many banners")


async def probe_ssh(conn: Conn, port: int) -> ServiceReading:
    server_id = await _identification(conn)
    banner = text_of(server_id, 160)
    product, version = parse_identification(banner)
    reading = ServiceReading(port, Service.SSH, product, version, banner)
    if not server_id.startswith((b"SSH-2.0-", b"SSH-1.99-")):
        return ServiceReading(
            port, Service.SSH, product, version, banner, ssh=SshInfo(detail="SSH protocol 1 only")
        )
    try:
        info = await auth_methods(conn, server_id)
    except ProbeError as exc:
        info = SshInfo(detail=f"{exc.failure.value}: {exc.detail}"[:300])
        return ServiceReading(port, Service.SSH, product, version, banner, ssh=info).failed(exc)
    return ServiceReading(reading.port, Service.SSH, product, version, banner, ssh=info)
