"""What is kept of a leaked password: a keyed hash for reuse, a 5-hex prefix for the pwned store.

The keyed hash is HMAC-SHA256 under a key derived from the installation's secret (the console's
``CANHGAC_SECRET_KEY`` or the workspace's key file), so two equal passwords compare equal within
one installation, and the stored value is useless elsewhere and to a dictionary attack run
without the key. The prefix is the first five hex digits of the password's SHA-1: exactly what
the Pwned Passwords range API (k-anonymity) sends, and enough to ask the offline store
(``creds.pwned``) which suffixes it holds. When the leak gives a hash instead of a password, the
hash (lower case) is what is keyed; a SHA-1 in hex gives its own prefix.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from enum import StrEnum

_HEX = re.compile(r"^[0-9a-fA-F]+$")
_CRYPT = re.compile(r"^\$[0-9a-z]{1,6}\$[./0-9A-Za-z$=,]{8,}$")
_DERIVE = b"canhgac breach password key v1"


class SecretKind(StrEnum):
    PASSWORD = "password"  # noqa: S105 - a kind, not a password
    HASH = "hash"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class KeptSecret:
    kind: SecretKind
    digest: str  # HMAC-SHA256 hex under the installation key; "" when nothing leaked
    sha1_prefix: str  # 5 upper-case hex, "" when unknown


NOTHING = KeptSecret(SecretKind.NONE, "", "")


def looks_like_hash(value: str) -> bool:
    """A hex digest of a common length (MD5, SHA-1, NTLM, SHA-256, SHA-512) or a crypt string."""
    if len(value) in (32, 40, 56, 64, 96, 128) and _HEX.match(value):
        return True
    return bool(_CRYPT.match(value))


class SecretKeeper:
    """Turns a leaked password or hash into what may be stored; holds the derived key only."""

    def __init__(self, installation_secret: str | bytes) -> None:
        raw = installation_secret.encode() if isinstance(installation_secret, str) else installation_secret
        self._key = hmac.new(raw, _DERIVE, hashlib.sha256).digest()

    def keep(self, secret: str, *, is_hash: bool | None = None) -> KeptSecret:
        if not secret:
            return NOTHING
        hashed = looks_like_hash(secret) if is_hash is None else is_hash
        if hashed:
            value = secret.lower() if _HEX.match(secret) else secret
            prefix = value[:5].upper() if len(value) == 40 and _HEX.match(value) else ""
            return KeptSecret(SecretKind.HASH, self._digest(b"h\0" + value.encode()), prefix)
        data = secret.encode("utf-8", "surrogatepass")
        prefix = hashlib.sha1(data, usedforsecurity=False).hexdigest()[:5].upper()
        return KeptSecret(SecretKind.PASSWORD, self._digest(b"p\0" + data), prefix)

    def _digest(self, data: bytes) -> str:
        return hmac.new(self._key, data, hashlib.sha256).hexdigest()
