"""A breach import killed with SIGKILL part-way (``canhgac creds import`` in a child process)
resumes where its last commit stopped and ends with exactly the rows and counts of an
uninterrupted import; the killed workspace holds none of the input's passwords."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from breach_support import INVENTORY, combo

# small chunks, so that the import commits often and a kill lands in the middle of it
_CANHGAC = (
    "import sys; from canhgac.creds.breach import importer; importer.CHUNK = 4096; "
    "from canhgac.cli.main import run; sys.argv[0] = 'canhgac'; run()"
)
ARGS = ["creds", "import", "--source", "Combo 2017", "--date", "2017-12-01"]


def _env(workspace: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANHGAC_")}
    return env | {"CANHGAC_WORKSPACE": str(workspace), "CANHGAC_SECRET_KEY": "same installation key"}


def _start(workspace: Path, data: Path, inventory: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", _CANHGAC, "--lang", "en", *ARGS, "-i", str(inventory), str(data)],
        env=_env(workspace),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _state(workspace: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with sqlite3.connect(workspace / "canhgac.sqlite3") as db:
        rows = db.execute(
            "SELECT address, agency_code, breach, breach_date, service, secret_kind, secret_hmac, "
            "sha1_prefix FROM store_leakedaccount ORDER BY 1, 2, 3, 7"
        ).fetchall()
        imports = db.execute(
            "SELECT offset, size, counts, finished_at IS NOT NULL FROM store_breachimport"
        ).fetchall()
    return rows, imports


def _offset(workspace: Path) -> int:
    try:
        with sqlite3.connect(workspace / "canhgac.sqlite3", timeout=0.05) as db:
            found = db.execute("SELECT offset FROM store_breachimport").fetchone()
    except sqlite3.Error:
        return 0
    return int(found[0]) if found else 0


@pytest.mark.timeout(300)
def test_a_killed_import_resumes_to_the_uninterrupted_result(tmp_path: Path) -> None:
    made = combo(tmp_path / "combo.txt", lines=40_000, shared="Chung-M4tkhau!")
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(INVENTORY, encoding="utf-8")

    whole = tmp_path / "whole"
    done = subprocess.run(
        [sys.executable, "-c", _CANHGAC, "--lang", "en", *ARGS, "-i", str(inventory), str(made.path)],
        env=_env(whole),
        capture_output=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    assert b"Lines read" in done.stdout and f"{made.lines:,}".encode() in done.stdout

    killed = tmp_path / "killed"
    child = _start(killed, made.path, inventory)
    deadline = time.monotonic() + 120
    while _offset(killed) == 0 and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL, "the import ended before it could be killed"
    _rows, imports = _state(killed)
    assert imports and not imports[0][3] and 0 < int(imports[0][0]) < made.path.stat().st_size

    blob = b"".join(p.read_bytes() for p in killed.rglob("*") if p.is_file())
    assert not [pw for pw in made.passwords if pw.encode() in blob]

    resumed = subprocess.run(
        [sys.executable, "-c", _CANHGAC, "--lang", "en", *ARGS, "-i", str(inventory), str(made.path)],
        env=_env(killed),
        capture_output=True,
        timeout=240,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stderr.decode()[-3000:]
    assert b"Resumed at byte" in resumed.stdout
    assert _state(killed) == _state(whole)

    command = [sys.executable, "-c", _CANHGAC, "--lang", "en", "creds", "leaks"]
    wide = _env(killed) | {"COLUMNS": "250"}  # a table row per account, unfolded
    listed = subprocess.run(command, env=wide, capture_output=True, timeout=120, check=False)
    assert listed.returncode == 0, listed.stderr.decode()[-3000:]
    assert b"nguyen.van.a@stttt.kiengiang.gov.vn" in listed.stdout
    printed = done.stdout + done.stderr + resumed.stdout + resumed.stderr + listed.stdout + listed.stderr
    assert not [pw for pw in made.passwords if pw.encode() in printed]
