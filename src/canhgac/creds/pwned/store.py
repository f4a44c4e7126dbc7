"""Reading a store: one hash's count, and one prefix's bucket for the range API.

The file is memory-mapped with read-ahead off (``MADV_RANDOM``): a cold lookup faults in the
index entry's page and the bucket's page(s), nothing around them, and a warm one is a bisection
over a few hundred records in memory.
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
    HEADER_SIZE,
    MODE_BLOOM,
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
        finally:
            os.close(fd)
        if hasattr(self._map, "madvise"):
            self._map.madvise(mmap.MADV_RANDOM)
        h = self.header
        self.kind: HashKind = h.kind
        self.bloom = h.mode == MODE_BLOOM
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

    def close(self) -> None:
        self._map.close()

    def count(self, digest: bytes) -> int:
        """Times ``digest`` (the raw hash, 20 or 16 bytes) was seen; 0 when never."""
        if len(digest) != self.kind.size:
            raise ValueError("hash of the wrong size for this store")
        if self.bloom:
            return 1 if self._maybe(digest) else 0
        mm = self._map
        bucket = (digest[0] << 12) | (digest[1] << 4) | (digest[2] >> 4)
        entry = _ENTRY.unpack_from(mm, self._index + bucket * 8)[0]
        step, size = self._step, self._key
        base = self._records + (entry & START_MASK) * step
        key = digest[2:]
        lo, hi = 0, entry >> START_BITS
        while lo < hi:
            mid = (lo + hi) >> 1
            at = base + mid * step
            found = mm[at:at + size]
            if found < key:
                lo = mid + 1
            elif found > key:
                hi = mid
            else:
                return int.from_bytes(mm[at + size:at + step], "big")
        return 0

    def _maybe(self, digest: bytes) -> bool:
        h = self.header
        mm = self._map
        base, bits = positions(digest, h.bloom_blocks, h.bloom_k)
        base += self._records
        return all(mm[base + (bit >> 3)] & (1 << (bit & 7)) for bit in bits)

    def bucket(self, prefix: int) -> list[tuple[bytes, int]]:
        """The records of a 20-bit prefix, in order: (hash without its first two bytes, count)."""
        if self.bloom:
            raise StoreError(_("{path} is a Bloom filter: it holds no hashes to list, only answers "
                               "whether one was seen").format(path=self.path))
        entry = _ENTRY.unpack_from(self._map, self._index + prefix * 8)[0]
        step, size = self._step, self._key
        at = self._records + (entry & START_MASK) * step
        data = self._map[at:at + (entry >> START_BITS) * step]
        return [(data[i:i + size], int.from_bytes(data[i + size:i + step], "big"))
                for i in range(0, len(data), step)]
