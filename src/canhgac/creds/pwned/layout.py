"""The store's file layout, shared by the importer and the readers.

One file, written to a temporary name and renamed when complete::

    header   4096 bytes   magic, version, hash kind, mode, counts, where the data is
    sorted mode:
      index  2^20 × 8 bytes   per 5-hex prefix: first record (40 bits) | records (24 bits)
      records                 hash minus its first two bytes (18 or 14 bytes) + count (u32 BE),
                              sorted; the prefix is implied by the bucket
    bloom mode:
      blocks                  64-byte blocks of a blocked Bloom filter (every bit of one hash in
                              one block, so a cold lookup reads one page)

A lookup reads one index entry (one 4 KiB page: entries are 8-byte aligned) and its bucket
(about 2 KiB at 100 million hashes, 20 KiB for the full corpus): two reads. The header states
the data's length, so a truncated copy is refused when opened, not found out from a wrong
answer.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from canhgac.creds.pwned.hashes import HashKind
from canhgac.i18n import gettext as _

MAGIC = b"CGPWNED\x00"
VERSION = 1
HEADER_SIZE = 4096
PREFIX_BITS = 20
BUCKETS = 1 << PREFIX_BITS
INDEX_SIZE = BUCKETS * 8
START_BITS = 40
START_MASK = (1 << START_BITS) - 1
MAX_BUCKET = (1 << (64 - START_BITS)) - 1
COUNT_SIZE = 4
MAX_COUNT = 0xFFFFFFFF
BLOCK_BYTES = 64
BLOCK_BITS = BLOCK_BYTES * 8

MODE_SORTED = 1
MODE_BLOOM = 2  # block = first eight bytes (little-endian) mod blocks: read, no longer written
MODE_BLOOM_MIXED = 3  # block = first eight bytes multiplied and scaled to the blocks (bloom.block_of)
BLOOM_MODES = (MODE_BLOOM, MODE_BLOOM_MIXED)

# magic, version, kind, mode, bloom k, entries, data offset, data length, bloom blocks, fpr (ppm × 1000)
_HEADER = struct.Struct("<8sBBBBQQQQQ")


class StoreError(Exception):
    """A store that cannot be used (missing, not a store, truncated, another version): one line."""


@dataclass(frozen=True)
class Header:
    kind: HashKind
    mode: int
    entries: int
    data_offset: int
    data_length: int
    bloom_k: int = 0
    bloom_blocks: int = 0
    fpr_ppb: int = 0  # bloom mode: the expected false-positive rate, parts per billion

    @property
    def key_size(self) -> int:
        return self.kind.size - 2

    @property
    def record_size(self) -> int:
        return self.key_size + COUNT_SIZE

    @property
    def fpr(self) -> float:
        return self.fpr_ppb / 1e9

    def pack(self) -> bytes:
        raw = _HEADER.pack(MAGIC, VERSION, self.kind.code, self.mode, self.bloom_k, self.entries,
                           self.data_offset, self.data_length, self.bloom_blocks, self.fpr_ppb)
        return raw.ljust(HEADER_SIZE, b"\x00")


def read_header(raw: bytes, path: str, file_size: int) -> Header:
    """The header of ``path``, or a :class:`StoreError` saying why it cannot be used."""
    if len(raw) < _HEADER.size or not raw.startswith(MAGIC):
        raise StoreError(_("{path} is not a pwned-password store (made by `canhgac creds pwned-import`)")
                         .format(path=path))
    _magic, version, kind_code, mode, k, entries, offset, length, blocks, fpr = _HEADER.unpack_from(raw)
    kind = HashKind.from_code(kind_code)
    if version != VERSION or kind is None or mode not in (MODE_SORTED, *BLOOM_MODES):
        raise StoreError(_("{path} was written by another version of canhgac: import the corpus again")
                         .format(path=path))
    if file_size < offset + length:
        raise StoreError(_("{path} is truncated ({size} of {expected} bytes): copy it again or import "
                           "the corpus again").format(path=path, size=file_size, expected=offset + length))
    return Header(kind, mode, entries, offset, length, k, blocks, fpr)


def prefix_of(digest: bytes) -> int:
    """The bucket of a hash: its first 20 bits, the range API's 5 hex digits."""
    return (digest[0] << 12) | (digest[1] << 4) | (digest[2] >> 4)
