"""Robustness: FIFOs, devices, unreadable files, a 2 GB sparse file, symlink loops and links
out of the tree, 100,000 files, an interrupted sweep: bounded time and memory, a complete
(or, interrupted, a partial but signed) result, never a traceback."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sweep_support import EICAR, SRC, result_body, run_child

# As root, "unreadable" needs another user: the sweep runs as nobody (no FUSE, no capabilities
# dropped by hand); as another user, chmod 000 is enough.
AS_USER = 65534 if os.geteuid() == 0 else None


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder the child (nobody, when the tests run as root) can walk and write in."""
    path = Path(tempfile.mkdtemp(prefix="canhgac-sweep-test-"))
    path.chmod(0o777)
    yield path
    for d, dirs, _files in os.walk(path):
        for name in dirs:
            os.chmod(os.path.join(d, name), 0o755)
    shutil.rmtree(path, ignore_errors=True)


def _robust_tree(root: Path) -> dict[str, bool]:
    root.mkdir()
    (root / "ok").mkdir()
    (root / "ok" / "eicar.com").write_bytes(EICAR)
    os.mkfifo(root / "fifo")
    made = {"device": True}
    try:
        os.mknod(root / "null-device", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, OSError):
        made["device"] = False  # no CAP_MKNOD in this container: the device case is not exercised
    secret = root / "secret.exe"
    secret.write_bytes(EICAR)
    secret.chmod(0)
    closed = root / "closed"
    closed.mkdir()
    (closed / "inside.exe").write_bytes(EICAR)
    closed.chmod(0)
    with open(root / "big.bin", "wb") as fh:
        fh.truncate(2 * 1024**3)  # 2 GB, sparse
    os.symlink(".", root / "loop")
    os.symlink("..", root / "ok" / "up")
    os.symlink("/etc", root / "out-of-tree")
    os.symlink("/etc/passwd", root / "passwd.exe")
    for p in (root, root / "ok"):
        p.chmod(0o755)
    (root / "ok" / "eicar.com").chmod(0o644)
    return made


def test_special_files_bounded_and_complete(shared_dir: Path) -> None:
    tree = shared_dir / "tree"
    made = _robust_tree(tree)
    out = shared_dir / "r.json"
    started = time.monotonic()
    done = run_child(
        [str(tree), "--no-system", "--cpu-cap", "100", "--key", str(shared_dir / "k"), "--out", str(out)],
        user=AS_USER,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert time.monotonic() - started < 60
    body = result_body(out)
    assert body["complete"] and [Path(h["where"]).name for h in body["hits"]] == ["eicar.com"]
    skipped = {reason: v["count"] for reason, v in body["skipped"].items()}
    assert skipped["special"] == 1 + made["device"]
    assert skipped["unreadable"] == 2  # secret.exe and the closed folder
    assert skipped["symlink"] == 4  # the loop, ok/up, out-of-tree, passwd.exe: none followed
    assert skipped["too-large"] == 1  # the 2 GB sparse file, over the 100 MB default
    assert body["resources"]["peak_rss_mb"] < 200


def test_huge_sparse_file_read_stops_at_timeout(shared_dir: Path) -> None:
    with open(shared_dir / "big.bin", "wb") as fh:
        fh.truncate(2 * 1024**3)
    out = shared_dir / "r.json"
    started = time.monotonic()
    done = run_child(
        [
            str(shared_dir / "big.bin"),
            "--no-system",
            "--cpu-cap",
            "100",
            "--max-size",
            "3000",
            "--timeout-per-file",
            "1",
            "--key",
            str(shared_dir / "k"),
            "--out",
            str(out),
        ],
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 30
    body = result_body(out)
    assert body["skipped"]["timeout"]["count"] == 1 and body["resources"]["peak_rss_mb"] < 200


@pytest.mark.timeout(600)
def test_hundred_thousand_files(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    exts = (".exe", ".dll", ".php", ".txt", ".js", "")
    for d in range(100):
        folder = tree / f"d{d:03d}"
        folder.mkdir(parents=True)
        for i in range(1000):
            fd = os.open(folder / f"f{i}{exts[i % len(exts)]}", os.O_WRONLY | os.O_CREAT, 0o644)
            os.write(fd, b"x" * (i % 64))
            os.close(fd)
    (tree / "d050" / "eicar.com").write_bytes(EICAR)
    out = tmp_path / "r.json"
    started = time.monotonic()
    done = run_child(
        [str(tree), "--no-system", "--cpu-cap", "100", "--key", str(tmp_path / "k"), "--out", str(out)],
        timeout=500,
    )
    elapsed = time.monotonic() - started
    assert done.returncode == 1, done.stderr
    body = result_body(out)
    assert body["counts"]["files_seen"] == 100_001 and body["complete"]
    assert [Path(h["where"]).name for h in body["hits"]] == ["eicar.com"]
    assert body["resources"]["peak_rss_mb"] < 300
    assert elapsed < 300, f"100,000 files took {elapsed:.0f} s"


def test_sigterm_writes_a_partial_signed_result(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    for d in range(20):
        (tree / f"d{d}").mkdir(parents=True)
        for i in range(200):
            (tree / f"d{d}" / f"f{i}.exe").write_bytes(os.urandom(4096))
    out = tmp_path / "r.json"
    env = dict(os.environ, PYTHONPATH=str(SRC), CANHGAC_LANG="en")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "canhgac.sweep",
            str(tree),
            "--no-system",
            "--cpu-cap",
            "2",
            "--key",
            str(tmp_path / "k"),
            "--out",
            str(out),
        ],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        if "files" in line:
            break
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=60)
    assert code == 130
    body = result_body(out)
    assert body["interrupted"] and body["interrupted_by"] == "SIGTERM" and not body["complete"]
    assert 0 < body["counts"]["files_seen"] < 4000
