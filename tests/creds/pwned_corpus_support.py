"""Synthetic Pwned Passwords corpora for the tests: generated, never real data.

``corpus(n)`` is {upper-case hex hash: count} of the passwords ``pw-0`` … ``pw-{n-1}`` (so a test
can check a password it knows), written in the downloadable formats by the helpers below.
"""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

from canhgac.creds.pwned.hashes import md4


def password(i: int) -> str:
    return f"pw-{i}"


def corpus(n: int, *, ntlm: bool = False, seed: int = 16) -> dict[str, int]:
    rng = random.Random(seed)
    out: dict[str, int] = {}
    for i in range(n):
        raw = password(i)
        digest = md4(raw.encode("utf-16-le")) if ntlm else hashlib.sha1(raw.encode()).digest()
        out[digest.hex().upper()] = rng.randint(1, 5_000_000)
    return out


def write_ordered(path: Path, rows: dict[str, int], *, shuffle: bool = False, newline: str = "\r\n") -> Path:
    items = sorted(rows.items())
    if shuffle:
        random.Random(7).shuffle(items)
    path.write_text(newline.join(f"{h}:{c}" for h, c in items) + newline, encoding="ascii")
    return path


def write_ranges(folder: Path, rows: dict[str, int]) -> Path:
    """The per-prefix files a downloader writes (``21BD1.txt``: ``SUFFIX:COUNT`` lines)."""
    folder.mkdir(parents=True, exist_ok=True)
    by_prefix: dict[str, list[str]] = {}
    for h, c in sorted(rows.items()):
        by_prefix.setdefault(h[:5], []).append(f"{h[5:]}:{c}")
    for prefix, lines in by_prefix.items():
        (folder / f"{prefix}.txt").write_text("\r\n".join(lines), encoding="ascii")
    return folder


def public_range(rows: dict[str, int], prefix: str, *, hex_len: int = 40) -> bytes:
    """What api.pwnedpasswords.com answers for ``prefix`` without padding, built from the corpus."""
    prefix = prefix.upper()
    lines = [f"{h[5:]}:{c}" for h, c in sorted(rows.items()) if h.startswith(prefix) and len(h) == hex_len]
    return "\r\n".join(lines).encode("ascii")
