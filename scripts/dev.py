#!/usr/bin/env python3
"""Set up canhgac in a local virtualenv and run the demo, the tests or the linters.

Usage: python3 scripts/dev.py demo | test [pytest args] | lint | bench [args] | shell | lock [uv args]
Needs only Python 3.11+ and access to PyPI. Everything else is installed into ./.venv at the exact
versions, checked against their hashes, of requirements/dev-lock.txt (runtime and every extra), so a
fresh machine runs what CI ran. `lock` refreshes that file after pyproject.toml changed; `lock
--upgrade` moves every package to its newest release that pyproject.toml allows (docs/dependencies.md).
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".canhgac-installed"
LOCK = ROOT / "requirements" / "dev-lock.txt"
LOCK_TOOL = "uv==0.13.9"
LOCK_TOOL_VENV = VENV / "lock-tool"
# One lock for every supported Python: resolved from the oldest, with markers for what differs.
LOCK_COMMAND = [
    "pip", "compile", "pyproject.toml", "--all-extras", "--universal", "--python-version", "3.11",
    "--generate-hashes", "--custom-compile-command", "python3 scripts/dev.py lock",
    "--output-file", "requirements/dev-lock.txt",
]
# Every locked package must install from a wheel on these, except pure-Python source-only ones.
WHEEL_PYTHONS = ("3.11", "3.12", "3.13", "3.14")
WHEEL_PLATFORMS = ("x86_64-manylinux_2_28", "aarch64-manylinux_2_28")
SOURCE_ONLY = ("sslyze",)
# The suite spends most of its time waiting on servers and subprocesses, so it runs on more
# workers than cores; a test file stays on one worker (its module fixtures, e.g. a demo, run once;
# the files that bind the lab's fixed addresses take turns: tests/lab_addresses_support.py).
TEST_WORKERS_ENV = "CANHGAC_TEST_WORKERS"


def _run(cmd: list[str], **kw: object) -> int:
    print("+", shlex.join(cmd), flush=True)
    return subprocess.call(cmd, cwd=ROOT, **kw)  # type: ignore[arg-type]


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def install_stamp(pyproject: bytes, lock: bytes) -> dict[str, str]:
    """What .venv was installed from: a new lock rebuilds it, a new pyproject reinstalls canhgac."""
    return {"lock": _digest(lock), "pyproject": _digest(pyproject)}


def _read_stamp() -> dict[str, str]:
    if not STAMP.exists():
        return {}
    pairs = (line.partition("=") for line in STAMP.read_text().splitlines())
    return {key: value for key, _, value in pairs}


def ensure_env() -> None:
    """Make .venv hold exactly the lock and an editable canhgac, doing only what changed."""
    if sys.version_info < (3, 11):
        sys.exit(f"canhgac needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    want = install_stamp((ROOT / "pyproject.toml").read_bytes(), LOCK.read_bytes())
    have = _read_stamp()
    if have == want and (BIN / "python").exists():
        return
    py = str(BIN / "python")
    if have.get("lock") != want["lock"] or not (BIN / "python").exists():
        # A fresh virtualenv: packages dropped from the lock must not linger and hide a missing one.
        print(f"Creating virtualenv in {VENV} from {LOCK.relative_to(ROOT)}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
        # pip only takes a file whose hash the lock lists, whatever PIP_FIND_LINKS or extra indexes
        # offer (a hash-matching file always wins); a local wheel not from PyPI fails loudly instead.
        if _run([py, "-m", "pip", "install", "--quiet", "--require-hashes", "-r", str(LOCK)]) != 0:
            sys.exit(f"installing {LOCK.relative_to(ROOT)} failed")
    if _run([py, "-m", "pip", "install", "--quiet", "--no-deps", "-e", "."]) != 0:
        sys.exit("installing canhgac failed")
    STAMP.write_text("".join(f"{key}={value}\n" for key, value in want.items()))


def lock(args: list[str]) -> int:
    """Recompile requirements/dev-lock.txt with a pinned uv kept in .venv/lock-tool, then check it."""
    uv = LOCK_TOOL_VENV / ("Scripts" if os.name == "nt" else "bin") / "uv"
    marker = LOCK_TOOL_VENV / ".installed"
    if not (marker.exists() and marker.read_text() == LOCK_TOOL):
        shutil.rmtree(LOCK_TOOL_VENV, ignore_errors=True)
        venv.EnvBuilder(with_pip=True).create(LOCK_TOOL_VENV)
        if _run([str(uv.parent / "python"), "-m", "pip", "install", "--quiet", LOCK_TOOL]) != 0:
            sys.exit(f"installing {LOCK_TOOL} failed")
        marker.write_text(LOCK_TOOL)
    # the tool's own interpreter builds any sdist's metadata: uv never downloads a Python
    with_python = ["--python", str(uv.parent / "python")]
    # (uv echoes the whole lock on stdout; its summary and errors go to stderr)
    if _run([str(uv), *LOCK_COMMAND, *with_python, *args], stdout=subprocess.DEVNULL) != 0:
        return 1
    for platform in WHEEL_PLATFORMS:
        for python in WHEEL_PYTHONS:
            check = [str(uv), "pip", "compile", "pyproject.toml", "--all-extras", "--quiet",
                     "--python-version", python, "--python-platform", platform, *with_python,
                     "-c", str(LOCK), "--only-binary", ":all:", "--output-file", os.devnull]
            if _run(check + [arg for name in SOURCE_ONLY for arg in ("--no-binary", name)]) != 0:
                print(f"the lock needs a package built from source on Python {python} {platform}: "
                      "pin a release with wheels, or add a pure-Python one to SOURCE_ONLY", flush=True)
                return 1
    return 0


def parallel_args(args: list[str]) -> list[str]:
    """pytest-xdist's options for ``test``, unless the caller chose (``-n``, ``-p no:xdist``) or
    set ``CANHGAC_TEST_WORKERS`` (0 or 1: one process, as plain pytest)."""
    chosen = any(a in {"-n", "--numprocesses", "no:xdist"}
                 or a.startswith(("-n", "--numprocesses=", "--dist")) for a in args)
    if chosen:
        return []
    workers = os.environ.get(TEST_WORKERS_ENV, "").strip() or str(2 * (os.cpu_count() or 1))
    if not workers.isdigit():
        sys.exit(f"{TEST_WORKERS_ENV} must be a whole number, not {workers!r}")
    return ["-n", workers, "--dist", "loadfile"] if int(workers) > 1 else []


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    what, rest = argv[0], argv[1:]
    if what == "lock":
        return lock(rest)
    if what not in {"demo", "test", "lint", "bench", "shell"}:
        print(__doc__)
        return 2
    ensure_env()
    if what == "demo":
        return _run([str(BIN / "canhgac"), "demo", *rest])
    if what == "test":
        return _run([str(BIN / "python"), "-m", "pytest", *parallel_args(rest), *rest])
    if what == "lint":
        code = _run([str(BIN / "ruff"), "check", "src", "tests", "bench", "scripts"])
        # mypy's Django plugin loads the settings module: give it a throwaway key and workspace
        env = dict(os.environ, CANHGAC_SECRET_KEY="mypy-only-not-a-secret",
                   CANHGAC_WORKSPACE=str(VENV / "mypy-workspace"))
        return code or _run([str(BIN / "mypy")], env=env)
    if what == "bench":
        return _run([str(BIN / "python"), "-m", "bench", *rest])
    print(f"source {BIN / 'activate'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
