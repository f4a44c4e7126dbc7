"""The range API's answer, as api.pwnedpasswords.com writes it.

``GET /range/{5 hex}`` (either case): the bucket's ``SUFFIX:COUNT`` lines, suffix upper-case
(35 hex for SHA-1, 27 for NTLM with ``?mode=ntlm``), in hash order, joined by CRLF with no
line break after the last. ``Add-Padding: true`` adds lines of random suffixes with count 0 so
that every answer has at least 800 lines plus 0 to 200 more (the public service's documented
padding), so its size does not tell which prefix was asked; clients skip count-0 lines.
"""

from __future__ import annotations

import binascii
import re
import secrets

from canhgac.creds.pwned.hashes import HashKind
from canhgac.creds.pwned.store import PwnedStore

PAD_MIN = 800
PAD_EXTRA = 200


class PrefixError(ValueError):
    """Not a 5-hex prefix."""


_PREFIX = re.compile(r"[0-9A-Fa-f]{5}")


def parse_prefix(text: str) -> int:
    """The bucket of a 5-hex prefix (either case); nothing else (``int`` alone would take a sign,
    ``0x`` or underscores)."""
    if not _PREFIX.fullmatch(text):
        raise PrefixError(text)
    return int(text, 16)


def suffix_lines(store: PwnedStore, prefix: int) -> list[bytes]:
    """``SUFFIX:COUNT`` of each record of the bucket, in order."""
    hexlify = binascii.hexlify
    return [hexlify(key)[1:].upper() + b":%d" % count for key, count in store.bucket(prefix)]


def padding_lines(kind: HashKind, present: int, taken: set[bytes]) -> list[bytes]:
    """Count-0 lines of random suffixes bringing ``present`` lines to 800 + 0..200."""
    wanted = max(0, PAD_MIN - present) + secrets.randbelow(PAD_EXTRA + 1)
    width = kind.hex_len - 5
    lines: list[bytes] = []
    while len(lines) < wanted:
        suffix = secrets.token_hex((width + 1) // 2)[:width].upper().encode()
        if suffix not in taken:
            taken.add(suffix)
            lines.append(suffix + b":0")
    return lines


def range_body(store: PwnedStore, prefix: int, *, padding: bool = False) -> bytes:
    """The answer's body for one prefix."""
    lines = suffix_lines(store, prefix)
    if padding:
        taken = {line.split(b":", 1)[0] for line in lines}
        lines = sorted(lines + padding_lines(store.kind, len(lines), taken))
    return b"\r\n".join(lines)
