"""Importing the corpus into a sorted store: streaming, bounded memory, atomic.

The ordered corpus is already in hash order, so the common case is one pass: records are
written as they are read and the prefix index is counted on the way. When a line comes out of
order (a subset assembled by hand, files named in another order), the import starts again as an
external sort: records are spread by their first byte into 256 temporary files, each is sorted
in memory (split again by the next byte while it is larger than ``memory``), then written in
order. Memory stays near ``memory`` bytes plus the 8 MiB index counts, whatever the input.

A hash seen twice (overlapping subsets) is kept once, with the larger count. The store is
written under a temporary name next to the target and renamed when complete: an interrupted
import leaves the previous store as it was (start it again: it is not resumable).
"""

from __future__ import annotations

import bisect
import operator
import os
import shutil
import struct
import sys
import tempfile
import time
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from canhgac.creds.pwned import sources
from canhgac.creds.pwned.layout import (
    BUCKETS,
    COUNT_SIZE,
    HEADER_SIZE,
    INDEX_SIZE,
    MAX_BUCKET,
    MODE_SORTED,
    PREFIX_BITS,
    START_BITS,
    Header,
    StoreError,
)
from canhgac.i18n import gettext as _

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from canhgac.creds.pwned.hashes import HashKind

DEFAULT_MEMORY = 256 << 20
_KEY = operator.itemgetter(slice(2, None))
_COUNT = struct.Struct(">I")
_FLUSH = 1 << 20


@dataclass(frozen=True)
class ImportResult:
    """What an import read and wrote (``entries``: distinct hashes in the store)."""

    path: Path
    kind: HashKind
    mode: str
    entries: int
    lines: sources.LineStats
    duplicates: int
    sorted_input: bool
    seconds: float
    store_bytes: int
    fpr: float = 0.0


class _UnsortedError(Exception):
    """The input is not in hash order: start again with the external sort."""


class _Writer:
    """Records of one store, in hash order, with the per-prefix counts of the index."""

    def __init__(self, handle: BinaryIO, kind: HashKind) -> None:
        self.handle = handle
        self.key_from = 2
        self.counts = array("Q", bytes(8 * BUCKETS))
        self.buffer = bytearray()
        self.entries = 0
        self.duplicates = 0
        self.last = b""
        self.last_count = 0
        self.kind = kind

    def add(self, digests: list[bytes], counts: list[int], *, check_order: bool) -> None:
        if len(digests) > 1 and digests[0] > self.last and all(map(operator.lt, digests, digests[1:])):
            self._add_run(digests, counts)
            return
        last, last_count = self.last, self.last_count
        for digest, count in zip(digests, counts, strict=True):
            if digest > last:
                if last:
                    self._emit(last, last_count)
                last, last_count = digest, count
            elif digest == last:
                self.duplicates += 1
                last_count = max(last_count, count)
            elif check_order:
                raise _UnsortedError
        self.last, self.last_count = last, last_count

    def _add_run(self, digests: list[bytes], counts: list[int]) -> None:
        """A strictly increasing batch after the last hash (the ordered corpus's case): written
        with the loops inside C, the index counted by bisecting the batch at bucket boundaries."""
        if self.last:
            self._emit(self.last, self.last_count)
        run, run_counts = digests[:-1], counts[:-1]
        self.last, self.last_count = digests[-1], counts[-1]
        if not run:
            return
        self.buffer += b"".join(map(operator.add, map(_KEY, run), map(_COUNT.pack, run_counts)))
        bits, size, total = self.kind.size * 8 - PREFIX_BITS, self.kind.size, len(run)
        at = 0
        while at < total:  # once per non-empty bucket
            first = run[at]
            bucket = (first[0] << 12) | (first[1] << 4) | (first[2] >> 4)
            after = total if bucket + 1 == BUCKETS else bisect.bisect_left(
                run, ((bucket + 1) << bits).to_bytes(size, "big"), at)
            self.counts[bucket] += after - at
            at = after
        self.entries += total
        if len(self.buffer) >= _FLUSH:
            self.handle.write(self.buffer)
            self.buffer.clear()

    def _emit(self, digest: bytes, count: int) -> None:
        self.buffer += digest[2:]
        self.buffer += count.to_bytes(COUNT_SIZE, "big")
        self.counts[(digest[0] << 12) | (digest[1] << 4) | (digest[2] >> 4)] += 1
        self.entries += 1
        if len(self.buffer) >= _FLUSH:
            self.handle.write(self.buffer)
            self.buffer.clear()

    def finish(self) -> bytes:
        """Flush; the index: per prefix, first record (40 bits) and records (24 bits)."""
        if self.last:
            self._emit(self.last, self.last_count)
            self.last = b""
        self.handle.write(self.buffer)
        self.buffer.clear()
        index = array("Q", bytes(8 * BUCKETS))
        start = 0
        for bucket, count in enumerate(self.counts):
            if count > MAX_BUCKET:
                raise StoreError(_("one hash prefix holds {count} hashes, more than a store can index "
                                   "({limit}): this is not the Pwned Passwords corpus").format(
                                       count=count, limit=MAX_BUCKET))
            index[bucket] = start | (count << START_BITS)
            start += count
        if sys.byteorder != "little":  # the file is little-endian everywhere
            index.byteswap()
        return index.tobytes()


