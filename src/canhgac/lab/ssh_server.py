"""A lab SSH server: real key exchange (curve25519, ed25519 host key, aes128-ctr, HMAC-SHA256)
up to the user-authentication methods list, so a probe learns which methods are offered.

It never authenticates anyone: every USERAUTH request is answered with a failure listing the
configured methods. Built on the engine's own SSH wire code (the probe side speaks it too).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from functools import cache

from cryptography.hazmat.primitives.asymmetric import ed25519, x25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from canhgac.engine.context import NetworkLimits
from canhgac.engine.facts.services import ProbeError
from canhgac.engine.service_probes.base import Conn
from canhgac.engine.service_probes.ssh_wire import Reader, Transport, derive, mpint, name_list, string
from canhgac.lab.responder_base import TcpResponder

_ALGORITHMS = (
    ("curve25519-sha256", "curve25519-sha256@libssh.org"),
    ("ssh-ed25519",),
    ("aes128-ctr",),
    ("aes128-ctr",),
    ("hmac-sha2-256",),
    ("hmac-sha2-256",),
    ("none",),
    ("none",),
    (),
    (),
)
_MSG_DISCONNECT_AFTER = 8  # auth requests answered before the lab hangs up


@cache
def _host_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


def _kexinit() -> bytes:
    return bytes((20,)) + os.urandom(16) + b"".join(name_list(n) for n in _ALGORITHMS) + b"\x00" * 5


class SshResponder(TcpResponder):
    """``banner`` (e.g. ``SSH-2.0-OpenSSH_7.4``) offering ``methods`` (e.g. ``publickey,password``)."""

    def __init__(
        self,
        address: str,
        port: int = 0,
        *,
        banner: str = "SSH-2.0-OpenSSH_7.4",
        methods: str = "publickey,password",
    ) -> None:
        super().__init__(address, port)
        self.banner = banner.encode()
        self.methods = methods.encode()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._session_of(reader, writer)
        except (ProbeError, ConnectionError, asyncio.IncompleteReadError):
            return  # a port scanner connects and hangs up: not an error of the lab

    async def _session_of(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = Conn(reader, writer, NetworkLimits(read_timeout=5))
        await conn.send(self.banner + b"\r\n")
        client_id = (await conn.read_until(b"\n", 255)).rstrip(b"\r\n")
        transport = Transport(conn)
        ours = _kexinit()
        await transport.send(ours)
        theirs = await transport.receive()
        client_public = Reader(await transport.receive(), 1).string()
        ephemeral = x25519.X25519PrivateKey.generate()
        public = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        peer = x25519.X25519PublicKey.from_public_bytes(client_public)
        secret = int.from_bytes(ephemeral.exchange(peer), "big")
        host_key = string(b"ssh-ed25519") + string(
            _host_key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        )
        parts = (
            string(client_id),
            string(self.banner),
            string(theirs),
            string(ours),
            string(host_key),
            string(client_public),
            string(public),
            mpint(secret),
        )
        h = hashlib.sha256(b"".join(parts)).digest()
        signature = string(b"ssh-ed25519") + string(_host_key().sign(h))
        await transport.send(bytes((31,)) + string(host_key) + string(public) + string(signature))
        await transport.send(bytes((21,)))
        if (await transport.receive())[:1] != bytes((21,)):
            return

        def key(letter: bytes, size: int) -> bytes:
            return derive(secret, h, letter, h, size)

        transport.out.key("aes128-ctr", "hmac-sha2-256", key(b"B", 16), key(b"D", 32), key(b"F", 32), True)
        transport.into.key("aes128-ctr", "hmac-sha2-256", key(b"A", 16), key(b"C", 32), key(b"E", 32), False)
        if Reader(await transport.receive(), 1).string() != b"ssh-userauth":
            return
        await transport.send(bytes((6,)) + string(b"ssh-userauth"))
        for _ in range(_MSG_DISCONNECT_AFTER):
            await transport.receive()
            await transport.send(bytes((51,)) + string(self.methods) + b"\x00")  # failure + methods
