"""``canhgac serve`` in a subprocess, for the browser and self-scan tests; users made by the CLI.

The console runs under the e2e tests' reporting loopback guard (``e2e_support.start_cli``), on a
free port of 127.0.0.1, and is stopped with SIGTERM (uvicorn's orderly shutdown) when the
``with`` block ends.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "e2e"))
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


def add_user(workspace: Path, name: str, role: str, password: str, *agencies: str) -> None:
    """``canhgac users add`` with the password on standard input (as a script would)."""
    env = {k: v for k, v in os.environ.items() if k not in ("CANHGAC_DATABASE_URL", "CANHGAC_WORKSPACE")}
    args = ["--workspace", str(workspace), "users", "add", name, "--role", role, "--password-stdin"]
    args += [a for code in agencies for a in ("--agency", code)]
    done = subprocess.run([sys.executable, "-c", GUARD_PRELUDE + _CLI, *args], input=password + "\n",
                          capture_output=True, text=True, env=env, timeout=120, check=False)
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


@contextmanager
def served_console(workspace: Path, *extra: str, watch: bool = False) -> Iterator[str]:
    """``canhgac --workspace WORKSPACE serve --port P EXTRA...``, the watch off unless ``watch``
    (a console on a lab's store would otherwise start watching it); yields ``http://127.0.0.1:P``."""
    port = free_port()
    log = workspace / f"serve-{port}"
    switch = "--watch" if watch else "--no-watch"
    process = start_cli("--workspace", workspace, "serve", "--port", str(port), switch, *extra, output=log)
    try:
        wait_for_port(port, process, log)
        yield f"http://127.0.0.1:{port}"
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