def _partition(batches: Iterable[tuple[list[bytes], list[int]]], folder: Path, depth: int) -> list[Path]:
    """Spread full records (hash + count) into 256 files by the hash's byte ``depth``."""
    paths = [folder / f"{depth}-{b:02x}" for b in range(256)]
    buffers = [bytearray() for _b in range(256)]
    handles: dict[int, BinaryIO] = {}
    try:
        for digests, counts in batches:
            for digest, count in zip(digests, counts, strict=True):
                buf = buffers[digest[depth]]
                buf += digest
                buf += count.to_bytes(COUNT_SIZE, "big")
                if len(buf) >= _FLUSH:
                    _spill(handles, paths, digest[depth], buf)
        for b, buf in enumerate(buffers):
            if buf:
                _spill(handles, paths, b, buf)
    finally:
        for handle in handles.values():
            handle.close()
    return [p for p in paths if p.exists()]


def _spill(handles: dict[int, BinaryIO], paths: list[Path], b: int, buf: bytearray) -> None:
    if b not in handles:
        handles[b] = paths[b].open("ab")
    handles[b].write(buf)
    buf.clear()


def _records(path: Path, size: int) -> Iterator[tuple[list[bytes], list[int]]]:
    """A partition file back as batches of (hash, count)."""
    step = size + COUNT_SIZE
    with path.open("rb") as handle:
        while block := handle.read(step * 65536):
            digests = [block[i:i + size] for i in range(0, len(block), step)]
            counts = [int.from_bytes(block[i + size:i + step], "big") for i in range(0, len(block), step)]
            yield digests, counts


def _sort_into(writer: _Writer, path: Path, size: int, depth: int, memory: int) -> None:
    """Write one partition's records in order, splitting it further while it is too large."""
    if path.stat().st_size > memory and depth + 1 < size:
        sub = path.parent / f"{path.name}.d"
        sub.mkdir()
        parts = _partition(_records(path, size), sub, depth + 1)
        path.unlink()
        for part in parts:
            _sort_into(writer, part, size, depth + 1, memory)
        sub.rmdir()
        return
    data = path.read_bytes()
    path.unlink()
    step = size + COUNT_SIZE
    rows = sorted(data[i:i + step] for i in range(0, len(data), step))
    del data
    writer.add([r[:size] for r in rows], [int.from_bytes(r[size:], "big") for r in rows], check_order=True)


def import_sorted(files: list[Path], out: Path, kind: HashKind, *, memory: int = DEFAULT_MEMORY,
                  tmp_dir: Path | None = None,
                  progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Import ``files`` into a sorted store at ``out`` (replaced atomically when complete)."""
    began = time.monotonic()
    found = sources.collect(files)
    total = sum(s.size for s in found)
    report = (lambda done: progress(done, total)) if progress else None
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "w+b") as handle:
            stats = sources.LineStats()
            try:
                writer = _one_pass(handle, found, kind, stats, report)
                in_order = True
            except _UnsortedError:
                stats = sources.LineStats()
                writer = _external(handle, found, kind, stats, report, memory, tmp_dir or out.parent)
                in_order = False
            index = writer.finish()
            if writer.entries == 0:
                raise StoreError(_("no valid line in the input ({malformed} malformed): nothing imported")
                                 .format(malformed=stats.malformed))
            record = kind.size - 2 + COUNT_SIZE
            header = Header(kind, MODE_SORTED, writer.entries, HEADER_SIZE + INDEX_SIZE,
                            writer.entries * record)
            handle.seek(0)
            handle.write(header.pack())
            handle.write(index)
            handle.flush()
            os.fsync(handle.fileno())
        temp.replace(out)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return ImportResult(out, kind, "sorted", writer.entries, stats, writer.duplicates, in_order,
                        time.monotonic() - began, out.stat().st_size)


def _one_pass(handle: BinaryIO, found: list[sources.Source], kind: HashKind, stats: sources.LineStats,
              report: Callable[[int], None] | None) -> _Writer:
    handle.seek(HEADER_SIZE + INDEX_SIZE)
    writer = _Writer(handle, kind)
    for digests, counts in sources.batches(found, kind, stats, report):
        writer.add(digests, counts, check_order=True)
    return writer


def _external(handle: BinaryIO, found: list[sources.Source], kind: HashKind, stats: sources.LineStats,
              report: Callable[[int], None] | None, memory: int, tmp_dir: Path) -> _Writer:
    handle.seek(HEADER_SIZE + INDEX_SIZE)
    handle.truncate()
    folder = Path(tempfile.mkdtemp(prefix=".canhgac-pwned-sort-", dir=tmp_dir))
    try:
        parts = _partition(sources.batches(found, kind, stats, report), folder, 0)
        writer = _Writer(handle, kind)
        for part in parts:
            _sort_into(writer, part, kind.size, 0, memory)
        return writer
    finally:
        shutil.rmtree(folder, ignore_errors=True)
