"""Issue 16 item 3: a lookup reads the disk at most twice cold, whatever a bucket's size.

``count`` (what ``is_pwned`` calls) and ``bucket`` (what the range API serves) read the index
entry through the map and the bucket in one ``pread``; touching a bucket through the map would
fault each of its pages apart (five or six for a full-corpus bucket of about 20 KiB). Here the
buckets are made that large on purpose: 1,000 hashes under each of a few prefixes.
"""

from __future__ import annotations

import os
import random
import resource
from pathlib import Path

import pytest
from pwned_corpus_support import write_ordered

from canhgac.creds.pwned import PwnedStore, import_corpus, range_body
from canhgac.creds.pwned.layout import prefix_of

PREFIXES = ("00000", "21BD1", "FFFFF")


def _fat_buckets() -> dict[str, int]:
    rng = random.Random(3)
    return {
        p + rng.randbytes(18).hex().upper()[:35]: rng.randint(1, 99) for p in PREFIXES for _ in range(1000)
    }


@pytest.fixture(scope="module")
def fat_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    folder = tmp_path_factory.mktemp("fat")
    rows = _fat_buckets()
    import_corpus([write_ordered(folder / "c.txt", rows)], folder / "fat.store")
    return folder / "fat.store", rows


def test_a_bucket_is_read_in_one_pread_of_its_whole_length(
    fat_store: tuple[Path, dict[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, rows = fat_store
    calls: list[int] = []
    real = os.pread

    def counting(fd: int, length: int, offset: int) -> bytes:
        calls.append(length)
        return real(fd, length, offset)

    with PwnedStore(path) as store:
        monkeypatch.setattr(os, "pread", counting)
        for text, seen in list(rows.items())[::250]:
            calls.clear()
            assert store.count(bytes.fromhex(text)) == seen
            assert calls == [1000 * 22]  # one contiguous read of the ~22 KiB bucket
        calls.clear()
        assert len(store.bucket(prefix_of(bytes.fromhex(PREFIXES[1] + "0" * 35)))) == 1000
        assert calls == [1000 * 22]
        calls.clear()
        assert range_body(store, 0x12345) == b"" and calls == []  # an empty bucket: no read at all


def _io() -> dict[str, int]:
    lines = Path("/proc/self/io").read_text().splitlines()
    return {k: int(v) for k, v in (line.split(":") for line in lines)}


@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="needs /proc/self/io")
def test_a_cold_lookup_makes_at_most_two_disk_reads(fat_store: tuple[Path, dict[str, int]]) -> None:
    path, rows = fat_store
    first, second = _io(), _io()
    own = second["syscr"] - first["syscr"]  # the read calls of reading /proc/self/io itself
    for text in list(rows)[::300]:
        digest = bytes.fromhex(text)
        for way in ("count", "bucket"):
            with PwnedStore(path) as store:
                os.posix_fadvise(store.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
                faults = resource.getrusage(resource.RUSAGE_SELF).ru_majflt
                before = _io()
                if way == "count":
                    store.count(digest)
                else:
                    store.bucket(prefix_of(digest))
                calls = _io()["syscr"] - before["syscr"] - own
                faults = resource.getrusage(resource.RUSAGE_SELF).ru_majflt - faults
                assert calls == 1 and faults <= 1, (way, calls, faults)  # one pread, the index page
