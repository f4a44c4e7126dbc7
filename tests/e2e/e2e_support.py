"""What the end-to-end tests share: the CLI in a subprocess, a lab on a background loop, the store.

Django is configured once per process and the CLI configures it, so every CLI flow runs in a
subprocess of its own, with its own workspace. That subprocess installs the loopback guard
before anything else and reports every address the guard refused on stderr (marked with
``GUARD_MARK``): some collectors treat any ``OSError`` (the guard's error is one) as a closed
port, so only this report proves that nothing tried to leave the machine.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from canhgac.engine.results import CheckResult
from canhgac.lab.runtime import Lab, start_lab

GUARD_MARK = "E2E-LOOPBACK-GUARD-REFUSED"
CLI_TIMEOUT = 120.0

# Installs the guard first, and reports each refusal even when the caller swallows the error.
GUARD_PRELUDE = f"""
import sys
from canhgac import netguard
netguard.install_loopback_guard()
_check = netguard._check

def _reporting_check(address):
    try:
        _check(address)
    except netguard.NetworkGuardError as exc:
        print("{GUARD_MARK}", exc, file=sys.stderr, flush=True)
        raise

netguard._check = _reporting_check
"""

_CLI = """
from canhgac.cli.main import app
sys.argv[0] = "canhgac"
app()
"""

WORKSPACE_NOTE = "Workspace: "  # on stderr, from every command that opens a store (English)
WORKSPACE_NOTES = (WORKSPACE_NOTE, "Thư mục làm việc: ")  # the same note in either language


def error_lines(stderr: str) -> list[str]:
    """The non-blank lines of ``stderr`` but the note naming the workspace opened."""
    return [line for line in stderr.splitlines() if line.strip() and not line.startswith(WORKSPACE_NOTES)]
CONTACT_MARK = "E2E-SOCKET-CONTACT"
# Under the reporting guard, also print every socket address the CLI process uses (connect,
# sendto, getaddrinfo all go through ``netguard._check``), one line marked ``CONTACT_MARK`` each,
# then run the CLI.
RECORDING_CLI = f"""
import os
_refusing_check = netguard._check

def _recording_check(address):
    if isinstance(address, tuple) and address:
        port = address[1] if len(address) > 1 else ""
        # one write(2) per line: threads printing piece by piece could interleave their fields
        os.write(2, f"\\n{CONTACT_MARK} {{address[0]}} {{port}}\\n".encode())
    _refusing_check(address)

netguard._check = _recording_check
from canhgac.cli.main import app
sys.argv[0] = "canhgac"
app()
"""

_DUMP_FINDINGS = """
import json, sys
from pathlib import Path
from canhgac.console.bootstrap import setup_django
setup_django(database_url=None, workspace=Path(sys.argv[1]).resolve())
from canhgac.console.store.models import Finding
rows = {
    f.fingerprint: {
        "check_id": f.check_id, "target_key": f.target_key, "agency": f.agency_code,
        "lifecycle": f.lifecycle, "triage": f.triage, "note": f.note, "assignee": f.assignee,
    }
    for f in Finding.objects.all()
}
print(json.dumps(rows))
"""

_DUMP_INVENTORIES = """
import json, sys
from pathlib import Path
from canhgac.console.bootstrap import setup_django
setup_django(database_url=None, workspace=Path(sys.argv[1]).resolve())
from canhgac.console.store.models import InventoryDocument
print(json.dumps([{"name": d.name, "sha256": d.sha256, "source": d.source, "applied_by": d.applied_by,
                   "applied": d.applied_at is not None, "agencies": d.agency_count, "content": d.content}
                  for d in InventoryDocument.objects.order_by("pk")]))
