"""The tools the benchmarks run, as command lines, and their versions.

canhgac and sslyze run in a child Python process under the loopback guard (bench/run_canhgac.py,
bench/run_sslyze.py); nmap is the system's (Debian package).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

SSLYZE_PROTOCOLS = ("--sslv2", "--sslv3", "--tlsv1", "--tlsv1_1", "--tlsv1_2", "--tlsv1_3")


def canhgac_scan(inventory: Path, *options: str) -> list[str]:
    """``canhgac --lang en scan INVENTORY OPTIONS`` under the loopback guard."""
    return [sys.executable, "-m", "bench.run_canhgac", "--lang", "en", "scan", str(inventory), *options]


def families(names: Iterable[str]) -> list[str]:
    """``--family NAME`` for each name."""
    return [arg for name in names for arg in ("--family", name)]


def checks(ids: Iterable[str]) -> list[str]:
    """``--check ID`` for each check id."""
    return [arg for check_id in ids for arg in ("--check", check_id)]


def sslyze_scan(ca: Path, json_out: Path, targets: Iterable[str], *, starttls: str | None = None) -> list[str]:
    """sslyze's CLI under the loopback guard: every protocol version, the certificate checked
    against the lab CA ``ca``, no Mozilla configuration check, JSON to ``json_out``."""
    return [
        sys.executable, "-m", "bench.run_sslyze",
        *([f"--starttls={starttls}"] if starttls else []),
        "--mozilla_config=disable", *SSLYZE_PROTOCOLS,
        "--certinfo", f"--certinfo_ca_file={ca}", "--quiet", f"--json_out={json_out}",
        *targets,
    ]


def nmap_path() -> str:
    nmap = shutil.which("nmap")
    if nmap is None:
        raise SystemExit("nmap is not installed (Debian: apt-get install -y nmap)")
    return nmap


def nmap_version(nmap: str) -> str:
    first = subprocess.run([nmap, "--version"], capture_output=True, text=True, check=False).stdout
    return first.split()[2] if first.startswith("Nmap version") else "?"
