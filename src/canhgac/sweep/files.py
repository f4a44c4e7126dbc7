"""One file, read once: the bytes feed MD5, SHA-1 and SHA-256 and the YARA scan together.

Up to :data:`~canhgac.sweep.options.IN_MEMORY_LIMIT` the file is read whole and scanned from
memory (one read, no copy). Above it (up to ``--max-size``) it is read in chunks for the hashes
and yara-x scans it with ``scan_file`` (a memory map), so a sweep's memory stays bounded; the
second pass reads from the page cache the first one just filled (docs/sweep.md has the numbers).
The file is opened with ``O_NOFOLLOW | O_NONBLOCK`` and checked to be the regular file the walk
saw, so a file swapped for a FIFO or a link between walk and open is never read.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import time
from dataclasses import dataclass, field
from typing import Any

from canhgac.sweep.options import CHUNK, IN_MEMORY_LIMIT, WEB_SUFFIXES
from canhgac.sweep.webshell import THRESHOLD, score

_NOATIME = getattr(os, "O_NOATIME", 0)
_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_BINARY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | _NOATIME
)


class Skip(Exception):  # noqa: N818 - a control-flow signal, not an error
    """The file was not checked: ``reason`` is one of the result's skip reasons."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)
class Checked:
    md5: str
    sha1: str
    sha256: str
    size: int
    yara: list[dict[str, Any]] = field(default_factory=list)
    webshell: tuple[int, list[str]] | None = None


def _printable(data: bytes, limit: int = 64) -> str:
    cut = data[:limit]
    text = "".join(chr(b) if 32 <= b < 127 and b != 92 else f"\\x{b:02x}" for b in cut)
    return text + ("…" if len(data) > limit else "")


def yara_hits(results: Any, data: bytes | None, max_strings: int) -> list[dict[str, Any]]:
    hits = []
    for rule in results.matching_rules:
        strings: list[dict[str, Any]] = []
        for pattern in rule.patterns:
            for m in pattern.matches:
                if len(strings) >= max_strings:
                    break
                entry: dict[str, Any] = {"id": pattern.identifier, "offset": m.offset, "length": m.length}
                if data is not None:
                    entry["data"] = _printable(data[m.offset : m.offset + min(m.length, 64)])
                strings.append(entry)
        hits.append(
            {
                "rule": rule.identifier,
                "namespace": rule.namespace,
                "meta": {k: v for k, v in rule.metadata},
                "strings": strings,
            }
        )
    return hits


def _open(path: str, st: os.stat_result) -> int:
    try:
        try:
            fd = os.open(path, _FLAGS)
        except PermissionError:
            if not _NOATIME:
                raise
            fd = os.open(path, _FLAGS & ~_NOATIME)  # O_NOATIME needs the file's owner (or root)
    except PermissionError:
        raise Skip("unreadable") from None
    except FileNotFoundError:
        raise Skip("vanished") from None
    except OSError as exc:
        raise Skip("symlink" if exc.errno == errno.ELOOP else "error") from None
    fst = os.fstat(fd)
    if not stat.S_ISREG(fst.st_mode) or (fst.st_ino, fst.st_dev) != (st.st_ino, st.st_dev):
        os.close(fd)
        raise Skip("changed")
    return fd


ALL_HASHES = ("md5", "sha1", "sha256")


def check_file(
    path: str,
    st: os.stat_result,
    scanner: Any,
    *,
    timeout: float,
    max_strings: int,
    in_memory_limit: int = IN_MEMORY_LIMIT,
    hashes: tuple[str, ...] = ALL_HASHES,
) -> Checked:
    """Hash and scan one regular file (``scanner`` a yara-x Scanner or None); :class:`Skip` if not.

    Only the ``hashes`` asked are computed (those the packs have indicators of: MD5 alone costs
    more than SHA-1 and SHA-256 together on a CPU with SHA extensions); the others are ''. The
    sweep asks for all three again, for a file with a hit, as evidence."""
    fd = _open(path, st)
    started = time.monotonic()
    digests = [hashlib.new(name, usedforsecurity=False) for name in hashes]
    size = 0
    data: bytes | None = None
    try:
        if st.st_size <= in_memory_limit:
            parts = []
            while True:
                chunk = os.read(fd, max(st.st_size + 1 - size, 65536))
                if not chunk:
                    break
                parts.append(chunk)
                size += len(chunk)
                if size > in_memory_limit:
                    break
            data = parts[0] if len(parts) == 1 else b"".join(parts)
            for digest in digests:
                digest.update(data)
            if size > in_memory_limit:  # it grew since the walk: the rest in chunks
                data = None
        if data is None:
            while True:
                chunk = os.read(fd, CHUNK)
                if not chunk:
                    break
                for digest in digests:
                    digest.update(chunk)
                size += len(chunk)
                if time.monotonic() - started > timeout:
                    raise Skip("timeout")
    except OSError:
        raise Skip("unreadable") from None
    finally:
        os.close(fd)
    values = dict(zip(hashes, (d.hexdigest() for d in digests), strict=True))
    checked = Checked(values.get("md5", ""), values.get("sha1", ""), values.get("sha256", ""), size)
    if scanner is not None:
        left = max(1, int(timeout - (time.monotonic() - started)))
        scanner.set_timeout(left)
        try:
            results = scanner.scan(data) if data is not None else scanner.scan_file(path)
        except Exception as exc:  # yara_x.TimeoutError, ScanError (a file gone or unreadable)
            raise Skip("timeout" if type(exc).__name__ == "TimeoutError" else "unreadable") from None
        checked.yara = yara_hits(results, data, max_strings)
    if data is not None and os.path.splitext(path)[1][1:].lower() in WEB_SUFFIXES:  # noqa: PTH122 - str paths on the hot path
        points, markers = score(data)
        if points >= THRESHOLD:
            checked.webshell = (points, markers)
    return checked
