"""checkdmarc's own virtualenv: checkdmarc 6 needs cryptography>=50, canhgac pins <47 (sslyze).

:func:`checkdmarc_python` creates ``bench/out/checkdmarc-venv`` with the stdlib ``venv``
module and ``pip install``s checkdmarc into it on first use (bench/out/ is git-ignored), and
returns its interpreter. The benchmark runs bench/run_checkdmarc.py with that interpreter;
the loopback guard comes from the repository's ``src/`` on PYTHONPATH (canhgac.netguard and
the ``canhgac`` package's ``__init__`` are stdlib-only), so nothing else of canhgac's is
imported there and the two dependency sets never meet.
"""

from __future__ import annotations

import os
import subprocess
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "bench" / "out" / "checkdmarc-venv"
REQUIREMENT = "checkdmarc>=6,<7"
STAMP = VENV / ".bench-installed"


def checkdmarc_python() -> Path:
    """The separate venv's interpreter, with checkdmarc installed (created on first use)."""
    python = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if STAMP.exists() and STAMP.read_text().strip() == REQUIREMENT and python.exists():
        return python
    print(f"creating checkdmarc's virtualenv in {VENV} ({REQUIREMENT})", flush=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", REQUIREMENT], check=True)
    STAMP.write_text(REQUIREMENT)
    return python


def child_env(base: dict[str, str]) -> dict[str, str]:
    """Environment for a child run by the separate interpreter: the repository (for ``bench``)
    and ``src/`` (for ``canhgac.netguard``) on PYTHONPATH, nothing else of the project's venv."""
    env = {k: v for k, v in base.items() if k not in ("VIRTUAL_ENV", "PYTHONHOME")}
    env["PYTHONPATH"] = os.pathsep.join((str(ROOT), str(ROOT / "src")))
    return env


def installed_version(python: Path) -> str:
    out = subprocess.run(
        [str(python), "-c", "from importlib.metadata import version; print(version('checkdmarc'))"],
        capture_output=True, text=True, check=False,
    )
    return out.stdout.strip() or "?"
