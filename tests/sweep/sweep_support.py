"""Shared helpers of the sweep's tests: planted samples, a sweep run as a child process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parents[2] / "src"
# The EICAR test string, put together at run time so that no file of the repository is one.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-" + b"TEST-FILE!$H+H*"
# Harmless text crafted to match TEST_RULES, and a web page that trips the webshell markers
# (dead code behind `if (false)`, never deployed).
CRAFTED = b"canhgac-test-marker-7f3a: this file is harmless, made to match a test YARA rule\n"
WEBSHELL = b'<?php if (false) { eval($_POST["canhgac_test"]); } ?>\n'
TEST_RULES = """
rule Canhgac_Test_Marker {
  meta:
    description = "test rule: a harmless marker planted by the tests"
  strings:
    $a = "canhgac-test-marker-7f3a"
  condition:
    $a
}
"""


def run_child(
    args: list[str], *, user: int | None = None, timeout: float = 300, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m canhgac.sweep ARGS`` in a child process (as ``user`` when given)."""
    full_env = {**os.environ, "PYTHONPATH": str(SRC), "CANHGAC_LANG": "en", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "canhgac.sweep", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        user=user,
        check=False,
    )


def result_body(path: Path) -> dict[str, Any]:
    from canhgac.sweep.result import read_verified

    return read_verified(path)


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
