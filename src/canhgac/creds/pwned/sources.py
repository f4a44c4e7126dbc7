"""Reading the corpus's text: whole lines in large chunks, and what each line holds.

Two shapes, both upper-case hex (lower case is accepted) with a count:

- the ordered corpus (one file): ``HASH:COUNT``, 40 hex for SHA-1, 32 for NTLM;
- the per-prefix range files a downloader writes: a file named by its 5-hex prefix (``21BD1``
  or ``21BD1.txt``), lines ``SUFFIX:COUNT`` (35 or 27 hex). A folder of them is read in name
  order, which is hash order.

A malformed line is counted (with the first one's file and line number, never its text: it may
be a hash), a count of 0 is the range API's padding and is skipped; neither stops the import.
"""

from __future__ import annotations

import binascii
import operator
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from canhgac.creds.pwned.hashes import HashKind
from canhgac.creds.pwned.layout import MAX_COUNT, StoreError
from canhgac.i18n import gettext as _

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

CHUNK = 8 << 20
_RANGE_NAME = re.compile(r"^([0-9A-Fa-f]{5})(\.txt)?$")


@dataclass(frozen=True)
class Source:
    """One file to read; ``prefix`` (upper-case hex, as bytes) for a range file."""

    path: Path
    prefix: bytes | None
    size: int


@dataclass
class LineStats:
    """What the lines held: accepted, padding (count 0) skipped, malformed refused."""

    accepted: int = 0
    padding: int = 0
    malformed: int = 0
    first_malformed: str = ""
    bytes_read: int = field(default=0)

    def refuse(self, where: str, lines: int) -> None:
        if not self.first_malformed:
            self.first_malformed = where
        self.malformed += lines


def collect(paths: list[Path]) -> list[Source]:
    """The files to read, in order; a missing path or an empty folder is refused in one line."""
    sources: list[Source] = []
    for path in paths:
        if path.is_dir():
            inside = sorted((p for p in path.iterdir() if p.is_file() and _RANGE_NAME.match(p.name)),
                            key=lambda p: p.name.upper())
            if not inside:
                raise StoreError(_("{path} holds no range file (files named by 5 hex digits, "
                                   "e.g. 21BD1.txt)").format(path=path))
            sources.extend(_source(p) for p in inside)
        elif path.is_file():
            sources.append(_source(path))
        else:
            raise StoreError(_("{path}: no such file").format(path=path))
    return sources


def _source(path: Path) -> Source:
    match = _RANGE_NAME.match(path.name)
    prefix = match.group(1).upper().encode() if match else None
    return Source(path, prefix, path.stat().st_size)


def chunks(source: Source) -> Iterator[tuple[bytes, int]]:
    """Whole lines of ``source`` in chunks of about 8 MiB, each with the line number it starts at."""
    line = 1
    carry = b""
    with source.path.open("rb") as handle:
        os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_SEQUENTIAL)
        while True:
            block = handle.read(CHUNK)
            if not block:
                break
            block = carry + block
            end = block.rfind(b"\n")
            if end < 0:
                carry = block
                continue
            carry = block[end + 1:]
            whole = block[:end]
            yield whole, line
            line += whole.count(b"\n") + 1
    if carry.strip():
        yield carry, line


def _parse_clean(lines: list[bytes], width: int, prefix: bytes,
                 size: int) -> tuple[list[bytes], list[int]] | None:
    """The fast path, for a chunk whose every line is well formed (the downloaded corpus): the
    loops run inside C (``map``, ``join``, ``unhexlify``); None sends the chunk to :func:`parse`'s
    line-by-line reading, which counts and places what is wrong."""
    texts = map(_slice(0, width), lines)
    hashes = b"".join(map(prefix.__add__, texts) if prefix else texts)
    if b"".join(map(_slice(width, width + 1), lines)) != b":" * len(lines):
        return None
    try:
        blob = binascii.unhexlify(hashes)
        counts = list(map(int, map(_slice(width + 1, None), lines)))
    except ValueError:
        return None
    if len(blob) != size * len(lines) or not counts or min(counts) <= 0 or max(counts) > MAX_COUNT:
        return None  # a short hash, padding (count 0), a negative or huge count
    return [blob[i:i + size] for i in range(0, len(blob), size)], counts


def _slice(start: int, stop: int | None) -> Callable[[bytes], bytes]:
    return operator.itemgetter(slice(start, stop))


def parse(chunk: bytes, first_line: int, source: Source, kind: HashKind,
          stats: LineStats) -> tuple[list[bytes], list[int]]:
    """The hashes (bytes) and counts of a chunk's lines, in the order read."""
    prefix = source.prefix or b""
    clean = _parse_clean(chunk.split(b"\n"), kind.hex_len - len(prefix), prefix, kind.size)
    if clean is not None:
        stats.accepted += len(clean[0])
        return clean
    width = kind.hex_len - len(prefix)
    unhex = binascii.unhexlify
    digests: list[bytes] = []
    counts: list[int] = []
    add_digest, add_count = digests.append, counts.append
    for number, line in enumerate(chunk.split(b"\n")):
        text, colon, count_text = line.partition(b":")
        if len(text) == width and colon:
            try:
                digest = unhex(prefix + text) if prefix else unhex(text)
                count = int(count_text)
            except ValueError:
                stats.refuse(f"{source.path.name}:{first_line + number}", 1)
                continue
            if count > 0:
                add_digest(digest)
                add_count(min(count, MAX_COUNT))
            elif count == 0:
                stats.padding += 1
            else:
                stats.refuse(f"{source.path.name}:{first_line + number}", 1)
        elif line.strip():
            stats.refuse(f"{source.path.name}:{first_line + number}", 1)
    stats.accepted += len(digests)
    return digests, counts


def batches(sources: list[Source], kind: HashKind, stats: LineStats,
            progress: Callable[[int], None] | None = None) -> Iterator[tuple[list[bytes], list[int]]]:
    """Every source's parsed chunks in order; ``progress`` gets the bytes read so far."""
    done = 0
    for source in sources:
        for chunk, first in chunks(source):
            yield parse(chunk, first, source, kind, stats)
            done += len(chunk) + 1
            stats.bytes_read = done
            if progress is not None:
                progress(done)
