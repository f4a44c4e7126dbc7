#!/usr/bin/env python3
"""Set up canhgac in a local virtualenv (once) and run the demo, the tests or the linters.

Usage: python3 scripts/dev.py demo | test [pytest args] | lint | bench [args] | shell
Needs only Python 3.11+ and access to PyPI; everything else is installed into ./.venv.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".canhgac-installed"


def _run(cmd: list[str], **kw: object) -> int:
    print("+", " ".join(cmd), flush=True)
    return subprocess.call(cmd, cwd=ROOT, **kw)  # type: ignore[arg-type]


def ensure_env(extras: str) -> None:
    """Create .venv and install the package with ``extras`` when pyproject.toml changed."""
    if sys.version_info < (3, 11):
        sys.exit(f"canhgac needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == want:
        return
    if not (BIN / "python").exists():
        print(f"Creating virtualenv in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    py = str(BIN / "python")
    if _run([py, "-m", "pip", "install", "--quiet", "--upgrade", "pip"]) != 0:
        sys.exit("pip upgrade failed")
    if _run([py, "-m", "pip", "install", "--quiet", "-e", f".[{extras}]"]) != 0:
        sys.exit("installing canhgac failed")
    STAMP.write_text(want)


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    what, rest = argv[0], argv[1:]
    if what == "demo":
        ensure_env("dev")
        return _run([str(BIN / "canhgac"), "demo", *rest])
    if what == "test":
        ensure_env("dev")
        return _run([str(BIN / "python"), "-m", "pytest", *rest])
    if what == "lint":
        ensure_env("dev")
        code = _run([str(BIN / "ruff"), "check", "src", "tests", "bench", "scripts"])
        # mypy's Django plugin loads the settings module: give it a throwaway key and workspace
        env = dict(os.environ, CANHGAC_SECRET_KEY="mypy-only-not-a-secret",
                   CANHGAC_WORKSPACE=str(VENV / "mypy-workspace"))
        return code or _run([str(BIN / "mypy")], env=env)
    if what == "bench":
        ensure_env("dev,bench")
        return _run([str(BIN / "python"), "-m", "bench", *rest])
    if what == "shell":
        ensure_env("dev")
        print(f"source {BIN / 'activate'}")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
