"""The two hash kinds of the Pwned Passwords corpus, and hashing a password into them.

SHA-1 of the UTF-8 password (the public corpus's main form) and NTLM (MD4 of the UTF-16LE
password, what a Windows directory dump holds). OpenSSL 3 often ships MD4 only in its legacy
provider, so a small MD4 (RFC 1320) is kept here for when ``hashlib`` refuses it.
"""

from __future__ import annotations

import binascii
import enum
import hashlib
import struct


class HashKind(enum.Enum):
    """A corpus's hash: its name in the range API's ``mode`` and its size in bytes."""

    SHA1 = "sha1"
    NTLM = "ntlm"

    @property
    def size(self) -> int:
        return 20 if self is HashKind.SHA1 else 16

    @property
    def hex_len(self) -> int:
        return self.size * 2

    @property
    def code(self) -> int:
        """The kind's byte in a store's header."""
        return 1 if self is HashKind.SHA1 else 2

    @classmethod
    def from_code(cls, code: int) -> HashKind | None:
        return {1: cls.SHA1, 2: cls.NTLM}.get(code)


def _rotl(x: int, s: int) -> int:
    x &= 0xFFFFFFFF
    return ((x << s) | (x >> (32 - s))) & 0xFFFFFFFF


_R2 = (0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15)
_R3 = (0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15)


def _md4(data: bytes) -> bytes:
    """MD4 (RFC 1320), for interpreters whose OpenSSL has no MD4."""
    message = data + b"\x80" + b"\x00" * ((55 - len(data)) % 64) + struct.pack("<Q", len(data) * 8)
    state = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476]
    for block in range(0, len(message), 64):
        x = struct.unpack("<16I", message[block:block + 64])
        a, b, c, d = state
        for i in range(16):
            f = (b & c) | (~b & d)
            a, b, c, d = d, _rotl(a + f + x[i], (3, 7, 11, 19)[i % 4]), b, c
        for i in range(16):
            g = (b & c) | (b & d) | (c & d)
            a, b, c, d = d, _rotl(a + g + x[_R2[i]] + 0x5A827999, (3, 5, 9, 13)[i % 4]), b, c
        for i in range(16):
            h = b ^ c ^ d
            a, b, c, d = d, _rotl(a + h + x[_R3[i]] + 0x6ED9EBA1, (3, 9, 11, 15)[i % 4]), b, c
        state = [(s + v) & 0xFFFFFFFF for s, v in zip(state, (a, b, c, d), strict=True)]
    return struct.pack("<4I", *state)


def md4(data: bytes) -> bytes:
    try:
        return hashlib.new("md4", data, usedforsecurity=False).digest()
    except ValueError:  # OpenSSL 3 without the legacy provider
        return _md4(data)


def digest_of(password: str, kind: HashKind) -> bytes:
    """The corpus's hash of a password (in memory only; the caller never stores it)."""
    if kind is HashKind.SHA1:
        return hashlib.sha1(password.encode("utf-8"), usedforsecurity=False).digest()
    return md4(password.encode("utf-16-le"))


def parse_hex_hash(text: str, kind: HashKind) -> bytes | None:
    """A full hash written in hex (either case), else None."""
    text = text.strip()
    if len(text) != kind.hex_len:
        return None
    try:
        return binascii.unhexlify(text)
    except (binascii.Error, ValueError):
        return None
