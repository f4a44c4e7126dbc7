"""A generated tree with planted samples: every planted hit found once, none on a clean tree."""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from pathlib import Path

import pytest
from sweep_support import CRAFTED, EICAR, TEST_RULES, WEBSHELL, result_body, run_child

from canhgac.sweep import sweep
from canhgac.sweep.cli import load_packs
from canhgac.sweep.options import SweepOptions


def _clean_tree(root: Path, rng: random.Random, count: int = 300) -> None:
    exts = ["exe", "dll", "txt", "php", "sh", "", "js", "doc", "jpg"]
    for i in range(count):
        d = root / f"d{i % 17}" / f"e{i % 5}"
        d.mkdir(parents=True, exist_ok=True)
        ext = exts[i % len(exts)]
        (d / (f"file{i}.{ext}" if ext else f"file{i}")).write_bytes(rng.randbytes(rng.randrange(0, 20000)))
    (root / "www").mkdir(exist_ok=True)
    (root / "www" / "index.php").write_bytes(b"<?php echo htmlspecialchars($_GET['q'] ?? ''); ?>\n")


def _packs(tmp: Path, planted_hash_content: bytes) -> list[Path]:
    packs = tmp / "packs"
    packs.mkdir()
    (packs / "test.yar").write_text(TEST_RULES)
    (packs / "hash-iocs.txt").write_text(
        f"{hashlib.sha256(planted_hash_content).hexdigest()};planted sha256\n"
        f"{hashlib.md5(b'another planted file').hexdigest()};planted md5\n"
    )
    (packs / "filename-iocs.txt").write_text(r"\\evil_loader\.exe$;80;planted name" + "\n")
    (packs / "list.csv").write_text("type,value,note\nfilename,dropper_x.scr,planted via CSV\n")
    return sorted(packs.iterdir())


def _plant(root: Path) -> dict[tuple[str, str], int]:
    """The planted samples; returns the (check, file name) pairs expected, each once."""
    (root / "a" / "b").mkdir(parents=True, exist_ok=True)
    (root / "a" / "eicar.com").write_bytes(EICAR)
    (root / "a" / "b" / "crafted.bin").write_bytes(CRAFTED)
    (root / "a" / "b" / "hashed.dat").write_bytes(b"planted hash content\n")
    (root / "a" / "other.exe").write_bytes(b"another planted file")
    (root / "a" / "b" / "evil_loader.exe").write_bytes(b"nothing special")
    (root / "dropper_x.scr").write_bytes(b"nothing special either")
    (root / "www" / "shell.php").write_bytes(WEBSHELL)
    return {
        ("yara", "eicar.com"): 1,
        ("yara", "crafted.bin"): 1,
        ("hash", "hashed.dat"): 1,
        ("hash", "other.exe"): 1,
        ("filename", "evil_loader.exe"): 1,
        ("filename", "dropper_x.scr"): 1,
        ("yara", "shell.php"): 1,
        ("webshell", "shell.php"): 1,
    }


def _run(tree: Path, packs: list[Path]) -> dict[str, object]:
    ind = load_packs(packs, None, starter=True)
    return sweep.run(SweepOptions(paths=[tree], cpu_cap=100, system=False), ind)


def test_every_planted_hit_found_once(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    _clean_tree(tree, random.Random(3))
    expected = _plant(tree)
    body = _run(tree, _packs(tmp_path, b"planted hash content\n"))
    found = Counter((h["check"], Path(h["where"]).name) for h in body["hits"])  # type: ignore[attr-defined]
    assert dict(found) == expected
    assert body["complete"] and not body["interrupted"] and body["errors"] == []
    yara_hit = next(h for h in body["hits"] if h["where"].endswith("crafted.bin"))  # type: ignore[attr-defined]
    assert yara_hit["rule"]["strings"][0]["data"] == "canhgac-test-marker-7f3a"
    assert yara_hit["hashes"]["sha256"] == hashlib.sha256(CRAFTED).hexdigest()
    assert {p["name"] for p in body["packs"]} >= {"starter", "test.yar", "hash-iocs.txt"}  # type: ignore[attr-defined]


def test_clean_tree_has_no_hit(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    _clean_tree(tree, random.Random(4), count=500)
    body = _run(tree, _packs(tmp_path, b"not in the tree"))
    assert body["hits"] == []
    assert body["counts"]["files_seen"] == 501  # type: ignore[index]


def test_command_writes_a_signed_result_and_exit_code(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    _clean_tree(tree, random.Random(5), count=20)
    (tree / "eicar.com").write_bytes(EICAR)
    out = tmp_path / "result.json"
    done = run_child(
        [str(tree), "--no-system", "--key", str(tmp_path / "host.key"), "--out", str(out), "--cpu-cap", "100"]
    )
    assert done.returncode == 1, done.stderr
    body = result_body(out)
    assert [h["indicator"] for h in body["hits"]] == ["EICAR_Test_File"]
    assert body["host"]["name"] and body["packs"][0]["name"] == "starter"
    assert "type" in body["skipped"]  # the .txt/.jpg files: names matched, not read
    # an edited result is refused
    text = out.read_text().replace("EICAR_Test_File", "Nothing")
    out.write_text(text)
    check = run_child(["verify-result", str(out)])
    assert (
        check.returncode == 2
        and "bad signature" in check.stderr
        and len(check.stderr.strip().splitlines()) == 1
    )


def test_read_only_by_default(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    sample = tree / "eicar.com"
    sample.write_bytes(EICAR)
    before = sample.stat()
    body = _run(tree, [])
    assert len(body["hits"]) == 1  # type: ignore[arg-type]
    after = sample.stat()
    assert sample.read_bytes() == EICAR and (after.st_mtime_ns, after.st_mode) == (
        before.st_mtime_ns,
        before.st_mode,
    )


def test_quarantine_copies_hashes_then_removes(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "eicar.com").write_bytes(EICAR)
    (tree / "clean.exe").write_bytes(b"clean")
    qdir = tmp_path / "q"
    ind = load_packs([], None, starter=True)
    body = sweep.run(SweepOptions(paths=[tree], cpu_cap=100, system=False, quarantine=qdir), ind)
    digest = hashlib.sha256(EICAR).hexdigest()
    kept = qdir / f"{digest}.quarantined"
    assert not (tree / "eicar.com").exists() and (tree / "clean.exe").exists()
    assert hashlib.sha256(kept.read_bytes()).hexdigest() == digest
    assert kept.stat().st_mode & 0o777 == 0o400
    assert body["hits"][0]["quarantined"] == str(kept)  # type: ignore[index]
    assert digest in (qdir / "quarantine.jsonl").read_text()


@pytest.mark.parametrize("bad", ["rule x { condition: nope }"])
def test_bad_yara_pack_refused_in_one_line(tmp_path: Path, bad: str) -> None:
    (tmp_path / "bad.yar").write_text(bad)
    done = run_child(
        [
            str(tmp_path),
            "--no-system",
            "--pack",
            str(tmp_path / "bad.yar"),
            "--key",
            str(tmp_path / "k"),
            "--out",
            str(tmp_path / "r.json"),
        ]
    )
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "do not compile" in done.stderr
