"""The demo's store, made once per test session and copied for each module that reads it.

``canhgac demo`` starts the whole lab province and scans it: about 35 s alone, minutes on a
loaded machine. The console's browser tests and the demo's report tests only read (or change
their own copy of) the store it leaves, so the first module to ask runs the demo, under a file
lock in the session's shared temporary folder (every pytest-xdist worker sees the same one), and
each module gets its own copy of the finished workspace. ``tests/e2e/test_demo.py`` still runs
the demo itself: the demo's own behaviour is what it tests.

Not a test module: imported by name (pyproject's pytest ``pythonpath`` has ``tests``).
"""

from __future__ import annotations

import fcntl
import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "e2e"))
from e2e_support import run_cli


@dataclass(frozen=True)
class DemoStore:
    workspace: Path  # the copy's workspace; the store is ``workspace / "demo"``
    code: int
    stdout: str
    described: str  # how the demo's own run went, for an assertion's message

    @property
    def store(self) -> Path:
        return self.workspace / "demo"


def _shared_root(factory: pytest.TempPathFactory) -> Path:
    base = factory.getbasetemp()
    # under xdist each worker's base is ``.../popen-gwN``: their parent is the session's
    return base.parent if base.name.startswith("popen-gw") else base


def demo_store(factory: pytest.TempPathFactory, name: str) -> DemoStore:
    """A private copy (named ``name``) of the session's demo workspace, made by ``canhgac demo``
    in Vietnamese (the default) the first time any module asks."""
    root = _shared_root(factory) / "shared-demo"
    root.mkdir(exist_ok=True)
    made = root / "workspace"
    outcome = root / "outcome.json"
    with (root / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not outcome.exists():
            shutil.rmtree(made, ignore_errors=True)
            made.mkdir()
            done = run_cli("--workspace", made, "demo", columns=200)
            outcome.write_text(json.dumps({"code": done.code, "stdout": done.stdout,
                                           "described": done.describe()}), encoding="utf-8")
    ran = json.loads(outcome.read_text(encoding="utf-8"))
    copy = factory.mktemp(name)
    shutil.copytree(made, copy, dirs_exist_ok=True, symlinks=True)
    return DemoStore(copy, ran["code"], ran["stdout"], ran["described"])
