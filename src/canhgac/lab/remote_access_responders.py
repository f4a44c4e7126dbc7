"""The lab's remote-access responders: an SSH banner, VNC and RDP, up to where credentials would start.

SSH sends an old OpenSSH identification string and its KEXINIT, with no key exchange after it
(the demo's SSH host is :class:`~canhgac.lab.ssh_server.SshResponder`, which goes further); VNC
speaks RFB 3.8 offering security type None (or VNC authentication, always failed); RDP answers
the X.224 Connection Request with a Connection Confirm carrying an RDP_NEG_RSP or a failure
([MS-RDPBCGR] 2.2.1.2), standard RDP security and TLS selectable, CredSSP (NLA) optional.
"""

from __future__ import annotations

import asyncio
import os
import struct

from canhgac.lab.responder_base import MESSAGE_LIMIT, ClientProtocolError, TcpResponder, send

# --- SSH ----------------------------------------------------------------------------------------
OPENSSH_7_4_KEXINIT = (
    "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
    "ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,"
    "diffie-hellman-group18-sha512,diffie-hellman-group-exchange-sha1,diffie-hellman-group14-sha256,"
    "diffie-hellman-group14-sha1",
    "ssh-rsa,rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,ssh-ed25519",
    "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,"
    "aes256-gcm@openssh.com",
    "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
    "hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,"
    "hmac-sha2-256,hmac-sha2-512,hmac-sha1",
    "none,zlib@openssh.com",
)


def ssh_kexinit(kex: str, host_keys: str, ciphers: str, macs: str, compression: str) -> bytes:
    """An SSH_MSG_KEXINIT binary packet (RFC 4253 6 and 7.1), unencrypted as the first packet is."""
    lists = (kex, host_keys, ciphers, ciphers, macs, macs, compression, compression, "", "")
    payload = bytes([20]) + os.urandom(16)
    payload += b"".join(struct.pack(">I", len(item)) + item.encode() for item in lists) + b"\x00" + bytes(4)
    padding = 8 - (len(payload) + 5) % 8
    padding += 8 if padding < 4 else 0
    return struct.pack(">IB", len(payload) + padding + 1, padding) + payload + bytes(padding)


class SshBannerResponder(TcpResponder):
    """The identification string and KEXINIT of an SSH server; no key exchange follows."""

    def __init__(
        self,
        address: str,
        port: int = 0,
        *,
        banner: str = "SSH-2.0-OpenSSH_7.4",
        algorithms: tuple[str, str, str, str, str] = OPENSSH_7_4_KEXINIT,
    ) -> None:
        super().__init__(address, port)
        self.banner = banner
        self.algorithms = algorithms

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await send(writer, f"{self.banner}\r\n".encode() + ssh_kexinit(*self.algorithms))
        await reader.read(MESSAGE_LIMIT)  # the client's version and KEXINIT, then the lab hangs up


# --- VNC ----------------------------------------------------------------------------------------
class VncResponder(TcpResponder):
    """RFB 3.8 ([RFC 6143]) offering only security type 1 (None) and a ServerInit."""

    def __init__(
        self, address: str, port: int = 0, *, name: str = "nvr-camera", no_auth: bool = True
    ) -> None:
        super().__init__(address, port)
        self.name = name
        self.no_auth = no_auth

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await send(writer, b"RFB 003.008\n")
        version = await reader.readexactly(12)
        security = 1 if self.no_auth else 2
        if version in (b"RFB 003.003\n",):
            await send(writer, struct.pack(">I", security))
        else:
            await send(writer, bytes([1, security]))
            if (await reader.readexactly(1))[0] != security:
                raise ClientProtocolError("unoffered security type")
        if not self.no_auth:
            await send(writer, os.urandom(16))  # a VNC authentication challenge; the lab stops there
            await reader.readexactly(16)
            await send(writer, struct.pack(">I", 1) + _rfb_reason("Authentication failed"))
            return
        if version != b"RFB 003.003\n":
            await send(writer, struct.pack(">I", 0))  # SecurityResult OK
        await reader.readexactly(1)  # ClientInit (shared flag)
        pixel = struct.pack(">BBBBHHHBBB3x", 32, 24, 0, 1, 255, 255, 255, 16, 8, 0)
        await send(writer, struct.pack(">HH", 1280, 720) + pixel + _rfb_reason(self.name))
        await reader.read(MESSAGE_LIMIT)


def _rfb_reason(text: str) -> bytes:
    data = text.encode()
    return struct.pack(">I", len(data)) + data


# --- RDP ----------------------------------------------------------------------------------------
PROTOCOL_RDP, PROTOCOL_SSL, PROTOCOL_HYBRID = 0, 1, 2
SSL_REQUIRED_BY_SERVER, SSL_NOT_ALLOWED_BY_SERVER, HYBRID_REQUIRED_BY_SERVER = 1, 2, 5


class RdpResponder(TcpResponder):
    """Answers the X.224 Connection Request: a Connection Confirm with RDP_NEG_RSP or FAILURE.

    ``supported``: the security protocols the server would use; with ``nla_required`` only
    CredSSP (HYBRID) is accepted. The strongest requested protocol it supports is selected.
    """

    def __init__(
        self,
        address: str,
        port: int = 0,
        *,
        nla_required: bool = False,
        supported: tuple[int, ...] = (PROTOCOL_RDP, PROTOCOL_SSL),
    ) -> None:
        super().__init__(address, port)
        self.supported = supported
        self.nla_required = nla_required

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        version, _, length = struct.unpack(">BBH", await reader.readexactly(4))
        if version != 3 or not 11 <= length <= 4096:
            raise ClientProtocolError("not a TPKT")
        x224 = await reader.readexactly(length - 4)
        if x224[1] != 0xE0:
            raise ClientProtocolError("not a Connection Request")
        requested = None  # RDP_NEG_REQ, when present, ends the request (after any cookie)
        if len(x224) >= 15 and x224[-8] == 0x01 and x224[-6:-4] == b"\x08\x00":
            requested = struct.unpack("<I", x224[-4:])[0]
        await send(writer, self._confirm(requested))
        await reader.read(MESSAGE_LIMIT)

    def _confirm(self, requested: int | None) -> bytes:
        if requested is None:  # a pre-negotiation client: standard RDP security, unless NLA is required
            body = b""
            if self.nla_required:
                body = struct.pack("<BBHI", 3, 0, 8, HYBRID_REQUIRED_BY_SERVER)
        else:
            body = struct.pack("<BBHI", *self._negotiate(requested))
        x224 = bytes([6 + len(body), 0xD0, 0, 0, 0x12, 0x34, 0]) + body
        return struct.pack(">BBH", 3, 0, 4 + len(x224)) + x224

    def _negotiate(self, requested: int) -> tuple[int, int, int, int]:
        # PROTOCOL_RDP is selectable only when nothing else was requested ([MS-RDPBCGR] 3.3.5.3.1)
        offered = {p for p in (PROTOCOL_SSL, PROTOCOL_HYBRID) if requested & p}
        offered = offered if requested else {PROTOCOL_RDP}
        allowed = {PROTOCOL_HYBRID} if self.nla_required else set(self.supported)
        common = offered & allowed
        if common:
            return 2, 0, 8, max(common)
        if self.nla_required:
            return 3, 0, 8, HYBRID_REQUIRED_BY_SERVER
        if allowed == {PROTOCOL_RDP}:
            return 3, 0, 8, SSL_NOT_ALLOWED_BY_SERVER
        return 3, 0, 8, SSL_REQUIRED_BY_SERVER
