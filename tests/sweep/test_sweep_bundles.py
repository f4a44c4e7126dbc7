"""Signed offline bundles: built and verified; a bad signature or a tampered file is refused."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from sweep_support import TEST_RULES, run_child

from canhgac.sweep.bundle import BundleError, build, generate_key, load_public, verify

STIX = {
    "type": "bundle",
    "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
    "objects": [
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "created": "2024-01-01T00:00:00.000Z",
            "modified": "2024-01-01T00:00:00.000Z",
            "name": "c2",
            "pattern": "[domain-name:value = 'c2.example.net']",
            "pattern_type": "stix",
            "valid_from": "2024-01-01T00:00:00Z",
        }
    ],
}


@pytest.fixture
def made(tmp_path: Path) -> tuple[Path, Path, Path]:
    src = tmp_path / "pack"
    src.mkdir()
    (src / "rules.yar").write_text(TEST_RULES)
    (src / "hash-iocs.txt").write_text("d41d8cd98f00b204e9800998ecf8427e;empty file\n")
    (src / "report.json").write_text(json.dumps(STIX))
    key = tmp_path / "csirt.key"
    pub = generate_key(key)
    bundle = tmp_path / "pack.zip"
    build(src, key, bundle, version="2026.1", source="CSIRT test")
    return bundle, key, pub


def test_built_bundle_verifies_and_stix_became_csv(made: tuple[Path, Path, Path]) -> None:
    bundle, _key, pub = made
    verified = verify(bundle, load_public(pub))
    assert verified.manifest["version"] == "2026.1" and verified.manifest["source"] == "CSIRT test"
    assert set(verified.files) == {"rules.yar", "hash-iocs.txt", "report.csv"}
    assert "domain,c2.example.net" in verified.files["report.csv"]
    assert (made[1].stat().st_mode & 0o777) == 0o600


def _rewrite(bundle: Path, change: dict[str, bytes | None]) -> None:
    with zipfile.ZipFile(bundle) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    for name, data in change.items():
        if data is None:
            members.pop(name)
        else:
            members[name] = data
    with zipfile.ZipFile(bundle, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"files/rules.yar": TEST_RULES.replace("7f3a", "0000").encode()}, "changed after signing"),
        ({"manifest.json": b'{"format": "canhgac-sweep-pack/1", "files": []}'}, "bad signature"),
        ({"manifest.sig": b"AAAA"}, "bad signature"),
        ({"manifest.sig": None}, "no manifest.sig"),
        ({"files/extra.yar": b"rule y { condition: true }"}, "not in the signed manifest"),
    ],
)
def test_tampered_bundle_refused(
    made: tuple[Path, Path, Path], change: dict[str, bytes | None], words: str
) -> None:
    bundle, _key, pub = made
    _rewrite(bundle, change)
    with pytest.raises(BundleError, match=words):
        verify(bundle, load_public(pub))


def test_other_key_refused(made: tuple[Path, Path, Path], tmp_path: Path) -> None:
    other = generate_key(tmp_path / "other.key")
    with pytest.raises(BundleError, match="bad signature"):
        verify(made[0], load_public(other))


def test_sweep_refuses_a_bad_bundle_in_one_line(made: tuple[Path, Path, Path], tmp_path: Path) -> None:
    bundle, _key, pub = made
    _rewrite(bundle, {"files/hash-iocs.txt": b"ffffffffffffffffffffffffffffffff;x\n"})
    args = [
        str(tmp_path / "pack"),
        "--no-system",
        "--key",
        str(tmp_path / "h.key"),
        "--out",
        str(tmp_path / "r.json"),
    ]
    done = run_child([*args, "--pack", str(bundle), "--pubkey", str(pub)])
    assert done.returncode == 2 and not (tmp_path / "r.json").exists()
    assert len(done.stderr.strip().splitlines()) == 1 and "refused" in done.stderr
    nokey = run_child([*args, "--pack", str(bundle)])
    assert nokey.returncode == 2 and "--pubkey" in nokey.stderr


def test_pack_commands(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "c2-iocs.txt").write_text("evil.example.org;test\n")
    assert run_child(["pack", "keygen", str(tmp_path / "k")]).returncode == 0
    built = run_child(
        ["pack", "build", str(src), "--key", str(tmp_path / "k"), "-o", str(tmp_path / "b.zip")]
    )
    assert built.returncode == 0, built.stderr
    ok = run_child(["pack", "verify", str(tmp_path / "b.zip"), "--pubkey", str(tmp_path / "k.pub")])
    assert ok.returncode == 0 and "signature good" in ok.stdout
    again = run_child(["pack", "keygen", str(tmp_path / "k")])
    assert again.returncode == 2 and "not overwritten" in again.stderr
    used = run_child(
        [
            str(src),
            "--no-system",
            "--no-starter",
            "--pack",
            str(tmp_path / "b.zip"),
            "--pubkey",
            str(tmp_path / "k.pub"),
            "--key",
            str(tmp_path / "h"),
            "--out",
            str(tmp_path / "r.json"),
        ]
    )
    assert used.returncode == 0, used.stderr
    body = json.loads((tmp_path / "r.json").read_text())["body"]
    assert (
        body["packs"][0]["signed"]
        and body["packs"][0]["version"]
        and body["indicator_counts"]["domains"] == 1
    )


def test_refusal_in_vietnamese_by_default(made: tuple[Path, Path, Path], tmp_path: Path) -> None:
    bundle, _key, pub = made
    _rewrite(bundle, {"manifest.sig": b"AAAA"})
    done = run_child(["pack", "verify", str(bundle), "--pubkey", str(pub)], env={"CANHGAC_LANG": "vi"})
    assert done.returncode == 2 and "chữ ký sai, gói bị từ chối" in done.stderr
