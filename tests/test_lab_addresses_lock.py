"""The turn-taking of the test files that bind the lab's fixed addresses (``lab_addresses_support``):
a second holder waits for the first, across processes, and gives up with a one-line reason."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from lab_addresses_support import lab_addresses_held

_HOLD = """
import sys, time
sys.path.insert(0, sys.argv[2])
from lab_addresses_support import lab_addresses_held
with lab_addresses_held(__import__("pathlib").Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(1.0)
"""


def test_a_second_holder_waits_for_the_first_process(tmp_path: Path) -> None:
    lock = tmp_path / "lab.lock"
    other = subprocess.Popen([sys.executable, "-c", _HOLD, str(lock), str(Path(__file__).parent)],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "held"
        started = time.monotonic()
        with lab_addresses_held(lock, wait=30):
            waited = time.monotonic() - started
            assert other.poll() is not None or waited >= 0.5  # it had the addresses until it let go
    finally:
        other.wait(30)
    assert waited >= 0.5


def test_a_holder_that_never_lets_go_fails_the_waiter_with_a_reason(tmp_path: Path) -> None:
    lock = tmp_path / "lab.lock"
    refused = pytest.raises(pytest.fail.Exception, match="another test held the lab's fixed addresses")
    with lab_addresses_held(lock), refused, lab_addresses_held(lock, wait=0.3):
        pass
