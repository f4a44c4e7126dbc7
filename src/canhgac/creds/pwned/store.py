"""Reading a store: one hash's count, and one prefix's bucket for the range API.

Two ways to the same answer, both two disk reads cold whatever a bucket's size. ``count`` (and
``bucket``, what the range API serves) reads the index entry from the file memory-mapped with
read-ahead off (``MADV_RANDOM``: one page fault cold, none warm) and the bucket with one
``pread`` (one contiguous read cold, a copy from the page cache warm). Touching the bucket
through the map instead would fault each of its pages apart: three or more reads when it crosses
a page boundary, as half the buckets of a 100-million store and every full-corpus bucket (about
20 KiB) do. ``count_direct`` makes two ``pread`` calls (the index entry too), for a caller that
keeps no map.
"""

from __future__ import annotations

import mmap
import os
import struct
from pathlib import Path
from types import TracebackType

from canhgac.creds.pwned.bloom import positions
from canhgac.creds.pwned.hashes import HashKind
from canhgac.creds.pwned.layout import (
    BLOOM_MODES,
    HEADER_SIZE,
    START_BITS,
    START_MASK,
    StoreError,
    read_header,
)
from canhgac.i18n import gettext as _

_ENTRY = struct.Struct("<Q")


class PwnedStore:
    """An open store (sorted or Bloom). ``count`` of a hash: times seen (Bloom: 1 for "probably
    seen", without a count); 0 when not in the corpus."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            raise StoreError(_("{path}: no such store").format(path=self.path)) from None
        except OSError as exc:
            why = exc.strerror
            raise StoreError(_("{path} cannot be read: {why}").format(path=self.path, why=why)) from None
        try:
            size = os.fstat(fd).st_size
            self.header = read_header(os.pread(fd, HEADER_SIZE, 0), str(self.path), size)
            self._map = mmap.mmap(fd, size, access=mmap.ACCESS_READ)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        if hasattr(self._map, "madvise"):
            self._map.madvise(mmap.MADV_RANDOM)
        h = self.header
        self.kind: HashKind = h.kind
        self.bloom = h.mode in BLOOM_MODES
        self.entries = h.entries
        self._index = HEADER_SIZE
        self._records = h.data_offset
        self._key = h.key_size
        self._step = h.record_size
        if not self.bloom and h.entries:
            last = _ENTRY.unpack_from(self._map, HEADER_SIZE + ((1 << 20) - 1) * 8)[0]
            if (last & START_MASK) + (last >> START_BITS) != h.entries:
                raise StoreError(_("{path} has a damaged index: import the corpus again").format(
                    path=self.path))

    def __enter__(self) -> PwnedStore:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def fileno(self) -> int:
        """The open file (the benchmark drops its pages from the cache to measure cold lookups)."""
        return self._fd

    def close(self) -> None:
        self._map.close()
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def count(self, digest: bytes) -> int:
        """Times ``digest`` (the raw hash, 20 or 16 bytes) was seen; 0 when never."""
        if len(digest) != self.kind.size:
            raise ValueError("hash of the wrong size for this store")
        if self.bloom:
            return 1 if self._maybe(digest) else 0
        bucket = (digest[0] << 12) | (digest[1] << 4) | (digest[2] >> 4)
        return self._find(self._records_of(bucket), digest[2:])

    def _records_of(self, bucket: int) -> bytes:
        """A bucket's records: the index entry through the map, the records in one ``pread``."""
        entry = _ENTRY.unpack_from(self._map, self._index + bucket * 8)[0]
        length = (entry >> START_BITS) * self._step
        if not length:
            return b""
        return os.pread(self._fd, length, self._records + (entry & START_MASK) * self._step)

    def count_direct(self, digest: bytes) -> int:
        """As ``count``, in exactly two ``pread`` calls (the index entry, the bucket)."""
        if len(digest) != self.kind.size:
            raise ValueError("hash of the wrong size for this store")
        if self.bloom:
            return self.count(digest)
        bucket = (digest[0] << 12) | (digest[1] << 4) | (digest[2] >> 4)
        entry = _ENTRY.unpack(os.pread(self._fd, 8, self._index + bucket * 8))[0]
        data = os.pread(self._fd, (entry >> START_BITS) * self._step,
                        self._records + (entry & START_MASK) * self._step)
        return self._find(data, digest[2:])

    def _find(self, records: bytes, key: bytes) -> int:
        """The count of ``key`` among a bucket's records, or 0.

        A search of the bucket's bytes (in C) rather than a bisection (in Python): a bucket is
        about 2 KiB at 100 million hashes, 20 KiB for the full corpus, and scanning it costs
        less than the bisection's steps; a match not on a record's boundary is passed over.
        """
        step = self._step
        found = records.find(key)
        while found >= 0:
            if found % step == 0:
                return int.from_bytes(records[found + self._key:found + step], "big")
            found = records.find(key, found + 1)
        return 0

    def _maybe(self, digest: bytes) -> bool:
        h = self.header
        mm = self._map
        base, bits = positions(digest, h.bloom_blocks, h.bloom_k, h.mode)
        base += self._records
        return all(mm[base + (bit >> 3)] & (1 << (bit & 7)) for bit in bits)

    def bucket(self, prefix: int) -> list[tuple[bytes, int]]:
        """The records of a 20-bit prefix, in order: (hash without its first two bytes, count)."""
        if self.bloom:
            raise StoreError(_("{path} is a Bloom filter: it holds no hashes to list, only answers "
                               "whether one was seen").format(path=self.path))
        step, size = self._step, self._key
        data = self._records_of(prefix)
        return [(data[i:i + size], int.from_bytes(data[i + size:i + step], "big"))
                for i in range(0, len(data), step)]
