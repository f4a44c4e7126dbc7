"""Test files that start the demo province's lab in the machine's own network namespace: its
servers bind the province's fixed addresses (127.25.1.1:25, 127.53.0.1:53...), so two such files
at once — on two pytest-xdist workers (``scripts/dev.py test``), or in two test runs sharing the
machine — would take each other's. They are marked :data:`ONE_AT_A_TIME`: the module holds an
exclusive lock on a file while it runs (``tests/conftest.py``), so they take turns.

Not a test module: imported by name (pyproject's pytest ``pythonpath`` has ``tests``).
"""

from __future__ import annotations

import fcntl
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

FIXTURE = "lab_fixed_addresses"
ONE_AT_A_TIME = pytest.mark.usefixtures(FIXTURE)
LOCK_FILE = Path(tempfile.gettempdir()) / "canhgac-tests-lab-fixed-addresses.lock"
WAIT_SECONDS = 1800.0  # longer than any such file takes; then the test fails saying why


@contextmanager
def lab_addresses_held(path: Path = LOCK_FILE, wait: float = WAIT_SECONDS) -> Iterator[None]:
    """Hold the lab's fixed addresses for this process (an exclusive ``flock``, released when the
    block ends or the process dies)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    pytest.fail(f"another test held the lab's fixed addresses ({path}) for {wait:.0f} s")
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
