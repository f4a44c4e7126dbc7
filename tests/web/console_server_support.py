"""``canhgac serve`` in a subprocess, for the browser and self-scan tests; users made by the CLI.

The console runs under the e2e tests' reporting loopback guard (``e2e_support.start_cli``), on a
free port of 127.0.0.1, and is stopped with SIGTERM (uvicorn's orderly shutdown) when the
``with`` block ends. ``seeded_console`` serves a store a test's own script filled, with its users;
``console_fixture`` makes the module-scoped ``console`` fixture of a browser test from its seed.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "e2e"))
from browser_support import PASSWORD
from e2e_support import GUARD_MARK, GUARD_PRELUDE, start_cli

_CLI = """
from canhgac.cli.main import app
sys.argv[0] = "canhgac"
app()
"""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _env() -> dict[str, str]:
    """This process's environment without a store of its own: the workspace's is used."""
    return {k: v for k, v in os.environ.items() if k not in ("CANHGAC_DATABASE_URL", "CANHGAC_WORKSPACE")}


def add_user(workspace: Path, name: str, role: str, password: str, *agencies: str) -> None:
    """``canhgac users add`` with the password on standard input (as a script would)."""
    args = ["--workspace", str(workspace), "users", "add", name, "--role", role, "--password-stdin"]
    args += [a for code in agencies for a in ("--agency", code)]
    done = subprocess.run([sys.executable, "-c", GUARD_PRELUDE + _CLI, *args], input=password + "\n",
                          capture_output=True, text=True, env=_env(), timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the console exited with {process.returncode}: "
                                 + log.with_suffix(".err").read_text(errors="replace")[-3000:])
        with socket.socket() as probe:
            probe.settimeout(0.5)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"the console did not listen on port {port} within {timeout} s")


def _wait_until_ready(base: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 90.0) -> None:
    """The console listens before it opens (and migrates) the store; its ready line, which names
    its address, comes after. Until then a CLI call on the same store would race its migration."""
    deadline = time.monotonic() + timeout
    while f"{base}/" not in log.with_suffix(".out").read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError("the console did not get ready: "
                                 + log.with_suffix(".err").read_text(errors="replace")[-3000:])
        time.sleep(0.2)


@contextmanager
def served_console(workspace: Path, *extra: str, watch: bool = False) -> Iterator[str]:
    """``canhgac --workspace WORKSPACE serve --port P EXTRA...``, the watch off unless ``watch``
    (a console on a lab's store would otherwise start watching it); yields ``http://127.0.0.1:P``."""
    port = free_port()
    log = workspace / f"serve-{port}"
    switch = "--watch" if watch else "--no-watch"
    process = start_cli("--workspace", workspace, "serve", "--port", str(port), switch, *extra, output=log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_port(port, process, log)
        _wait_until_ready(base, process, log)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    errors = log.with_suffix(".err").read_text(errors="replace")
    assert GUARD_MARK not in errors, errors[-3000:]
    assert "Traceback" not in errors, errors[-3000:]


@contextmanager
def seeded_console(workspace: Path, seed: str, users: Mapping[str, tuple[str, ...]]) -> Iterator[str]:
    """The console on a store that the Python script ``seed`` fills (run with the workspace as its
    argument), with ``users`` (name: role, then its agencies) who log in with
    ``browser_support.PASSWORD``; yields its base URL."""
    done = subprocess.run([sys.executable, "-c", seed, str(workspace)], capture_output=True, text=True,
                          env=_env(), timeout=180, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    for name, (role, *agencies) in users.items():
        add_user(workspace, name, role, PASSWORD, *agencies)
    with served_console(workspace) as base:
        yield base


# the usual cast of a browser test: the CSIRT's analyst, and an officer of agency SO-B
ANALYST_AND_OFFICER_B: Mapping[str, tuple[str, ...]] = {
    "analyst": ("csirt-analyst",), "officer": ("agency-officer", "SO-B")}


def console_fixture(
    name: str, seed: str, users: Mapping[str, tuple[str, ...]] = ANALYST_AND_OFFICER_B
) -> Any:
    """The module-scoped ``console`` fixture (base URL) of a browser test module: ``seed`` run on a
    fresh workspace named after ``name``, then ``users``. Assign it: ``console = console_fixture(...)``."""

    @pytest.fixture(scope="module", name="console")
    def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
        with seeded_console(tmp_path_factory.mktemp(name), seed, users) as base:
            yield base

    return console
