"""Issue 16, item 3: the Bloom-filter mode for small disks: no false negative, and a measured
false-positive rate within the asked one (the size is found from the blocked filter's model)."""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from pathlib import Path

import pytest
from pwned_corpus_support import corpus, password, write_ordered

from canhgac.creds.pwned import PwnedStore, StoreError, import_corpus, is_pwned
from canhgac.creds.pwned import bloom as bloom_module
from canhgac.creds.pwned.bloom import block_of, blocked_fpr, size_for
from canhgac.creds.pwned.layout import MODE_BLOOM, MODE_BLOOM_MIXED

ROWS = corpus(20000)


@pytest.mark.parametrize("fpr", [0.01, 0.001])
def test_no_false_negative_and_the_rate_is_kept(tmp_path: Path, fpr: float) -> None:
    result = import_corpus([write_ordered(tmp_path / "c.txt", ROWS)], tmp_path / "b.store", bloom_fpr=fpr)
    assert result.mode == "bloom" and result.entries == 20000 and result.fpr <= fpr
    with PwnedStore(tmp_path / "b.store") as store:
        assert store.bloom and store.header.fpr <= fpr
        assert all(store.count(bytes.fromhex(h)) == 1 for h in ROWS)
        trials = 200_000
        false = sum(store.count(hashlib.sha1(b"absent-%d" % i).digest()) for i in range(trials))
    # the model's rate, with room for chance (about four standard deviations)
    assert false / trials <= result.fpr + 4 * (result.fpr / trials) ** 0.5
    assert is_pwned(password(5), store=tmp_path / "b.store") == 1


def test_a_bloom_store_is_smaller_than_the_sorted_one_and_lists_nothing(tmp_path: Path) -> None:
    rows = corpus(200_000)
    text = write_ordered(tmp_path / "c.txt", rows)
    bloom = import_corpus([text], tmp_path / "b.store", bloom_fpr=0.001)
    plain = import_corpus([text], tmp_path / "s.store")
    index = 4096 + (1 << 20) * 8
    assert bloom.store_bytes < (plain.store_bytes - index) / 5  # ~1.9 bytes a hash against 22
    with PwnedStore(tmp_path / "b.store") as store, pytest.raises(StoreError, match="Bloom filter"):
        store.bucket(0)


def test_sizing() -> None:
    blocks, k, rate = size_for(1_000_000, 0.001)
    assert rate <= 0.001 and 6 <= k <= 14
    assert blocks * 512 / 1_000_000 < 17  # bits per hash: a classic filter needs 14.4
    assert blocked_fpr(1_000_000, blocks * 2, k) < rate
    with pytest.raises(StoreError):
        size_for(10, 0.9)


def _range_subset(n: int, seed: int = 4) -> list[bytes]:
    """Hashes under a few prefixes only, as a partial download of range files gives."""
    rng = random.Random(seed)
    return [bytes([0, rng.randrange(3)]) + rng.randbytes(18) for _ in range(n)]


@pytest.mark.parametrize("blocks", [32748, 32752, 4096])
def test_a_prefix_range_subset_spreads_over_every_block(blocks: int) -> None:
    digests = _range_subset(40_000)
    mixed = Counter(block_of(d, blocks, MODE_BLOOM_MIXED) for d in digests)
    assert len(mixed) > 0.65 * blocks  # 40,000 hashes: 1.2 a block, 70 % of blocks hit (4096: all)
    old = Counter(block_of(d, blocks, MODE_BLOOM) for d in digests)
    assert len(old) < 0.8 * len(mixed)  # the first layout left many blocks empty, others full


def test_a_range_subset_keeps_the_rate_and_old_stores_still_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = {d.hex().upper(): 3 for d in _range_subset(30_000)}
    text = write_ordered(tmp_path / "c.txt", rows)
    result = import_corpus([text], tmp_path / "b.store", bloom_fpr=0.01)
    rng = random.Random(9)
    with PwnedStore(tmp_path / "b.store") as store:
        assert store.header.mode == MODE_BLOOM_MIXED
        assert all(store.count(bytes.fromhex(h)) == 1 for h in rows)
        trials = 100_000
        false = sum(store.count(bytes([0, rng.randrange(3)]) + rng.randbytes(18)) for _ in range(trials))
    assert false / trials <= result.fpr + 4 * (result.fpr / trials) ** 0.5
    monkeypatch.setattr(bloom_module, "WRITE_MODE", MODE_BLOOM)  # a store of the first layout
    import_corpus([text], tmp_path / "old.store", bloom_fpr=0.01)
    with PwnedStore(tmp_path / "old.store") as store:
        assert store.bloom and store.header.mode == MODE_BLOOM
        assert all(store.count(bytes.fromhex(h)) == 1 for h in rows)  # read as it was written
