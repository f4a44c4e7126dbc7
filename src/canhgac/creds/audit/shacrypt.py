"""SHA-256-crypt and SHA-512-crypt ($5$, $6$), after Ulrich Drepper's specification, in Python.

Dovecot's default scheme is SHA512-CRYPT; Python's ``crypt`` module, which computed it through
the system's crypt(3), was removed in Python 3.13. This keeps those hashes checkable there (at a
few milliseconds a try at 5,000 rounds, where crypt(3) takes a fraction). Checked against
crypt(3) in the tests wherever ``crypt`` still exists.
"""

from __future__ import annotations

import hashlib
import hmac

_ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ORDER = {
    "5": ((0, 10, 20), (21, 1, 11), (12, 22, 2), (3, 13, 23), (24, 4, 14), (15, 25, 5), (6, 16, 26),
          (27, 7, 17), (18, 28, 8), (9, 19, 29)),
    "6": ((0, 21, 42), (22, 43, 1), (44, 2, 23), (3, 24, 45), (25, 46, 4), (47, 5, 26), (6, 27, 48),
          (28, 49, 7), (50, 8, 29), (9, 30, 51), (31, 52, 10), (53, 11, 32), (12, 33, 54), (34, 55, 13),
          (56, 14, 35), (15, 36, 57), (37, 58, 16), (59, 17, 38), (18, 39, 60), (40, 61, 19), (62, 20, 41)),
}


def _b64(b2: int, b1: int, b0: int, n: int) -> str:
    w = (b2 << 16) | (b1 << 8) | b0
    out = []
    for _ in range(n):
        out.append(_ITOA64[w & 0x3F])
        w >>= 6
    return "".join(out)


def _repeat(block: bytes, length: int) -> bytes:
    return (block * (length // len(block) + 1))[:length]


def parse(stored: str) -> tuple[str, int | None, bytes, str] | None:
    """(kind "5" or "6", rounds given or None, salt, hash text) of ``$5$``/``$6$`` strings."""
    parts = stored.split("$")
    if len(parts) not in (4, 5) or parts[0] != "" or parts[1] not in ("5", "6"):
        return None
    rounds = None
    if len(parts) == 5:
        if not parts[2].startswith("rounds="):
            return None
        try:
            rounds = int(parts[2][7:])
        except ValueError:
            return None
    return parts[1], rounds, parts[-2].encode("utf-8")[:16], parts[-1]


def sha_crypt(password: str, kind: str, salt: bytes, rounds: int | None) -> str:
    """The hash part of ``$kind$[rounds=N$]salt$hash`` for ``password``."""
    h = hashlib.sha256 if kind == "5" else hashlib.sha512
    p = password.encode("utf-8")
    n = 5000 if rounds is None else min(max(rounds, 1000), 999_999_999)
    b = h(p + salt + p).digest()
    a_ctx = h(p + salt + _repeat(b, len(p)))
    length = len(p)
    while length:
        a_ctx.update(b if length & 1 else p)
        length >>= 1
    a = a_ctx.digest()
    p_seq = _repeat(h(p * len(p)).digest(), len(p))
    s_seq = _repeat(h(salt * (16 + a[0])).digest(), len(salt))
    c = a
    for i in range(n):
        ctx = h(p_seq if i & 1 else c)
        if i % 3:
            ctx.update(s_seq)
        if i % 7:
            ctx.update(p_seq)
        ctx.update(c if i & 1 else p_seq)
        c = ctx.digest()
    out = "".join(_b64(c[x], c[y], c[z], 4) for x, y, z in _ORDER[kind])
    return out + (_b64(0, c[31], c[30], 3) if kind == "5" else _b64(0, 0, c[63], 2))


def check(stored: str, candidate: str) -> bool:
    parsed = parse(stored)
    if parsed is None:
        return False
    kind, rounds, salt, digest = parsed
    return hmac.compare_digest(sha_crypt(candidate, kind, salt, rounds), digest)
