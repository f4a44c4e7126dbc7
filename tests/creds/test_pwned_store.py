"""Issue 16, item 3: importing the corpus into a store and looking hashes up.

Sorted and unsorted input give the same bytes; range files, NTLM, repeats, padding and malformed
lines are handled; a damaged or truncated store is refused in one line; a failed import leaves
the previous store in place.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from pwned_corpus_support import corpus, password, write_ordered, write_ranges

from canhgac.creds.pwned import HashKind, PwnedStore, StoreError, import_corpus, is_pwned, open_store
from canhgac.creds.pwned.hashes import _md4, digest_of, md4

ROWS = corpus(3000)


def _all_found(store: PwnedStore, rows: dict[str, int]) -> None:
    for h, c in rows.items():
        assert store.count(bytes.fromhex(h)) == c
        assert store.count_direct(bytes.fromhex(h)) == c


def test_md4_and_ntlm_known_answers() -> None:
    assert _md4(b"").hex() == "31d6cfe0d16ae931b73c59d7e0c089c0"
    assert _md4(b"abc").hex() == "a448017aaf21d8525fc10ae87aa6729d"
    assert _md4(b"a" * 100) == md4(b"a" * 100)
    assert digest_of("password", HashKind.NTLM).hex().upper() == "8846F7EAEE8FB117AD06BDD830B7586C"


def test_the_ordered_corpus_is_read_in_one_pass_and_every_hash_found(tmp_path: Path) -> None:
    result = import_corpus([write_ordered(tmp_path / "pwned.txt", ROWS)], tmp_path / "s.store")
    assert (result.entries, result.sorted_input, result.lines.malformed) == (3000, True, 0)
    with PwnedStore(tmp_path / "s.store") as store:
        _all_found(store, ROWS)
        assert store.count(hashlib.sha1(b"never-leaked").digest()) == 0
        assert store.count(b"\x00" * 20) == 0 and store.count(b"\xff" * 20) == 0
        assert store.count_direct(hashlib.sha1(b"never-leaked").digest()) == 0
        assert store.count_direct(b"\xff" * 20) == 0


def test_unsorted_input_is_sorted_externally_to_the_same_bytes(tmp_path: Path) -> None:
    import_corpus([write_ordered(tmp_path / "a.txt", ROWS)], tmp_path / "a.store")
    # 4 KiB of memory forces every partition to be split again by the hash's next byte
    result = import_corpus([write_ordered(tmp_path / "b.txt", ROWS, shuffle=True, newline="\n")],
                           tmp_path / "b.store", memory=4096)
    assert result.sorted_input is False
    assert (tmp_path / "a.store").read_bytes() == (tmp_path / "b.store").read_bytes()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left


def test_range_files_of_a_downloader_give_the_same_store(tmp_path: Path) -> None:
    import_corpus([write_ordered(tmp_path / "a.txt", ROWS)], tmp_path / "a.store")
    folder = write_ranges(tmp_path / "ranges", ROWS)
    (folder / "notes.md").write_text("not a range file")  # ignored: not named by a prefix
    result = import_corpus([folder], tmp_path / "r.store")
    assert result.entries == 3000
    assert (tmp_path / "a.store").read_bytes() == (tmp_path / "r.store").read_bytes()


def test_ntlm_corpus(tmp_path: Path) -> None:
    rows = corpus(500, ntlm=True)
    import_corpus([write_ordered(tmp_path / "ntlm.txt", rows)], tmp_path / "n.store", kind=HashKind.NTLM)
    with PwnedStore(tmp_path / "n.store") as store:
        assert store.kind is HashKind.NTLM
        _all_found(store, rows)
        assert is_pwned(password(7), store=store) == rows[digest_of(password(7), HashKind.NTLM).hex().upper()]
    with pytest.raises(StoreError, match="holds NTLM hashes, not SHA1"):
        is_pwned(password(7), store=tmp_path / "n.store", kind=HashKind.SHA1)


def test_malformed_lines_are_counted_padding_skipped_repeats_merged(tmp_path: Path) -> None:
    good = dict(list(ROWS.items())[:10])
    lines = [f"{h}:{c}" for h, c in sorted(good.items())]
    first = sorted(good)[0]
    lines[1:1] = [
        "not a hash at all",
        f"{first[:-1]}:4",  # one hex digit short
        f"{first[:-1]}G:4",  # not hex
        f"{first}:-3",  # negative count
        f"{first}:lots",  # not a number
        f"{first}:1",  # the same hash again, a smaller count: the larger is kept
        "0" * 40 + ":0",  # padding
        "",
    ]
    (tmp_path / "mixed.txt").write_text("\n".join(lines) + "\n")
    result = import_corpus([tmp_path / "mixed.txt"], tmp_path / "m.store")
    assert (result.entries, result.lines.malformed, result.lines.padding, result.duplicates) == (10, 5, 1, 1)
    assert result.lines.first_malformed == "mixed.txt:2"
    with PwnedStore(tmp_path / "m.store") as store:
        _all_found(store, good)


def test_is_pwned_takes_a_password_or_its_sha1(tmp_path: Path) -> None:
    import_corpus([write_ordered(tmp_path / "a.txt", ROWS)], tmp_path / "a.store")
    sha1 = hashlib.sha1(password(42).encode()).hexdigest()
    assert is_pwned(password(42), store=tmp_path / "a.store") == ROWS[sha1.upper()]
    assert is_pwned(sha1, store=tmp_path / "a.store") == ROWS[sha1.upper()]
    # the hex text taken as a password
    assert is_pwned(sha1.lower(), store=str(tmp_path / "a.store"), hashed=False) == 0
    assert is_pwned("correct horse battery staple", store=tmp_path / "a.store") == 0
    assert open_store(tmp_path / "a.store") is open_store(tmp_path / "a.store")


def test_is_pwned_reads_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import_corpus([write_ordered(tmp_path / "a.txt", ROWS)], tmp_path / "a.store")
    monkeypatch.delenv("CANHGAC_PWNED_URL", raising=False)
    monkeypatch.delenv("CANHGAC_PWNED_STORE", raising=False)
    with pytest.raises(StoreError, match="CANHGAC_PWNED_STORE"):
        is_pwned(password(1))
    monkeypatch.setenv("CANHGAC_PWNED_STORE", str(tmp_path / "a.store"))
    assert is_pwned(password(1)) > 0


def test_a_damaged_store_is_refused_in_one_line(tmp_path: Path) -> None:
    import_corpus([write_ordered(tmp_path / "a.txt", ROWS)], tmp_path / "a.store")
    data = (tmp_path / "a.store").read_bytes()
    (tmp_path / "short.store").write_bytes(data[:-7])
    (tmp_path / "text.store").write_text("hello")
    with pytest.raises(StoreError, match="truncated") as truncated:
        PwnedStore(tmp_path / "short.store")
    assert "\n" not in str(truncated.value)
    with pytest.raises(StoreError, match="not a pwned-password store"):
        PwnedStore(tmp_path / "text.store")
    with pytest.raises(StoreError, match="no such store"):
        PwnedStore(tmp_path / "missing.store")
    broken = bytearray(data)
    broken[4096 + (1 << 20) * 8 - 8:4096 + (1 << 20) * 8] = b"\x00" * 8  # the last index entry
    (tmp_path / "index.store").write_bytes(bytes(broken))
    with pytest.raises(StoreError, match="damaged index"):
        PwnedStore(tmp_path / "index.store")


def test_a_failed_import_keeps_the_previous_store(tmp_path: Path) -> None:
    import_corpus([write_ordered(tmp_path / "a.txt", ROWS)], tmp_path / "a.store")
    before = (tmp_path / "a.store").read_bytes()
    (tmp_path / "junk.txt").write_text("junk\nmore junk\n")
    with pytest.raises(StoreError, match="no valid line"):
        import_corpus([tmp_path / "junk.txt"], tmp_path / "a.store")
    with pytest.raises(StoreError, match="no such file"):
        import_corpus([tmp_path / "missing.txt"], tmp_path / "a.store")
    assert (tmp_path / "a.store").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.store", "a.txt", "junk.txt"]
