"""Hashing candidates the way each stored form was made, and checking salted hashes.

NTLM is MD4 of the UTF-16LE password. OpenSSL 3 ships MD4 only in its legacy provider, so
``hashlib`` often refuses it: pycryptodomex (installed with impacket, a dependency) is used then,
and the pwned store's pure-Python MD4 as a last resort. Salted crypt(3) hashes go through the
standard library's ``crypt`` (deprecated in 3.11, removed in 3.13: without it SHA-crypt goes
through ``shacrypt``, the other crypt(3) schemes are reported "not checked" with the reason, never
guessed); Argon2id through ``cryptography``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import warnings
from collections.abc import Callable
from typing import Any

from canhgac.creds.pwned.hashes import _md4

EMPTY_NT = bytes.fromhex("31d6cfe0d16ae931b73c59d7e0c089c0")
EMPTY_LM = "aad3b435b51404eeaad3b435b51404ee"


def _pick_md4() -> Callable[[bytes], bytes]:
    try:
        hashlib.new("md4", b"", usedforsecurity=False)
    except ValueError:
        pass
    else:
        return lambda data: hashlib.new("md4", data, usedforsecurity=False).digest()
    try:
        from Cryptodome.Hash import MD4
    except ImportError:  # pragma: no cover - impacket brings pycryptodomex
        return _md4
    return lambda data: MD4.new(data).digest()  # noqa: S303 # type: ignore[no-any-return]


_MD4 = _pick_md4()


def nt_hash(password: str) -> bytes:
    """The NT hash of a password, in memory only."""
    return _MD4(password.encode("utf-16-le", "surrogatepass"))


def sha1(password: str) -> bytes:
    return hashlib.sha1(password.encode("utf-8"), usedforsecurity=False).digest()


DIGESTS: dict[str, Callable[[bytes], Any]] = {
    "md5": lambda b: hashlib.md5(b, usedforsecurity=False),
    "sha1": lambda b: hashlib.sha1(b, usedforsecurity=False),
    "sha256": hashlib.sha256,
    "sha512": hashlib.sha512,
}


def plain_digest(algorithm: str, password: str) -> bytes:
    """An unsalted digest ({SHA}, {PLAIN-MD5}, ...) of a candidate."""
    return bytes(DIGESTS[algorithm](password.encode("utf-8")).digest())


def _load_crypt() -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import crypt
    except ImportError:
        return None
    return crypt


CRYPT = _load_crypt()


def crypt_check(stored: str, candidate: str) -> bool:
    """crypt(3) of the candidate with the stored salt and settings equals the stored hash."""
    assert CRYPT is not None
    try:
        out = CRYPT.crypt(candidate, stored)
    except (OSError, ValueError):
        return False
    return out is not None and hmac.compare_digest(out, stored)


def crypt_supports(prefix: str) -> bool:
    """Whether this system's crypt(3) knows a method (glibc without libxcrypt lacks bcrypt)."""
    if CRYPT is None:
        return False
    samples = {"$1$": "$1$abcdefgh$", "$5$": "$5$abcdefgh$", "$6$": "$6$abcdefgh$",
               "$2": "$2b$04$abcdefghijklmnopqrstuu", "": "ab"}
    try:
        out = CRYPT.crypt("x", samples[prefix])
    except (OSError, ValueError):
        return False
    return bool(out) and not out.startswith("*")


_PHC = re.compile(r"^\$argon2(id|i|d)\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$")


def _b64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def argon2_parse(stored: str) -> tuple[str, int, int, int, bytes, bytes] | None:
    """(variant, memory KiB, passes, lanes, salt, hash) of a PHC string, else None."""
    m = _PHC.match(stored)
    if m is None or m[2] != "19":
        return None
    try:
        return m[1], int(m[3]), int(m[4]), int(m[5]), _b64(m[6]), _b64(m[7])
    except (binascii.Error, ValueError):
        return None


def argon2_available() -> bool:
    try:
        from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
    except ImportError:
        return False
    try:
        Argon2id(salt=b"12345678", length=16, iterations=1, lanes=1, memory_cost=8).derive(b"x")
    except Exception:  # an OpenSSL without Argon2 raises UnsupportedAlgorithm
        return False
    return True


def argon2id_check(params: tuple[str, int, int, int, bytes, bytes], candidate: str) -> bool:
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

    _, memory, passes, lanes, salt, digest = params
    out = Argon2id(salt=salt, length=len(digest), iterations=passes, lanes=lanes,
                   memory_cost=memory).derive(candidate.encode("utf-8"))
    return hmac.compare_digest(out, digest)


def salted_digest_check(algorithm: str, blob: bytes, candidate: str) -> bool:
    """{SSHA}-style: the digest of password + salt, followed by the salt."""
    size = DIGESTS[algorithm](b"").digest_size
    digest, salt = blob[:size], blob[size:]
    return hmac.compare_digest(DIGESTS[algorithm](candidate.encode("utf-8") + salt).digest(), digest)
