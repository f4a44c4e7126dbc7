"""The Bloom-filter mode, for small disks: "probably seen" or "not seen", no counts, no ranges.

A blocked filter: each hash sets ``k`` bits inside one 64-byte block chosen by its first eight
bytes (multiplied by an odd 64-bit constant, the product scaled to the number of blocks: every
bit counts, so a subset of the corpus under a few prefixes still spreads over every block), the
bits drawn from its next eight by a 64-bit linear congruential step (the top 9 bits of each
step). Stores of the first layout (``MODE_BLOOM``: the eight bytes little-endian modulo the
blocks, which left a prefix-range subset on a fraction of the blocks when their number shared
factors of two with 2^16: four to six times the stated rate) are still read as they were
written. Double hashing inside so small a block measured 15% above the model's rate; this
matches it. A lookup then touches one block, so a cold
lookup is one page read. Blocks make the rate a little worse than a classic filter's for the same
size, so the size is found from the blocked filter's own rate (a Poisson sum over the number of
hashes per block) until it meets the asked false-positive rate for the number of lines the input
can hold at most; the header keeps the rate expected for the hashes really inserted.

Hashes are already uniform, so no hashing is done on them.
"""

from __future__ import annotations

import math
import mmap
import os
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from canhgac.creds.pwned import sources
from canhgac.creds.pwned.importer import ImportResult
from canhgac.creds.pwned.layout import (
    BLOCK_BITS,
    BLOCK_BYTES,
    HEADER_SIZE,
    MODE_BLOOM,
    MODE_BLOOM_MIXED,
    Header,
    StoreError,
)
from canhgac.i18n import gettext as _

if TYPE_CHECKING:
    from collections.abc import Callable

    from canhgac.creds.pwned.hashes import HashKind

MIN_FPR = 1e-9
MAX_FPR = 0.5


def blocked_fpr(entries: int, blocks: int, k: int) -> float:
    """The false-positive rate of a blocked filter: Σ over i hashes in a block (Poisson) of the
    chance that k probed bits are all set."""
    if entries == 0:
        return 0.0
    lam = entries / blocks
    spread = 12 * math.sqrt(lam) + 12
    low, high = max(0, int(lam - spread)), int(lam + spread) + 1
    total = 0.0
    keep = 1.0 - 1.0 / BLOCK_BITS
    for i in range(low, high):
        weight = math.exp(-lam + i * math.log(lam) - math.lgamma(i + 1))
        total += weight * (1.0 - keep ** (k * i)) ** k
    return total


def size_for(entries: int, fpr: float) -> tuple[int, int, float]:
    """(blocks, k, expected rate) of the smallest filter found that meets ``fpr`` for ``entries``."""
    if not MIN_FPR <= fpr <= MAX_FPR:
        raise StoreError(_("the false-positive rate must be between {low} and {high}").format(
            low=MIN_FPR, high=MAX_FPR))
    entries = max(entries, 1)
    bits_per_entry = -math.log(fpr) / math.log(2) ** 2
    while True:
        blocks = max(1, math.ceil(entries * bits_per_entry / BLOCK_BITS))
        best = min((blocked_fpr(entries, blocks, k), k) for k in range(1, 24))
        if best[0] <= fpr:
            return blocks, best[1], best[0]
        bits_per_entry *= 1.03


MASK64 = (1 << 64) - 1
STEP_MUL = 0x9E3779B97F4A7C15
STEP_ADD = 0x632BE59BD9B4E019
SHIFT = 64 - 9  # BLOCK_BITS is 2^9


WRITE_MODE = MODE_BLOOM_MIXED


def block_of(digest: bytes, blocks: int, mode: int) -> int:
    """The block of a hash in a store of ``mode``."""
    if mode == MODE_BLOOM:
        return int.from_bytes(digest[:8], "little") % blocks
    return (((int.from_bytes(digest[:8], "big") * STEP_MUL) & MASK64) * blocks) >> 64


def positions(digest: bytes, blocks: int, k: int, mode: int = MODE_BLOOM_MIXED) -> tuple[int, list[int]]:
    """The block's byte offset and the k bit positions (0..511) of a hash."""
    base = block_of(digest, blocks, mode) * BLOCK_BYTES
    x = int.from_bytes(digest[8:16], "little")
    bits = []
    for _i in range(k):
        x = (x * STEP_MUL + STEP_ADD) & MASK64
        bits.append(x >> SHIFT)
    return base, bits


def import_bloom(files: list[Path], out: Path, kind: HashKind, fpr: float, *,
                 progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Import ``files`` into a Bloom-filter store at ``out`` (replaced atomically when complete)."""
    began = time.monotonic()
    found = sources.collect(files)
    total = sum(s.size for s in found)
    most_lines = max(1, total // (kind.hex_len + 3))  # a line is at least HASH:1 and a newline
    blocks, k, _expected = size_for(most_lines, fpr)
    length = blocks * BLOCK_BYTES
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    temp = Path(temp_name)
    stats = sources.LineStats()
    try:
        with os.fdopen(fd, "w+b") as handle:
            handle.truncate(HEADER_SIZE + length)
            with mmap.mmap(handle.fileno(), HEADER_SIZE + length) as bits:
                report = (lambda done: progress(done, total)) if progress else None
                for digests, _counts in sources.batches(found, kind, stats, report):
                    _insert(bits, digests, blocks, k, WRITE_MODE)
                if stats.accepted == 0:
                    raise StoreError(_("no valid line in the input ({malformed} malformed): nothing imported")
                                     .format(malformed=stats.malformed))
                rate = blocked_fpr(stats.accepted, blocks, k)
                header = Header(kind, WRITE_MODE, stats.accepted, HEADER_SIZE, length, k, blocks,
                                max(1, round(rate * 1e9)))
                bits[:HEADER_SIZE] = header.pack()
                bits.flush()
            os.fsync(handle.fileno())
        temp.replace(out)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return ImportResult(out, kind, "bloom", stats.accepted, stats, 0, True, time.monotonic() - began,
                        out.stat().st_size, rate)


def _insert(bits: mmap.mmap, digests: list[bytes], blocks: int, k: int, mode: int) -> None:
    for digest in digests:
        base = HEADER_SIZE + block_of(digest, blocks, mode) * BLOCK_BYTES
        x = int.from_bytes(digest[8:16], "little")
        for _i in range(k):
            x = (x * STEP_MUL + STEP_ADD) & MASK64
            bit = x >> SHIFT
            bits[base + (bit >> 3)] |= 1 << (bit & 7)
