"""The SSH transport the probe needs (RFC 4253): packets, key exchange, one encrypted channel.

Enough to ask which authentication methods a server offers: curve25519-sha256 or
ecdh-sha2-nistp256 key exchange (RFC 8731, RFC 5656), aes128-ctr/aes256-ctr with hmac-sha2-256
or hmac-sha1, no compression. The server's host key signature is not verified: the probe trusts
nothing the server says and sends it no secret (only the user name and the "none" method).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec, x25519
from cryptography.hazmat.primitives.ciphers import Cipher, CipherContext, algorithms, modes
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from canhgac.engine.facts.services import ProbeError, ProbeFailure
from canhgac.engine.service_probes.base import Conn

MAX_PACKET = 35000
KEX = ("curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256")
HOST_KEYS = ("ssh-ed25519", "ecdsa-sha2-nistp256", "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa")
CIPHERS = ("aes128-ctr", "aes256-ctr")
MACS = ("hmac-sha2-256", "hmac-sha1")
_KEY_SIZES = {"aes128-ctr": 16, "aes256-ctr": 32}
_MAC_SIZES = {"hmac-sha2-256": 32, "hmac-sha1": 20}
MSG_KEXINIT, MSG_NEWKEYS, MSG_KEX_ECDH_INIT, MSG_KEX_ECDH_REPLY = 20, 21, 30, 31
MSG_DISCONNECT, MSG_IGNORE, MSG_UNIMPLEMENTED, MSG_DEBUG = 1, 2, 3, 4


def string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def mpint(value: int) -> bytes:
    raw = value.to_bytes((value.bit_length() + 8) // 8, "big") if value else b""
    return string(raw)


def name_list(names: tuple[str, ...]) -> bytes:
    return string(",".join(names).encode())


class Reader:
    """Total reading of SSH data types: a short or malformed message raises GARBAGE."""

    def __init__(self, data: bytes, at: int = 0) -> None:
        self.data = data
        self.at = at

    def take(self, count: int) -> bytes:
        if count < 0 or self.at + count > len(self.data):
            raise ProbeError(ProbeFailure.GARBAGE, "truncated SSH message")
        out = self.data[self.at : self.at + count]
        self.at += count
        return out

    def byte(self) -> int:
        return self.take(1)[0]

    def uint32(self) -> int:
        return int(struct.unpack(">I", self.take(4))[0])

    def string(self) -> bytes:
        return self.take(self.uint32())

    def names(self) -> tuple[str, ...]:
        text = self.string().decode("ascii", errors="replace")
        return tuple(n for n in text.split(",") if n)


def kexinit() -> bytes:
    lists = (KEX, HOST_KEYS, CIPHERS, CIPHERS, MACS, MACS, ("none",), ("none",), (), ())
    return (
        bytes((MSG_KEXINIT,)) + os.urandom(16) + b"".join(name_list(n) for n in lists) + b"\x00" + b"\x00" * 4
    )


def choose(ours: tuple[str, ...], theirs: tuple[str, ...], what: str) -> str:
    for name in ours:
        if name in theirs:
            return name
    raise ProbeError(ProbeFailure.UNSUPPORTED, f"no common {what} (server: {','.join(theirs)[:120]})")


@dataclass(frozen=True, slots=True)
class Algorithms:
    kex: str
    cipher_out: str
    cipher_in: str
    mac_out: str
    mac_in: str


def negotiate(server_kexinit: bytes) -> Algorithms:
    reader = Reader(server_kexinit, 17)
    kex, _keys, c_cs, c_sc, m_cs, m_sc, comp_cs, comp_sc = (reader.names() for _ in range(8))
    choose(("none",), comp_cs, "compression")
    choose(("none",), comp_sc, "compression")
    return Algorithms(
        choose(KEX, kex, "key exchange"),
        choose(CIPHERS, c_cs, "cipher"),
        choose(CIPHERS, c_sc, "cipher"),
        choose(MACS, m_cs, "MAC"),
        choose(MACS, m_sc, "MAC"),
    )


class Ephemeral:
    """Our half of the ECDH exchange."""

    def __init__(self, kex: str) -> None:
        self.kex = kex
        if kex.startswith("curve25519"):
            self._x = x25519.X25519PrivateKey.generate()
            self.public = self._x.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        else:
            self._ec = ec.generate_private_key(ec.SECP256R1())
            self.public = self._ec.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)

    def shared(self, peer: bytes) -> int:
        try:
            if self.kex.startswith("curve25519"):
                secret = self._x.exchange(x25519.X25519PublicKey.from_public_bytes(peer))
            else:
                point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), peer)
                secret = self._ec.exchange(ec.ECDH(), point)
        except ValueError as exc:
            raise ProbeError(ProbeFailure.GARBAGE, f"bad ECDH public key: {exc}") from exc
        return int.from_bytes(secret, "big")


class Direction:
    """One direction of the packet stream: sequence number, cipher and MAC once keys are in."""

    def __init__(self) -> None:
        self.seq = 0
        self.cipher: CipherContext | None = None
        self.mac_key = b""
        self.mac_name = ""
        self.block = 8

    def key(self, cipher: str, mac: str, iv: bytes, key: bytes, mac_key: bytes, encrypt: bool) -> None:
        ctx = Cipher(algorithms.AES(key[: _KEY_SIZES[cipher]]), modes.CTR(iv[:16]))
        self.cipher = ctx.encryptor() if encrypt else ctx.decryptor()
        self.mac_name = mac
        self.mac_key = mac_key[: _MAC_SIZES[mac]]
        self.block = 16

    def mac(self, packet: bytes) -> bytes:
        if not self.mac_name:
            return b""
        digest = hashlib.sha256 if self.mac_name == "hmac-sha2-256" else hashlib.sha1
        return hmac.new(self.mac_key, struct.pack(">I", self.seq) + packet, digest).digest()


class Transport:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn
        self.out = Direction()
        self.into = Direction()

    async def send(self, payload: bytes) -> None:
        block = self.out.block
        padding = block - (len(payload) + 5) % block
        padding += block if padding < 4 else 0
        packet = struct.pack(">IB", len(payload) + padding + 1, padding) + payload + os.urandom(padding)
        mac = self.out.mac(packet)
        data = self.out.cipher.update(packet) if self.out.cipher else packet
        self.out.seq = (self.out.seq + 1) & 0xFFFFFFFF
        await self.conn.send(data + mac)

    async def receive(self) -> bytes:
        """The next payload that is not IGNORE or DEBUG."""
        while True:
            payload = await self._packet()
            if payload[:1] not in (bytes((MSG_IGNORE,)), bytes((MSG_DEBUG,))):
                if payload[:1] == bytes((MSG_DISCONNECT,)):
                    reader = Reader(payload, 1)
                    code = reader.uint32()
                    raise ProbeError(ProbeFailure.CLOSED, f"SSH disconnect {code}: {reader.string()[:120]!r}")
                return payload

    async def _packet(self) -> bytes:
        block = self.into.block
        first = await self.conn.read_exact(block)
        if self.into.cipher:
            first = self.into.cipher.update(first)
        length = struct.unpack(">I", first[:4])[0]
        if not 5 <= length <= MAX_PACKET or (length + 4) % block:
            raise ProbeError(ProbeFailure.GARBAGE, f"SSH packet length {length}")
        rest = await self.conn.read_exact(length + 4 - block)
        if self.into.cipher:
            rest = self.into.cipher.update(rest)
        packet = first + rest
        if self.into.mac_name:
            mac = await self.conn.read_exact(_MAC_SIZES[self.into.mac_name])
            if not hmac.compare_digest(mac, self.into.mac(packet)):
                raise ProbeError(ProbeFailure.GARBAGE, "SSH packet MAC mismatch")
        self.into.seq = (self.into.seq + 1) & 0xFFFFFFFF
        padding = packet[4]
        if padding >= length:
            raise ProbeError(ProbeFailure.GARBAGE, "SSH padding longer than the packet")
        return packet[5 : 4 + length - padding]


def derive(secret: int, exchange_hash: bytes, letter: bytes, session_id: bytes, size: int) -> bytes:
    """RFC 4253 7.2: HASH(K || H || letter || session_id), extended to ``size`` bytes."""
    k = mpint(secret)
    out = hashlib.sha256(k + exchange_hash + letter + session_id).digest()
    while len(out) < size:
        out += hashlib.sha256(k + exchange_hash + out).digest()
    return out[:size]


async def key_exchange(transport: Transport, client_id: bytes, server_id: bytes) -> None:
    """KEXINIT both ways, ECDH, NEWKEYS both ways; the transport is then encrypted."""
    ours = kexinit()
    await transport.send(ours)
    theirs = await transport.receive()
    if theirs[:1] != bytes((MSG_KEXINIT,)):
        raise ProbeError(ProbeFailure.GARBAGE, f"expected KEXINIT, got message {theirs[:1].hex()}")
    chosen = negotiate(theirs)
    ephemeral = Ephemeral(chosen.kex)
    await transport.send(bytes((MSG_KEX_ECDH_INIT,)) + string(ephemeral.public))
    reply = await transport.receive()
    if reply[:1] != bytes((MSG_KEX_ECDH_REPLY,)):
        raise ProbeError(ProbeFailure.GARBAGE, f"expected KEX_ECDH_REPLY, got message {reply[:1].hex()}")
    reader = Reader(reply, 1)
    host_key, server_public = reader.string(), reader.string()
    reader.string()  # the signature: not verified (see the module docstring)
    secret = ephemeral.shared(server_public)
    exchange = b"".join(
        (
            string(client_id),
            string(server_id),
            string(ours),
            string(theirs),
            string(host_key),
            string(ephemeral.public),
            string(server_public),
            mpint(secret),
        )
    )
    h = hashlib.sha256(exchange).digest()
    await transport.send(bytes((MSG_NEWKEYS,)))
    if (await transport.receive())[:1] != bytes((MSG_NEWKEYS,)):
        raise ProbeError(ProbeFailure.GARBAGE, "expected NEWKEYS")

    def key(letter: bytes, size: int) -> bytes:
        return derive(secret, h, letter, h, size)

    transport.out.key(chosen.cipher_out, chosen.mac_out, key(b"A", 16), key(b"C", 32), key(b"E", 32), True)
    transport.into.key(chosen.cipher_in, chosen.mac_in, key(b"B", 16), key(b"D", 32), key(b"F", 32), False)
