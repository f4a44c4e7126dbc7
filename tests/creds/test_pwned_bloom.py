"""Issue 16, item 3: the Bloom-filter mode for small disks: no false negative, and a measured
false-positive rate within the asked one (the size is found from the blocked filter's model)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from pwned_corpus_support import corpus, password, write_ordered

from canhgac.creds.pwned import PwnedStore, StoreError, import_corpus, is_pwned
from canhgac.creds.pwned.bloom import blocked_fpr, size_for

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