"""

# Settings that would point a subprocess at another store, catalog or language.
_ISOLATED_ENV = ("CANHGAC_DATABASE_URL", "CANHGAC_WORKSPACE", "CANHGAC_CATALOG_DIR", "CANHGAC_LANG")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _ISOLATED_ENV}
    env["PYTHONIOENCODING"] = "utf-8"
    env["NO_COLOR"] = "1"
    return env


@dataclass(frozen=True)
class CliRun:
    """One finished CLI subprocess."""

    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str

    @property
    def stderr_lines(self) -> list[str]:
        """The non-blank lines on stderr but the note naming the workspace a command opened."""
        return error_lines(self.stderr)

    @property
    def guard_refusals(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if GUARD_MARK in line]

    def describe(self) -> str:
        command = " ".join(self.args)
        return f"{command} -> {self.code}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


def run_guarded(code: str, *args: str | Path, columns: int | None = None, cwd: Path | None = None,
                env_extra: dict[str, str] | None = None) -> CliRun:
    """Run Python ``code`` with ``args`` in a fresh interpreter under the reporting guard (in the
    folder ``cwd``, where a relative ``--workspace`` and the default one are; ``env_extra`` added
    to its environment, e.g. ``TTY_COMPATIBLE=1`` to draw as on a terminal)."""
    text_args = tuple(str(a) for a in args)
    env = _env() | (env_extra or {})
    if columns is not None:
        env["COLUMNS"] = str(columns)
    done = subprocess.run(
        [sys.executable, "-c", GUARD_PRELUDE + code, *text_args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=cwd,
        timeout=CLI_TIMEOUT,
        check=False,
    )
    return CliRun(text_args, done.returncode, done.stdout, done.stderr)


def start_cli(*args: str | Path, output: Path) -> subprocess.Popen[bytes]:
    """Start ``canhgac ARGS`` under the reporting guard, stdout and stderr to ``output``.out/.err."""
    env = _env()
    env["COLUMNS"] = "200"
    with output.with_suffix(".out").open("wb") as out, output.with_suffix(".err").open("wb") as err:
        return subprocess.Popen([sys.executable, "-c", GUARD_PRELUDE + _CLI, *map(str, args)],
                                stdout=out, stderr=err, env=env)


def run_cli(*args: str | Path, columns: int | None = None, cwd: Path | None = None,
            env_extra: dict[str, str] | None = None) -> CliRun:
    """Run ``canhgac ARGS`` in a fresh interpreter (in ``cwd``); fail if the loopback guard
    refused anything.

    ``columns`` sets the terminal width Rich assumes (it wraps at 80 when not on a terminal).
    """
    run = run_guarded(_CLI, *args, columns=columns, cwd=cwd, env_extra=env_extra)
    assert not run.guard_refusals, run.describe()
    return run


def stored_findings(workspace: Path) -> dict[str, dict[str, str]]:
    """Every finding in a workspace's store, by fingerprint (read in a subprocess)."""
    done = subprocess.run(
        [sys.executable, "-c", _DUMP_FINDINGS, str(workspace)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=_env(),
        timeout=CLI_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rows: dict[str, dict[str, str]] = json.loads(done.stdout)
    return rows


def stored_inventories(workspace: Path) -> list[dict[str, object]]:
    """Every inventory document in a workspace's store, oldest first (read in a subprocess)."""
    done = subprocess.run([sys.executable, "-c", _DUMP_INVENTORIES, str(workspace)], capture_output=True,
                          text=True, encoding="utf-8", env=_env(), timeout=CLI_TIMEOUT, check=False)
    assert done.returncode == 0, done.stderr
    rows: list[dict[str, object]] = json.loads(done.stdout)
    return rows


def read_results(json_lines: Path) -> list[CheckResult]:
    """The results ``canhgac scan --json-out`` wrote, one JSON document per line."""
    lines = json_lines.read_text(encoding="utf-8").splitlines()
    return [CheckResult.model_validate_json(line) for line in lines if line.strip()]


T = TypeVar("T")


class BackgroundLoop:
    """An asyncio loop on a daemon thread, so servers answer while the test blocks on a CLI."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="e2e-lab", daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


@dataclass
class RunningLab:
    """The demo province's lab, running on a background loop."""

    lab: Lab
    background: BackgroundLoop

    def replace_zone(self, origin: str, text: str) -> list[str]:
        async def swap() -> list[str]:  # on the lab's own loop, between two answers
            return self.lab.replace_zone(origin, text)

        return self.background.run(swap())


@contextmanager
def running_lab() -> Iterator[RunningLab]:
    """Start the province's lab on a free port; stop it and check it stayed healthy."""
    background = BackgroundLoop()
    try:
        lab = background.run(start_lab(0))
        try:
            yield RunningLab(lab, background)
            assert lab.internal_errors == 0  # read before stop(), which forgets the servers
        finally:
            background.run(lab.stop())
    finally:
        background.close()
